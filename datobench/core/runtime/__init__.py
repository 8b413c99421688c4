"""Hardware runtime: probing for AMD XRT and devices, running built kernels, invoking vendor
build tools. The only package that touches vendor libraries; ``pyxrt`` is imported on demand
(``probe.find_pyxrt``), so importing datobench needs none of them."""

from datobench.core.runtime.build import build_fpga, vpp_commands
from datobench.core.runtime.insts import read_instructions
from datobench.core.runtime.machine import Device, DeviceTable, Missing, devices
from datobench.core.runtime.npu import NpuRunner, SequenceArg
from datobench.core.runtime.npu_build import NpuBuild, NpuToolchain, build_npu, npu_commands
from datobench.core.runtime.probe import DeviceInfo, find_pyxrt, find_tool, open_device, xrt_devices
from datobench.core.runtime.xrt import XrtRunner, program_runner

__all__ = [
    "Device",
    "DeviceInfo",
    "DeviceTable",
    "Missing",
    "NpuBuild",
    "NpuRunner",
    "NpuToolchain",
    "SequenceArg",
    "XrtRunner",
    "build_fpga",
    "build_npu",
    "devices",
    "find_pyxrt",
    "find_tool",
    "npu_commands",
    "open_device",
    "program_runner",
    "read_instructions",
    "vpp_commands",
    "xrt_devices",
]
