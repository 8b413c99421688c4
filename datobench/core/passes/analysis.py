"""What each instance asks of the hardware: off-chip traffic, local memory and work.

Traffic and local memory follow the tile-memory model of ``ir.effects``."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from datobench.core.ir.bfp import mac_type
from datobench.core.ir.effects import (
    Local,
    aliases,
    local_tensors,
    transfers,
    with_conditions,
    writes_in_place,
)
from datobench.core.ir.nodes import Call, Expr, ParamRef, Stmt, Store, children, stmt_exprs, walk
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Graph, Instance
from datobench.core.ir.types import Stage, TensorType, dtype_of
from datobench.core.passes.counts import upper_count


@dataclass(frozen=True)
class Access:
    """One instance's reads (or writes) of one global buffer, through one parameter."""

    instance: str
    buffer: str
    param: str
    direction: str  # "read" | "write"
    window: tuple[tuple[int, int], ...]  # the part of the buffer the instance sees
    bytes: int  # moved over the whole run (an upper bound under data-dependent ifs)
    tile_bytes: int  # the largest single transfer: what a ping-pong buffer must hold
    in_place: bool = False  # writes only of local tensors, which the DMA reads where they are
    stage: Stage | None = None  # reads staged in a panel buffer (``dato.stage``)
    panel_bytes: int = 0  # one staged panel's bytes (0 when not staged)
    writeback: int = 1  # objects of the output FIFO a write in place leaves through
    sources: int = 1  # the local tensors a write in place drains, each an object at the core


@dataclass(frozen=True)
class InstanceProfile:
    name: str
    accesses: tuple[Access, ...]
    local_bytes: int  # tensors the instance keeps in its tile's memory
    macs: int  # multiply-accumulates over the whole run
    macs_dtype: str | None  # operand type of its matmuls ("int8", "bf16", ...)
    elementwise: int  # other element operations over the whole run
    matmul_shapes: tuple[tuple[int, int, int], ...]


def _ops(e: Expr):
    """An expression and all its sub-expressions."""
    for c in children(e):
        yield from _ops(c)
    yield e


def _moved(s: Stmt, param: str, direction: str) -> list[int]:
    """The bytes of each transfer of ``param`` in ``direction`` one execution of ``s`` makes."""
    return [t.bytes for t in transfers(s) if t.param == param and t.direction == direction]


def _sources(body: tuple[Stmt, ...], param: str) -> int:
    """How many local tensors a body writes to ``param`` (two blocks of C computed together
    are two): written in place, each lives in an object of the output FIFO of its own."""
    names = {
        source.name
        for s in walk(body)
        if isinstance(s, Store) and isinstance(s.base, ParamRef) and s.base.name == param
        if isinstance(source := aliases(s.value), Local)
    }
    return max(len(names), 1)


def profile(inst: Instance) -> InstanceProfile:
    body = inst.body
    counted = with_conditions(body)
    accesses = []
    for arg in inst.args:
        for direction in ("read", "write"):
            sizes = [n for s in walk(body) for n in _moved(s, arg.param, direction)]
            if sizes:
                stage = arg.stage if direction == "read" else None
                in_place = direction == "write" and writes_in_place(body, arg.param)

                def moved(s: Stmt, p=arg.param, d=direction) -> int:
                    return sum(_moved(s, p, d))

                accesses.append(
                    Access(
                        inst.name,
                        arg.buffer,
                        arg.param,
                        direction,
                        arg.window,
                        upper_count(counted, moved),
                        max(sizes),
                        in_place,
                        stage,
                        _panel_bytes(body, arg.param, stage),
                        arg.writeback if in_place else 1,
                        _sources(body, arg.param) if direction == "write" else 1,
                    )
                )
    matmuls = [
        e
        for s in walk(body)
        for x in stmt_exprs(s)
        for e in _ops(x)
        if isinstance(e, Call) and e.fn == "matmul"
    ]
    return InstanceProfile(
        inst.name,
        tuple(accesses),
        sum(local_tensors(body).values()),
        upper_count(body, lambda s: _work(s)[0]),
        _mac_type(matmuls[0]) if matmuls else None,
        upper_count(body, lambda s: _work(s)[1]),
        tuple(_mkn(e) for e in matmuls),
    )


def _mac_type(matmul: Call) -> str:
    return mac_type(*(dtype_of(a.type) for a in matmul.args[:2])).name


def _panel_bytes(body: tuple[Stmt, ...], param: str, stage: Stage | None) -> int:
    """The bytes of one panel of a staged parameter, in the element type its reads have."""
    if stage is None:
        return 0
    read = next(t for s in walk(body) for t in transfers(s) if t.param == param)
    return TensorType(dtype_of(read.type), stage.panel).nbytes


def _mkn(matmul: Call) -> tuple[int, int, int]:
    (m, k), (_, n) = matmul.args[0].type.shape, matmul.args[1].type.shape
    return m, k, n


def _work(s: Stmt) -> tuple[int, int]:
    """(MACs, other element operations) one execution of a statement performs: the ops the
    op table marks as work, on values of element types (not index arithmetic)."""
    macs = other = 0
    for e in (e for x in stmt_exprs(s) for e in _ops(x)):
        op = op_of(e)
        if op is None or not op.work:
            continue
        if op.cost == "mac":
            m, k, n = _mkn(e)
            macs += m * k * n
        elif dtype_of(e.type).kind in ("int", "float"):
            other += e.type.size if isinstance(e.type, TensorType) else 1
    return macs, other


# id(graph) -> (a weak reference to the graph, its profiles); an entry goes with its graph
_PROFILES: dict[int, tuple[weakref.ref, dict[str, InstanceProfile]]] = {}


def profiles(graph: Graph) -> dict[str, InstanceProfile]:
    """Every instance's profile, computed once per graph: a graph is frozen, a placement
    change keeps it, and the mapper, the perf run and the panel's views all ask for them."""
    key = id(graph)
    known = _PROFILES.get(key)
    if known is None or known[0]() is not graph:
        found = {inst.name: profile(inst) for inst in graph.instances}
        known = (weakref.ref(graph, lambda _: _PROFILES.pop(key, None)), found)
        _PROFILES[key] = known
    return dict(known[1])
