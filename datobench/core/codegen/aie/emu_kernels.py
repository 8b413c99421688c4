"""Kernel calls in the emulator: a ``func.func private`` declaration carrying
``dato.op = "<op table name>"`` runs that op's numpy semantics.

The arguments are the op's tensor operands in order, then any scalar operands (e.g. the value
of ``full`` computed in the task), then the output buffer (the last memref argument), which
receives the result. Static arguments come from ``dato.<static name>`` attributes of the
declaration (element types by name, axes, flags, constant values) or, where absent, from the
output buffer (``dtype``, ``shape``); ``dato.accumulate = true`` adds the result to the
output (``out = out + op(...)``, as ``acc += dato.matmul(...)`` does), and with
``dato.band = <rows>`` only to that many rows of it, from the row the scalar before the output
gives (``acc[r0:r1, :] += dato.matmul(...)``, added in place). A declaration with
``dato.kernel = "<name>"`` calls the program's ``@dato.kernel`` of that name (its numpy
reference); its arguments are the tile operands, the output, then the scalar operands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation

from datobench.core.errors import DatoError
from datobench.core.ir.ops import OPS, Op
from datobench.core.ir.types import DTYPES, TensorType


class EmulationError(DatoError):
    """The emitted design cannot be executed as written (names the design's line)."""


@dataclass(frozen=True)
class KernelDecl:
    symbol: str
    ops: tuple[Op, ...]  # the op table's ops of that name (``-`` is binary and unary)
    statics: dict[str, object]
    line: int | None
    user: Callable | None = None  # a @dato.kernel's numpy reference


def _python(attr: Attribute):
    if isinstance(attr, builtin.IntegerAttr) and attr.type == builtin.i1:
        return bool(attr.value.data)
    if isinstance(attr, builtin.IntegerAttr | builtin.FloatAttr):
        return attr.value.data
    if isinstance(attr, builtin.StringAttr):
        return DTYPES[attr.data] if attr.data in DTYPES else attr.data
    if isinstance(attr, builtin.UnitAttr):
        return None
    if isinstance(attr, builtin.ArrayAttr):
        return tuple(_python(a) for a in attr.data)
    if isinstance(attr, builtin.DenseArrayBase):
        return tuple(attr.get_values())
    return attr


def kernel_decl(op: Operation, line: int | None, user_kernels: dict) -> KernelDecl | None:
    """The kernel a ``func.func`` declares, or None if it carries no ``dato.op`` or
    ``dato.kernel``."""
    symbol = op.properties["sym_name"].data
    user = op.attributes.get("dato.kernel")
    if isinstance(user, builtin.StringAttr):
        if user.data not in user_kernels:
            raise EmulationError(
                f"line {line}: kernel @{symbol} calls @dato.kernel '{user.data}', which the "
                "program does not define"
            )
        return KernelDecl(symbol, (), {}, line, _reference(user_kernels[user.data]))
    name = op.attributes.get("dato.op")
    if name is None:
        return None
    assert isinstance(name, builtin.StringAttr)
    ops = tuple(o for o in OPS if o.name == name.data)
    if not ops:
        raise EmulationError(
            f"line {line}: kernel @{symbol} names dato.op '{name.data}', which is not in the "
            "op table"
        )
    statics = {
        key.removeprefix("dato."): _python(attr)
        for key, attr in op.attributes.items()
        if key.startswith("dato.") and key != "dato.op"
    }
    return KernelDecl(symbol, ops, statics, line)


def _reference(kernel) -> Callable:
    """A @dato.kernel's numpy reference taking its tile operands, then its scalars."""
    tiles = [isinstance(t, TensorType) for t in kernel.decl.params]

    def call(*args):
        tile_args = iter(args[: sum(tiles)])
        scalar_args = iter(args[sum(tiles) :])
        return kernel.fn(*(next(tile_args if t else scalar_args) for t in tiles))

    return call


def call_kernel(kernel: KernelDecl, args: list, line: int) -> None:
    """Run ``kernel`` on ``args`` (numpy arrays and scalars); the last array is the output.
    Results that do not fit the output are an ``EmulationError`` at the call's ``line``."""
    try:
        _call(kernel, args)
    except (ValueError, TypeError) as error:
        raise EmulationError(f"line {line}: kernel @{kernel.symbol}: {error}") from None


def _call(kernel: KernelDecl, args: list) -> None:
    out_at = max(k for k, a in enumerate(args) if isinstance(a, np.ndarray))
    out = args[out_at]
    inputs = args[:out_at]
    if kernel.statics.get("band"):  # the output's rows from the row the last input gives
        *inputs, row = inputs
        out = out[int(row) : int(row) + kernel.statics["band"]]
    if kernel.user is not None:
        out[...] = kernel.user(*inputs, *args[out_at + 1 :])
        return
    op = next((o for o in kernel.ops if len(o.operands) <= len(inputs)), kernel.ops[0])
    tensors = inputs[: len(op.operands)]
    scalars = list(inputs[len(op.operands) :])
    statics = {}
    for s in op.statics:
        if s.name in kernel.statics:
            value = kernel.statics[s.name]
            statics[s.name] = tuple(value) if s.kind == "axis" and value is not None else value
        elif s.kind == "dtype":
            statics[s.name] = out.dtype
        elif s.kind == "shape":
            statics[s.name] = out.shape
        elif s.kind == "value" and scalars:
            statics[s.name] = scalars.pop(0)
        elif not s.required:
            statics[s.name] = s.default
        else:
            raise EmulationError(
                f"kernel @{kernel.symbol} (dato.op '{op.name}') needs its static argument "
                f"'{s.name}': give it as a dato.{s.name} attribute of the declaration"
            )
    with np.errstate(all="ignore"):
        result = op.numpy(*tensors, *scalars, **statics)
        out[...] = out + result if kernel.statics.get("accumulate") else result
