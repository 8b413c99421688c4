"""MLIR spellings of datobench's element and tile types."""

from __future__ import annotations

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
