"""datobench: task-based dataflow programming of spatial accelerators, in Jupyter."""

from datobench.core.compiler import Program, compile
from datobench.core.errors import (
    BackendUnavailable,
    DatoError,
    DatoRuntimeError,
    DatoSyntaxError,
    DatoTypeError,
    DeadlockError,
    MappingError,
)
from datobench.core.ir.types import (
    DType,
    Symbol,
    TensorType,
    bf16,
    float32,
    int8,
    int16,
    int32,
)
from datobench.core.lang.builtins import exp, full, matmul, maximum, minimum, pid, where, zeros
from datobench.core.lang.decorators import Kernel, RegionFunction, kernel, region, task
from datobench.core.lang.layout import R, S
from datobench.core.lang.stream import Stream


def symbol(name: str) -> Symbol:
    """A symbolic size, bound when the region is called or compiled: ``M = dato.symbol("M")``."""
    return Symbol(name)


__all__ = [
    "BackendUnavailable",
    "DType",
    "DatoError",
    "DatoRuntimeError",
    "DatoSyntaxError",
    "DatoTypeError",
    "DeadlockError",
    "Kernel",
    "MappingError",
    "Program",
    "R",
    "RegionFunction",
    "S",
    "Stream",
    "Symbol",
    "TensorType",
    "bf16",
    "compile",
    "exp",
    "float32",
    "full",
    "int8",
    "int16",
    "int32",
    "kernel",
    "matmul",
    "maximum",
    "minimum",
    "pid",
    "region",
    "symbol",
    "task",
    "where",
    "zeros",
]
