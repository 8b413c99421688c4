"""Kernel declarations: one ``func.func private`` per (op, operand types and shapes, static
arguments) the cores call.

The calling convention, which the emulator relies on: operands in order (tiles as memrefs,
scalars as values), then any static argument computed in the task, then the output tile as the
last memref (AIE kernels write their results into a buffer). The declaration carries
``dato.op = "<op table name>"`` and each static argument of the call as ``dato.<name>``:
element types by name (``"int32"``), axes and shapes as ``array<i64: ...>``, flags as
booleans, values as ``f64``/``i64`` numbers. ``dato.accumulate = true`` (on matmul) means the
output is also an input: the kernel computes ``out = out + op(operands)``, as AIE matmul
kernels do (``acc += dato.matmul(...)``); with ``dato.band = <rows>`` as well, the output is
a whole local and the product goes into that many of its rows, from the row given by an i32
before the output (``acc[r0:r1, :] += dato.matmul(...)``, in place). Their C++ sources are
``kernel_source.py``'s and link as ``dato_kernels.o``.

A user kernel (``@dato.kernel``) carries ``dato.kernel = "<name>"``. With C++ source its
declaration is the source's function, ``@<symbol>``, linked with ``<stem>.o`` (the project's
``<stem>.cc``), and its arguments follow IRON's convention instead: the tile operands, the
output tile, then the scalar operands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datobench.core.codegen.aie.types import float_text
from datobench.core.codegen.names import spelling
from datobench.core.errors import CapabilityError
from datobench.core.ir.ops import Op
from datobench.core.ir.program import KernelDecl
from datobench.core.ir.types import DType, TensorType

OBJECT = "dato_kernels.o"  # the object file the kernel sources compile to


@dataclass(frozen=True)
class Kernel:
    symbol: str
    arg_types: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]  # name -> attribute text
    op: str | None = None  # the op table's name (None: a user kernel)
    statics: tuple[tuple[str, object], ...] = ()  # the static arguments, as values
    object: str = OBJECT  # the object file that defines it
    decl: KernelDecl | None = None  # a user kernel's declaration


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


def user_kernel(decl: KernelDecl, arg_types: tuple[str, ...]) -> Kernel:
    """The declaration of a call of ``decl`` with ``arg_types`` (in ``user_order``)."""
    attrs = (("dato.kernel", f'"{decl.name}"'),)
    if decl.aie is None:
        symbol = f"{spelling(decl.name)}_{_suffix(arg_types, ())}"
        return Kernel(symbol, arg_types, attrs, decl=decl)
    obj = f"{decl.aie.stem}.o"
    return Kernel(decl.aie.symbol, arg_types, attrs, object=obj, decl=decl)


def user_order(operands: list, output) -> list:
    """A user kernel's arguments as its C++ takes them: the tile operands in order, the
    output tile, then the scalar operands (values with a ``type``)."""
    tiles = [v for v in operands if isinstance(v.type, TensorType)]
    return [*tiles, output, *(v for v in operands if not isinstance(v.type, TensorType))]


def declarations(kernels: list[Kernel], link_with: bool) -> list[str]:
    """One ``func.func private`` per kernel; two user kernels may not share a C++ symbol,
    nor two sources a project file name."""
    symbols: dict[str, Kernel] = {}
    files: dict[str, Kernel] = {}
    for k in kernels:
        if k.decl is None or k.decl.aie is None:
            continue
        other = symbols.setdefault(k.symbol, k)
        if other.decl != k.decl:
            raise CapabilityError(
                f"kernels '{other.decl.name}' and '{k.decl.name}' both define the C++ function "
                f"'{k.symbol}' ({_origin(other.decl)}, {_origin(k.decl)}); a design links one "
                "function per name: rename one with symbol=",
                k.decl.loc,
            )
        if k.object == OBJECT:
            raise CapabilityError(
                f"kernel '{k.decl.name}': its source would replace the project's generated "
                f"{k.decl.aie.stem}.cc; rename the file",
                k.decl.loc,
            )
        other = files.setdefault(k.object, k)
        if other.decl.aie.text != k.decl.aie.text:
            raise CapabilityError(
                f"kernels '{other.decl.name}' and '{k.decl.name}' have different sources that "
                f"would both be {k.decl.aie.stem}.cc in the project ({_origin(other.decl)}, "
                f"{_origin(k.decl)}): rename one file",
                k.decl.loc,
            )
    return [declaration(k, link_with) for k in kernels]


def _origin(decl: KernelDecl) -> str:
    return decl.aie.file or "inline source"


def core_link(kernels: list[Kernel]) -> str:
    """The ``link_with`` attribute of an ``aie.core`` calling ``kernels`` (releases where the
    core names the object file); such a core links one object file."""
    objects = sorted({k.object for k in kernels})
    if len(objects) > 1:
        raise CapabilityError(
            "mlir-aie releases with link_with on aie.core link one object file per core, and "
            f"this core calls kernels of {' and '.join(objects)}; emit for release 2026.01, or "
            "keep a core's kernels in one source",
            next(k.decl.loc for k in kernels if k.decl is not None),
        )
    return f' {{link_with = "{objects[0]}"}}' if objects else ""


def declaration(k: Kernel, link_with: bool) -> str:
    attrs = list(k.attrs)
    if link_with:
        attrs.append(("link_with", f'"{k.object}"'))
    text = ", ".join(f"{n} = {v}" for n, v in attrs)
    return f"func.func private @{k.symbol}({', '.join(k.arg_types)}) attributes {{{text}}}"
