"""Mapping primitives: ``dato.chain(a, b)`` and ``dato.bundle([...])``.

Names are instance names (``"gemm_1_2"``), task names (all their instances, in grid order) or
task names with a pid selection (``"pe[0, :]"``, ``"pe[1:3, 2]"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Chain:
    """Fuse each producer with its consumer onto one tile; the channel becomes a local buffer."""

    producers: str
    consumers: str


@dataclass(frozen=True)
class Bundle:
    """Time-multiplex instances with identical bodies on one tile."""

    names: tuple[str, ...]


def chain(a: str, b: str) -> Chain:
    """Fuse the producers named by ``a`` with their consumers named by ``b``: ``chain("load_a",
    "pe[:, 0]")``."""
    return Chain(str(a), str(b))


def bundle(names: str | Iterable[str]) -> Bundle:
    """Time-multiplex the named instances on one tile: ``bundle(["pe[3, :]"])``."""
    if isinstance(names, str):
        names = [names]
    return Bundle(tuple(str(n) for n in names))
