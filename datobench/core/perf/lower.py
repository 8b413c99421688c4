"""Timed lowering: the functional simulator's generator code plus a clock per tile.

Each simple statement charges its compute cycles to its tile's clock ``A[0]`` (``A[1]`` sums
busy cycles); transfers call the runtime (``tput``/``tget`` for channels, an engine's read
from ``Runtime.reader`` and ``dwrite`` for DDR), which advance the clock and book stalls. With
``values=False`` the array arithmetic is left out and only index computations, control flow and
transfers remain, so that large programs are timed in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datobench.core.errors import CapabilityError
from datobench.core.ir.effects import Local, aliases, drained, transfers
from datobench.core.ir.nodes import (
    Assign,
    Binary,
    Const,
    Expr,
    For,
    Get,
    If,
    ParamRef,
    Pid,
    Put,
    Stmt,
    Store,
    Unary,
    Var,
    children,
    walk,
)
from datobench.core.ir.program import Instance
from datobench.core.ir.types import index
from datobench.core.perf.cost import CostModel
from datobench.core.perf.staging import staged_panels
from datobench.core.sim.calling import InstanceArgs
from datobench.core.sim.lower import Lowerer, _local


@dataclass(frozen=True)
class TimedArgs(InstanceArgs):
    """The functional convention plus the timing hooks of the runtime (``perf.runtime``)."""

    A: list  # the tile's accumulator: clock, busy, stalls (indices in ``perf.runtime``)
    tput: Callable  # (slot, A) after a put: wait for a credit, book the arrival time
    tget: Callable  # (slot, A) after a get: wait for the element to arrive
    D: list  # per DDR read engine: its tiles so far, those its group brought in, its read(bytes)
    dwrite: Callable  # (engine, bytes, A) a DDR write through a DMA engine
    dwait: Callable  # (engine, A[, depth]) wait until an engine has drained a buffer
    E: list  # [the clock at which another instance goes first]: catch up only from there
    sread: Callable  # (engine, panel, bytes, A[, first, last part]) a staged read


class TimedLowerer(Lowerer):
    """The functional lowering with each statement's cost and each transfer's timing."""

    calling = TimedArgs

    def __init__(self, inst, channels, written, cost: CostModel, dma_ids: dict, values: bool):
        super().__init__(inst, channels, written)
        self.cost = cost
        self.dma_ids = dma_ids  # (param, direction) -> index into the instance's DMA engines
        self.values = values
        # local tensors written to DDR in place: the engines that may still be reading them,
        # each with how many writes back the object the local lives in was last handed over
        self.draining = {
            name: {(dma_ids[(param, "write")], back) for param, back in params.items()}
            for name, params in _objects_back(inst).items()
        }
        # per engine, the most recent write waited for since its last write on every path to
        # here: waiting for that one or an older one again is a no-op (the clock only moves
        # on, an engine's ends only with a write), which takes a call out of a GEMM's inner
        # loop; kept, not grown, inside an If's branches
        self.waited: dict[int, int] = {}
        self.in_branch = 0
        self.engines: set[int] = set()  # the DDR read engines of the reads emitted so far

    def lower(self):
        """The functional lowering, with each DDR read engine's lists and read bound to locals
        at the top (``e3, s3, r3 = D[3]``: the read path is the simulator's hottest)."""
        out = super().lower()
        bind = [f"    e{e}, s{e}, r{e} = D[{e}]" for e in sorted(self.engines)]
        self.code[1:1] = bind  # after the header
        out.lines[1:1] = [self.inst.loc] * len(bind)
        out.source = "\n".join(self.code) + "\n"
        return out

    # -- timing hooks -----------------------------------------------------------------------
    def stmt(self, s: Stmt):
        if isinstance(s, If):  # its condition may read DDR before either branch runs
            self.loc = s.loc or self.loc
            self.reads(s)
        if isinstance(s, (For, If)):  # at a loop's head, as after it: none it writes to
            self.forget(self.written(s))
            self.in_branch += isinstance(s, If)
            super().stmt(s)
            self.in_branch -= isinstance(s, If)
            self.forget(self.written(s))
        else:
            super().stmt(s)

    def forget(self, engines: set[int]):
        for engine in engines:
            self.waited.pop(engine, None)

    def written(self, s: Stmt) -> set[int]:
        """The DMA engines that statements inside ``s`` write DDR through."""
        return {
            self.dma_ids[(t.param, "write")]
            for inner in walk((s,))
            for t in transfers(inner)
            if t.direction == "write"
        }

    def reads(self, s: Stmt):
        for t, staged in staged_panels(self, s, self.values):
            engine = self.dma_ids[(t.param, "read")]
            if staged is None:
                # a stop only where another instance goes first and the read would claim DRAM
                # (no reader of the window has brought the tile in; after the stop one may have)
                self.engines.add(engine)
                self.line(f"if A[0] >= E[0] and len(e{engine}) >= len(s{engine}): yield None")
                self.line(f"r{engine}({t.bytes})")
            else:  # a staged read, from its panel's buffer (perf/staging.py)
                self.catch_up()
                self.line(f"sread({engine}, {staged})")

    def catch_up(self):
        """Let instances with earlier clocks reach DRAM first (``perf.scheduler``)."""
        self.line("if A[0] >= E[0]: yield None")

    def count_transfers(self, s: Stmt):
        """Nothing: a timed run takes its DDR bytes from the instance profiles."""

    def before_stmt(self, s: Stmt):
        self.reads(s)
        target = (
            s.name
            if isinstance(s, Assign)
            else (s.base.name if isinstance(s, Store) and isinstance(s.base, Var) else None)
        )
        for engine, back in sorted(self.draining.get(target, ())):
            last = self.waited.get(engine)
            if last is not None and last <= back:
                continue  # a wait for this write or a later one since the engine last wrote
            # the DMA may still be reading its object: wait for the write that last filled it
            self.line(f"dwait({engine}, A{f', {back}' if back != 1 else ''})")
            if not self.in_branch:
                self.waited[engine] = back if last is None else min(last, back)

    def before_put(self, s: Put):
        self.charge(s)  # the value is made before it is put

    def after_stmt(self, s: Stmt):
        if not isinstance(s, Put):
            self.charge(s)
        for t in transfers(s):
            if t.direction == "write":
                self.catch_up()
                self.line(f"dwrite({self.dma_ids[(t.param, 'write')]}, {t.bytes}, A)")
                self.forget({self.dma_ids[(t.param, "write")]})

    def charge(self, s: Stmt):
        cycles = self.cost.stmt_cycles(s, self.mutated)
        if cycles:
            self.line(f"A[0] += {cycles}; A[1] += {cycles}")

    def after_put(self, slot: int):
        self.line(f"tput({slot}, A)")

    def after_get(self, slot: int):
        self.line(f"tget({slot}, A)")

    # -- timing without values --------------------------------------------------------------
    def emit_stmt(self, s: Stmt):
        if self.values:
            return super().emit_stmt(s)
        if isinstance(s, Assign):
            if s.value.type == index:
                return super().emit_stmt(s)
            self.gets_only(s.value)
            self.line(f"{_local(s.name)} = None")
        elif isinstance(s, Store):
            self.gets_only(s.value)
        elif isinstance(s, Put):
            self.gets_only(s.value)
            self.before_put(s)
            slot = self.slot(s.stream)
            wait = self.wait("put", s.stream, s.loc)
            self.line(f"while len(q{slot}) >= {self.depth_of(s.stream)}: yield W[{wait}]")
            self.line(f"q{slot}.append(None)")
            self.line(f"C[{slot}] += 1")
            self.after_put(slot)
        elif isinstance(s, If) and not _static(s.cond):
            raise CapabilityError(
                f"in instance '{self.inst.name}': timing without values (values=False) cannot "
                "follow a condition that depends on data; run with values=True",
                s.loc,
            )
        else:
            super().emit_stmt(s)

    def gets_only(self, e: Expr):
        """Emit the stream reads inside a value whose arithmetic is skipped."""
        if isinstance(e, Get):
            self.expr(e)
            return
        for c in children(e):
            self.gets_only(c)


def _objects_back(inst: Instance) -> dict[str, dict[str, int]]:
    """For each local a DDR write reads in place, per parameter written from it: how many
    writes back the engine took the object it lives in. The output FIFO holds ``writeback``
    objects per local written to the parameter (``dato.writeback``; several locals, as two
    blocks of C computed together, are written in the order they were first written, once
    each per pass): the i-th of n locals at depth w reuses the object written w * n - i back."""
    depth = {a.param: a.writeback for a in inst.args}
    order: dict[str, list[str]] = {}
    for s in walk(inst.body):
        if isinstance(s, Store) and isinstance(s.base, ParamRef):
            source = aliases(s.value)
            if isinstance(source, Local) and source.name not in order.setdefault(s.base.name, []):
                order[s.base.name].append(source.name)
    return {
        name: {
            param: depth[param] * len(order[param]) - order[param].index(name) for param in params
        }
        for name, params in drained(inst.body).items()
    }


def _static(e: Expr) -> bool:
    """Is a condition computed from indices only (not from data)?"""
    if isinstance(e, (Const, Pid)):
        return True
    if isinstance(e, Var):
        return e.type == index
    if isinstance(e, (Binary, Unary)):
        return all(_static(c) for c in children(e))
    return False  # loads, calls and stream reads bring data


def timed_lowering(cost: CostModel, dma_ids: dict[str, dict], values: bool):
    """A ``lower`` function for ``compile_graph`` that produces timed generators."""

    def lower(inst: Instance, channels, written):
        return TimedLowerer(inst, channels, written, cost, dma_ids[inst.name], values).lower()

    return lower
