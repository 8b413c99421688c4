"""What this machine has for running on hardware: AMD XRT's ``pyxrt``, attached devices, and
the vendor build tools on PATH.

This is the only module in datobench that imports ``pyxrt``, and it does so on demand, so the
package imports on any laptop. A missing piece is reported as ``BackendUnavailable`` saying
what is missing and how to get it.
"""

from __future__ import annotations

import glob
import importlib
import os
import shutil
import sys
from dataclasses import dataclass
from types import ModuleType

from datobench.core.errors import BackendUnavailable

_MAX_DEVICES = 64  # how far to count devices when pyxrt has no enumerate_devices


@dataclass(frozen=True)
class DeviceInfo:
    """One attached XRT device: its index for ``pyxrt.device(index)``, name and PCIe address."""

    index: int
    name: str
    bdf: str

    def __str__(self) -> str:
        return f"[{self.index}] {self.name} ({self.bdf})"


def find_pyxrt() -> ModuleType:
    """The ``pyxrt`` module of AMD XRT, imported on first use."""
    try:
        return importlib.import_module("pyxrt")
    except ImportError as error:
        raise BackendUnavailable(_pyxrt_missing(error)) from None


def _pyxrt_missing(error: ImportError) -> str:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    lines = [
        f"pyxrt (the Python binding of AMD XRT) cannot be imported: {error}",
        "install AMD XRT (https://xilinx.github.io/XRT) and `source /opt/xilinx/xrt/setup.sh` "
        "in the shell that starts Python, so that `import pyxrt` works",
    ]
    xrt_root = os.environ.get("XILINX_XRT")
    if xrt_root:
        builds = sorted(os.path.basename(p) for p in glob.glob(f"{xrt_root}/python/pyxrt*"))
        found = ", ".join(builds) if builds else "no pyxrt module"
        lines.append(f"XILINX_XRT={xrt_root} holds {found}")
    lines.append(
        f"pyxrt is built for one Python version; this is Python {python}, so use the "
        "interpreter XRT was built for (or build XRT for this one)"
    )
    return "\n".join(lines)


def xrt_devices(pyxrt: ModuleType | None = None) -> list[DeviceInfo]:
    """The devices XRT sees (an empty list when there are none)."""
    pyxrt = pyxrt if pyxrt is not None else find_pyxrt()
    found = []
    for index in range(_device_count(pyxrt)):
        try:
            device = pyxrt.device(index)
        except RuntimeError:
            break
        found.append(DeviceInfo(index, _info(pyxrt, device, "name"), _info(pyxrt, device, "bdf")))
    return found


def _device_count(pyxrt: ModuleType) -> int:
    if hasattr(pyxrt, "enumerate_devices"):  # recent XRT releases
        return int(pyxrt.enumerate_devices())
    for index in range(_MAX_DEVICES):
        try:
            pyxrt.device(index)
        except RuntimeError:
            return index
    return _MAX_DEVICES


def _info(pyxrt: ModuleType, device, key: str) -> str:
    try:
        return str(device.get_info(getattr(pyxrt.xrt_info_device, key)))
    except (RuntimeError, AttributeError):
        return "?"


def open_device(pyxrt: ModuleType, index: int = 0):
    """``pyxrt.device(index)``, or ``BackendUnavailable`` listing what was probed."""
    try:
        return pyxrt.device(index)
    except RuntimeError as error:
        reason = str(error)
    try:
        seen = xrt_devices(pyxrt)
    except RuntimeError as error:
        seen, reason = [], f"{reason}; enumerating devices failed too: {error}"
    where = getattr(pyxrt, "__file__", "pyxrt")
    if seen:
        listing = "; ".join(str(d) for d in seen)
        hint = f"choose device_index from {[d.index for d in seen]}"
    else:
        listing = "none"
        hint = (
            "dato.devices() says what this machine has and misses; check an Alveo card with "
            "`xbutil examine` (the xocl driver must be loaded), a Ryzen AI NPU with `xrt-smi "
            "examine` (the amdxdna driver); for FPGA emulation set XCL_EMULATION_MODE=sw_emu "
            "or hw_emu next to an emconfig.json"
        )
    raise BackendUnavailable(
        f"no XRT device at index {index} ({reason})\n"
        f"probed: pyxrt from {where}; devices XRT sees: {listing}\n{hint}"
    )


def find_tool(name: str) -> str | None:
    """The path of a vendor tool (``v++``, ``aiecc.py``) on PATH, or None."""
    return shutil.which(name)
