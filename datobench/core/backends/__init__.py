"""The backends that run a compiled program, found by name: ``prog.run(backend=name)``.

Each backend is one module of this package; a new one is registered in ``REGISTRY`` below.
"""

from __future__ import annotations

from datobench.core.backends.aie_emu import AieEmuBackend
from datobench.core.backends.base import (
    Backend,
    BackendResult,
    BackendStatus,
    BackendTable,
    CompiledProgram,
)
from datobench.core.backends.csim import CsimBackend
from datobench.core.backends.perf import PerfBackend
from datobench.core.backends.sim import SimBackend
from datobench.core.backends.xrt import XrtBackend, XrtResult
from datobench.core.errors import DatoError, caller_loc

REGISTRY: dict[str, Backend] = {
    b.name: b for b in (SimBackend(), PerfBackend(), CsimBackend(), AieEmuBackend(), XrtBackend())
}


def backend(name: str) -> Backend:
    """The backend called ``name``; an unknown name is a located DatoError listing them."""
    if name not in REGISTRY:
        raise DatoError(f"unknown backend '{name}'; available: {', '.join(REGISTRY)}", caller_loc())
    return REGISTRY[name]


def backends(program: CompiledProgram | None = None) -> BackendTable:
    """``dato.backends()``: every registered backend, whether it can run here (and run
    ``program``, when given) and, if not, why: records with ``.name``, ``.available`` and
    ``.reason``, printed as a table."""
    rows = []
    for b in REGISTRY.values():
        reason = b.probe(program)
        rows.append(BackendStatus(b.name, reason is None, reason, b.about))
    return BackendTable(rows)


__all__ = [
    "REGISTRY",
    "Backend",
    "BackendResult",
    "BackendStatus",
    "BackendTable",
    "XrtResult",
    "backend",
    "backends",
]
