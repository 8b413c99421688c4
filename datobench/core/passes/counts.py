"""Static execution counts: how often each statement of an instance body runs.

Loop bounds are constants or affine in enclosing loop variables, so counts are exact except
under data-dependent ``if``s; there ``exact`` counting gives up (None) and ``upper`` counting
takes the larger branch.
"""

from __future__ import annotations

from collections.abc import Callable

from datobench.core.ir.fold import FOLD
from datobench.core.ir.nodes import Binary, Const, Expr, For, If, Stmt, Unary, Var

# Loops whose trip count depends on an enclosing loop are counted by enumeration up to this.
ENUMERATION_LIMIT = 100_000


class Unknown(Exception):
    """The count depends on data."""


def exact_count(stmts: tuple[Stmt, ...], weight: Callable[[Stmt], int]) -> int | None:
    """Sum of ``weight(s)`` over every execution of every non-loop statement, or None."""
    try:
        return _count(stmts, weight, {}, upper=False)
    except Unknown:
        return None


def upper_count(stmts: tuple[Stmt, ...], weight: Callable[[Stmt], int]) -> int:
    """Like ``exact_count``, taking the larger branch of data-dependent ``if``s."""
    return _count(stmts, weight, {}, upper=True)


def _count(stmts, weight, env, upper) -> int:
    total = 0
    for s in stmts:
        if isinstance(s, For):
            trips = range(evaluate(s.start, env), evaluate(s.stop, env), s.step)
            try:
                total += len(trips) * _count(s.body, weight, env, upper)
            except Unknown:
                if len(trips) > ENUMERATION_LIMIT:
                    raise
                total += sum(_count(s.body, weight, {**env, s.var: v}, upper) for v in trips)
        elif isinstance(s, If):
            try:
                branch = s.then if evaluate(s.cond, env) else s.orelse
                total += _count(branch, weight, env, upper)
            except Unknown:
                a = _count(s.then, weight, env, upper)
                b = _count(s.orelse, weight, env, upper)
                if a != b and not upper:
                    raise
                total += max(a, b)
        else:
            total += weight(s)
    return total


def evaluate(e: Expr, env: dict[str, int]):
    """The value of an index or condition expression, given loop variable values."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Var) and e.name in env:
        return env[e.name]
    if isinstance(e, Binary) and e.op in FOLD:
        return FOLD[e.op](evaluate(e.lhs, env), evaluate(e.rhs, env))
    if isinstance(e, Binary) and e.op in ("and", "or"):
        a, b = evaluate(e.lhs, env), evaluate(e.rhs, env)
        return (a and b) if e.op == "and" else (a or b)
    if isinstance(e, Unary):
        v = evaluate(e.operand, env)
        return -v if e.op == "-" else not v
    raise Unknown
