"""Constant folding of index and boolean expressions."""

from __future__ import annotations

import operator

from datobench.core.errors import DatoTypeError
from datobench.core.ir.nodes import Binary, Const, Expr, Unary
from datobench.core.ir.types import boolean, index

FOLD = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
    "/": operator.truediv,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def fold(expr: Expr) -> Expr:
    """Evaluate an operation on constants now."""
    if isinstance(expr, Binary) and isinstance(expr.lhs, Const) and isinstance(expr.rhs, Const):
        if expr.op in FOLD and expr.type in (index, boolean):
            if expr.op in ("//", "%") and expr.rhs.value == 0:
                raise DatoTypeError("division by zero in a constant expression")
            value = FOLD[expr.op](expr.lhs.value, expr.rhs.value)
            weak = expr.lhs.weak and expr.rhs.weak and expr.type == index
            return Const(value, expr.type, expr.loc, weak)
        if expr.op in ("and", "or"):
            a, b = expr.lhs.value, expr.rhs.value
            return Const(bool(a and b) if expr.op == "and" else bool(a or b), boolean, expr.loc)
    if isinstance(expr, Unary) and isinstance(expr.operand, Const):
        v = expr.operand.value
        if expr.op == "-" and expr.operand.weak:
            return Const(-v, expr.operand.type, expr.loc, True)
        if expr.op == "-" and expr.type == index:
            return Const(-v, index, expr.loc)
        if expr.op == "not":
            return Const(not v, boolean, expr.loc)
    return expr
