"""The calling convention of lowered instance code.

Every lowered instance is a generator function ``run(P, Q, C, ...)``. ``InstanceArgs`` names
its arguments once: the lowering writes the header from the fields, the scheduler fills them
by name, and a lowering that needs more (the performance simulator's timing hooks) subclasses
it with further fields, appended to the header in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class InstanceArgs:
    """The arguments of an instance's generated ``run``; the one-letter names are the local
    variables the generated code uses."""

    P: list  # the instance's parameter windows (numpy views, None when timing only)
    Q: list[deque]  # every channel's queue, by slot
    C: list[int]  # elements put on each channel so far, by slot
    K: list  # constants the lowering set aside (numpy scalars, kernels, locations)
    S: list[int]  # [loop iterations left], shared by all instances of a run
    W: list  # the instance's Wait records, by wait number
    fail: Callable[[int, int, int], None]  # an index is out of range: (check, start, length)
    budget: Callable[[object], None]  # the loop budget is spent at this location
    V: dict  # the region's scalar parameters the instance reads, by name (None: timing only)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The parameter names of the generated ``run``, in order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def header(cls) -> str:
        """The first line of the generated function."""
        return f"def run({', '.join(cls.names())}):"

    def call(self, run: Callable):
        """Call a generated ``run`` with these arguments, by name (a dataclass's instance
        dictionary holds exactly its fields)."""
        return run(**vars(self))
