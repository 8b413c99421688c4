"""``backend="csim"``: the generated HLS C++ compiled with g++ and run on the arrays."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.backends.base import Backend, CompiledProgram, unavailable_reason
from datobench.core.backends.options import STEPS, number, option
from datobench.core.codegen.hls import csim
from datobench.core.codegen.hls.csim import CSIM_MAX_STEPS, CsimResult


@dataclass(frozen=True)
class CsimOptions:
    timeout: float = option(300.0, number(0))  # seconds before the C simulation is stopped
    max_steps: int = option(CSIM_MAX_STEPS, STEPS)  # loop iterations before the run stops


class CsimBackend(Backend):
    name = "csim"
    about = "generated Vitis HLS C++ compiled with g++ (bounded, threaded streams)"
    Options = CsimOptions

    def probe(self, program: CompiledProgram | None = None) -> str | None:
        return unavailable_reason(csim.compiler)

    def prepare(self, program: CompiledProgram, options: CsimOptions) -> csim.CsimBuild:
        return csim.build(program)

    def run(self, program: CompiledProgram, prepared, arrays, options: CsimOptions) -> CsimResult:
        return csim.run(program, prepared, arrays, options.timeout, options.max_steps)
