"""The raw files the C simulation driver reads and writes: each global array's elements in the
layout of the C++ element type (``dato_ap_int.h``): numpy's own bytes up to 64 bits, and for
wider integers 64-bit words, least significant first, the value's two's complement."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from datobench.core.ir.types import DType, TensorType


def write(path: Path, array: np.ndarray, dtype: DType) -> None:
    if array.dtype != object:
        np.ascontiguousarray(array).tofile(path)
        return
    size = _word_bytes(dtype)
    modulus = 1 << (8 * size)
    path.write_bytes(b"".join((int(v) % modulus).to_bytes(size, "little") for v in array.flat))


def read(path: Path, t: TensorType) -> np.ndarray:
    dtype = t.dtype
    if dtype.bits <= 64 or dtype.kind != "int":
        return np.fromfile(path, dtype=dtype.np).reshape(t.shape)
    size, data = _word_bytes(dtype), path.read_bytes()
    out = np.empty(t.size, object)
    for k in range(t.size):
        out[k] = int.from_bytes(data[k * size : (k + 1) * size], "little", signed=dtype.signed)
    return out.reshape(t.shape)


def _word_bytes(dtype: DType) -> int:
    return 8 * ((dtype.bits + 63) // 64)
