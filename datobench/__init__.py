"""datobench: task-based dataflow programming of spatial accelerators, in Jupyter."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from datobench import cells as _cells
from datobench.core import backends as _backends
from datobench.core import targets as _targets
from datobench.core.backends import BackendStatus, BackendTable, XrtResult
from datobench.core.codegen.hls.csim import CsimResult
from datobench.core.compiler import RegionFunction, compile, region
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
    caller_loc,
    user_facing,
)
from datobench.core.ir import bfp as _bfp
from datobench.core.ir.mapping import Mapping
from datobench.core.ir.types import (
    BFP_BLOCK,
    DType,
    Int,
    Symbol,
    TensorType,
    UInt,
    bf16,
    bfp16,
    boolean,
    float32,
    int4,
    int8,
    int16,
    int32,
    uint8,
    uint16,
    uint32,
)
from datobench.core.lang import builtins as _builtins
from datobench.core.lang.builtins import gather, pid, scatter
from datobench.core.lang.decorators import Kernel, kernel, task
from datobench.core.lang.layout import R, S, Stage, Writeback, stage, writeback
from datobench.core.lang.primitives import Bundle, Chain, bundle, chain
from datobench.core.lang.stream import Stream
from datobench.core.perf.result import PerfResult
from datobench.core.program import Program
from datobench.core.report import Report
from datobench.core.runtime import DeviceTable
from datobench.core.runtime import machine as _machine
from datobench.core.sim.scheduler import SimResult
from datobench.core.targets import Target, TargetError
from datobench.core.tune.result import Best, Tuning
from datobench.core.tune.space import Choice
from datobench.core.tune.space import choice as _choice
from datobench.core.tune.space import divisors_of as _divisors_of

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

_cells.install_in_kernel()  # in a notebook, errors name places as "cell [3] line 9"


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext datobench``: the %%dato magic (IPython is imported only here)."""
    from datobench.magics import load_ipython_extension as load

    load(ipython)


def targets() -> list[str]:
    """The names of the shipped hardware targets (``load_target`` also takes a .toml path)."""
    return _targets.available_targets()


@user_facing
def load_target(name_or_path: str | os.PathLike[str] | Target) -> Target:
    """A shipped target by name (``"npu1_4col"``), or a target file by path; a name that does
    not exist or a file that does not hold together is a TargetError at the call."""
    return _targets.load_target(name_or_path)


@user_facing
def backends(program: Program | None = None) -> BackendTable:
    """Every registered backend, whether it can run here (and run ``program``, when given)
    and, if not, why: records with ``.name``, ``.available`` and ``.reason``, printed as a
    table."""
    if program is not None and not isinstance(program, Program):
        raise DatoTypeError(
            "dato.backends takes a compiled program (from dato.compile), "
            f"not {type(program).__name__}"
        )
    return _backends.backends(program)


@user_facing
def devices() -> DeviceTable:
    """The Ryzen AI NPUs and Alveo cards of this machine, each with the kind of targets it
    runs, where it is, whether it is ready for ``backend="xrt"`` and, for each piece it misses
    (driver, device node, access, pyxrt, XRT's view of it), what it is and how to get it.
    Never raises for a missing piece: that is what it reports."""
    return _machine.devices()


@user_facing
def tune(
    region: RegionFunction,
    target: str | Target | None = None,
    space: dict | None = None,
    objective="seconds",
    trials: int = 200,
    seed: int = 0,
    scheduler=None,
    workers: int | None = None,
    progress: bool = True,
    storage: str | None = None,
    sampler="tpe",
    start=(),
) -> Tuning:
    """Search the region's symbolic sizes (and ``"primitives"``, ``"target"``) in ``space``
    for the best ``objective`` ("seconds", "cycles", "utilization", "memory", a function of
    the ``PerfResult``, or a tuple of these for a Pareto front), with Optuna (``sampler``:
    "tpe", "random", "grid" or an Optuna sampler). Points the compiler refuses are recorded
    with the reason and never simulated. Trials run on ``workers`` local processes (the CPU
    count), or on a Dask cluster (``scheduler``: its address or a ``distributed.Client``).
    ``storage`` (an Optuna storage URL such as "sqlite:///tune.db") keeps the study: called
    again, it resumes up to ``trials`` in all. ``start`` lists points tried first (sizes by
    value, e.g. ``[{"m": 64, "k": 32}]``: a known design to improve on); a point already timed
    by the same search earlier in the session is not simulated again. ``progress`` shows a text
    bar, in a terminal and in a notebook alike (there a stream output, which a saved notebook
    keeps as it ended; a widget bar would show "model not found" once the kernel is gone)."""
    try:
        from datobench.core.tune.search import tune as search
    except ImportError as error:
        raise BackendUnavailable(
            f"dato.tune needs the tune extra ({error.name} is missing): "
            "pip install 'datobench[tune]'"
        ) from None
    return search(
        region,
        target,
        space,
        objective,
        trials,
        seed,
        scheduler,
        workers,
        progress,
        storage,
        sampler,
        start,
    )


@user_facing
def choice(*values) -> Choice:
    """The candidates of one dimension of ``dato.tune``'s space: ``dato.choice(32, 64)``."""
    return _choice(*values)


@user_facing
def divisors_of(n: int, multiple_of: int = 1) -> Choice:
    """The divisors of ``n`` that are multiples of ``multiple_of``: tile sizes that split a
    dimension exactly (``dato.divisors_of(256, multiple_of=8)``)."""
    return _divisors_of(n, multiple_of)


def __getattr__(name: str):
    """The builtins of task bodies (``dato.exp``, ``dato.matmul``...), one per function-form
    op of the op table, so that a new op needs no line here."""
    try:
        return _builtins.FUNCTIONS[name]
    except KeyError:
        raise AttributeError(f"module 'datobench' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *_builtins.FUNCTIONS])


@user_facing
def quantise_bfp16(x, axis: int = 0) -> np.ndarray:
    """``x`` rounded to bfp16 in blocks of 8 along ``axis`` (as float32 values, exact there),
    as the host quantises an operand before sending it to the NPU: what a region's bfp16
    parameter takes (blocks down axis 0). The format and rounding: ``help(dato.bfp16)``."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise DatoTypeError(f"dato.quantise_bfp16 takes floats, not an array of {x.dtype}")
    if not -x.ndim <= axis < x.ndim or x.shape[axis] % BFP_BLOCK:
        size = f"of size {x.shape[axis]}" if -x.ndim <= axis < x.ndim else "out of range"
        raise DatoTypeError(
            f"dato.quantise_bfp16: axis {axis} of a {list(x.shape)} array is {size}, not a "
            f"multiple of the bfp16 block ({BFP_BLOCK})",
            caller_loc(),
        )
    return _bfp.quantise(x, axis)


def symbol(name: str) -> Symbol:
    """A symbolic size, bound when the region is called or compiled: ``M = dato.symbol("M")``."""
    return Symbol(name)


__all__ = [
    "backends",
    "BackendStatus",
    "BackendUnavailable",
    "Best",
    "bf16",
    "bfp16",
    "boolean",
    "Bundle",
    "bundle",
    "CapabilityError",
    "chain",
    "Chain",
    "choice",
    "Choice",
    "compile",
    "CsimResult",
    "DatoError",
    "DatoRuntimeError",
    "DatoSyntaxError",
    "DatoTypeError",
    "DeadlockError",
    "devices",
    "divisors_of",
    "DType",
    "float32",
    "gather",
    "InternalError",
    "Int",
    "int16",
    "int32",
    "int4",
    "int8",
    "Kernel",
    "kernel",
    "load_target",
    "Mapping",
    "MappingError",
    "PerfResult",
    "pid",
    "Program",
    "quantise_bfp16",
    "R",
    "region",
    "RegionFunction",
    "Report",
    "S",
    "scatter",
    "SimResult",
    "stage",
    "Stage",
    "writeback",
    "Writeback",
    "Stream",
    "Symbol",
    "symbol",
    "Target",
    "TargetError",
    "targets",
    "task",
    "TensorType",
    "tune",
    "Tuning",
    "UInt",
    "uint16",
    "uint32",
    "uint8",
    "XrtResult",
] + sorted(_builtins.FUNCTIONS)
