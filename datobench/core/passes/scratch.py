"""The scratch buffers an NPU core holds for expression temporaries, so that the mapper's
ledger books the data memory the emitted core takes. The choices of where a value is computed
are made here once (``aside``, ``in_buffer``, ``accumulates``, ``operands``): the core emitter
(``codegen/aie/core.py``) asks them as it allocates, and ``scratch_bytes`` counts with them.

A tile value computed inside an expression (an operand that is itself arithmetic or a call,
a partial slice of a local) gets a buffer of its own; so does the right-hand side of a binding
that reads the name it binds without updating it in place (``x = f(x)`` is computed aside,
then copied into ``x``). Everything else is computed straight into where it goes (a FIFO
object, a local), and so is a product added into a band of rows of a local
(``acc[r0:r1, :] += matmul(...)``): the rows are contiguous, and the kernel adds into them
where they are. A core keeps its scratch buffers per memref type and takes them back after
every statement, so it holds, of each type, as many as its most demanding statement uses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Set

from datobench.core.ir.effects import view_of
from datobench.core.ir.nodes import (
    Assign,
    Binary,
    Call,
    Expr,
    Get,
    Index,
    KernelCall,
    Load,
    ParamRef,
    Put,
    Range,
    Stmt,
    Store,
    Var,
    children,
    in_place_update,
    mutated_names,
    walk,
)
from datobench.core.ir.ops import op_of
from datobench.core.ir.types import TensorType, dtype_of


def scratch_bytes(bodies: Iterable[tuple[Stmt, ...]]) -> int:
    """Bytes of the scratch buffers of one core running ``bodies`` (a node's instances)."""
    most: dict[tuple, int] = {}
    sizes: dict[tuple, int] = {}
    for body in bodies:
        mutated = mutated_names(body)
        for s in walk(body):
            for key, n in Counter(_key(t, sizes) for t in _statement(s, mutated)).items():
                most[key] = max(most.get(key, 0), n)
    return sum(n * sizes[key] for key, n in most.items())


def _key(t: TensorType, sizes: dict[tuple, int]) -> tuple:
    key = (dtype_of(t).name, tuple(t.shape))
    sizes[key] = t.nbytes
    return key


def _statement(s: Stmt, mutated: Set[str]) -> list[TensorType]:
    """The temporaries one statement needs (loops and branches: their statements do)."""
    if isinstance(s, Assign) and isinstance(s.value.type, TensorType):
        if view_of(s, mutated) is not None:
            return _tensor(s.value)
        if not aside(s):
            return _into(s.value, s.name)
        return [s.value.type, *_into(s.value, None)]
    if isinstance(s, Put) and isinstance(s.value.type, TensorType):
        return _into(s.value, None)
    if isinstance(s, Store) and isinstance(s.value.type, TensorType):
        if isinstance(s.base, ParamRef):
            return _into(s.value, None)
        shape = s.base.type.shape
        if all(isinstance(i, Index) for i in s.indices) and len(s.indices) == len(shape):
            return []
        if whole(s.indices, shape):
            return _into(s.value, s.base.name)
        if accumulates_band(s):
            return _operands(s.value.rhs.args)
        return _tensor(s.value)
    return []


def _into(e: Expr, dest: str | None) -> list[TensorType]:
    """Computing ``e`` into a buffer (the local ``dest``, if it is one): its operands'."""
    if op_of(e) is None and not isinstance(e, KernelCall):
        return _tensor(e)
    return _operands(e.rhs.args if accumulates(e, dest) else operands(e))


def _operands(args: tuple[Expr, ...]) -> list[TensorType]:
    """A kernel's operands as buffers: those not already in one need theirs."""
    return [t for a in args if isinstance(a.type, TensorType) for t in _tensor(a)]


def _tensor(e: Expr) -> list[TensorType]:
    """A tile value as a buffer: where it lives, else a scratch one (a partial slice of a
    local is copied there, anything else computed there)."""
    if in_buffer(e):
        return []
    if isinstance(e, Load):
        return [e.type]
    return [e.type, *_into(e, None)]


# -- where values are computed: asked by the core emitter too ---------------------------------


def aside(s: Assign) -> bool:
    """Is the tile value bound computed in a scratch buffer and then copied? When it reads
    the name it binds (``x = f(x)``) other than as an in-place update."""
    return not in_place_update(s) and reads(s.value, s.name)


def in_buffer(e: Expr) -> bool:
    """Is a tile value already in a buffer: a local, a FIFO object (a received value, a DDR
    read), all of a local?"""
    if isinstance(e, Var | Get | ParamRef):
        return True
    return isinstance(e, Load) and (
        isinstance(e.base, ParamRef) or whole(e.indices, e.base.type.shape)
    )


def accumulates(e: Expr, dest: str | None) -> bool:
    """``acc + matmul(...)`` computed into ``acc``: the kernel adds into it, the product
    needs no buffer."""
    return (
        isinstance(e, Binary)
        and e.op == "+"
        and isinstance(e.lhs, Var)
        and e.lhs.name == dest
        and isinstance(e.rhs, Call)
        and e.rhs.fn == "matmul"
        and e.rhs.type == e.type
    )


def accumulates_band(s: Store) -> bool:
    """``acc[r0:r1, :] += matmul(...)`` on a local: the product is added into a band of
    whole rows, which lie contiguous in the local's memory, so the kernel adds into them in
    place (given the band's first row), and neither the band nor the product needs a buffer."""
    e = s.value
    band = s.indices[:1]
    return (
        isinstance(s.base, Var)
        and len(s.base.type.shape) == 2
        and len(band) == 1
        and isinstance(band[0], Range)
        and whole(s.indices[1:], s.base.type.shape[1:])
        and isinstance(e, Binary)
        and e.op == "+"
        and isinstance(e.lhs, Load)
        and isinstance(e.lhs.base, Var)
        and e.lhs.base.name == s.base.name
        and e.lhs.indices == s.indices
        and isinstance(e.rhs, Call)
        and e.rhs.fn == "matmul"
        and e.rhs.type == e.type
    )


def operands(e: Expr) -> tuple[Expr, ...]:
    """The operands a kernel computing ``e`` takes, in order."""
    if isinstance(e, KernelCall | Call):
        return e.args
    return (e.lhs, e.rhs) if isinstance(e, Binary) else (e.operand,)


def whole(indices, shape) -> bool:
    """Do the subscripts select all of a tensor?"""
    return all(
        i is None or (isinstance(i, Range) and i.length == size) for i, size in zip(indices, shape)
    )


def reads(e: Expr, name: str) -> bool:
    """Does an expression read the local ``name``?"""
    if isinstance(e, Var) and e.name == name:
        return True
    if isinstance(e, Load) and isinstance(e.base, Var) and e.base.name == name:
        return True
    return any(reads(c, name) for c in children(e))
