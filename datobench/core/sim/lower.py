"""Lower one instance's IR to a Python generator function.

The generator runs the instance's body with whole-tile numpy operations and yields only when
a stream operation must block (a full FIFO on ``put``, an empty one on ``get``), handing the
scheduler a ``Wait`` that says on what. Values follow the tile-memory model of ``ir.effects``: a
statement copies exactly where that model says a tile is copied, and a name that views a DDR
window of a buffer some instance writes holds a snapshot (the DMA transfer), so that nothing
bound or put is a view of something that changes later. Each statement that moves DDR data adds
its bytes to the run's counter for that buffer and direction.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field

import numpy as np

from datobench.core.errors import Loc
from datobench.core.ir.affine import interval
from datobench.core.ir.bits import wrap
from datobench.core.ir.effects import Window, copies, transfers, view_of
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
    ParamRef,
    Put,
    Stmt,
    Store,
    StreamRef,
    Subscript,
    Unary,
    Var,
    in_place_update,
    mutated_names,
)
from datobench.core.ir.ops import BINARY, CALLS, UNARY
from datobench.core.ir.program import Instance
from datobench.core.ir.scalars import scalar_reads
from datobench.core.ir.types import dtype_of, float32
from datobench.core.sim.calling import InstanceArgs
from datobench.core.sim.choice import LazyChoice, is_lazy_choice
from datobench.core.sim.staging import PanelChecks


class Wait:
    """What a blocked instance waits for."""

    __slots__ = ("kind", "queue", "depth", "channel", "loc")

    def __init__(self, kind: str, queue, depth: int, channel: str, loc: Loc | None):
        self.kind, self.queue, self.depth, self.channel, self.loc = kind, queue, depth, channel, loc

    def blocked(self) -> bool:
        return len(self.queue) >= self.depth if self.kind == "put" else not self.queue


@dataclass(frozen=True)
class KernelSlot:
    """Stands for an external kernel's implementation in a lowered instance."""

    name: str


@dataclass(frozen=True)
class DdrCounter:
    """Stands for a run's counter of the bytes moved to or from one global buffer."""

    buffer: str
    direction: str  # "read" | "write"


@dataclass
class Lowered:
    """An instance's generated ``run`` function, how to call it, and the tables it uses."""

    source: str
    lines: list[Loc | None]  # user location of each generated line
    constants: list = field(default_factory=list)
    waits: list[tuple[str, str, Loc | None]] = field(default_factory=list)  # kind, channel, loc
    checks: list[tuple[Loc | None, str]] = field(default_factory=list)
    scalars: list[str] = field(default_factory=list)  # the region scalars the body reads
    calling: type[InstanceArgs] = InstanceArgs  # the arguments of ``run``


class Lowerer(LazyChoice, PanelChecks):
    """Lowers one instance. Subclasses (the performance simulator) add timing through the
    ``before_stmt`` / ``after_stmt`` / ``after_put`` / ``after_get`` hooks, and the arguments
    those need through a subclass of ``InstanceArgs``."""

    calling: type[InstanceArgs] = InstanceArgs

    def __init__(
        self, inst: Instance, channels: dict[str, tuple[int, int]], written_buffers: set[str]
    ):
        self.inst = inst
        self.mutated = mutated_names(inst.body)
        # DDR windows that may change during the run: a name viewing one holds a snapshot
        self.changing_params = {a.param for a in inst.args if a.buffer in written_buffers}
        self.buffer_of = {a.param: a.buffer for a in inst.args}
        self.inst_stages = {a.param: a.stage for a in inst.args if a.stage is not None}
        self.channel_slot = {name: slot for name, (slot, _) in channels.items()}
        self.depths = {name: depth for name, (_, depth) in channels.items()}
        self.params = [a.param for a in inst.args]
        self.out = Lowered("", [], calling=self.calling)
        self.code: list[str] = []
        self.depth = 1
        self.tmp = 0
        self.loc: Loc | None = inst.loc
        self.ranges: dict[tuple, tuple[int, int]] = {}

    # -- emission ---------------------------------------------------------------------------
    def line(self, text: str):
        self.code.append("    " * self.depth + text)
        self.out.lines.append(self.loc)

    def const(self, value) -> str:
        self.out.constants.append(value)
        return f"K[{len(self.out.constants) - 1}]"

    def fresh(self) -> str:
        self.tmp += 1
        return f"t{self.tmp}"

    def lower(self) -> Lowered:
        self.code.append(self.calling.header())
        self.out.lines.append(self.inst.loc)
        for n, name in enumerate(self.params):
            self.line(f"p_{name} = P[{n}]")
        for name, slot in self.channel_slot.items():
            self.line(f"q{slot} = Q[{slot}]  # {name}")
        self.out.scalars = scalar_reads(self.inst.body)
        for name in self.out.scalars:
            self.line(f"{_local(name)} = V[{name!r}]")
        self.line("if False: yield")  # a generator even if it never blocks
        self.block(self.inst.body)
        self.out.source = "\n".join(self.code) + "\n"
        return self.out

    # -- statements -------------------------------------------------------------------------
    def block(self, stmts: tuple[Stmt, ...]):
        for s in stmts:
            self.stmt(s)

    # hooks for subclasses: called around each simple statement and after each transfer
    def before_stmt(self, s: Stmt):
        pass

    def after_stmt(self, s: Stmt):
        pass

    def before_put(self, s: Put):
        pass

    def after_put(self, slot: int):
        pass

    def after_get(self, slot: int):
        pass

    def stmt(self, s: Stmt):
        self.loc = s.loc or self.loc
        simple = not isinstance(s, (For, If))
        self.count_transfers(s)
        if simple:
            self.before_stmt(s)
        self.emit_stmt(s)
        if simple:
            self.after_stmt(s)

    def emit_stmt(self, s: Stmt):
        if isinstance(s, Assign):
            self.assign(s)
        elif isinstance(s, Store):
            target = self.subscripted(s.base, s.indices)
            self.line(f"{target} = {self.expr(s.value)}")
        elif isinstance(s, Put):
            value = self.expr(s.value)
            if copies(s, self.mutated):
                value += ".copy()"
            self.before_put(s)
            slot = self.slot(s.stream)
            wait = self.wait("put", s.stream, s.loc)
            depth = self.depth_of(s.stream)
            self.line(f"while len(q{slot}) >= {depth}: yield W[{wait}]")
            self.line(f"q{slot}.append({value})")
            self.line(f"C[{slot}] += 1")
            self.after_put(slot)
        elif isinstance(s, For):
            self.loop(s)
        elif isinstance(s, If):
            self.line(f"if {self.expr(s.cond)}:")
            self.nested(s.then)
            if s.orelse:
                self.line("else:")
                self.nested(s.orelse)
        else:
            raise TypeError(f"unknown statement {s!r}")

    def nested(self, stmts):
        self.depth += 1
        self.line("pass")
        self.block(stmts)
        self.depth -= 1

    def count_transfers(self, s: Stmt):
        """Add the DDR bytes one execution of ``s`` moves to the run's counters."""
        moved: dict[tuple[str, str], int] = {}
        for t in transfers(s):
            key = (self.buffer_of[t.param], t.direction)
            moved[key] = moved.get(key, 0) + t.bytes
        for key, size in moved.items():
            self.line(f"{self.const(DdrCounter(*key))}[0] += {size}")

    def snapshot(self, s: Assign) -> bool:
        """Does a binding view a DDR window that may change later (so the sim, whose DDR reads
        are views of the global arrays, must take the DMA's snapshot)?"""
        view = view_of(s, self.mutated)
        return isinstance(view, Window) and view.param in self.changing_params

    def assign(self, s: Assign):
        name = _local(s.name)
        v = s.value
        if in_place_update(s):
            self.line(f"{name} {v.op}= {self.expr(v.rhs)}")  # in place: the tile is ours
            return
        text = self.expr(v)
        copy = copies(s, self.mutated) is not None or self.snapshot(s)
        self.line(f"{name} = {text}{'.copy()' if copy else ''}")

    def loop(self, s: For):
        start, stop = self.expr(s.start), self.expr(s.stop)
        rng = self.fresh()
        self.line(f"{rng} = range({start}, {stop}, {s.step})")
        self.line(f"S[0] -= len({rng})")
        self.line(f"if S[0] < 0: budget({self.const(s.loc)})")
        self.line(f"for {_local(s.var)} in {rng}:")
        lo, hi = interval(s.start, self.ranges), interval(s.stop, self.ranges)
        key = ("var", s.var)
        saved = self.ranges.get(key)
        if lo is not None and hi is not None and s.step > 0:
            self.ranges[key] = (lo[0], hi[1] - 1)
        elif lo is not None and hi is not None:
            self.ranges[key] = (hi[0] + 1, lo[1])
        else:
            self.ranges.pop(key, None)
        self.nested(s.body)
        if saved is None:
            self.ranges.pop(key, None)
        else:
            self.ranges[key] = saved

    # -- expressions ------------------------------------------------------------------------
    def expr(self, e: Expr) -> str:
        if isinstance(e, Const):
            if e.type.kind in ("index", "bool"):
                return repr(e.value)
            return self.const(e.type.np.type(e.value))
        if isinstance(e, Var):
            return _local(e.name)
        if isinstance(e, ParamRef):
            return f"p_{e.name}"
        if isinstance(e, Unary):  # Python's operators on numpy values are the ops' semantics
            return self.wrapped(e, f"({UNARY[e.op].operator} {self.expr(e.operand)})")
        if isinstance(e, Binary) and BINARY[e.op].typed:  # a shift checks its amount
            return self.wrapped(e, self.typed_binary(e))
        if isinstance(e, Binary):
            return self.wrapped(
                e, f"({self.expr(e.lhs)} {BINARY[e.op].operator} {self.expr(e.rhs)})"
            )
        if isinstance(e, Load):
            return self.subscripted(e.base, e.indices)
        if isinstance(e, Get):
            slot = self.slot(e.stream)
            wait = self.wait("get", e.stream, e.loc or self.loc)
            t = self.fresh()
            self.line(f"while not q{slot}: yield W[{wait}]")
            self.line(f"{t} = q{slot}.popleft()")
            self.after_get(slot)
            return t
        if is_lazy_choice(e):
            return self.choice(e)
        if isinstance(e, Call):
            return self.wrapped(e, self.call(e))
        if isinstance(e, KernelCall):
            args = ", ".join(self.expr(a) for a in e.args)
            return f"{self.const(KernelSlot(e.kernel))}({args})"
        raise TypeError(f"unknown expression {e!r}")

    def call(self, e: Call) -> str:
        """A call of the op's numpy semantics (or its float32 fast path): operands by
        position, static arguments by keyword."""
        op = CALLS[e.fn]
        args = [self.expr(a) for a in e.args]
        if op.fast and all(dtype_of(x.type) == float32 for x in (*e.args, e)):
            return op.fast.format(*args)
        n = len(op.operands)
        params = args[:n]
        params += [f"{s.name}={a}" for s, a in zip(op.runtime, args[n:])]
        params += [f"{name}={self.static(value)}" for name, value in e.attrs]
        if op.typed:
            params.append(f"types={self.const(tuple(dtype_of(a.type) for a in e.args))}")
        return f"{self.const(op.numpy)}({', '.join(params)})"

    def typed_binary(self, e: Binary) -> str:
        """A call of a binary op's numpy semantics with the operands' element types."""
        types = (dtype_of(e.lhs.type), dtype_of(e.rhs.type))
        fn = self.const(BINARY[e.op].numpy)
        return f"{fn}({self.expr(e.lhs)}, {self.expr(e.rhs)}, types={self.const(types)})"

    def wrapped(self, e: Expr, text: str) -> str:
        """``text``, the value of ``e``, wrapped at its integer width where numpy does not
        wrap by itself (see ``ir.bits``)."""
        dtype = dtype_of(e.type)
        return text if dtype.native else f"{self.const(wrap)}({text}, {self.const(dtype)})"

    def static(self, value) -> str:
        """Python text for a static argument: literals inline, anything else a constant."""
        if value is None or isinstance(value, (bool, int, tuple)):
            return repr(value)
        return self.const(value)

    def subscripted(self, base, indices: tuple[Subscript, ...]) -> str:
        name = _local(base.name) if isinstance(base, Var) else f"p_{base.name}"
        parts = []
        for dim, (sub, size) in enumerate(zip(indices, base.type.shape)):
            at = sub.at if isinstance(sub, Index) else sub.start
            length = 1 if isinstance(sub, Index) else sub.length
            text = self.expr(at)
            bounds = interval(at, self.ranges)
            if bounds is None or bounds[0] < 0 or bounds[1] + length > size:
                text = self.checked(text, length, size, base.name, dim)
            text = self.panel_checked(base, indices, dim, at, text, length)
            parts.append(text if isinstance(sub, Index) else self.range_text(text, length))
        return f"{name}[{', '.join(parts)}]"

    def range_text(self, start: str, length: int) -> str:
        if start.isidentifier() or start.lstrip("-").isdigit():
            return f"{start}:{start} + {length}"
        t = self.fresh()
        self.line(f"{t} = {start}")
        return f"{t}:{t} + {length}"

    def checked(self, text: str, length: int, size: int, name: str, dim: int) -> str:
        t = self.fresh()
        self.out.checks.append((self.loc, f"'{name}' dimension {dim} (size {size})"))
        check = len(self.out.checks) - 1
        self.line(f"{t} = {text}")
        self.line(f"if {t} < 0 or {t} + {length} > {size}: fail({check}, {t}, {length})")
        return t

    def slot(self, ref: StreamRef) -> int:
        return self.channel_slot[ref.channel()]

    def depth_of(self, ref: StreamRef) -> int:
        return self.depths[ref.channel()]

    def wait(self, kind: str, ref: StreamRef, loc) -> int:
        self.out.waits.append((kind, ref.channel(), loc))
        return len(self.out.waits) - 1


def _local(name: str) -> str:
    return f"v_{name}" if not keyword.iskeyword(name) else f"v_{name}_"


NAMESPACE = {"np": np}  # for the ops' fast paths


def lower_instance(
    inst: Instance, channels: dict[str, tuple[int, int]], written_buffers: set[str]
) -> Lowered:
    """``channels`` maps the instance's channel names to (slot, depth); ``written_buffers``
    are the global buffers some instance writes."""
    return Lowerer(inst, channels, written_buffers).lower()
