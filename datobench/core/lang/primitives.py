"""Mapping primitives: ``dato.chain(a, b)`` and ``dato.bundle([...])``.

Names are instance names (``"gemm_1_2"``), task names (all their instances, in grid order) or
task names with a pid selection (``"pe[0, :]"``, ``"pe[1:3, 2]"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from datobench.core.errors import DatoTypeError, Loc, caller_loc, user_facing


@dataclass(frozen=True)
class Chain:
    """Fuse each producer with its consumer onto one tile; the channel becomes a local buffer."""

    producers: str
    consumers: str


@dataclass(frozen=True)
class Bundle:
    """Time-multiplex instances on one tile (of one task, or of several that take turns)."""

    names: tuple[str, ...]


@user_facing
def chain(a: str, b: str) -> Chain:
    """Fuse the producers named by ``a`` with their consumers named by ``b``: ``chain("load_a",
    "pe[:, 0]")``."""
    loc = caller_loc()
    return Chain(_name(a, "dato.chain", loc), _name(b, "dato.chain", loc))


@user_facing
def bundle(names: str | Iterable[str]) -> Bundle:
    """Time-multiplex the named instances on one tile: ``bundle(["pe[3, :]"])``."""
    loc = caller_loc()
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, (list, tuple)):
        raise DatoTypeError(
            f"dato.bundle takes a name or a list of names, such as ['pe[3, :]'], not {names!r}",
            loc,
        )
    return Bundle(tuple(_name(n, "dato.bundle", loc) for n in names))


def _name(value: object, what: str, loc: Loc | None) -> str:
    """A name a primitive is given: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise DatoTypeError(
            f"{what} names instances or tasks by strings such as 'pe' or 'pe[0, :]', not {value!r}",
            loc,
        )
    return value
