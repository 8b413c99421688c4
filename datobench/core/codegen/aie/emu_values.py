"""Values of the emulator: memrefs are numpy arrays; scalars are xDSL's runtime attributes
(``IntegerAttr``/``FloatAttr``, as ``xdsl.interpreters.arith`` computes with them).

``NumpyMemRefFunctions`` overrides xDSL's memref implementations so that buffers are numpy
arrays of the element type (bf16 included) that kernels, FIFOs and DMAs share without copies.
"""

from __future__ import annotations

import functools
from typing import Any

import ml_dtypes
import numpy as np
from xdsl.dialects import arith, builtin, memref
from xdsl.interpreter import Interpreter, InterpreterFunctions, PythonValues, impl, register_impls
from xdsl.interpreters.builtin import scalar_attr


def np_dtype(t: builtin.Attribute) -> np.dtype:
    """The numpy dtype of an MLIR element type."""
    if isinstance(t, builtin.IndexType):
        return np.dtype(np.int64)
    if isinstance(t, builtin.IntegerType):
        width = t.width.data
        return np.dtype(np.bool_) if width == 1 else np.dtype(f"int{width}")
    if isinstance(t, builtin.Float32Type):
        return np.dtype(np.float32)
    if isinstance(t, builtin.BFloat16Type):
        return np.dtype(ml_dtypes.bfloat16)
    if isinstance(t, builtin.Float64Type):
        return np.dtype(np.float64)
    raise TypeError(f"element type {t} has no numpy dtype")


def memref_shape(t: builtin.Attribute) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype of a memref type."""
    assert isinstance(t, builtin.MemRefType), t
    return tuple(t.get_shape()), np_dtype(t.get_element_type())


def to_numpy(value: Any, t: builtin.Attribute | None = None):
    """A runtime value as numpy: arrays stay, scalars become numpy scalars of their type."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, builtin.IntegerAttr | builtin.FloatAttr):
        kind = t if t is not None else value.type
        if isinstance(kind, builtin.IntegerType) and kind.width.data == 1:
            return np.bool_(value.value.data)
        return np_dtype(kind).type(value.value.data)
    return value


def to_runtime(value: Any, t: builtin.Attribute, index_bitwidth: int):
    """A numpy scalar as the runtime attribute xDSL's arith implementations expect."""
    if isinstance(t, builtin.IntegerType | builtin.IndexType):
        return integer(int(value), t, index_bitwidth)
    return scalar_attr(float(value), t, index_bitwidth)


@functools.lru_cache(maxsize=1 << 16)
def integer(value: int, t: builtin.Attribute, index_bitwidth: int) -> builtin.IntegerAttr:
    """An integer as a runtime attribute, made once per value (building one is costly)."""
    return scalar_attr(value, t, index_bitwidth)


def _index(values) -> tuple[int, ...]:
    return tuple(v.value.data for v in values)


@register_impls
class NumpyMemRefFunctions(InterpreterFunctions):
    @impl(memref.AllocOp)
    def run_alloc(self, interpreter: Interpreter, op: memref.AllocOp, args: PythonValues):
        shape, dtype = memref_shape(op.memref.type)
        return (np.zeros(shape, dtype),)

    @impl(memref.AllocaOp)
    def run_alloca(self, interpreter: Interpreter, op: memref.AllocaOp, args: PythonValues):
        shape, dtype = memref_shape(op.memref.type)
        return (np.zeros(shape, dtype),)

    @impl(memref.DeallocOp)
    def run_dealloc(self, interpreter: Interpreter, op: memref.DeallocOp, args: PythonValues):
        return ()

    @impl(memref.LoadOp)
    def run_load(self, interpreter: Interpreter, op: memref.LoadOp, args: PythonValues):
        array, *indices = args
        value = array[_index(indices)]
        return (to_runtime(value, op.res.type, interpreter.index_bitwidth),)

    @impl(memref.StoreOp)
    def run_store(self, interpreter: Interpreter, op: memref.StoreOp, args: PythonValues):
        value, array, *indices = args
        array[_index(indices)] = to_numpy(value, op.value.type)
        return ()

    @impl(memref.CopyOp)
    def run_copy(self, interpreter: Interpreter, op: memref.CopyOp, args: PythonValues):
        source, target = args
        target[...] = source
        return ()


@register_impls
class FloatArithFunctions(InterpreterFunctions):
    """The float ops xDSL's arith interpreter lacks, rounded to the result type as numpy."""

    @impl(arith.DivfOp)
    def run_divf(self, interpreter: Interpreter, op: arith.DivfOp, args: PythonValues):
        lhs, rhs = (to_numpy(a) for a in args)
        with np.errstate(all="ignore"):
            return (to_runtime(lhs / rhs, op.result.type, interpreter.index_bitwidth),)

    @impl(arith.NegfOp)
    def run_negf(self, interpreter: Interpreter, op: arith.NegfOp, args: PythonValues):
        return (to_runtime(-to_numpy(args[0]), op.result.type, interpreter.index_bitwidth),)
