"""The numpy semantics of ops: what the functional simulator runs and ``dato.exp`` & co. do
eagerly. Integer arithmetic wraps in the result type, as on the hardware; bf16 is computed in
float32 and rounded to bf16 once."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from datobench.core.ir import bfp
from datobench.core.ir.types import DType, bfp16

# Products of two 16-bit integers summed over up to 2**22 terms are exact in float64, so
# narrow-integer matmul can use the fast floating-point BLAS and still be bit-exact.
_EXACT_F64_TERMS = 1 << 22


def np_dtype(t) -> np.dtype:
    """The numpy dtype of an element type (a DType, or anything numpy takes)."""
    return t.np if isinstance(t, DType) else np.dtype(t)


def matmul(a, b, acc: DType | None = None, types: tuple[DType, DType] | None = None):
    """``a @ b`` with products accumulated in ``acc`` (default: the operands' type); with a
    bfp16 operand (``types``, as storage does not show it) on the bfp16 datapath."""
    if types is not None and bfp16 in types:
        return bfp.matmul(a, b, acc, types)
    a = np.asarray(a)
    b = np.asarray(b)
    if object in (a.dtype, b.dtype):  # integers wider than 64 bits: exact in Python ints
        return np.matmul(a.astype(object), b.astype(object))
    out = np_dtype(acc) if acc is not None else np.result_type(a.dtype, b.dtype)
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        narrow = a.dtype.itemsize <= 2 and b.dtype.itemsize <= 2
        if narrow and a.shape[-1] <= _EXACT_F64_TERMS:
            exact = np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.int64)
        else:
            exact = np.matmul(a.astype(np.int64), b.astype(np.int64))
        return exact.astype(out)
    if a.dtype == np.float32 and b.dtype == np.float32 and out == np.float32:
        return np.matmul(a, b)
    return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(out)


def zeros(shape, dtype: DType):
    """A new tile of zeros."""
    return np.zeros(_shape(shape), np_dtype(dtype))


def full(shape, value, dtype: DType):
    """A new tile filled with ``value``."""
    return np.full(_shape(shape), value, np_dtype(dtype))


def _shape(shape) -> tuple[int, ...]:
    return tuple(shape) if isinstance(shape, (tuple, list)) else (int(shape),)


def floating(fn: Callable) -> Callable:
    """An elementwise float function: float32 directly, bf16 in float32 and rounded."""

    def apply(x):
        x = np.asarray(x)
        if x.dtype == np.float32:
            return fn(x)
        return fn(x.astype(np.float32)).astype(x.dtype)

    return apply


def reduce_sum(x, axis=None, keepdims=False):
    """Sum in the element type (bf16 accumulates in float32 and is rounded once)."""
    x = np.asarray(x)
    if x.dtype == np.float32 or x.dtype.kind in "iuO":  # O: integers wider than 64 bits
        return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
    return np.sum(x.astype(np.float32), axis=axis, keepdims=keepdims).astype(x.dtype)


def reduce_with(fn: Callable) -> Callable:
    """A reduction that selects an element (max, min): exact in every element type."""

    def apply(x, axis=None, keepdims=False):
        return fn(np.asarray(x), axis=axis, keepdims=keepdims)

    return apply


def astype(x, dtype: DType):
    """Conversion: a tile to a tile, a scalar to a typed scalar; to bfp16 in blocks of 8 down
    axis 0 (out of bfp16 is exact: its values are float32 already)."""
    if dtype == bfp16:
        return bfp.quantise(x, axis=0)
    dt = np_dtype(dtype)
    if "O" in (np.asarray(x).dtype.kind, dt.kind):  # Python ints: converted one by one
        one = dtype if dtype.kind == "int" else dt.type
        if not isinstance(x, np.ndarray):
            return one(x)
        out = np.empty(x.shape, dt)
        out.flat[:] = [one(v) for v in x.flat]
        return out
    return x.astype(dt) if isinstance(x, np.ndarray) else dt.type(x)


def transpose(x):
    return np.asarray(x).T
