"""Constant folding of index and boolean expressions, with the ops' own semantics."""

from __future__ import annotations

from datobench.core.errors import DatoTypeError
from datobench.core.ir.nodes import Binary, Const, Expr, Unary
from datobench.core.ir.ops import BINARY, UNARY
from datobench.core.ir.types import boolean, index

# operator -> its Python semantics on constants
FOLD = {name: op.numpy for name, op in BINARY.items()}
_LOGICAL = ("and", "or")


def fold(expr: Expr) -> Expr:
    """Evaluate an operation on constants now."""
    if isinstance(expr, Binary) and isinstance(expr.lhs, Const) and isinstance(expr.rhs, Const):
        if expr.op not in _LOGICAL and expr.type in (index, boolean):
            if expr.op in ("//", "%") and expr.rhs.value == 0:
                raise DatoTypeError("division by zero in a constant expression")
            value = FOLD[expr.op](expr.lhs.value, expr.rhs.value)
            weak = expr.lhs.weak and expr.rhs.weak and expr.type == index
            return Const(value, expr.type, expr.loc, weak)
        if expr.op in _LOGICAL:
            return Const(FOLD[expr.op](expr.lhs.value, expr.rhs.value), boolean, expr.loc)
    if isinstance(expr, Unary) and isinstance(expr.operand, Const):
        v = expr.operand.value
        negate = UNARY["-"].numpy
        if expr.op == "-" and expr.operand.weak:
            return Const(negate(v), expr.operand.type, expr.loc, True)
        if expr.op == "-" and expr.type == index:
            return Const(negate(v), index, expr.loc)
        if expr.op == "not":
            return Const(UNARY["not"].numpy(v), boolean, expr.loc)
    return expr
