"""Builtins of task bodies, as numpy functions.

These are the executable semantics used by the functional simulator, and they also work
eagerly on numpy arrays, which makes them handy when writing references. Integer arithmetic
wraps in the result type, as it does on the hardware.
"""

from __future__ import annotations

import numpy as np

from datobench.core.ir.types import DType

# Products of two 16-bit integers summed over up to 2**22 terms are exact in float64, so
# narrow-integer matmul can use the fast floating-point BLAS and still be bit-exact.
_EXACT_F64_TERMS = 1 << 22


def _np_dtype(t) -> np.dtype:
    return t.np if isinstance(t, DType) else np.dtype(t)


def matmul(a, b, acc: DType | None = None):
    """``a @ b`` with products accumulated in ``acc`` (default: the operands' type)."""
    a = np.asarray(a)
    b = np.asarray(b)
    out = _np_dtype(acc) if acc is not None else a.dtype
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
    return np.zeros(_shape(shape), _np_dtype(dtype))


def full(shape, value, dtype: DType):
    return np.full(_shape(shape), value, _np_dtype(dtype))


def _shape(shape) -> tuple[int, ...]:
    return tuple(shape) if isinstance(shape, (tuple, list)) else (int(shape),)


def _float_op(fn, x):
    x = np.asarray(x)
    if x.dtype == np.float32:
        return fn(x)
    return fn(x.astype(np.float32)).astype(x.dtype)


def exp(x):
    """Elementwise e**x (bf16 is computed in float32 and rounded)."""
    return _float_op(np.exp, x)


def maximum(x, y):
    return np.maximum(x, y)


def minimum(x, y):
    return np.minimum(x, y)


def where(cond, x, y):
    return np.where(cond, x, y)


def reduce_sum(x, axis=None, keepdims=False):
    """Sum in the element type (bf16 accumulates in float32 and is rounded once)."""
    x = np.asarray(x)
    if x.dtype == np.float32 or x.dtype.kind in "iu":
        return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
    return np.sum(x.astype(np.float32), axis=axis, keepdims=keepdims).astype(x.dtype)


def reduce_max(x, axis=None, keepdims=False):
    return np.max(np.asarray(x), axis=axis, keepdims=keepdims)


def astype(x, dtype: DType):
    return np.asarray(x).astype(_np_dtype(dtype))


def pid():
    """The calling instance's coordinates; only meaningful inside a task body."""
    raise RuntimeError("dato.pid() can only be used inside a @dato.task body")
