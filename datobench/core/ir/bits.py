"""Exact integers of any width in numpy: wrap-around, bit slices, packing tiles into words.

An integer type of up to 64 bits is held in the narrowest native numpy integer (``int4`` in
``int8``); numpy wraps at 8, 16, 32 and 64 bits by itself, and every other width is wrapped
here after each operation (``wrap``), which is exact because the native width is a multiple of
the type's: the low bits of a wrapped native result are those of the exact result. Wider types
are object arrays of Python ints, wrapped the same way. These are the simulators' semantics and
those of ``ap_int``/``ap_uint`` when a result is assigned to a variable of the type.
"""

from __future__ import annotations

import numpy as np

from datobench.core.ir import bfp
from datobench.core.ir.types import DTYPES, DType

MASK_BITS = 64  # numpy's widest native integer


def wrap(x, dtype: DType):
    """``x`` (a numpy array or scalar, or a Python int) reduced to ``dtype``'s width, in its
    storage dtype: the two's-complement value of the low ``dtype.bits`` bits."""
    if dtype.native:
        return x
    if dtype.bits > MASK_BITS:
        return _wrap_python(x, dtype)
    scalar = np.ndim(x) == 0
    low = np.asarray(x).astype(np.uint64) & np.uint64((1 << dtype.bits) - 1)
    if dtype.signed:
        low = low.astype(np.int64)
        low = np.where(low > dtype.max, low - np.int64(1 << dtype.bits), low)
    out = low.astype(dtype.np)
    return dtype.np.type(out[()]) if scalar else out


def _wrap_python(x, dtype: DType):
    """Wrap Python ints (one, or an object array of them) at a width beyond 64 bits."""
    mask, top = (1 << dtype.bits) - 1, 1 << dtype.bits

    def one(v) -> int:
        v = int(v) & mask
        return v - top if dtype.signed and v > dtype.max else v

    if np.ndim(x) == 0:
        return one(x)
    out = np.empty(np.shape(x), object)
    out.flat[:] = [one(v) for v in np.asarray(x).flat]
    return out


def get_bits(x, lo, width: int, types: tuple[DType, ...]):
    """``x[lo:lo + width]`` of an integer of type ``types[0]``: bits lo (least significant)
    up to lo + width - 1, as an unsigned ``UInt(width)``; bits outside the type are an error."""
    lo = _checked_range(lo, width, types[0])
    return DTYPES[f"uint{width}"](int(x) >> lo)  # two's complement: a value's low bits


def set_bits(x, lo, value, width: int, types: tuple[DType, ...]):
    """``x`` with bits lo..lo + width - 1 replaced by the low ``width`` bits of ``value``."""
    dtype = types[0]
    lo = _checked_range(lo, width, dtype)
    field = ((1 << width) - 1) << lo
    return dtype((int(x) & ~field) | ((int(value) << lo) & field))


def shift_left(x, n, types: tuple[DType, ...] | None = None):
    """``x << n``, the amount checked against ``x``'s width (the result is wrapped by numpy or
    by ``wrap`` as for any operator)."""
    return x << _checked_shift(n, types)


def shift_right(x, n, types: tuple[DType, ...] | None = None):
    """``x >> n``: arithmetic on signed types, logical on unsigned ones (their values are never
    negative in storage), as ``ap_int``'s; the amount checked against the width."""
    return x >> _checked_shift(n, types)


def _checked_shift(n, types: tuple[DType, ...] | None):
    """The shift amount ``n`` (a scalar or a tile), or an error naming the first out of range:
    C++ and ``ap_int`` leave a shift by a negative amount or by the width or more undefined.
    Without ``types`` (two literals) only a negative amount is out of range."""
    width = types[0].bits if types else None
    amounts = np.asarray(n)
    bad = (amounts < 0) | (amounts >= width) if width else amounts < 0
    if np.any(bad):
        first = amounts[bad].flat[0] if amounts.ndim else amounts[()]
        what = f"outside 0..{width - 1}, the bit positions of {types[0]}" if width else "negative"
        raise ValueError(f"a shift by {int(first)} is {what}")
    return n


def _checked_range(lo, width: int, dtype: DType) -> int:
    lo = int(lo)
    if lo < 0 or lo + width > dtype.bits:
        raise IndexError(f"bits {lo}:{lo + width} are outside the {dtype.bits} bits of {dtype}")
    return lo


def pack(x, dtype: DType, types: tuple[DType, ...] | None = None):
    """Pack a tile of ``source`` integers into words of type ``dtype`` along its last axis:
    element 0 in the least significant bits of word 0 (the order of a little-endian memory).
    A 1-D tile that fills exactly one word gives that word as a scalar."""
    x = np.asarray(x)
    source = types[0] if types else _of_numpy(x.dtype)
    per = dtype.bits // source.bits
    groups = x.reshape(*x.shape[:-1], x.shape[-1] // per, per)
    mask = (1 << source.bits) - 1

    def word(group) -> int:
        return sum((int(v) & mask) << (k * source.bits) for k, v in enumerate(group))

    if x.ndim == 1 and x.size == per:
        return dtype(word(groups[0]))
    out = np.empty(groups.shape[:-1], dtype.np)
    for at in np.ndindex(out.shape):
        out[at] = dtype(word(groups[at]))
    return out


def unpack(words, dtype: DType, types: tuple[DType, ...] | None = None):
    """Split words of type ``types[0]`` into ``dtype`` integers along the last axis (a scalar
    word into a 1-D tile): the inverse of ``pack``."""
    w = np.asarray(words)
    source = types[0] if types else _of_numpy(w.dtype)
    per = source.bits // dtype.bits
    out = np.empty((*w.shape[:-1], w.shape[-1] * per) if w.ndim else (per,), dtype.np)
    view = out.reshape(*w.shape, per)
    for at in np.ndindex(w.shape):
        word = int(w[at])
        for k in range(per):
            view[(*at, k)] = dtype(word >> (k * dtype.bits))
    return out


def _of_numpy(dtype: np.dtype) -> DType:
    """The element type of a numpy integer array given to ``dato.pack``/``dato.unpack``
    outside a task (an int4 tile there is an int8 array: inside a task its type is known)."""
    if dtype.kind not in "iu":
        raise TypeError(f"dato.pack and dato.unpack take integer arrays, not {dtype}")
    return DTYPES[f"{'u' if dtype.kind == 'u' else ''}int{dtype.itemsize * 8}"]


def check_argument(array: np.ndarray, dtype: DType) -> str | None:
    """Why an argument array does not hold values of ``dtype`` (None if it does): an int4
    tensor is an int8 array of values in [-8, 7], a UInt(100) one an object array of ints."""
    if dtype.kind == "bfp":
        return bfp.check_argument(array)
    if dtype.kind != "int" or dtype.native:
        return None
    if array.dtype == object:
        bad = [v for v in array.flat if not isinstance(v, (int, np.integer)) or isinstance(v, bool)]
        if bad:
            return f"holds {type(bad[0]).__name__} values; {dtype} values are Python ints"
    if array.size == 0:
        return None
    lo, hi = int(array.min()), int(array.max())  # Python ints compare exactly in objects
    if lo < dtype.min or hi > dtype.max:
        worst = lo if lo < dtype.min else hi
        return f"holds {worst}, outside {dtype}'s range {dtype.min}..{dtype.max}"
    return None


__all__ = [
    "check_argument",
    "get_bits",
    "pack",
    "set_bits",
    "shift_left",
    "shift_right",
    "unpack",
    "wrap",
]
