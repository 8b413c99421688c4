"""Exact numpy emulation of bfp16 (AMD's ``bfp16ebs8``): quantisation in blocks of 8 along an
axis, the blocks' shared exponents and mantissas, and matmul on the bfp16 datapath.

The format and its rounding are described on ``types.BlockFloat``. A quantised tensor is held
as float32 (every bfp16 value is exact there); ``encode`` gives the stored form, one biased
exponent per block and one int8 mantissa per value, which is what the 9 bytes per 8 values
hold.
"""

from __future__ import annotations

import numpy as np

from datobench.core.ir.types import BFP_BLOCK, DType, bf16, bfp16

# A value's step in a block of biased exponent E is 2**(E - STEP_BIAS): float32's bias (127)
# plus the 6 fraction bits of a mantissa.
STEP_BIAS = 133


def _blocked(x, axis: int) -> np.ndarray:
    """``x`` as float32 with ``axis`` moved last and split into blocks: shape (..., n, 8)."""
    x = np.moveaxis(np.asarray(x, np.float32), axis, -1)
    if x.shape[-1] % BFP_BLOCK:
        raise ValueError(
            f"bfp16 blocks {BFP_BLOCK} values along axis {axis}, which has {x.shape[-1]}"
        )
    return x.reshape(*x.shape[:-1], x.shape[-1] // BFP_BLOCK, BFP_BLOCK)


def encode(x, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The stored form of ``x`` quantised in blocks of 8 along ``axis``: the blocks' shared
    biased exponents (uint8, shape (..., n)) and the values' mantissas (int8, (..., n, 8)),
    with ``axis`` moved last. A block with an infinity or NaN gets exponent 255."""
    blocks = _blocked(x, axis)
    fields = ((blocks.view(np.uint32) >> 23) & 0xFF).astype(np.int64)
    shared = fields.max(axis=-1)
    step = np.ldexp(1.0, shared - STEP_BIAS)[..., None]
    with np.errstate(invalid="ignore"):
        mantissas = np.floor(blocks.astype(np.float64) / step)  # truncation toward -inf
    mantissas[(shared == 0) | (shared == 0xFF)] = 0
    return shared.astype(np.uint8), mantissas.astype(np.int8)


def decode(exponents: np.ndarray, mantissas: np.ndarray, axis: int = 0) -> np.ndarray:
    """float32 values of the stored form ``encode`` gives, ``axis`` put back in place."""
    shared = exponents.astype(np.int64)
    step = np.ldexp(1.0, shared - STEP_BIAS)[..., None]
    values = (mantissas.astype(np.float64) * step).astype(np.float32)
    values[shared == 0xFF] = np.nan
    flat = values.reshape(*values.shape[:-2], values.shape[-2] * BFP_BLOCK)
    return np.moveaxis(flat, -1, axis)


def quantise(x, axis: int = 0) -> np.ndarray:
    """``x`` rounded to bfp16 in blocks of 8 along ``axis``, as float32 values."""
    return decode(*encode(x, axis), axis)


def representable(array: np.ndarray, axis: int = 0) -> np.ndarray:
    """Which blocks of ``array`` along ``axis`` hold values some bfp16 block decodes to (a
    bool per block). Quantising is not idempotent: a negative value truncated to -128 steps
    reaches the next exponent (-1.99 becomes -2.0 in a block whose largest exponent is 2**0),
    so a block decodes at its largest exponent or the one below."""
    blocks = _blocked(array, axis).astype(np.float64)
    largest = ((_blocked(array, axis).view(np.uint32) >> 23) & 0xFF).astype(np.int64).max(-1)
    ok = np.isnan(blocks).all(-1)
    for shared in (largest, largest - 1):
        m = blocks / np.ldexp(1.0, shared - STEP_BIAS)[..., None]
        with np.errstate(invalid="ignore"):
            ok |= ((m == np.floor(m)) & (m >= -128) & (m <= 127)).all(-1)
    return ok


def check_argument(array: np.ndarray) -> str | None:
    """Why a region's argument array does not hold bfp16 values, blocked down axis 0 (None if
    it does), naming the first value off its block's grid."""
    bad = np.argwhere(~representable(array))
    if not len(bad):
        return None
    *rest, b = (int(i) for i in bad[0])
    values = np.moveaxis(array, 0, -1)[(*rest, slice(b * BFP_BLOCK, (b + 1) * BFP_BLOCK))]
    steps = values.astype(np.float64) / np.ldexp(1.0, int(encode(values)[0][0]) - STEP_BIAS)
    off = int(np.argmax(steps != np.floor(steps)))
    at = (b * BFP_BLOCK + off, *rest)
    return (
        f"holds {float(array[at])!r} at {list(at)}, in a block of {BFP_BLOCK} down axis 0 "
        "that bfp16 does not represent: quantise it with dato.quantise_bfp16(x) first"
    )


def matmul(a, b, acc: DType | None, types: tuple[DType, DType]) -> np.ndarray:
    """``a @ b`` on the bfp16 datapath: an operand that is not bfp16 yet is quantised in blocks
    along K (rows of A, columns of B are the reduction axis); the products are exact, their
    sum is rounded once to float32 (the accumulator's type) and then to ``acc`` (bf16 by
    default). The sum is formed in float64, where a block's products add exactly, so the
    result does not depend on how the product is tiled; the hardware's float32 accumulator
    adds in its own order and may differ in the last bit of float32."""
    a_type, b_type = types
    a = np.asarray(a) if a_type == bfp16 else quantise(a, axis=1)
    b = np.asarray(b) if b_type == bfp16 else quantise(b, axis=0)
    out = np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)
    return out.astype((acc or bf16).np)


def mac_type(a: DType, b: DType) -> DType:
    """The operand type a product of ``a`` and ``b`` values is counted in (the peak it is
    measured against): bfp16 when either is, as the bfp16 datapath runs it; else ``a``."""
    return bfp16 if bfp16 in (a, b) else a
