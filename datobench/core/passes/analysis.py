"""What each instance asks of the hardware: off-chip traffic, local memory and work."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.ir.nodes import (
    Assign,
    Call,
    Expr,
    Get,
    Load,
    ParamRef,
    Stmt,
    Store,
    Var,
    children,
    mutated_names,
    stmt_exprs,
    walk,
)
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Graph, Instance
from datobench.core.ir.types import TensorType, dtype_of
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


@dataclass(frozen=True)
class InstanceProfile:
    name: str
    accesses: tuple[Access, ...]
    local_bytes: int  # tensors the instance keeps in its tile's memory
    macs: int  # multiply-accumulates over the whole run
    macs_dtype: str | None  # operand type of its matmuls ("int8", "bf16", ...)
    elementwise: int  # other element operations over the whole run
    matmul_shapes: tuple[tuple[int, int, int], ...]

    @property
    def moves_only(self) -> bool:
        return self.macs == 0 and self.elementwise == 0


def _loads(e: Expr):
    for c in children(e):
        yield from _loads(c)
    if isinstance(e, Load) and isinstance(e.base, ParamRef):
        yield e


def _nbytes(t) -> int:
    if isinstance(t, TensorType):
        return t.nbytes
    return dtype_of(t).bytes


def _ops(e: Expr):
    """An expression and all its sub-expressions."""
    for c in children(e):
        yield from _ops(c)
    yield e


def profile(inst: Instance) -> InstanceProfile:
    body = inst.body
    accesses = []
    for arg in inst.args:
        for direction in ("read", "write"):

            def moved(s: Stmt, p=arg.param, d=direction) -> int:
                return sum(_nbytes(t) for t in _transfers(s, p, d))

            sizes = [_nbytes(t) for s in walk(body) for t in _transfers(s, arg.param, direction)]
            if sizes:
                accesses.append(
                    Access(
                        inst.name,
                        arg.buffer,
                        arg.param,
                        direction,
                        arg.window,
                        upper_count(body, moved),
                        max(sizes),
                        direction == "write"
                        and all(
                            isinstance(s.value, (Var, Load))
                            and isinstance(getattr(s.value, "base", s.value), Var)
                            for s in walk(body)
                            if isinstance(s, Store)
                            and isinstance(s.base, ParamRef)
                            and s.base.name == arg.param
                        ),
                    )
                )
    local = {}
    mutated = mutated_names(body)
    for s in walk(body):
        if isinstance(s, Assign) and isinstance(s.value.type, TensorType):
            if _aliases_buffer(s.value) and s.name not in mutated:
                continue  # the name refers to the DMA or stream buffer the data arrived in
            local[s.name] = s.value.type.nbytes
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
        sum(local.values()),
        upper_count(body, lambda s: _work(s)[0]),
        dtype_of(matmuls[0].args[0].type).name if matmuls else None,
        upper_count(body, lambda s: _work(s)[1]),
        tuple(_mkn(e) for e in matmuls),
    )


def _aliases_buffer(e: Expr) -> bool:
    """A value that stays where it arrived: a DDR slice (DMA buffer) or a received element."""
    return isinstance(e, Get) or (isinstance(e, Load) and isinstance(e.base, ParamRef))


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


def _transfers(s: Stmt, param: str, direction: str):
    """Types of the slices of ``param`` a statement reads or writes."""
    if direction == "write":
        if isinstance(s, Store) and isinstance(s.base, ParamRef) and s.base.name == param:
            yield _slice_type(s)
        return
    for e in stmt_exprs(s):
        for load in _loads(e):
            if load.base.name == param:
                yield load.type


def _slice_type(s: Store):
    shape = tuple(getattr(i, "length", None) for i in s.indices)
    dims = tuple(d for d in shape if d is not None)
    return TensorType(s.base.type.dtype, dims) if dims else s.base.type.dtype


def profiles(graph: Graph) -> dict[str, InstanceProfile]:
    return {inst.name: profile(inst) for inst in graph.instances}
