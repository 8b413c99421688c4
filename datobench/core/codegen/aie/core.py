"""One ``aie.core`` body per instance: its statements as scf/arith/memref, every get and DDR
read an ``objectfifo.acquire`` (Consume) and every put and DDR write one (Produce), each
released once the value is used, and tile operations as calls of kernels.

Where values live follows ``ir.effects``: a received tile or DDR slice is the acquired FIFO
object; a local tensor is an ``aie.buffer`` of the tile; a fresh value is computed straight
into wherever it goes (a FIFO object, a local buffer), a value that is not fresh is copied by
a loop nest of loads and stores. Operands computed inside an expression get a scratch buffer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datobench.core.codegen.aie import types
from datobench.core.codegen.aie.kernels import Kernel, op_kernel, user_kernel
from datobench.core.codegen.aie.owned import names_in, owned_outputs
from datobench.core.codegen.aie.plan import Plan
from datobench.core.codegen.aie.scalars import CoreText, Value, whole
from datobench.core.errors import CapabilityError
from datobench.core.ir.effects import view_of
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
    Var,
    in_place_update,
    mutated_names,
)
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Instance
from datobench.core.ir.types import TensorType, dtype_of, index


@dataclass
class Buffer:
    symbol: str
    type: str
    tile: tuple[int, int]


@dataclass
class CoreCode:
    lines: list[str]
    buffers: list[Buffer] = field(default_factory=list)
    kernels: list[Kernel] = field(default_factory=list)


class CoreEmitter(CoreText):
    """Writes one core's body: the statements of its instance (or of a chain's instances in
    lock-step), the aie.buffers they need and the kernels they call."""

    def __init__(self, insts: list[Instance], tile, plan: Plan):
        super().__init__()
        self.insts = insts
        # instance -> names, local buffers, tensors written in place, owned FIFO objects
        self.states: dict[str, tuple[dict, dict, set, dict]] = {}
        self.tile = tile
        self.plan = plan
        self.out = CoreCode([])
        self.scratch: dict[str, list[Value]] = {}  # memref type -> free scratch buffers
        self.in_use: list[tuple[str, Value]] = []
        self.held: list[list[str]] = [[]]  # per block: FIFOs whose objects views hold
        self.temps: list[str] = []  # FIFOs acquired for the current statement
        self.turn = {fifo: 0 for fifo in plan.shared}  # the bundle member whose object is next
        self.holding: set[str] = set()  # shared FIFOs whose object is held
        self.branches = 0  # scf.if nesting
        self.use(insts[0])
        self.loc = insts[0].loc

    # -- buffers -------------------------------------------------------------------------------

    def buffer(self, name: str, t: TensorType) -> Value:
        symbol = self.plan.symbols.new(f"{self.inst.name}_{name}")
        self.out.buffers.append(Buffer(symbol, types.of(t), self.tile))
        return Value(f"%{symbol}", t)

    def local(self, name: str, t: TensorType) -> Value:
        if name not in self.buffers:
            self.buffers[name] = self.buffer(name, t)
        buf = self.buffers[name]
        assert buf.type == t, "the front end gives a local name one type"
        return buf

    def temp(self, t: TensorType) -> Value:
        key = types.of(t)
        free = self.scratch.setdefault(key, [])
        v = free.pop() if free else self.buffer(f"tmp{len(self.out.buffers)}", t)
        self.in_use.append((key, v))
        return Value(v.ssa, t)

    # -- FIFOs ---------------------------------------------------------------------------------

    def acquire(self, fifo: str, port: str, t) -> Value:
        f = self.plan.fifo(fifo)
        if fifo in self.plan.shared:
            self.take_turn(fifo)
        sv, obj = self.fresh(), self.fresh()
        sub = f"!aie.objectfifosubview<{f.type}>"
        self.line(f"{sv} = aie.objectfifo.acquire @{fifo}({port}, 1) : {sub}")
        self.line(f"{obj} = aie.objectfifo.subview.access {sv}[0] : {sub} -> {f.type}")
        mem_t = t if isinstance(t, TensorType) else TensorType(dtype_of(t), (1,))
        return Value(obj, mem_t)

    def take_turn(self, fifo: str):
        """A bundle's members share the FIFO of a buffer and take its objects in turn: each
        member once per lock-step run, outside branches, never while another holds one."""
        members = self.plan.shared[fifo]
        expected = members[self.turn[fifo]]
        if self.inst.name != expected or self.branches or fifo in self.holding:
            raise CapabilityError(
                f"the bundled instances {', '.join(members)} share the object FIFO @{fifo} "
                f"and must take its objects in turn; '{self.inst.name}' takes one "
                + ("inside a branch" if self.branches else "out of turn")
                + ": move each DDR slice once per loop step, outside 'if'",
                self.loc,
            )
        self.turn[fifo] = (self.turn[fifo] + 1) % len(members)
        self.holding.add(fifo)

    def release(self, fifo: str, port: str):
        self.holding.discard(fifo)
        self.line(f"aie.objectfifo.release @{fifo}({port}, 1)")

    def fifo_of(self, e) -> str:
        if isinstance(e, Get):
            return self.plan.channel[e.stream.channel()]
        param = e.name if isinstance(e, ParamRef) else e.base.name
        return self.plan.access[(self.inst.name, param, "read")]

    # -- statements ----------------------------------------------------------------------------

    def use(self, inst: Instance):
        """Emit for ``inst`` from here on: its names, its local buffers."""
        self.inst = inst
        if inst.name not in self.states:
            owned = {}
            for o in owned_outputs(inst.body):
                fifo = self.plan.access[(inst.name, o.param, "write")]
                owned[o.define] = owned[o.write] = (o.name, fifo)
            self.states[inst.name] = ({}, {}, mutated_names(inst.body), owned)
        self.env, self.buffers, self.mutated, self.owned = self.states[inst.name]

    def emit(self) -> CoreCode:
        self.block([(inst, inst.body) for inst in self.insts])
        self.out.lines = self.lines
        return self.out

    def block(self, parts: list[tuple[Instance, tuple[Stmt, ...]]]):
        """Statements of one instance, or of a chain's instances in lock-step: each one's
        statements up to its next loop (in the node's order), then those loops as one."""
        runs = [_runs(body) for _, body in parts]
        shapes = {tuple(_bounds(loop) for _, loop in r) for r in runs}
        if len(shapes) > 1:
            names = ", ".join(inst.name for inst, _ in parts)
            raise CapabilityError(
                f"the instances {names} share a core but loop differently; the MLIR-AIE "
                "emitter runs a chain's instances in lock-step, loop by loop, so their loops "
                "must have the same bounds",
                parts[-1][0].loc,
            )
        self.held.append([])
        for r in range(len(runs[0])):
            for (inst, _), run in zip(parts, runs):
                self.use(inst)
                for s in run[r][0]:
                    self.simple(s)
            loops = [(inst, run[r][1]) for (inst, _), run in zip(parts, runs)]
            if loops[0][1] is not None:
                self.loop(loops)
        for fifo in reversed(self.held.pop()):
            self.release(fifo, "Consume")

    def simple(self, s: Stmt):
        """One statement; the FIFO objects and scratch buffers it took are given back."""
        self.loc = s.loc or self.loc
        self.stmt(s)
        for fifo in self.temps:
            self.release(fifo, "Consume")
        self.temps = []
        for key, v in self.in_use:
            self.scratch[key].append(v)
        self.in_use = []

    def loop(self, loops: list[tuple[Instance, For]]):
        self.use(loops[0][0])
        first = loops[0][1]
        lo, hi = self.scalar(first.start), self.scalar(first.stop)
        step, iv = self.index(first.step), self.fresh()
        self.line(f"scf.for {iv} = {lo} to {hi} step {step} {{")
        for inst, s in loops:
            self.use(inst)
            self.env[s.var] = Value(iv, index)
        self.nested([(inst, s.body) for inst, s in loops])
        for inst, s in loops:
            self.use(inst)
            del self.env[s.var]
        self.line("}")

    def stmt(self, s: Stmt):
        if isinstance(s, If):
            cond = self.scalar(s.cond)
            self.line(f"scf.if {cond} {{")
            self.branches += 1
            self.nested([(self.inst, s.then)])
            if s.orelse:
                self.line("} else {")
                self.nested([(self.inst, s.orelse)])
            self.branches -= 1
            self.line("}")
        elif isinstance(s, Assign):
            self.assign(s)
        elif isinstance(s, Put):
            fifo = self.plan.channel[s.stream.channel()]
            self.into_fifo(s.value, fifo)
        elif isinstance(s, Store):
            self.store(s)

    def nested(self, parts: list[tuple[Instance, tuple[Stmt, ...]]]):
        """A loop or branch body; scalars it rebinds would have to be carried out of it."""
        outer = {}
        for inst, _ in parts:
            self.use(inst)
            outer[inst.name] = dict(self.env)
        self.indent += 1
        self.block(parts)
        self.indent -= 1
        for inst, _ in parts:
            self.use(inst)
            for name, v in outer[inst.name].items():
                if not isinstance(v.type, TensorType) and self.env[name] is not v:
                    raise CapabilityError(
                        f"'{inst.name}' changes the scalar '{name}' inside a loop or branch; "
                        "the MLIR-AIE emitter does not carry scalars out of one yet: keep it "
                        "in a one-element tile",
                        self.loc,
                    )
            self.env.clear()
            self.env.update(outer[inst.name])

    def into_fifo(self, value: Expr, fifo: str):
        obj = self.acquire(fifo, "Produce", value.type)
        if isinstance(value.type, TensorType):
            self.compute_into(value, obj)
        else:
            self.line(
                f"memref.store {self.scalar(value)}, {obj.ssa}[{self.index(0)}] : "
                f"{types.of(obj.type)}"
            )
        self.release(fifo, "Produce")

    def assign(self, s: Assign):
        t = s.value.type
        if not isinstance(t, TensorType):
            self.env[s.name] = Value(self.scalar(s.value), t)
            return
        if id(s) in self.owned:  # the local lives in its output FIFO's object
            name, fifo = self.owned[id(s)]
            self.buffers[name] = self.acquire(fifo, "Produce", t)
        elif view_of(s, self.mutated) is not None:
            v = self.tensor(s.value, keep=True)
            self.env[s.name] = v
            return
        dest = self.local(s.name, t)
        if in_place_update(s) or not names_in(s.value, s.name):
            self.compute_into(s.value, dest)
        else:
            tmp = self.temp(t)
            self.compute_into(s.value, tmp)
            self.copy(tmp, dest)
        self.env[s.name] = dest

    def store(self, s: Store):
        if id(s) in self.owned:  # the DMA takes the local where it is
            self.release(self.owned[id(s)][1], "Produce")
            return
        if isinstance(s.base, ParamRef):
            fifo = self.plan.access[(self.inst.name, s.base.name, "write")]
            self.into_fifo(s.value, fifo)
            return
        dest = self.env[s.base.name]
        if all(isinstance(i, Index) for i in s.indices) and len(s.indices) == len(dest.type.shape):
            at = ", ".join(self.scalar(i.at) for i in s.indices)
            self.line(
                f"memref.store {self.scalar(s.value)}, {dest.ssa}[{at}] : {types.of(dest.type)}"
            )
            return
        if whole(s.indices, dest.type.shape):
            self.compute_into(s.value, dest)
            return
        src = self.tensor(s.value)
        self.copy(src, dest, dst_indices=s.indices)

    # -- values --------------------------------------------------------------------------------

    def tensor(self, e: Expr, keep: bool = False) -> Value:
        """A memref holding a tile value: where it lives, or a scratch buffer."""
        if isinstance(e, Var):
            return self.env[e.name]
        if isinstance(e, (Get, ParamRef)) or (isinstance(e, Load) and isinstance(e.base, ParamRef)):
            fifo = self.fifo_of(e)
            v = self.acquire(fifo, "Consume", e.type)
            (self.held[-1] if keep else self.temps).append(fifo)
            return v
        if isinstance(e, Load) and whole(e.indices, e.base.type.shape):
            return self.env[e.base.name]
        if isinstance(e, Load):
            tmp = self.temp(e.type)
            self.copy(self.env[e.base.name], tmp, src_indices=e.indices)
            return tmp
        tmp = self.temp(e.type)
        self.compute_into(e, tmp)
        return tmp

    def operand(self, e: Expr) -> Value:
        return self.tensor(e) if isinstance(e.type, TensorType) else Value(self.scalar(e), e.type)

    def compute_into(self, e: Expr, dest: Value):
        op = op_of(e)
        if isinstance(e, KernelCall):
            args = [self.operand(a) for a in e.args]
            self.call(user_kernel(e.kernel, self.arg_types(args, dest)), args, dest)
        elif op is None:
            self.copy(self.tensor(e), dest)
        elif self.accumulates(e, dest):  # acc += matmul(...): the kernel adds into acc
            args = [self.operand(a) for a in e.rhs.args]
            statics = (*e.rhs.attrs, ("accumulate", True))
            self.call(op_kernel(op_of(e.rhs), self.arg_types(args, dest), statics), args, dest)
        else:
            operands = (
                e.args
                if isinstance(e, Call)
                else ((e.lhs, e.rhs) if isinstance(e, Binary) else (e.operand,))
            )
            args = [self.operand(a) for a in operands]
            statics = e.attrs if isinstance(e, Call) else ()
            assert op.aie is not None, f"the op table gives '{op.name}' no AIE kernel"
            self.call(op_kernel(op, self.arg_types(args, dest), statics), args, dest)

    def accumulates(self, e: Expr, dest: Value) -> bool:
        return (
            isinstance(e, Binary)
            and e.op == "+"
            and isinstance(e.lhs, Var)
            and self.env.get(e.lhs.name) is dest
            and isinstance(e.rhs, Call)
            and e.rhs.fn == "matmul"
            and e.rhs.type == dest.type
        )

    def arg_types(self, args: list[Value], dest: Value) -> tuple[str, ...]:
        return tuple(types.of(a.type) for a in args) + (types.of(dest.type),)

    def call(self, k: Kernel, args: list[Value], dest: Value):
        if k not in self.out.kernels:
            self.out.kernels.append(k)
        values = ", ".join(a.ssa for a in (*args, dest))
        self.line(f"func.call @{k.symbol}({values}) : ({', '.join(k.arg_types)}) -> ()")


def _runs(body: tuple[Stmt, ...]) -> list[tuple[list[Stmt], For | None]]:
    """A body as (statements, the loop after them) pairs, the last with no loop."""
    runs, current = [], []
    for s in body:
        if isinstance(s, For):
            runs.append((current, s))
            current = []
        else:
            current.append(s)
    runs.append((current, None))
    return runs


def _bounds(loop: For | None):
    if loop is None:
        return None
    ends = [e.value if isinstance(e, Const) else e for e in (loop.start, loop.stop)]
    return (*ends, loop.step)


def emit_core(insts: list[Instance], tile: tuple[int, int], plan: Plan) -> CoreCode:
    """The body of the core at ``tile``: one instance's, or a chain's in lock-step."""
    return CoreEmitter(insts, tile, plan).emit()
