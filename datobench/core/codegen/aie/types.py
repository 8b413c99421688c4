"""MLIR spellings of datobench's element and tile types."""

from __future__ import annotations

import math

from datobench.core.ir.types import DType, TensorType, Type, dtype_of

MLIR = {"int8": "i8", "int16": "i16", "int32": "i32", "bf16": "bf16", "float32": "f32"}
MLIR.update({"index": "index", "bool": "i1"})


def scalar(t: DType | Type) -> str:
    return MLIR[dtype_of(t).name]


def memref(shape: tuple[int, ...], t: DType | Type) -> str:
    """``memref<16x32xi16>``; a scalar is a one-element memref."""
    dims = "x".join(map(str, shape or (1,)))
    return f"memref<{dims}x{scalar(t)}>"


def of(t: Type) -> str:
    """The memref of a tile type, the MLIR type of a scalar."""
    return memref(t.shape, t) if isinstance(t, TensorType) else scalar(t)


def shape_of(t: Type) -> tuple[int, ...]:
    return t.shape if isinstance(t, TensorType) else (1,)


_SPECIAL = {  # the bit patterns of infinities and NaN, per float type
    "f64": ("0x7FF0000000000000", "0xFFF0000000000000", "0x7FF8000000000000"),
    "f32": ("0x7F800000", "0xFF800000", "0x7FC00000"),
    "bf16": ("0x7F80", "0xFF80", "0x7FC0"),
}


def float_text(value: float, mlir: str = "f64") -> str:
    """A float as MLIR reads it: ``1.0``, ``-1.0e+30`` (a mantissa with a point); infinities
    and NaN as the bit pattern of the type ``mlir``."""
    if math.isinf(value) or math.isnan(value):
        pos, neg, nan = _SPECIAL[mlir]
        return nan if math.isnan(value) else (pos if value > 0 else neg)
    text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + (f"e{exponent}" if exponent else "")
