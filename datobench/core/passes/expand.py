"""Instance expansion: one instance per point of each task's mapping grid.

``pid`` becomes constants, compile-time ``if``s are folded, stream-array indices resolve to
concrete channels (checked against the array's shape) and each parameter gets its shard window.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from datobench.core.errors import DatoError, DatoTypeError
from datobench.core.ir.fold import fold
from datobench.core.ir.nodes import (
    Assign,
    Binary,
    Call,
    Const,
    Expr,
    For,
    Get,
    If,
    Index,
    KernelCall,
    Load,
    Pid,
    Put,
    Range,
    Stmt,
    Store,
    StreamRef,
    Subscript,
    Unary,
    Var,
    children,
    stmt_exprs,
    walk,
)
from datobench.core.ir.program import ArgBinding, Instance, Region, Task, shard_window
from datobench.core.ir.types import index


def instance_name(task: str, pid: tuple[int, ...], mapping: tuple[int, ...]) -> str:
    if all(m == 1 for m in mapping):
        return task
    return "_".join([task, *map(str, pid)])


def expand_instances(region: Region) -> tuple[Instance, ...]:
    """Every task's instances, in task and grid order. Instance names are unique: a task
    whose instance takes the name of an earlier task's (``pe_1`` beside ``pe`` with
    ``mapping=[2]``) is refused at its own line."""
    instances = []
    owners: dict[str, Task] = {}
    for task in region.tasks:
        for pid in itertools.product(*(range(m) for m in task.mapping)):
            name = instance_name(task.name, pid, task.mapping)
            if name in owners:
                raise _collision(name, task, owners[name])
            owners[name] = task
            instances.append(_instance(region, task, pid, name))
    return tuple(instances)


def _collision(name: str, task: Task, earlier: Task) -> DatoTypeError:
    def described(t: Task) -> str:
        grid = f" (mapping {list(t.mapping)})" if any(m > 1 for m in t.mapping) else ""
        return f"task '{t.name}'{grid}"

    return DatoTypeError(
        f"'{name}' names an instance of both {described(task)} and {described(earlier)}: "
        "instances are named after their task and coordinates (task_i_j), so rename one of "
        "the tasks",
        task.loc,
        notes=(f"task '{earlier.name}' is defined at {earlier.loc}",),
    )


def _instance(region: Region, task: Task, pid: tuple[int, ...], name: str) -> Instance:
    args = tuple(
        ArgBinding(
            p.name,
            p.buffer,
            shard_window(region.buffer(p.buffer).type, p.layout, task.mapping, pid),
            p.stage,
            p.writeback,
        )
        for p in task.params
    )
    specialiser = _Specialiser(region, name, pid)
    return Instance(name, task.name, pid, args, specialiser.block(task.body), task.loc)


# A loop whose variable picks stream channels is unrolled, up to this many iterations.
UNROLL_LIMIT = 1024


@dataclass
class _Specialiser:
    region: Region
    instance: str
    pid: tuple[int, ...]
    consts: dict[str, int] = field(default_factory=dict)  # unrolled loop variables

    def block(self, stmts: tuple[Stmt, ...]) -> tuple[Stmt, ...]:
        out: list[Stmt] = []
        for s in stmts:
            try:
                out.extend(self.stmt(s))
            except DatoError as error:  # e.g. folding pid // 0: at the statement's line
                raise error.at(s.loc) from None
        return tuple(out)

    def stmt(self, s: Stmt) -> tuple[Stmt, ...]:
        if isinstance(s, Assign):
            return (replace(s, value=self.expr(s.value)),)
        if isinstance(s, Store):
            return (replace(s, indices=self.subscripts(s.indices), value=self.expr(s.value)),)
        if isinstance(s, Put):
            return (replace(s, stream=self.stream(s.stream, s), value=self.expr(s.value)),)
        if isinstance(s, For):
            start, stop = self.expr(s.start), self.expr(s.stop)
            if _indexes_streams(s.body, s.var):
                return self.unroll(s, start, stop)
            return (replace(s, start=start, stop=stop, body=self.block(s.body)),)
        if isinstance(s, If):
            cond = self.expr(s.cond)
            if isinstance(cond, Const):
                return self.block(s.then if cond.value else s.orelse)
            return (replace(s, cond=cond, then=self.block(s.then), orelse=self.block(s.orelse)),)
        raise TypeError(f"unknown statement {s!r}")

    def unroll(self, s: For, start: Expr, stop: Expr) -> tuple[Stmt, ...]:
        if not (isinstance(start, Const) and isinstance(stop, Const)):
            raise DatoTypeError(
                f"in instance '{self.instance}', loop variable '{s.var}' picks stream channels, "
                "so the loop is unrolled, but its bounds are not compile-time constants",
                s.loc,
            )
        values = range(start.value, stop.value, s.step)
        if len(values) > UNROLL_LIMIT:
            raise DatoTypeError(
                f"loop variable '{s.var}' picks stream channels, so the loop is unrolled, but "
                f"it runs {len(values)} times (at most {UNROLL_LIMIT})",
                s.loc,
            )
        out: list[Stmt] = []
        saved = self.consts.get(s.var)
        for v in values:
            self.consts[s.var] = v
            out.extend(self.block(s.body))
        if saved is None:
            self.consts.pop(s.var)
        else:
            self.consts[s.var] = saved
        return tuple(out)

    def expr(self, e: Expr) -> Expr:
        if isinstance(e, Pid):
            return Const(self.pid[e.axis], index, e.loc)
        if isinstance(e, Var) and e.name in self.consts:
            return Const(self.consts[e.name], index, e.loc)
        if isinstance(e, Unary):
            return fold(replace(e, operand=self.expr(e.operand)))
        if isinstance(e, Binary):
            return fold(replace(e, lhs=self.expr(e.lhs), rhs=self.expr(e.rhs)))
        if isinstance(e, Load):
            return replace(e, indices=self.subscripts(e.indices))
        if isinstance(e, (Call, KernelCall)):
            return replace(e, args=tuple(self.expr(a) for a in e.args))
        if isinstance(e, Get):
            return replace(e, stream=self.stream(e.stream, e))
        return e

    def subscripts(self, subs: tuple[Subscript, ...]) -> tuple[Subscript, ...]:
        return tuple(
            Index(self.expr(s.at))
            if isinstance(s, Index)
            else Range(self.expr(s.start), self.expr(s.stop), s.length)
            for s in subs
        )

    def stream(self, ref: StreamRef, at) -> StreamRef:
        indices = tuple(self.expr(i) for i in ref.indices)
        decl = self.region.stream(ref.stream)
        if not all(isinstance(i, Const) for i in indices):
            raise DatoTypeError(
                f"in instance '{self.instance}', the index of stream array '{ref.stream}' is "
                "not a compile-time constant; stream indices may use pid and constants only",
                at.loc,
            )
        values = tuple(i.value for i in indices)
        if any(not 0 <= v < n for v, n in zip(values, decl.shape)):
            raise DatoTypeError(
                f"in instance '{self.instance}', stream index {ref.stream}"
                f"[{', '.join(map(str, values))}] is outside the stream array of shape "
                f"{list(decl.shape)}",
                at.loc,
            )
        return StreamRef(ref.stream, indices)


def _uses(e: Expr, var: str) -> bool:
    return (isinstance(e, Var) and e.name == var) or any(_uses(c, var) for c in children(e))


def _stream_refs(stmts: tuple[Stmt, ...]):
    for s in walk(stmts):
        if isinstance(s, Put):
            yield s.stream
        for e in stmt_exprs(s):
            yield from _gets(e)


def _gets(e: Expr):
    if isinstance(e, Get):
        yield e.stream
    for c in children(e):
        yield from _gets(c)


def _indexes_streams(body: tuple[Stmt, ...], var: str) -> bool:
    """Does the loop variable pick a channel of a stream array somewhere in the body?"""
    return any(_uses(i, var) for ref in _stream_refs(body) for i in ref.indices)
