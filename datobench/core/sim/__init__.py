"""The functional simulator: the executable semantics of the IR."""

from datobench.core.sim.scheduler import SimResult, simulate

__all__ = ["SimResult", "simulate"]
