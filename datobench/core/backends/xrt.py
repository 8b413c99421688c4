"""``backend="xrt"``: a built HLS kernel (xclbin) run on an attached device through AMD XRT.

The device is opened once per program, xclbin and device index; ``pyxrt`` is imported on
demand by ``core.runtime``, so this module imports anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from datobench.core.backends.base import Backend, CompiledProgram, unavailable_reason
from datobench.core.backends.options import indices, integer, option, optional, path
from datobench.core.errors import BackendUnavailable
from datobench.core.runtime import XrtRunner, find_pyxrt, open_device, program_runner

NEEDS_XCLBIN = (
    "backend='xrt' runs a built kernel: pass xclbin=PATH (from "
    "prog.build(platform=...)) on a machine with XRT and a device"
)


@dataclass(frozen=True)
class XrtOptions:
    xclbin: str | Path | None = option(None, optional(path()))  # from prog.build(platform=...)
    device: int = option(0, integer(0, 1023))  # the XRT device index
    outputs: Iterable[int] | None = option(None, optional(indices()))  # None: all arguments
    timeout_ms: int | None = option(None, optional(integer(1)))  # None: no bound on the wait


@dataclass
class XrtResult:
    """What a hardware run did (outputs are written into the caller's arrays)."""

    backend: ClassVar[str] = "xrt"
    kernel: str
    xclbin: Path
    device: int
    seconds: float  # wall time of the run: copies in, kernel, copies out

    def summary(self) -> str:
        return (
            f"XrtResult(kernel '{self.kernel}' from {self.xclbin.name} on device "
            f"{self.device}, {self.seconds:.3f} s)"
        )

    __repr__ = summary


def _device_here() -> None:
    """Raise BackendUnavailable unless pyxrt imports and opens the default device (the
    target and the xclbin are checked when a program runs)."""
    open_device(find_pyxrt(), XrtOptions.device)


class XrtBackend(Backend):
    name = "xrt"
    about = "real hardware through AMD XRT (an FPGA target, a built xclbin, a device)"
    Options = XrtOptions

    def probe(self, program: CompiledProgram | None = None) -> str | None:
        return unavailable_reason(_device_here)

    def cache_key(self, options: XrtOptions) -> tuple:
        return (str(options.xclbin), options.device)

    def prepare(self, program: CompiledProgram, options: XrtOptions) -> XrtRunner:
        if options.xclbin is None:
            raise BackendUnavailable(NEEDS_XCLBIN)
        return program_runner(program, options.xclbin, options.device)

    def run(
        self, program: CompiledProgram, prepared: XrtRunner, arrays, options: XrtOptions
    ) -> XrtResult:
        start = time.perf_counter()
        prepared.run(list(arrays.values()), options.outputs, options.timeout_ms)
        return XrtResult(
            prepared.kernel_name,
            prepared.xclbin_path,
            options.device,
            time.perf_counter() - start,
        )
