"""Local tensors that can live in their output FIFO's object: the DMA then reads them where
they are, as the mapper's ledger assumes for a DDR write of a local tensor (no ping-pong
buffer of its own, ``passes/route_npu.py``).

``acc`` owns the object of parameter ``c``'s FIFO when ``c[...] = acc`` is the only write of
``c``, and, in the statement list holding it, ``acc``'s one fresh definition comes first of
everything naming it and the write last, nothing outside naming it. The core then acquires
the object where ``acc`` is defined, computes in it, and releases it at the write: one object
in flight (depth 1 at the core), and no copy. Several locals may own objects of one FIFO
(``c[top] = acc; c[below] = low``, two blocks of C computed together): each as above, all in
one statement list, defined in the order they are written, so that the core gives its objects
back oldest first; the FIFO is then as deep at the core as the locals it holds; with
``dato.writeback(depth=2)`` on ``c`` the FIFO has two objects at the core per local, so the next
block is computed while the DMA drains this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.ir.effects import store_type
from datobench.core.ir.nodes import (
    Assign,
    For,
    If,
    ParamRef,
    Stmt,
    Store,
    Var,
    stmt_exprs,
    walk,
)
from datobench.core.ir.types import TensorType
from datobench.core.passes.scratch import reads


@dataclass(frozen=True)
class Owned:
    name: str  # the local tensor
    param: str  # the parameter whose FIFO object it lives in
    define: int  # id() of its defining Assign
    write: int  # id() of the Store that hands it to the DMA


def mentions(s: Stmt, name: str) -> bool:
    """Does a statement (nested ones included) read or bind ``name``?"""
    for t in walk((s,)):
        if isinstance(t, Assign) and t.name == name:
            return True
        if isinstance(t, Store) and isinstance(t.base, Var) and t.base.name == name:
            return True
        if any(reads(e, name) for e in stmt_exprs(t)):
            return True
    return False


def _block_of(body: tuple[Stmt, ...], target: Stmt) -> tuple[Stmt, ...] | None:
    """The statement list that holds ``target`` directly."""
    if any(s is target for s in body):
        return body
    for s in body:
        inner = (s.body,) if isinstance(s, For) else (s.then, s.orelse) if isinstance(s, If) else ()
        for b in inner:
            found = _block_of(b, target)
            if found is not None:
                return found
    return None


def owned_outputs(body: tuple[Stmt, ...]) -> list[Owned]:
    writes: dict[str, list[Store]] = {}
    for s in walk(body):
        if isinstance(s, Store) and isinstance(s.base, ParamRef):
            writes.setdefault(s.base.name, []).append(s)
    out = []
    for param, stores in writes.items():
        owners = [_owner(body, param, w) for w in stores]
        names = [o.name for o in owners if o is not None]
        if None in owners or len(set(names)) != len(names):
            continue
        block = _block_of(body, stores[0])
        if len(owners) > 1 and not _in_turn(block, owners):
            continue
        out += owners
    return out


def _owner(body: tuple[Stmt, ...], param: str, w: Store) -> Owned | None:
    """The local whose object a write hands to the DMA, if it can live in that object."""
    if not isinstance(w.value, Var):
        return None
    name = w.value.name
    if not isinstance(w.value.type, TensorType) or w.value.type != store_type(w):
        return None  # a scalar is stored by value: it has no object to live in
    block = _block_of(body, w)
    refs = [s for s in block if mentions(s, name)]
    first = refs[0]
    fresh = [
        t
        for t in walk(block)
        if isinstance(t, Assign) and t.name == name and not reads(t.value, name)
    ]
    if not (isinstance(first, Assign) and first.name == name and fresh == [first]):
        return None
    if refs[-1] is not w or not _only_in(body, block, name):
        return None
    return Owned(name, param, id(first), id(w))


def _in_turn(block: tuple[Stmt, ...], owners: list[Owned]) -> bool:
    """Are several owners of one FIFO defined in one statement list, in the order of their
    writes, each before any is written (the core releases a FIFO's objects oldest first)?"""
    at = {id(s): i for i, s in enumerate(block)}
    if any(o.define not in at or o.write not in at for o in owners):
        return False
    defines = [at[o.define] for o in owners]
    writes = [at[o.write] for o in owners]
    return defines == sorted(defines) and writes == sorted(writes) and max(defines) < min(writes)


def _only_in(body: tuple[Stmt, ...], block: tuple[Stmt, ...], name: str) -> bool:
    """Is every statement naming ``name`` inside ``block``?"""
    inside = {id(t) for s in block for t in walk((s,))}
    return all(id(t) in inside for t in walk(body) if _direct(t, name))


def _direct(t: Stmt, name: str) -> bool:
    """Does the statement itself (not a nested one) name ``name``?"""
    if isinstance(t, Assign) and t.name == name:
        return True
    if isinstance(t, Store) and isinstance(t.base, Var) and t.base.name == name:
        return True
    return any(reads(e, name) for e in stmt_exprs(t))
