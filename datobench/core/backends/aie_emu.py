"""``backend="aie-emu"``: the emitted MLIR-AIE design, parsed, verified and executed by the
emulator (``datobench.core.codegen.aie.emulate``), which must give ``sim``'s results."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.backends.base import Backend, CompiledProgram
from datobench.core.errors import CapabilityError
from datobench.core.sim.scheduler import DEFAULT_MAX_STEPS

NEEDS_NPU = (
    "backend='aie-emu' runs the MLIR-AIE design of a program mapped onto an NPU: compile with "
    "an NPU target, e.g. dato.compile(region, target='npu1_4col')"
)


@dataclass(frozen=True)
class AieEmuOptions:
    max_steps: int = DEFAULT_MAX_STEPS  # core loop iterations before the run is stopped
    release: str | None = None  # the mlir-aie release whose syntax is emitted (None: default)


def _is_npu(program: CompiledProgram) -> bool:
    """Mapped onto a target of a kind that runs MLIR-AIE designs."""
    from datobench.core.kinds import kind_of

    return program.mapping is not None and kind_of(program.target).runs_aie


class AieEmuBackend(Backend):
    name = "aie-emu"
    about = "the emitted MLIR-AIE design executed by an emulator (needs an NPU target)"
    Options = AieEmuOptions

    def probe(self, program: CompiledProgram | None = None) -> str | None:
        if program is not None and not _is_npu(program):
            return NEEDS_NPU
        return None

    def cache_key(self, options: AieEmuOptions) -> str | None:
        return options.release

    def prepare(self, program: CompiledProgram, options: AieEmuOptions):
        from datobench.core.codegen.aie import emit_design, verify
        from datobench.core.codegen.aie.parse import read_design

        if not _is_npu(program):
            raise CapabilityError(NEEDS_NPU)
        text = emit_design(program, options.release)
        verify(text)
        return read_design(text)

    def run(self, program: CompiledProgram, prepared, arrays, options: AieEmuOptions):
        from datobench.core.codegen.aie.emulate import emulate

        ordered = [arrays[b.name] for b in program.region.params]
        return emulate(prepared, ordered, options.max_steps, program.kernels)
