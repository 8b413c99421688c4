"""``backend="perf"``: the cycle-approximate simulator of a mapped program."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datobench.core import perf
from datobench.core.backends.base import Backend, CompiledProgram
from datobench.core.backends.options import STEPS, callback, flag, option, optional
from datobench.core.errors import CapabilityError
from datobench.core.perf import PERF_MAX_STEPS
from datobench.core.perf.result import PerfResult

NEEDS_MAPPING = (
    "backend='perf' times a mapped program: compile with a target, e.g. "
    "dato.compile(region, target='npu1_4col') (see dato.targets())"
)


@dataclass(frozen=True)
class PerfOptions:
    values: bool = option(True, flag())  # False: timing only, without array values
    max_steps: int = option(PERF_MAX_STEPS, STEPS)  # loop iterations before the run stops
    progress: Callable[[float], None] | None = option(None, optional(callback()))


class PerfBackend(Backend):
    name = "perf"
    about = "cycle-approximate simulator with traces (needs a target)"
    Options = PerfOptions

    def probe(self, program: CompiledProgram | None = None) -> str | None:
        if program is not None and program.mapping is None:
            return NEEDS_MAPPING
        return None

    def needs_arrays(self, options: PerfOptions) -> bool:
        return options.values

    def cache_key(self, options: PerfOptions) -> bool:
        return options.values  # timed code with and without the array arithmetic

    def prepare(self, program: CompiledProgram, options: PerfOptions):
        if program.mapping is None:
            raise CapabilityError(NEEDS_MAPPING)
        return perf.prepare(program, options.values)

    def run(self, program: CompiledProgram, prepared, arrays, options: PerfOptions) -> PerfResult:
        return perf.simulate_perf(program, arrays, prepared, options.max_steps, options.progress)
