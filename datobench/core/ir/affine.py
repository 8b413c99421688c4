"""Affine forms of index expressions: ``sum(coeff * var) + const``.

Used to prove that a slice has a constant length, and to bound indices over loop ranges.
Variables are keyed ``("var", name)`` or ``("pid", axis)``.
"""

from __future__ import annotations

from datobench.core.ir.nodes import Binary, Call, Const, Expr, Pid, Unary, Var
from datobench.core.ir.types import index

Affine = tuple[dict[tuple, int], int]


def affine(expr: Expr) -> Affine | None:
    """The affine form of an integer expression, or None if it is not affine."""
    if getattr(expr, "type", None) != index:
        return None
    if isinstance(expr, Const):
        return {}, expr.value
    if isinstance(expr, Var):
        return {("var", expr.name): 1}, 0
    if isinstance(expr, Pid):
        return {("pid", expr.axis): 1}, 0
    if isinstance(expr, Call) and expr.fn == "astype" and isinstance(expr.args[0], Var):
        return {("var", expr.args[0].name): 1}, 0  # an integer read at run time, as an index
    if isinstance(expr, Unary) and expr.op == "-":
        inner = affine(expr.operand)
        return None if inner is None else _scale(inner, -1)
    if isinstance(expr, Binary) and expr.op in ("+", "-", "*"):
        lhs, rhs = affine(expr.lhs), affine(expr.rhs)
        if lhs is None or rhs is None:
            return None
        if expr.op == "+":
            return _add(lhs, rhs)
        if expr.op == "-":
            return _add(lhs, _scale(rhs, -1))
        if not lhs[0]:
            return _scale(rhs, lhs[1])
        if not rhs[0]:
            return _scale(lhs, rhs[1])
    return None


def _scale(a: Affine, k: int) -> Affine:
    return {v: c * k for v, c in a[0].items() if c * k}, a[1] * k


def _add(a: Affine, b: Affine) -> Affine:
    terms = dict(a[0])
    for v, c in b[0].items():
        terms[v] = terms.get(v, 0) + c
    return {v: c for v, c in terms.items() if c}, a[1] + b[1]


def difference(stop: Expr, start: Expr) -> int | None:
    """``stop - start`` when it is the same constant for every value of the variables."""
    a, b = affine(stop), affine(start)
    if a is None or b is None:
        return None
    terms, const = _add(a, _scale(b, -1))
    return None if terms else const


def interval(expr: Expr, ranges: dict[tuple, tuple[int, int]]) -> tuple[int, int] | None:
    """Inclusive bounds of an affine expression given inclusive ranges of its variables."""
    form = affine(expr)
    if form is None:
        return None
    terms, const = form
    lo = hi = const
    for var, coeff in terms.items():
        if var not in ranges:
            return None
        vlo, vhi = ranges[var]
        lo += min(coeff * vlo, coeff * vhi)
        hi += max(coeff * vlo, coeff * vhi)
    return lo, hi
