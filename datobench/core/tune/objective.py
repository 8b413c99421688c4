"""What ``dato.tune`` optimises: named measures of a timed run, or the user's functions of its
``PerfResult``; a tuple of them is a multi-objective search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datobench.core.errors import DatoTypeError

# measure -> whether more is better; each is a column of Tuning.trials
MEASURES = {"seconds": False, "cycles": False, "utilization": True, "memory": False}


@dataclass(frozen=True)
class Goal:
    """One objective: its column name, the function computing it (None for a measure) and
    Optuna's direction."""

    name: str
    function: Callable | None
    direction: str  # "minimize" | "maximize"


def goals(objective: object) -> tuple[Goal, ...]:
    """The objectives named by ``objective``: a measure, a callable (minimised), or a tuple."""
    many = objective if isinstance(objective, tuple) else (objective,)
    if not many:
        raise DatoTypeError("dato.tune's objective is empty: give 'seconds', or a tuple of them")
    out = []
    for k, one in enumerate(many):
        if isinstance(one, str) and one in MEASURES:
            out.append(Goal(one, None, "maximize" if MEASURES[one] else "minimize"))
        elif callable(one):
            name = getattr(one, "__name__", "") or ""
            name = name if name.isidentifier() and name not in MEASURES else f"objective_{k}"
            out.append(Goal(name, one, "minimize"))
        else:
            known = ", ".join(f"'{m}'" for m in MEASURES)
            raise DatoTypeError(
                f"objective {one!r} is not one of {known}, nor a function of the PerfResult "
                "(which is minimised)"
            )
    names = [g.name for g in out]
    if len(set(names)) != len(names):
        raise DatoTypeError(f"dato.tune's objective names a measure twice: {names}")
    return tuple(out)


def values(goals: tuple[Goal, ...], measures: dict, result) -> list[float]:
    """The objectives' values for one timed run (``result`` is its PerfResult)."""
    return [
        float(measures[g.name]) if g.function is None else float(g.function(result)) for g in goals
    ]
