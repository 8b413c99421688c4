"""``backend="xrt"``: a built program run on an attached device through AMD XRT: an HLS kernel
(xclbin) on an Alveo card for FPGA targets, an MLIR-AIE design (xclbin and instruction stream)
on a Ryzen AI NPU for NPU targets.

The device is opened once per program, artefacts (and their modification times: a rebuilt file
is loaded again) and device index; ``pyxrt`` is imported on demand by ``core.runtime``, so this
module imports anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from datobench.core.backends.base import Backend, CompiledProgram, unavailable_reason
from datobench.core.backends.options import Rule, indices, integer, option, optional, path
from datobench.core.errors import BackendUnavailable, CapabilityError, DatoError, InternalError
from datobench.core.runtime import (
    NpuRunner,
    SequenceArg,
    XrtRunner,
    find_pyxrt,
    open_device,
    program_runner,
)
from datobench.core.scalar_args import refuse_on_device

NEEDS_XCLBIN = (
    "backend='xrt' runs a built kernel: pass xclbin=PATH (from "
    "prog.build(platform=...)) on a machine with XRT and a device"
)
NEEDS_DESIGN = (
    "backend='xrt' runs a built design on the NPU: pass xclbin=PATH and insts=PATH "
    "(b = prog.build(); prog.run(..., xclbin=b.xclbin, insts=b.insts)) on a machine with XRT "
    "and a Ryzen AI NPU (dato.devices() says what this one has)"
)
_KERNEL_NAME = optional(Rule(lambda v: isinstance(v, str) and v != "", "a kernel name (a str)"))


@dataclass(frozen=True)
class XrtOptions:
    xclbin: str | Path | None = option(None, optional(path()))  # from prog.build()
    insts: str | Path | None = option(None, optional(path()))  # NPU: the instruction stream
    kernel: str | None = option(None, _KERNEL_NAME)  # None: the region's (FPGA), MLIR_AIE (NPU)
    device: int = option(0, integer(0, 1023))  # the XRT device index
    outputs: Iterable[int] | None = option(None, optional(indices()))  # None: what it writes
    timeout_ms: int | None = option(None, optional(integer(1)))  # None: no bound on the wait


@dataclass
class XrtResult:
    """What a hardware run did (outputs are written into the caller's arrays)."""

    backend: ClassVar[str] = "xrt"
    kernel: str
    xclbin: Path
    device: int
    seconds: float  # wall time of the run: copies in, kernel, copies out
    kernel_seconds: float  # the kernel's call and wait alone

    def summary(self) -> str:
        return (
            f"XrtResult(kernel '{self.kernel}' from {self.xclbin.name} on device "
            f"{self.device}, {self.seconds:.3f} s, kernel {self.kernel_seconds:.3f} s)"
        )

    __repr__ = summary


def _device_here() -> None:
    """Raise BackendUnavailable unless pyxrt imports and opens the default device (the
    target and the artefacts are checked when a program runs)."""
    open_device(find_pyxrt(), XrtOptions.device)


def _stamp(file: str | Path | None) -> tuple | None:
    """A file's path and modification time, so that a rebuilt artefact is loaded again."""
    if file is None:
        return None
    try:
        return (str(file), Path(file).stat().st_mtime_ns)
    except OSError:
        return (str(file), None)


class XrtBackend(Backend):
    name = "xrt"
    about = "real hardware through AMD XRT (a built design, an NPU or FPGA device)"
    Options = XrtOptions

    def probe(self, program: CompiledProgram | None = None) -> str | None:
        return unavailable_reason(_device_here)

    def cache_key(self, options: XrtOptions) -> tuple:
        return (_stamp(options.xclbin), _stamp(options.insts), options.kernel, options.device)

    def prepare(self, program: CompiledProgram, options: XrtOptions) -> XrtRunner | NpuRunner:
        from datobench.core.kinds import kind_of

        if program.target is None:
            raise CapabilityError(
                f"backend 'xrt' runs a program on a device: compile {program.region.name} for "
                "the device's target, e.g. target='npu1_4col' (a Ryzen AI NPU) or "
                "target='u280' (an Alveo card)"
            )
        refuse_on_device(program.region)
        if kind_of(program.target).runs_aie:
            if options.xclbin is None or options.insts is None:
                raise BackendUnavailable(NEEDS_DESIGN)
            return NpuRunner(
                options.xclbin, options.insts, runtime_sequence(program), options.kernel,
                options.device,
            )  # fmt: skip
        if options.insts is not None:
            raise DatoError(
                f"insts= is for NPU targets; {program.target.name} runs the HLS kernel in the "
                "xclbin alone: leave insts out"
            )
        if options.xclbin is None:
            raise BackendUnavailable(NEEDS_XCLBIN)
        return program_runner(program, options.xclbin, options.device, options.kernel)

    def run(
        self, program: CompiledProgram, prepared: XrtRunner | NpuRunner, arrays, options
    ) -> XrtResult:
        # The NPU design takes the region's constants as buffers; the HLS kernel holds them.
        npu = isinstance(prepared, NpuRunner)
        buffers = program.region.params if npu else program.region.arguments()
        ordered = [arrays[b.name] for b in buffers]
        outputs = options.outputs if options.outputs is not None else written(program)
        start = time.perf_counter()
        kernel_seconds = prepared.run(ordered, outputs, options.timeout_ms)
        return XrtResult(
            prepared.kernel_name,
            prepared.xclbin_path,
            options.device,
            time.perf_counter() - start,
            kernel_seconds,
        )


def written(program: CompiledProgram) -> set[int]:
    """The indices of the region parameters some task instance writes: the arrays read back."""
    from datobench.core.ir.effects import written_buffers

    names = written_buffers(program.graph)
    return {i for i, b in enumerate(program.region.params) if b.name in names}


def runtime_sequence(program: CompiledProgram) -> list[SequenceArg]:
    """The arguments of the emitted design's runtime sequence, checked to be the region's
    parameters in order (the host buffers are sized by the design, the arrays by the region)."""
    from datobench.core.codegen.aie import emit_design, parse_design
    from datobench.core.codegen.aie.dialect import RuntimeSequenceBase
    from datobench.core.codegen.aie.emu_values import memref_shape

    module = parse_design(emit_design(program))
    sequences = [op for op in module.walk() if isinstance(op, RuntimeSequenceBase)]
    if len(sequences) != 1:
        raise InternalError.failed(
            f"the emitted design of {program.region.name} has {len(sequences)} runtime "
            "sequences, not one"
        )
    found = [
        SequenceArg(arg.name_hint or f"arg{n}", *memref_shape(arg.type))
        for n, arg in enumerate(sequences[0].body.block.args)
    ]
    params = program.region.params
    if [(a.dtype, a.nbytes) for a in found] != [(p.type.dtype.np, p.type.nbytes) for p in params]:
        shown = ", ".join(map(str, found))
        raise InternalError.failed(
            f"the runtime sequence of the emitted design ({shown}) is not the parameters of "
            f"region {program.region.name} ({', '.join(f'{p.name}: {p.type}' for p in params)})"
        )
    return found
