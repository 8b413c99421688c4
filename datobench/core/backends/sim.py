"""``backend="sim"``: the functional simulator, the reference semantics of the IR."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.backends.base import Backend, CompiledProgram
from datobench.core.backends.options import STEPS, option
from datobench.core.sim.scheduler import DEFAULT_MAX_STEPS, SimResult, compile_graph, simulate


@dataclass(frozen=True)
class SimOptions:
    max_steps: int = option(DEFAULT_MAX_STEPS, STEPS)  # loop iterations before the run stops


class SimBackend(Backend):
    name = "sim"
    about = "functional simulator: the reference semantics of the IR"
    Options = SimOptions

    def prepare(self, program: CompiledProgram, options: SimOptions):
        return compile_graph(program.graph)

    def run(self, program: CompiledProgram, prepared, arrays, options: SimOptions) -> SimResult:
        return simulate(program.graph, prepared, arrays, program.kernels, options.max_steps)
