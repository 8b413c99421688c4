"""Builtins and unary operators on scalars in a core body: ``a if c else b`` (``scf.if``, so
that only the branch taken is evaluated, as in the other backends), Python's ``min``, ``max``
and ``abs`` (``arith`` compares and selects; floats use ``maximumf``/``minimumf``, which keep a
NaN as numpy does), ``-x``, ``~x``, ``not c``, and an integer read at run time used as an index
(``arith.index_cast``)."""

from __future__ import annotations

from datobench.core.codegen.aie import types
from datobench.core.ir.effects import transfers
from datobench.core.ir.nodes import Assign, Call, Unary
from datobench.core.ir.types import dtype_of, index

SCALAR_CALLS = ("where", "maximum", "minimum", "abs", "astype")


def has_scalar_form(e) -> bool:
    """Is ``e`` a builtin or unary operator on scalars that ``scalar_call`` writes?"""
    if isinstance(e, Unary):
        return True
    if not isinstance(e, Call) or e.fn not in SCALAR_CALLS:
        return False
    return e.fn != "astype" or (e.type == index and dtype_of(e.args[0].type).kind == "int")


def scalar_call(text, e: Call | Unary) -> str:
    """The SSA value of ``e`` written into ``text`` (a ``CoreText``)."""
    mlir = types.scalar(e.type)
    if isinstance(e, Unary):
        return _unary(text, e, mlir)
    if e.fn == "where":
        return _choice(text, e, mlir)
    if e.fn == "astype":
        x = text.scalar(e.args[0])
        v = text.fresh()
        text.line(f"{v} = arith.index_cast {x} : {types.scalar(e.args[0].type)} to index")
        return v
    floating = dtype_of(e.type).kind == "float"
    if e.fn in ("maximum", "minimum"):
        a, b = (text.scalar(x) for x in e.args)
        v = text.fresh()
        if floating:
            text.line(f"{v} = arith.{e.fn}f {a}, {b} : {mlir}")
            return v
        text.line(f"{v} = arith.cmpi {'sgt' if e.fn == 'maximum' else 'slt'}, {a}, {b} : {mlir}")
        return _select(text, v, a, b, mlir)
    x = text.scalar(e.args[0])  # abs
    zero, negated, below = text.const(0, e.type), text.fresh(), text.fresh()
    if floating:
        text.line(f"{negated} = arith.negf {x} : {mlir}")
        text.line(f"{below} = arith.cmpf olt, {x}, {zero} : {mlir}")
    else:
        text.line(f"{negated} = arith.subi {zero}, {x} : {mlir}")
        text.line(f"{below} = arith.cmpi slt, {x}, {zero} : {mlir}")
    return _select(text, below, negated, x, mlir)


def _unary(text, e: Unary, mlir: str) -> str:
    """``-x`` (``0 - x`` for integers), ``~x`` (``x ^ -1``) and ``not c``."""
    x = text.scalar(e.operand)
    v = text.fresh()
    if e.op == "not":
        true = text.const(True, e.type)
        text.line(f"{v} = arith.xori {x}, {true} : i1")
    elif e.op == "~":
        ones = text.const(-1, e.type)
        text.line(f"{v} = arith.xori {x}, {ones} : {mlir}")
    elif dtype_of(e.type).kind == "float":
        text.line(f"{v} = arith.negf {x} : {mlir}")
    else:
        zero = text.const(0, e.type)
        text.line(f"{v} = arith.subi {zero}, {x} : {mlir}")
    return v


def _reads_ddr(e) -> bool:
    return bool(transfers(Assign("", e)))  # the reads of a statement evaluating ``e``


def _select(text, cond: str, a: str, b: str, mlir: str) -> str:
    v = text.fresh()
    text.line(f"{v} = arith.select {cond}, {a}, {b} : {mlir}")
    return v


def _choice(text, e: Call, mlir: str) -> str:
    """Only the branch taken is evaluated, unless a branch reads DDR: the runtime sequence
    sends every read the statement makes (``ir.effects.transfers``), so both take theirs and
    the value is selected. (DDR indices on the NPU are known before the cores run.)"""
    cond, then, orelse = e.args
    test = text.scalar(cond)
    if any(_reads_ddr(b) for b in (then, orelse)):
        a, b = text.scalar(then), text.scalar(orelse)
        return _select(text, test, a, b, mlir)
    v = text.fresh()
    text.line(f"{v} = scf.if {test} -> ({mlir}) {{")
    for n, branch in enumerate((then, orelse)):
        if n:
            text.line("} else {")
        text.indent += 1
        value = text.scalar(branch)
        text.line(f"scf.yield {value} : {mlir}")
        text.indent -= 1
    text.line("}")
    return v
