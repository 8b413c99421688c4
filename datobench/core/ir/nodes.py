"""Expressions and statements of task bodies.

Nodes are frozen dataclasses. Every expression carries its type; every node carries the
source location it came from, so that any later stage can report errors at the user's line.
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.errors import Loc
from datobench.core.ir.types import DType, TensorType, Type


@dataclass(frozen=True)
class Const:
    value: int | float | bool
    type: DType
    loc: Loc | None = None
    weak: bool = False  # an untyped literal that adopts the other operand's type


@dataclass(frozen=True)
class Var:
    """A local value: loop variable, scalar or in-tile tensor."""

    name: str
    type: Type
    loc: Loc | None = None


@dataclass(frozen=True)
class ParamRef:
    """A task parameter: (a shard of) a global tensor in off-chip memory."""

    name: str
    type: TensorType
    loc: Loc | None = None


@dataclass(frozen=True)
class Pid:
    """Coordinate ``axis`` of the instance; replaced by a constant at instance expansion."""

    axis: int
    type: DType
    loc: Loc | None = None


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "not"
    operand: Expr
    type: Type
    loc: Loc | None = None


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / // % == != < <= > >= and or
    lhs: Expr
    rhs: Expr
    type: Type
    loc: Loc | None = None


@dataclass(frozen=True)
class Index:
    """Select one position of a dimension (drops the dimension)."""

    at: Expr


@dataclass(frozen=True)
class Range:
    """Select ``start:stop`` of a dimension; ``stop - start`` is a compile-time constant."""

    start: Expr
    stop: Expr
    length: int


Subscript = Index | Range


@dataclass(frozen=True)
class Load:
    base: Var | ParamRef
    indices: tuple[Subscript, ...]
    type: Type
    loc: Loc | None = None


@dataclass(frozen=True)
class Call:
    """A builtin: an op of the op table (``ir.ops.CALLS[fn]``). Static arguments (shapes,
    element types as ``DType`` objects, axes) are in ``attrs``."""

    fn: str
    args: tuple[Expr, ...]
    attrs: tuple[tuple[str, object], ...]
    type: Type
    loc: Loc | None = None

    def attr(self, name: str, default=None):
        return dict(self.attrs).get(name, default)


@dataclass(frozen=True)
class KernelCall:
    kernel: str
    args: tuple[Expr, ...]
    type: Type
    loc: Loc | None = None


@dataclass(frozen=True)
class StreamRef:
    """A stream, or one channel of a stream array once ``indices`` are constants."""

    stream: str
    indices: tuple[Expr, ...] = ()

    def channel(self) -> str:
        """The channel's name; valid once the indices are constants."""
        return channel_name(self.stream, tuple(i.value for i in self.indices))


@dataclass(frozen=True)
class Get:
    stream: StreamRef
    type: Type
    loc: Loc | None = None


Expr = Const | Var | ParamRef | Pid | Unary | Binary | Load | Call | KernelCall | Get


@dataclass(frozen=True)
class Assign:
    name: str
    value: Expr
    loc: Loc | None = None


@dataclass(frozen=True)
class Store:
    base: Var | ParamRef
    indices: tuple[Subscript, ...]
    value: Expr
    loc: Loc | None = None


@dataclass(frozen=True)
class Put:
    stream: StreamRef
    value: Expr
    loc: Loc | None = None


@dataclass(frozen=True)
class For:
    var: str
    start: Expr
    stop: Expr
    step: int
    body: tuple[Stmt, ...]
    loc: Loc | None = None


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    loc: Loc | None = None


Stmt = Assign | Store | Put | For | If


def channel_name(stream: str, index: tuple[int, ...]) -> str:
    return f"{stream}[{', '.join(map(str, index))}]" if index else stream


def walk(stmts: tuple[Stmt, ...]):
    """Every statement in a body, nested ones included, in program order."""
    for s in stmts:
        yield s
        if isinstance(s, For):
            yield from walk(s.body)
        elif isinstance(s, If):
            yield from walk(s.then)
            yield from walk(s.orelse)


def in_place_update(s: Assign) -> bool:
    """``x = x op y`` on a tensor, which the simulators perform in place."""
    v = s.value
    return (
        isinstance(v, Binary)
        and v.op in ("+", "-", "*")
        and isinstance(v.type, TensorType)
        and isinstance(v.lhs, Var)
        and v.lhs.name == s.name
        and v.lhs.type == v.type
    )


def mutated_names(stmts: tuple[Stmt, ...]) -> set[str]:
    """Local tensors written in place: store targets and in-place updates."""
    return {
        s.base.name for s in walk(stmts) if isinstance(s, Store) and isinstance(s.base, Var)
    } | {s.name for s in walk(stmts) if isinstance(s, Assign) and in_place_update(s)}


def stmt_exprs(s: Stmt) -> tuple[Expr, ...]:
    """The expressions a statement evaluates itself (not those of nested statements)."""
    if isinstance(s, (Assign, Put)):
        return (*(s.stream.indices if isinstance(s, Put) else ()), s.value)
    if isinstance(s, Store):
        return (*subscript_exprs(s.indices), s.value)
    if isinstance(s, For):
        return (s.start, s.stop)
    return (s.cond,)


def children(expr: Expr) -> tuple[Expr, ...]:
    """The sub-expressions of an expression, in evaluation order."""
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Binary):
        return (expr.lhs, expr.rhs)
    if isinstance(expr, Load):
        return subscript_exprs(expr.indices)
    if isinstance(expr, (Call, KernelCall)):
        return expr.args
    if isinstance(expr, Get):
        return expr.stream.indices
    return ()


def subscript_exprs(indices: tuple[Subscript, ...]) -> tuple[Expr, ...]:
    out: list[Expr] = []
    for s in indices:
        out.extend((s.at,) if isinstance(s, Index) else (s.start, s.stop))
    return tuple(out)
