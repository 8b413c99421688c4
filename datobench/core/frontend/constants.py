"""Captured numpy constants: an array a task body reads from the enclosing Python scope.

Each array becomes a read-only tensor of the region, a buffer that holds its value
(``Buffer.value``) and is passed to every backend beside the caller's arrays, so sim, perf,
csim and the NPU design read it as they read any global tensor. A task that reads it gets it as
a parameter with a whole (replicated) window. A small constant (up to ``TILE_CONSTANT_BYTES``)
is copied once into the tile's memory at the start of the task, where the mapper's ledger
counts it against the tile's memory; a larger one stays in DDR and each read of it is a DDR
read, counted as such. Writing to it is an error at the write.
"""

from __future__ import annotations

import math

import numpy as np

from datobench.core.errors import DatoTypeError
from datobench.core.frontend.semantics import load
from datobench.core.ir.nodes import Assign, ParamRef, Stmt, Var
from datobench.core.ir.program import Buffer, TaskParam
from datobench.core.ir.types import ELEMENT_TYPES, R, TensorType
from datobench.core.validate import MAX_SIZE

TILE_CONSTANT_BYTES = 4096  # at most this many bytes are copied into each reading tile


class ConstantPool:
    """The region's constants: one buffer per captured array, named after the first name it
    was read by (with a number added when a buffer or stream already has that name)."""

    def __init__(self):
        self.taken: set[str] = set()  # the names of the region's buffers and streams
        self._buffers: dict[int, Buffer] = {}
        self._arrays: list[np.ndarray] = []  # kept alive, so that their ids stay theirs

    def buffer(self, name: str, array: np.ndarray) -> Buffer:
        """The buffer of ``array``, made on its first read."""
        if id(array) not in self._buffers:
            t = constant_type(name, array)
            unique, n = name, 1
            while unique in self.taken:
                unique, n = f"{name}_{n}", n + 1
            self.taken.add(unique)
            self._arrays.append(array)
            values = tuple(np.asarray(array, t.dtype.np).ravel().tolist())
            self._buffers[id(array)] = Buffer(unique, t, value=values)
        return self._buffers[id(array)]

    def buffers(self) -> tuple[Buffer, ...]:
        return tuple(self._buffers.values())


def constant_type(name: str, array: np.ndarray) -> TensorType:
    """The tensor type of a captured array, or an error saying which arrays qualify."""
    dtype = next((t for t in ELEMENT_TYPES if t.np == array.dtype), None)
    if dtype is None:
        kinds = ", ".join(t.name for t in ELEMENT_TYPES)
        raise DatoTypeError(
            f"`{name}` is a numpy array of {array.dtype}; a constant tensor holds one of "
            f"{kinds}: convert it, e.g. {name}.astype(np.float32)"
        )
    if array.ndim == 0 or not 0 < array.size <= MAX_SIZE:
        raise DatoTypeError(
            f"`{name}` is a numpy array of shape {list(array.shape)}; a constant tensor has "
            f"1 to {MAX_SIZE} elements"
        )
    return TensorType(dtype, tuple(array.shape))


class TaskConstants:
    """The constants one task reads: its extra parameters, the statements that copy the small
    ones into its tile before its body, and the names that are read-only."""

    def __init__(self, pool: ConstantPool):
        self.pool = pool
        self.params: list[TaskParam] = []
        self.prelude: list[Stmt] = []
        self.read_only: set[str] = set()
        self._values: dict[int, Var | ParamRef] = {}

    def value(self, name: str, array: np.ndarray, loc) -> Var | ParamRef:
        """What reading ``array`` (by ``name``) gives in the task body."""
        if id(array) in self._values:
            return self._values[id(array)]
        buffer = self.pool.buffer(name, array)
        t = buffer.type
        self.params.append(TaskParam(buffer.name, buffer.name, tuple(R for _ in t.shape), t, loc))
        ref = ParamRef(buffer.name, t, loc)
        value: Var | ParamRef = ref
        if math.prod(t.shape) * t.dtype.bits // 8 <= TILE_CONSTANT_BYTES:
            value = Var(f"{buffer.name}_tile", t, loc)
            self.prelude.append(Assign(value.name, load(ref, []), loc))
        self.read_only |= {ref.name, value.name}
        self._values[id(array)] = value
        return value

    def refuse_write(self, base: Var | ParamRef, written: str) -> None:
        """An error if ``base``, being written as ``written``, is a constant."""
        if base.name in self.read_only:
            raise DatoTypeError(
                f"`{written}` is a numpy constant captured from the enclosing scope, which is "
                "read-only in a task body; copy it into a local first (`w = W + 0`), or pass a "
                "region parameter to write"
            )
