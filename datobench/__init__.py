"""datobench: task-based dataflow programming of spatial accelerators, in Jupyter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from datobench.core.compiler import Program, compile
from datobench.core.errors import (
    BackendUnavailable,
    CapabilityError,
    DatoError,
    DatoRuntimeError,
    DatoSyntaxError,
    DatoTypeError,
    DeadlockError,
    InternalError,
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
from datobench.core.lang.primitives import Bundle, Chain, bundle, chain
from datobench.core.lang.stream import Stream
from datobench.core.targets import Target, TargetError, available_targets, load_target

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext datobench``: the %%dato magic (IPython is imported only here)."""
    from datobench.magics import load_ipython_extension as load

    load(ipython)


def targets() -> list[str]:
    """The names of the shipped hardware targets (``load_target`` also takes a .toml path)."""
    return available_targets()


def symbol(name: str) -> Symbol:
    """A symbolic size, bound when the region is called or compiled: ``M = dato.symbol("M")``."""
    return Symbol(name)


__all__ = [
    "BackendUnavailable",
    "bf16",
    "bundle",
    "Bundle",
    "CapabilityError",
    "Chain",
    "chain",
    "compile",
    "DatoError",
    "DatoRuntimeError",
    "DatoSyntaxError",
    "DatoTypeError",
    "DeadlockError",
    "DType",
    "exp",
    "float32",
    "full",
    "InternalError",
    "int16",
    "int32",
    "int8",
    "Kernel",
    "kernel",
    "load_target",
    "MappingError",
    "matmul",
    "maximum",
    "minimum",
    "pid",
    "Program",
    "R",
    "region",
    "RegionFunction",
    "S",
    "Stream",
    "Symbol",
    "symbol",
    "Target",
    "targets",
    "task",
    "TargetError",
    "TensorType",
    "where",
    "zeros",
]
