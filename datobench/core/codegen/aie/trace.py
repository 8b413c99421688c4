"""The DDR slices each instance moves, in the order it moves them: its body run with loop
variables only (pid is already a constant), as the runtime sequence needs them.

An ``if`` on loop variables is decided; one on data cannot be (the runtime sequence is fixed
before the cores run), which is a CapabilityError at the user's line, unless neither branch
moves DDR data.
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.errors import CapabilityError
from datobench.core.ir.nodes import (
    Binary,
    Const,
    Expr,
    For,
    If,
    Index,
    Load,
    ParamRef,
    Range,
    Stmt,
    Store,
    Unary,
    Var,
    children,
    stmt_exprs,
    walk,
)
from datobench.core.ir.ops import BINARY, UNARY
from datobench.core.ir.program import Instance


@dataclass(frozen=True)
class Slice:
    """One transfer: the slice's first element (in the instance's window) and its shape,
    the dimensions an index drops included as size 1."""

    start: tuple[int, ...]
    shape: tuple[int, ...]
    value_shape: tuple[int, ...]  # the moved value's shape (indexed dimensions dropped)


def evaluate(e: Expr, env: dict[str, int], loc) -> int | bool:
    """An index or condition expression over loop variables."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Var) and e.name in env:
        return env[e.name]
    if isinstance(e, Binary):
        return BINARY[e.op].numpy(evaluate(e.lhs, env, loc), evaluate(e.rhs, env, loc))
    if isinstance(e, Unary):
        return UNARY[e.op].numpy(evaluate(e.operand, env, loc))
    raise CapabilityError(
        "the NPU's runtime sequence moves DDR data in an order fixed before the cores run, "
        "but this depends on a value computed in the task",
        getattr(e, "loc", None) or loc,
    )


def moves_ddr(stmts: tuple[Stmt, ...]) -> bool:
    """Do the statements read or write a parameter (an ``if`` that does not may test data)?"""

    def names_param(e: Expr) -> bool:
        return (
            isinstance(e, ParamRef)
            or (isinstance(e, Load) and isinstance(e.base, ParamRef))
            or any(names_param(c) for c in children(e))
        )

    return any(
        (isinstance(t, Store) and isinstance(t.base, ParamRef))
        or any(names_param(e) for e in stmt_exprs(t))
        for t in walk(stmts)
    )


class Tracer:
    def __init__(self, inst: Instance):
        self.inst = inst
        self.slices: dict[tuple[str, str], list[Slice]] = {}  # (param, direction) -> slices

    def run(self) -> dict[tuple[str, str], list[Slice]]:
        self.block(self.inst.body, {})
        return self.slices

    def block(self, stmts: tuple[Stmt, ...], env: dict[str, int]):
        for s in stmts:
            if isinstance(s, For):
                lo, hi = evaluate(s.start, env, s.loc), evaluate(s.stop, env, s.loc)
                for v in range(lo, hi, s.step):
                    self.block(s.body, {**env, s.var: v})
                continue
            for x in stmt_exprs(s):
                self.reads(x, env, s.loc)
            if isinstance(s, If) and moves_ddr((*s.then, *s.orelse)):
                taken = s.then if evaluate(s.cond, env, s.loc) else s.orelse
                self.block(taken, env)
            elif isinstance(s, Store) and isinstance(s.base, ParamRef):
                self.add(s.base, s.indices, "write", env, s.loc)

    def reads(self, e: Expr, env, loc):
        if isinstance(e, ParamRef):
            self.add(e, (), "read", env, loc)
            return
        for c in children(e):
            self.reads(c, env, loc)
        if isinstance(e, Load) and isinstance(e.base, ParamRef):
            self.add(e.base, e.indices, "read", env, loc)

    def add(self, ref: ParamRef, indices, direction: str, env, loc):
        shape = ref.type.shape
        start, size = [], []
        for dim, full in enumerate(shape):
            sub = indices[dim] if dim < len(indices) else None
            if sub is None:
                start.append(0)
                size.append(full)
            elif isinstance(sub, Index):
                start.append(evaluate(sub.at, env, loc))
                size.append(1)
            else:
                assert isinstance(sub, Range)
                start.append(evaluate(sub.start, env, loc))
                size.append(sub.length)
        subs = [*indices, *[None] * (len(shape) - len(indices))]
        dims = tuple(n for n, sub in zip(size, subs) if not isinstance(sub, Index))
        key = (ref.name, direction)
        self.slices.setdefault(key, []).append(Slice(tuple(start), tuple(size), dims))


def trace(inst: Instance) -> dict[tuple[str, str], list[Slice]]:
    """(parameter, "read" | "write") -> the slices the instance moves, in order."""
    return Tracer(inst).run()
