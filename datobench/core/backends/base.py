"""What a backend is: a name, its run options, a probe, a cached prepare step and a run step;
and what every backend's ``run`` returns.

``Program.run(*arrays, backend=name, **options)`` looks the backend up by name, checks the
options against the backend's ``Options`` dataclass, prepares once per program (and per
``cache_key``) and runs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from datobench.core.backends.options import check
from datobench.core.errors import BackendUnavailable, DatoError, caller_loc
from datobench.core.ir.mapping import Mapping
from datobench.core.ir.program import Graph, Region
from datobench.core.targets import Target


class CompiledProgram(Protocol):
    """What a backend reads of a compiled program (``datobench.core.program.Program``)."""

    region: Region
    graph: Graph
    kernels: dict
    target: Target | None
    mapping: Mapping | None


@runtime_checkable
class BackendResult(Protocol):
    """What ``prog.run`` returns, whatever the backend: its name and a one-line summary."""

    backend: ClassVar[str]

    def summary(self) -> str: ...


@dataclass(frozen=True)
class NoOptions:
    """The options of a backend that takes none."""


class Backend(ABC):
    """One way to run a compiled program; one module of ``datobench.core.backends`` each.

    A subclass sets ``name``, ``about`` (one line for ``dato.backends()``) and ``Options`` (a
    frozen dataclass whose fields, with their defaults and value rules (``options.option``),
    are the keyword options of ``run``),
    and implements ``prepare`` and ``run``; ``probe`` says whether it can run here.
    """

    name: ClassVar[str]
    about: ClassVar[str]
    Options: ClassVar[type] = NoOptions

    def probe(self, program: CompiledProgram | None = None) -> str | None:
        """None if this backend can run here (and can run ``program``, when given, as far as
        that is known without the run's options); otherwise the reason, worded as the
        ``BackendUnavailable`` that running would raise."""
        return None

    def option_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.Options))

    def parse_options(self, given: dict[str, Any]):
        """The options of one run; a name the backend does not know is a located DatoError,
        a value its ``Options`` rule refuses a located DatoTypeError (``options.py``)."""
        known = self.Options.__dataclass_fields__
        unknown = [name for name in given if name not in known]
        if unknown:
            known = self.option_names()
            listed = ", ".join(known) if known else "none"
            what = "option" if len(unknown) == 1 else "options"
            raise DatoError(
                f"backend '{self.name}' has no {what} {', '.join(map(repr, unknown))}; "
                f"its options: {listed}",
                caller_loc(),
            )
        return check(self.name, self.Options, given)

    def needs_arrays(self, options) -> bool:
        """Whether a run needs the program's arrays (timing alone does not)."""
        return True

    def cache_key(self, options) -> Hashable:
        """What the prepared state depends on besides the program (None: nothing)."""
        return None

    @abstractmethod
    def prepare(self, program: CompiledProgram, options) -> Any:
        """The state a run needs (generated code, a compiled binary, a loaded device), made
        once per program and ``cache_key``."""

    @abstractmethod
    def run(
        self, program: CompiledProgram, prepared, arrays: dict[str, np.ndarray] | None, options
    ) -> BackendResult:
        """Run once; outputs are written into ``arrays`` (by region parameter name)."""


def unavailable_reason(check) -> str | None:
    """The message of the ``BackendUnavailable`` that ``check()`` raises, or None."""
    try:
        check()
    except BackendUnavailable as error:
        return error.message
    return None


@dataclass(frozen=True)
class BackendStatus:
    """One row of ``dato.backends()``: whether a backend can run here, and if not, why."""

    name: str
    available: bool
    reason: str | None  # the BackendUnavailable message a run would raise; None if available
    about: str

    def __str__(self) -> str:
        state = "yes" if self.available else "no: " + (self.reason or "").splitlines()[0]
        return f"{self.name}: {state}"


class BackendTable(list):
    """The list of ``BackendStatus`` that ``dato.backends()`` returns; prints as a table."""

    def __str__(self) -> str:
        width = max([len(s.name) for s in self] + [len("backend")])
        lines = [f"{'backend':<{width}}  available  {'what it is / why not'}"]
        for s in self:
            note = s.about if s.available else (s.reason or "").splitlines()[0]
            lines.append(f"{s.name:<{width}}  {'yes' if s.available else 'no':<9}  {note}")
        return "\n".join(lines)

    __repr__ = __str__
