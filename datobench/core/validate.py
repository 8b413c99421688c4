"""One validation layer for the numbers and arguments a user gives datobench: mapping grids,
sizes, tensor dimensions, stream depths, and the ``sizes=``, ``placement=`` and ``primitives=``
arguments of ``dato.compile``.

A range of numbers is a ``Whole`` or a ``Real``: ``fits(value)`` says whether a value lies in
it and ``describe()`` says what it allows ("a whole number from 1 to 4096"). ``whole_number``
checks one value against one and raises a located ``DatoTypeError``; the argument checks below
build on it. The figures of a target file are checked against the same ranges by
``core/targets/schema.py``, which reports a ``TargetError`` naming the file and the key; the
names ``dato.chain`` and ``dato.bundle`` are given are checked by them, at their own call.

Numbers are taken as they are written: a whole number is an ``int`` (numpy integers welcome),
never a ``bool``, a ``float`` such as ``2.0`` or a string such as ``"2"``; a real number is an
``int`` or a finite ``float``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

from datobench.core.errors import DatoTypeError, Loc, MappingError
from datobench.core.lang.primitives import Bundle, Chain

# Upper bounds, so that a slip of the keyboard is an error rather than a hang or a MemoryError.
MAX_INSTANCES = 4096  # task instances of one program: the largest shipped PE grid (u250, 64 x 64)
MAX_MAPPING_AXES = 8  # axes of a task's mapping grid
MAX_SIZE = 2**31 - 1  # a tensor dimension, a size, a tensor's elements: what a C++ int holds
MAX_DEPTH = 65536  # the depth of a stream
MAX_CHANNELS = 65536  # the channels of one stream array


def is_whole(value: object) -> bool:
    """An ``int`` or a numpy integer, not a ``bool``."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> bool:
    """A whole number or a finite float (not NaN or infinity)."""
    if is_whole(value):
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Whole:
    """Whole numbers from ``low`` to ``high``, both included."""

    low: int
    high: int

    def fits(self, value: object) -> bool:
        return is_whole(value) and self.low <= value <= self.high

    def describe(self) -> str:
        return f"a whole number from {self.low} to {self.high}"


@dataclass(frozen=True)
class Real:
    """Numbers above ``low`` (or from ``low`` on, when ``low_included``) up to ``high``."""

    low: float
    high: float
    low_included: bool = False

    def fits(self, value: object) -> bool:
        if not is_real(value):
            return False
        above = value >= self.low if self.low_included else value > self.low
        return above and value <= self.high

    def describe(self) -> str:
        if self.low_included:
            return f"a number from {_figure(self.low)} to {_figure(self.high)}"
        return f"a number more than {_figure(self.low)} and at most {_figure(self.high)}"


def _figure(x: float) -> str:
    """A bound as a person writes it: 4096, 0.125, 1e13."""
    return f"{x:g}".replace("e+0", "e").replace("e+", "e")


def whole_number(value: object, what: str, low: int, high: int, loc: Loc | None = None) -> int:
    """``value`` as an ``int``, if it is a whole number from ``low`` to ``high``; otherwise a
    ``DatoTypeError`` at ``loc`` saying that ``what`` must be one."""
    spec = Whole(low, high)
    if not spec.fits(value):
        raise DatoTypeError(f"{what} must be {spec.describe()}, not {value!r}", loc)
    return int(value)


def sizes_argument(sizes: object, loc: Loc | None = None) -> dict[str, int]:
    """The ``sizes=`` of ``dato.compile``: size names and whole numbers (None for none)."""
    if sizes is None:
        return {}
    if not isinstance(sizes, Mapping):
        raise DatoTypeError(
            f"sizes= takes a dict of size names and whole numbers, e.g. sizes={{'M': 64}}, "
            f"not {sizes!r}",
            loc,
        )
    out = {}
    for name, value in sizes.items():
        if not isinstance(name, str):
            raise DatoTypeError(
                f"sizes= names each size by its name, a string such as 'M', not {name!r}", loc
            )
        out[name] = whole_number(value, f"size {name}", 1, MAX_SIZE, loc)
    return out


def tile_argument(name: str, tile: object) -> tuple[int, int]:
    """A (column, row) pair of whole numbers (numpy integers welcome, booleans not), as the
    tile a placement gives instance ``name``."""
    try:
        if len(tile) != 2 or not all(is_whole(v) for v in tile):
            raise TypeError
        return (int(tile[0]), int(tile[1]))
    except TypeError:
        raise MappingError(
            f"placement of '{name}' must be a (column, row) pair of whole numbers, not {tile!r}"
        ) from None


def placement_argument(placement: object) -> dict[str, tuple[int, int]] | None:
    """The ``placement=`` of ``dato.compile``: instance names and their tiles (None for none).
    Whether the names and tiles exist on the target is the placement pass's to check."""
    if placement is None:
        return None
    if not isinstance(placement, Mapping):
        raise DatoTypeError(
            "placement= takes a dict of instance names and (column, row) tiles, e.g. "
            f"placement={{'pe_0_1': (1, 3)}}, not {_kind(placement)}"
        )
    return {name: tile_argument(name, tile) for name, tile in placement.items()}


def primitives_argument(primitives: object) -> tuple:
    """The ``primitives=`` of ``dato.compile``: a list of ``dato.chain`` / ``dato.bundle``
    (None for none). What each item is and names is the virtual mapping's to check."""
    if primitives is None:
        return ()
    if isinstance(primitives, (Chain, Bundle)):
        call = "dato.chain" if isinstance(primitives, Chain) else "dato.bundle"
        raise DatoTypeError(
            f"primitives= takes a list of mapping primitives, not a bare {call}(...): write "
            f"primitives=[{call}(...)]"
        )
    if isinstance(primitives, (str, bytes, Mapping)) or not _iterable(primitives):
        raise DatoTypeError(
            "primitives= takes a list of mapping primitives, e.g. "
            f"primitives=[dato.chain('load', 'pe')], not {_kind(primitives)}"
        )
    return tuple(primitives)


def _iterable(value: object) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _kind(value: object) -> str:
    """A value as an error message names it: its type, and itself (cut short when long)."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} ({shown})"
