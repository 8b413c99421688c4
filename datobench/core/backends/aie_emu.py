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


@dataclass(frozen=True)
class PreparedDesign:
    text: str
    module: object  # the parsed xdsl ModuleOp


def _is_npu(program: CompiledProgram) -> bool:
    from datobench.core.kinds import kind_of

    return program.mapping is not None and kind_of(program.target).name == "npu"


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

    def prepare(self, program: CompiledProgram, options: AieEmuOptions) -> PreparedDesign:
        from datobench.core.codegen.aie import verify
        from datobench.core.codegen.aie.dialect import parse_design
        from datobench.core.codegen.aie.emit import emit_design

        if not _is_npu(program):
            raise CapabilityError(NEEDS_NPU)
        text = emit_design(program, options.release)
        module = parse_design(text)
        verify(text)
        return PreparedDesign(text, module)

    def run(self, program: CompiledProgram, prepared: PreparedDesign, arrays, options):
        from datobench.core.codegen.aie.emulate import emulate

        ordered = [arrays[b.name] for b in program.region.params]
        return emulate(prepared.text, prepared.module, ordered, options.max_steps)
