"""The DDR slices each instance moves, in the order it moves them: its body run with loop
variables only (pid is already a constant), as the runtime sequence needs them; and the order
of all its transfers, stream gets and puts among them, which the sequence's clock follows.

An ``if`` on loop variables is decided; one on data cannot be (the runtime sequence is fixed
before the cores run), which is a CapabilityError at the user's line, unless neither branch
moves DDR data. A slice a statement reads twice (``matmul(b[0:16], b[0:16] * 2.0)``) moves once:
the core reads the one object twice.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass

from datobench.core.errors import CapabilityError
from datobench.core.ir.nodes import (
    Binary,
    Const,
    Expr,
    For,
    Get,
    If,
    Index,
    Load,
    ParamRef,
    Put,
    Range,
    Stmt,
    Store,
    StreamRef,
    Unary,
    Var,
    channel_name,
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


Move = tuple[str, str]  # ("read" | "write", parameter) or ("get" | "put", channel)


@dataclass(frozen=True)
class Trace:
    slices: dict[tuple[str, str], list[Slice]]  # (parameter, direction) -> slices, in order
    order: list[Move]  # every DDR slice moved and stream element taken or given, in order


class Tracer:
    def __init__(self, inst: Instance):
        self.inst = inst
        self.slices: dict[tuple[str, str], list[Slice]] = {}
        self.order: list[Move] = []
        self.read: set = set()  # the slices the current statement has read
        self.keys: dict[int, tuple] = {}  # id of a read in the body -> its read_key, once

    def run(self) -> Trace:
        self.block(self.inst.body, {})
        return Trace(self.slices, self.order)

    def block(self, stmts: tuple[Stmt, ...], env: dict[str, int]):
        for s in stmts:
            if isinstance(s, For):
                lo, hi = evaluate(s.start, env, s.loc), evaluate(s.stop, env, s.loc)
                for v in range(lo, hi, s.step):
                    self.block(s.body, {**env, s.var: v})
                continue
            self.read = set()
            for x in stmt_exprs(s):
                self.reads(x, env, s.loc)
            if isinstance(s, If) and moves_ddr((*s.then, *s.orelse)):
                taken = s.then if evaluate(s.cond, env, s.loc) else s.orelse
                self.block(taken, env)
            elif isinstance(s, Store) and isinstance(s.base, ParamRef):
                self.add(s.base, s.indices, "write", env, s.loc)
            elif isinstance(s, Put):
                self.order.append(("put", self.channel(s.stream, env, s.loc)))

    def reads(self, e: Expr, env, loc):
        if is_ddr_read(e):
            key = self.keys.get(id(e))
            if key is None:  # loops revisit the same expressions: key each one once
                key = self.keys[id(e)] = read_key(e)
            if key in self.read:
                return
            self.read.add(key)
        if isinstance(e, ParamRef):
            self.add(e, (), "read", env, loc)
            return
        for c in children(e):
            self.reads(c, env, loc)
        if isinstance(e, Load) and isinstance(e.base, ParamRef):
            self.add(e.base, e.indices, "read", env, loc)
        elif isinstance(e, Get):
            self.order.append(("get", self.channel(e.stream, env, loc)))

    def channel(self, ref: StreamRef, env, loc) -> str:
        return channel_name(ref.stream, tuple(evaluate(i, env, loc) for i in ref.indices))

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
        self.order.append((direction, ref.name))


def moved_shape(shape: tuple[int, ...], indices) -> tuple[int, ...]:
    """The shape of the value a slice of a parameter moves (indexed dimensions dropped; a
    scalar moves as one element): the shape of its object FIFO."""
    subs = [*indices, *[None] * (len(shape) - len(indices))]
    dims = tuple(
        full if sub is None else sub.length
        for sub, full in zip(subs, shape)
        if not isinstance(sub, Index)
    )
    return dims or (1,)


def is_ddr_read(e: Expr) -> bool:
    """Is the expression a whole parameter or a slice of one?"""
    return isinstance(e, ParamRef) or (isinstance(e, Load) and isinstance(e.base, ParamRef))


def read_key(e: Expr):
    """A DDR read as written, source locations aside: two equal keys in one statement are one
    slice, moved once and held as one object."""
    if is_dataclass(e) and not isinstance(e, type):
        return (
            type(e).__name__,
            *(read_key(getattr(e, f.name)) for f in fields(e) if f.name != "loc"),
        )
    if isinstance(e, tuple):
        return tuple(read_key(x) for x in e)
    return e


def trace(inst: Instance) -> Trace:
    """The slices the instance moves per (parameter, "read" | "write"), and all its moves in
    program order."""
    return Tracer(inst).run()
