"""The keyword options of ``prog.run``, declared per backend with their types and ranges.

A backend's ``Options`` dataclass declares each option with ``option(default, rule)``; a
rule says what a value must be (``integer(1, 10**15)``, ``number(0, None)``, ``flag()``,
``callback()``, ``path()``, ``indices()``, and ``optional(rule)`` for one that may be None).
``check(backend, options_class, given)`` builds the options of one run, and a value that breaks
its rule is a ``DatoTypeError`` at the user's ``run`` line naming the option, what it must be
and what it got.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from datobench.core.errors import DatoTypeError, caller_loc


@dataclass(frozen=True)
class Rule:
    """What an option's value must be: ``ok(value)`` and the words for it."""

    ok: Callable[[Any], bool]
    words: str


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _span(low, high) -> str:
    if high is None:
        return f"at least {low:,}"
    return f"from {low:,} to {high:,}"


def integer(low: int, high: int | None = None) -> Rule:
    """An int (not a bool) in ``[low, high]``."""
    return Rule(
        lambda v: _is_int(v) and v >= low and (high is None or v <= high),
        f"an integer {_span(low, high)}",
    )


def number(low: float, high: float | None = None) -> Rule:
    """A finite int or float (not a bool) in ``[low, high]``."""

    def ok(v) -> bool:
        return (
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and math.isfinite(v)
            and v >= low
            and (high is None or v <= high)
        )

    words = f"a number of at least {low:g}"
    return Rule(ok, words if high is None else f"{words} and at most {high:g}")


def flag() -> Rule:
    return Rule(lambda v: isinstance(v, bool), "True or False")


def callback() -> Rule:
    return Rule(callable, "a function")


def path() -> Rule:
    return Rule(lambda v: isinstance(v, (str, os.PathLike)), "a path (str or pathlib.Path)")


def indices() -> Rule:
    """An iterable of non-negative ints (not a string)."""

    def ok(v) -> bool:
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            return False
        return all(_is_int(i) and i >= 0 for i in v)

    return Rule(ok, "a list of argument indices (non-negative integers)")


def optional(rule: Rule) -> Rule:
    return Rule(lambda v: v is None or rule.ok(v), f"None or {rule.words}")


STEPS = integer(1, 10**15)  # a loop budget (max_steps=): positive, and fits a C++ long long


def option(default, rule: Rule):
    """A field of an ``Options`` dataclass: its default and what its value must be."""
    return field(default=default, metadata={"rule": rule})


def check(backend: str, options: type, given: dict[str, Any]):
    """The options of one run of ``backend``: ``options(**given)``, each value checked against
    its rule (options are known names; the caller has checked that). An iterator is read
    once, into a tuple, before it is checked."""
    given = {k: tuple(v) if isinstance(v, Iterator) else v for k, v in given.items()}
    for f in fields(options):
        rule: Rule | None = f.metadata.get("rule")
        if f.name in given and rule is not None and not rule.ok(given[f.name]):
            value = given[f.name]
            shown = repr(value) if len(repr(value)) <= 60 else f"a {type(value).__name__}"
            raise DatoTypeError(
                f"backend '{backend}': option {f.name}= must be {rule.words}, not {shown}",
                caller_loc(),
            )
    return options(**given)
