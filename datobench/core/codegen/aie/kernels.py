"""Kernel declarations: one ``func.func private`` per (op, operand types and shapes, static
arguments) the cores call.

The calling convention, which the emulator relies on: operands in order (tiles as memrefs,
scalars as values), then any static argument computed in the task, then the output tile as the
last memref (AIE kernels write their results into a buffer). The declaration carries
``dato.op = "<op table name>"`` and each static argument of the call as ``dato.<name>``:
element types by name (``"int32"``), axes and shapes as ``array<i64: ...>``, flags as
booleans, values as ``f64``/``i64`` numbers. ``dato.accumulate = true`` (on matmul) means the
output is also an input: the kernel computes ``out = out + op(operands)``, as AIE matmul
kernels do (``acc += dato.matmul(...)``). A user kernel carries ``dato.kernel = "<name>"``.
Their C++ sources are ``kernel_source.py``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datobench.core.codegen.aie.types import float_text
from datobench.core.codegen.names import spelling
from datobench.core.ir.ops import Op
from datobench.core.ir.types import DType

OBJECT = "dato_kernels.o"  # the object file the kernel sources compile to


@dataclass(frozen=True)
class Kernel:
    symbol: str
    arg_types: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]  # name -> attribute text
    op: str | None = None  # the op table's name (None: a user kernel)
    statics: tuple[tuple[str, object], ...] = ()  # the static arguments, as values


def static_text(value) -> str:
    if isinstance(value, DType):
        return f'"{value.name}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value} : i64"
    if isinstance(value, float):
        return f"{float_text(value)} : f64"
    if value is None:
        return "unit"
    if isinstance(value, tuple):
        return f"array<i64: {', '.join(map(str, value))}>"
    return f'"{value}"'


def _suffix(arg_types: tuple[str, ...], statics) -> str:
    parts = [t.removeprefix("memref<").removesuffix(">") for t in arg_types]
    parts += [
        f"{name}{'_'.join(map(str, v)) if isinstance(v, tuple) else v}" for name, v in statics
    ]
    return re.sub(r"[^A-Za-z0-9_]+", "_", "_".join(parts))


def op_kernel(op: Op, arg_types: tuple[str, ...], statics) -> Kernel:
    """The kernel of an op of the table (its ``aie`` field names it)."""
    statics = tuple((n, v) for n, v in statics if v is not None)
    symbol = f"{op.aie}_{_suffix(arg_types, statics)}"
    attrs = (("dato.op", f'"{op.name}"'),) + tuple(
        (f"dato.{n}", static_text(v)) for n, v in statics
    )
    return Kernel(symbol, arg_types, attrs, op.name, statics)


def user_kernel(name: str, arg_types: tuple[str, ...]) -> Kernel:
    symbol = f"{spelling(name)}_{_suffix(arg_types, ())}"
    return Kernel(symbol, arg_types, (("dato.kernel", f'"{name}"'),))


def declaration(k: Kernel, link_with: bool) -> str:
    attrs = list(k.attrs)
    if link_with:
        attrs.append(("link_with", f'"{OBJECT}"'))
    text = ", ".join(f"{n} = {v}" for n, v in attrs)
    return f"func.func private @{k.symbol}({', '.join(k.arg_types)}) attributes {{{text}}}"
