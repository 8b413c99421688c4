"""Memory effects of task bodies: what a value aliases, which statements copy a tile, which
DDR windows a statement moves, and how many bytes a type takes.

Every consumer of these facts (the mapper's ledger, the cycle-approximate simulator's copy
and DMA charges, the functional simulator's copies and its DDR byte counters, the HLS
emitter) asks this module, so that they all follow one model of tile memory:

- A task parameter is (a window of) a global tensor in DDR. Reading it, ``a[...]`` or ``a``
  as a whole, is a DMA transfer *into* a tile buffer; writing ``a[...] = v`` is a transfer
  *out*. Each transfer moves the slice's bytes (``nbytes`` of its type), wherever the read
  appears (an ``if`` condition included).
- A received element (``s.get()``) lives in the stream buffer it arrived in; a DDR read lives
  in the DMA buffer it arrived in. Both are *arrival buffers*.
- A value *aliases* the storage it is read from: a local name (``x``, ``x[...]``), an arrival
  buffer (``a[...]``, ``s.get()``), or nothing when it is freshly computed (arithmetic,
  builtins, kernel calls, which are written straight to wherever the value goes).
  ``x.T`` aliases what ``x`` aliases: a transpose is address arithmetic.
- Binding ``x = v`` (not an in-place update ``x = x op y``):
  a fresh value is computed into ``x``'s own buffer; a local value is copied (``x`` gets its
  own buffer); an arrival buffer is *viewed*: ``x`` names that buffer and takes no memory of
  its own, unless ``x`` is mutated in the body, in which case it is copied out first.
- Putting ``s.put(v)``: a fresh value is computed into the stream buffer; anything else is
  copied into it.
- Storing into a local tensor ``y[...] = v``: a value that is not fresh is copied.
- Storing into DDR ``a[...] = v``: a local tensor (or slice of one, scalars included) is read
  where it is by the DMA, which is then *draining* it until the transfer ends; a fresh value is
  computed into the DMA's buffer; an arrival buffer is copied into the DMA's buffer.

Scalars are never copies (they live in registers). Nothing here knows about a target.
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from dataclasses import dataclass, replace

from datobench.core.ir.nodes import (
    Assign,
    Call,
    Expr,
    For,
    Get,
    If,
    Load,
    ParamRef,
    Put,
    Range,
    Stmt,
    Store,
    StreamRef,
    Var,
    children,
    in_place_update,
    mutated_names,
    stmt_exprs,
    walk,
)
from datobench.core.ir.program import Graph
from datobench.core.ir.types import TensorType, Type, dtype_of, make_type


def nbytes(t: Type) -> int:
    """Bytes one value of a scalar or tensor type takes."""
    return t.nbytes if isinstance(t, TensorType) else dtype_of(t).bytes


# -- what a value aliases -----------------------------------------------------------------------


@dataclass(frozen=True)
class Local:
    """A local name's storage (a tensor or scalar the instance keeps)."""

    name: str


@dataclass(frozen=True)
class Window:
    """The DMA buffer a DDR read of parameter ``param`` arrived in."""

    param: str


@dataclass(frozen=True)
class Received:
    """The stream buffer an element got from ``stream`` arrived in."""

    stream: StreamRef


Alias = Local | Window | Received


def aliases(e: Expr) -> Alias | None:
    """The storage a value is read from, or None if it is freshly computed."""
    if isinstance(e, Var):
        return Local(e.name)
    if isinstance(e, ParamRef):
        return Window(e.name)
    if isinstance(e, Load):
        return Local(e.base.name) if isinstance(e.base, Var) else Window(e.base.name)
    if isinstance(e, Get):
        return Received(e.stream)
    if isinstance(e, Call) and e.fn == "transpose":
        return aliases(e.args[0])
    return None


# -- copies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    """A statement moves a tile it did not compute from ``source`` to where it goes."""

    source: Alias
    reason: str


def copies(s: Stmt, mutated: Set[str]) -> Copy | None:
    """Does one execution of a simple statement copy a tile, and why? ``mutated`` are the
    body's local tensors written in place (``mutated_names``)."""
    if isinstance(s, Assign) and in_place_update(s):
        return None
    value = getattr(s, "value", None)
    if value is None or not isinstance(value.type, TensorType):
        return None
    source = aliases(value)
    if source is None:
        return None
    if isinstance(s, Assign):
        if isinstance(source, Local):
            return Copy(source, f"'{s.name}' gets its own copy of local '{source.name}'")
        if s.name in mutated:
            why = f"'{s.name}' is written in place, so it is copied out of {_arrival(source)}"
            return Copy(source, why)
        return None  # a view of the arrival buffer
    if isinstance(s, Put):
        return Copy(source, f"{_arrival(source)} is copied into stream '{s.stream.stream}'")
    if isinstance(s.base, ParamRef):
        if isinstance(source, Local):
            return None  # the DMA reads the local tensor where it is
        return Copy(source, f"{_arrival(source)} is copied into the DMA buffer of '{s.base.name}'")
    return Copy(source, f"{_arrival(source)} is copied into local '{s.base.name}'")


def view_of(s: Assign, mutated: Set[str]) -> Window | Received | None:
    """The arrival buffer a binding names without copying it, if it does."""
    if in_place_update(s) or not isinstance(s.value.type, TensorType):
        return None
    source = aliases(s.value)
    if isinstance(source, (Window, Received)) and s.name not in mutated:
        return source
    return None


def _arrival(a: Alias) -> str:
    if isinstance(a, Window):
        return f"the DMA buffer of '{a.param}'"
    if isinstance(a, Received):
        return f"the buffer of stream '{a.stream.stream}'"
    return f"local '{a.name}'"


# -- DDR transfers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    """One DMA transfer of a statement: a window of parameter ``param`` moved in or out."""

    param: str
    direction: str  # "read" | "write"
    type: Type  # the slice's type: its shape and element type

    @property
    def bytes(self) -> int:
        return nbytes(self.type)


def transfers(s: Stmt) -> tuple[Transfer, ...]:
    """The DDR windows one execution of a statement reads (in evaluation order), then the one
    it writes. Only the statement's own expressions count, not those of nested statements."""
    out = [t for x in stmt_exprs(s) for t in _reads(x)]
    if isinstance(s, Store) and isinstance(s.base, ParamRef):
        out.append(Transfer(s.base.name, "write", store_type(s)))
    return tuple(out)


def _reads(e: Expr) -> Iterator[Transfer]:
    if isinstance(e, ParamRef):  # the whole window
        yield Transfer(e.name, "read", e.type)
        return
    for c in children(e):
        yield from _reads(c)
    if isinstance(e, Load) and isinstance(e.base, ParamRef):
        yield Transfer(e.base.name, "read", e.type)


def store_type(s: Store) -> Type:
    """The type of the slice a store writes (indexed dimensions dropped)."""
    dims = tuple(i.length for i in s.indices if isinstance(i, Range))
    return make_type(dtype_of(s.base.type), dims)


# -- bodies and graphs --------------------------------------------------------------------------


def with_conditions(body: tuple[Stmt, ...]) -> tuple[Stmt, ...]:
    """The body with each ``if``'s condition also evaluated by a statement of its own just
    before it (an assignment to no name), so that counting over simple statements
    (``passes.counts``) sees the DDR data a condition reads."""
    out: list[Stmt] = []
    for s in body:
        if isinstance(s, For):
            s = replace(s, body=with_conditions(s.body))
        elif isinstance(s, If):
            out.append(Assign("", s.cond, s.loc))
            s = replace(s, then=with_conditions(s.then), orelse=with_conditions(s.orelse))
        out.append(s)
    return tuple(out)


def drained(body: tuple[Stmt, ...]) -> dict[str, set[str]]:
    """Local names that DDR writes read in place: name -> the parameters written from it."""
    out: dict[str, set[str]] = {}
    for s in walk(body):
        if isinstance(s, Store) and isinstance(s.base, ParamRef):
            source = aliases(s.value)
            if isinstance(source, Local):
                out.setdefault(source.name, set()).add(s.base.name)
    return out


def writes_in_place(body: tuple[Stmt, ...], param: str) -> bool:
    """Are all of a body's DDR writes to ``param`` of local values read in place?"""
    return all(
        isinstance(aliases(s.value), Local)
        for s in walk(body)
        if isinstance(s, Store) and isinstance(s.base, ParamRef) and s.base.name == param
    )


def local_tensors(body: tuple[Stmt, ...]) -> dict[str, int]:
    """The tensors a body keeps in its tile's memory: name -> bytes (the largest value bound
    to it). Names that view an arrival buffer take none."""
    mutated = mutated_names(body)
    out: dict[str, int] = {}
    for s in walk(body):
        if isinstance(s, Assign) and isinstance(s.value.type, TensorType):
            if view_of(s, mutated) is None:
                out[s.name] = max(out.get(s.name, 0), s.value.type.nbytes)
    return out


def written_params(body: tuple[Stmt, ...]) -> set[str]:
    """The parameters a body writes to DDR."""
    return {t.param for s in walk(body) for t in transfers(s) if t.direction == "write"}


def written_buffers(graph: Graph) -> set[str]:
    """The global buffers some instance of a graph writes."""
    out = set()
    for inst in graph.instances:
        params = written_params(inst.body)
        out |= {a.buffer for a in inst.args if a.param in params}
    return out
