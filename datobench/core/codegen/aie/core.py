"""One ``aie.core`` body per instance: its statements as scf/arith/memref, every get and DDR
read an ``objectfifo.acquire`` (Consume) and every put and DDR write one (Produce), each
released once the value is used, and tile operations as calls of kernels.

mlir-aie's acquires are cumulative and its releases free the oldest objects: a core holding k
objects of a FIFO that needs one more acquires k + 1 and takes the newest, ``[k]``; an object
done with before an older one is given back with it (``a[0:16] + a[16:32]`` holds two
objects of one FIFO, ``u = s.get(); v = s.get()`` too). The objects held at once must fit in
the FIFO's depth at the core, and a loop or branch may not take objects of a FIFO the code
around it holds (its releases would free those). A slice read twice in one statement is one
object (``trace.py`` moves it once).

Where values live follows ``ir.effects``: a received tile or DDR slice is the acquired FIFO
object; a local tensor is an ``aie.buffer`` of the tile; a fresh value is computed straight
into wherever it goes (a FIFO object, a local buffer), a value that is not fresh is copied by
a loop nest of loads and stores. Operands computed inside an expression get a scratch buffer;
which values need one is decided in ``passes/scratch.py``, which the mapper's ledger counts.

The body sits in an endless ``scf.for`` (the release's idiom: the device runs it for every
invocation). A scalar bound before a loop or branch and rebound inside it is carried: the
loop's ``iter_args`` and ``scf.yield``, or the ``scf.if``'s results (an ``else`` yielding the
value unchanged where the task has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datobench.core.codegen.aie import types
from datobench.core.codegen.aie.kernels import Kernel, op_kernel, user_kernel, user_order
from datobench.core.codegen.aie.owned import owned_outputs
from datobench.core.codegen.aie.plan import Fifo, Plan
from datobench.core.codegen.aie.scalars import CoreText, Value
from datobench.core.codegen.aie.trace import is_ddr_read, moved_shape, read_key
from datobench.core.errors import CapabilityError
from datobench.core.ir.effects import view_of
from datobench.core.ir.nodes import (
    Assign,
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
    mutated_names,
    walk,
)
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Instance, KernelDecl
from datobench.core.ir.types import TensorType, dtype_of, index, int32
from datobench.core.passes.scratch import (
    accumulates,
    accumulates_band,
    aside,
    in_buffer,
    operands,
    whole,
)


@dataclass
class Buffer:
    symbol: str
    type: str
    tile: tuple[int, int]


@dataclass(eq=False)
class Held:
    """An object of a FIFO the core holds; released once done and every older one is."""

    done: bool = False


@dataclass
class CoreCode:
    lines: list[str]
    buffers: list[Buffer] = field(default_factory=list)
    kernels: list[Kernel] = field(default_factory=list)


class CoreEmitter(CoreText):
    """Writes one core's body: the statements of its instance (or of a chain's instances in
    lock-step), the aie.buffers they need and the kernels they call."""

    def __init__(
        self,
        insts: list[Instance],
        tile,
        plan: Plan,
        forever: int,
        kernels: dict[str, KernelDecl],
        apart: bool = False,
    ):
        super().__init__()
        self.insts = insts
        self.apart = apart  # instances that no data joins run one after the other
        self.forever = forever  # the endless loop's bound in the release's idiom
        self.kernel_decls = kernels  # the region's @dato.kernels by name
        # instance -> names, local buffers, tensors written in place, owned FIFO objects
        self.states: dict[str, tuple[dict, dict, set, dict]] = {}
        self.tile = tile
        self.plan = plan
        self.out = CoreCode([])
        self.scratch: dict[str, list[Value]] = {}  # memref type -> free scratch buffers
        self.in_use: list[tuple[str, Value]] = []
        self.held: list[list[tuple[str, Held]]] = [[]]  # per block: objects views hold
        self.temps: list[tuple[str, Held]] = []  # objects acquired for the current statement
        self.reads: dict[tuple, Value] = {}  # the current statement's DDR reads, by read_key
        self.objects: dict[tuple[str, str], list[Held]] = {}  # (FIFO, port) -> oldest first
        self.outside: list[dict[tuple[str, str], int]] = [{}]  # per block: objects at its top
        self.owned_held: dict[tuple, Held] = {}  # (output FIFO, local) -> the local's object
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

    def acquire(self, fifo: str, port: str, t) -> tuple[Value, Held]:
        """One more object of ``fifo``: the acquire names all the core then holds, and the
        new object is the newest of them."""
        f = self.plan.fifo(fifo)
        if fifo in self.plan.shared:
            self.take_turn(fifo)
        objects = self.objects.setdefault((fifo, port), [])
        n = len(objects) + 1
        self.check_hold(f, port, n)
        mem_t = t if isinstance(t, TensorType) else TensorType(dtype_of(t), (1,))
        if fifo in self.plan.parted:
            objects.append(Held())
            return Value(self.take_slice(fifo), mem_t), objects[-1]
        sv, obj = self.fresh(), self.fresh()
        sub = f"!aie.objectfifosubview<{f.type}>"
        self.line(f"{sv} = aie.objectfifo.acquire @{fifo}({port}, {n}) : {sub}")
        self.line(f"{obj} = aie.objectfifo.subview.access {sv}[{n - 1}] : {sub} -> {f.type}")
        objects.append(Held())
        return Value(obj, mem_t), objects[-1]

    def take_slice(self, fifo: str) -> str:
        """A slice of a parted panel (``parts.py``): wait for the next one, and take the
        buffer of the parity of the slices taken so far (ping on even counts)."""
        pp = self.plan.parted[fifo]
        r = pp.reader(self.tile)
        count, t = f"%{r.count}", pp.slice_type
        self.line(f"aie.use_lock(%{r.cons[0]}, AcquireGreaterEqual, 1)")
        zero, none, one = self.index(0), self.const(0, int32), self.const(1, int32)
        n, bit, odd, obj, next_n = (self.fresh() for _ in range(5))
        self.line(f"{n} = memref.load {count}[{zero}] : memref<1xi32>")
        self.line(f"{bit} = arith.andi {n}, {one} : i32")
        self.line(f"{odd} = arith.cmpi ne, {bit}, {none} : i32")
        self.line(f"{obj} = arith.select {odd}, %{r.buffers[1]}, %{r.buffers[0]} : {t}")
        self.line(f"{next_n} = arith.addi {n}, {one} : i32")
        self.line(f"memref.store {next_n}, {count}[{zero}] : memref<1xi32>")
        return obj

    def check_hold(self, f: Fifo, port: str, n: int):
        """Holding ``n`` objects at once needs a FIFO ``n`` deep here (more deadlocks on the
        tile), and none of them taken outside the loop or branch being written."""
        fifo = f.name
        depth = f.depth if port == "Consume" else (f.producer_depth or f.depth)
        if n > depth:
            raise CapabilityError(
                f"'{self.inst.name}' would hold {n} objects of the object FIFO @{fifo} at once, "
                f"but it is {depth} deep at the core: keep at most {depth} of the values it "
                "carries (stream elements or DDR slices of one shape) alive at a time",
                self.loc,
            )
        if self.outside[-1].get((fifo, port), 0):
            raise CapabilityError(
                f"'{self.inst.name}' takes an object of @{fifo} inside a loop or branch while "
                "it holds one taken before it; a core gives a FIFO's objects back oldest "
                "first, so the inner one could not be given back: finish with the outer value "
                "before the loop or branch",
                self.loc,
            )

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

    def release(self, fifo: str, port: str, held: Held):
        """``held`` is done with: give back the oldest objects that are all done."""
        held.done = True
        objects = self.objects[(fifo, port)]
        done = next((k for k, h in enumerate(objects) if not h.done), len(objects))
        del objects[:done]
        if not objects:
            self.holding.discard(fifo)
        if done and fifo in self.plan.parted:
            prod = self.plan.parted[fifo].reader(self.tile).prod[0]
            self.line(f"aie.use_lock(%{prod}, Release, {done})")
        elif done:
            self.line(f"aie.objectfifo.release @{fifo}({port}, {done})")

    def fifo_of(self, e) -> str:
        if isinstance(e, Get):
            return self.plan.channel[e.stream.channel()]
        if isinstance(e, ParamRef):
            return self.plan.fifo_for(self.inst.name, e.name, "read", e.type.shape)
        shape = moved_shape(e.base.type.shape, e.indices)
        return self.plan.fifo_for(self.inst.name, e.base.name, "read", shape)

    # -- statements ----------------------------------------------------------------------------

    def use(self, inst: Instance):
        """Emit for ``inst`` from here on: its names, its local buffers."""
        self.inst = inst
        if inst.name not in self.states:
            owned = {}
            for o in owned_outputs(inst.body):
                fifo = self.plan.fifo_for(inst.name, o.param, "write")
                owned[o.define] = owned[o.write] = (o.name, fifo)
            self.states[inst.name] = ({}, {}, mutated_names(inst.body), owned)
        self.env, self.buffers, self.mutated, self.owned = self.states[inst.name]

    def emit(self) -> CoreCode:
        """The body inside an endless loop: the device keeps the design loaded and the host
        invokes it again and again, so the core must be back at the top for the next run."""
        for pp in self.plan.parted.values():  # no slice of a parted panel taken yet
            if any(r.tile == tuple(self.tile) for r in pp.readers):
                count = pp.reader(self.tile).count
                zero, start = self.index(0), self.const(0, int32)
                self.line(f"memref.store {start}, %{count}[{zero}] : memref<1xi32>")
        lo, hi, one, iv = self.index(0), self.index(self.forever), self.index(1), self.fresh()
        self.line(f"scf.for {iv} = {lo} to {hi} step {one} {{")
        self.indent += 1
        for part in [[i] for i in self.insts] if self.apart else [self.insts]:
            self.block([(inst, inst.body) for inst in part])
        self.indent -= 1
        self.line("}")
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
        self.outside.append({key: len(objects) for key, objects in self.objects.items()})
        for r in range(len(runs[0])):
            for (inst, _), run in zip(parts, runs):
                self.use(inst)
                for s in run[r][0]:
                    self.simple(s)
            loops = [(inst, run[r][1]) for (inst, _), run in zip(parts, runs)]
            if loops[0][1] is not None:
                self.loop(loops)
        for fifo, held in reversed(self.held.pop()):
            self.release(fifo, "Consume", held)
        self.outside.pop()

    def simple(self, s: Stmt):
        """One statement; the FIFO objects and scratch buffers it took are given back."""
        self.loc = s.loc or self.loc
        self.stmt(s)
        for fifo, held in self.temps:
            self.release(fifo, "Consume", held)
        self.temps = []
        self.reads = {}
        for key, v in self.in_use:
            self.scratch[key].append(v)
        self.in_use = []

    def loop(self, loops: list[tuple[Instance, For]]):
        """``scf.for``; the scalars its body changes are carried by ``iter_args``."""
        self.use(loops[0][0])
        first = loops[0][1]
        lo, hi = self.scalar(first.start), self.scalar(first.stop)
        step, iv = self.index(first.step), self.fresh()
        carried = [(inst, name) for inst, s in loops for name in self.carried(inst, s.body)]
        starts = [self.states[inst.name][0][name] for inst, name in carried]
        args = [self.fresh() for _ in carried]
        results = [self.fresh() for _ in carried]
        header = f"scf.for {iv} = {lo} to {hi} step {step}"
        if carried:
            inits = ", ".join(f"{a} = {v.ssa}" for a, v in zip(args, starts))
            header = f"{', '.join(results)} = {header} iter_args({inits}) -> ({_types(starts)})"
        self.line(header + " {")
        for inst, s in loops:
            self.use(inst)
            self.env[s.var] = Value(iv, index)
        for (inst, name), arg, v in zip(carried, args, starts):
            self.states[inst.name][0][name] = Value(arg, v.type)
        self.nested([(inst, s.body) for inst, s in loops], carried)
        for inst, s in loops:
            self.use(inst)
            del self.env[s.var]
        self.bind(carried, results, starts)
        self.line("}")

    def carried(self, inst: Instance, body: tuple[Stmt, ...]) -> list[str]:
        """The scalars of ``inst`` bound before a loop or branch that its body rebinds."""
        env = self.states[inst.name][0]
        names = [
            s.name
            for s in walk(body)
            if isinstance(s, Assign) and not isinstance(s.value.type, TensorType)
        ]
        return [
            n for n in dict.fromkeys(names) if n in env and not isinstance(env[n].type, TensorType)
        ]

    def bind(self, carried: list[tuple[Instance, str]], results: list[str], starts: list[Value]):
        """After a loop or branch, its carried scalars are its results."""
        for (inst, name), r, v in zip(carried, results, starts):
            self.states[inst.name][0][name] = Value(r, v.type)

    def stmt(self, s: Stmt):
        if isinstance(s, If):
            self.branch(s)
        elif isinstance(s, Assign):
            self.assign(s)
        elif isinstance(s, Put):
            fifo = self.plan.channel[s.stream.channel()]
            self.into_fifo(s.value, fifo)
        elif isinstance(s, Store):
            self.store(s)

    def branch(self, s: If):
        """``scf.if``; the scalars either branch changes are its results (``scf.yield``)."""
        cond = self.scalar(s.cond)
        carried = [(self.inst, n) for n in self.carried(self.inst, (*s.then, *s.orelse))]
        starts = [self.env[name] for _, name in carried]
        results = [self.fresh() for _ in carried]
        if carried:
            self.line(f"{', '.join(results)} = scf.if {cond} -> ({_types(starts)}) {{")
        else:
            self.line(f"scf.if {cond} {{")
        self.branches += 1
        self.nested([(self.inst, s.then)], carried)
        if s.orelse or carried:
            self.line("} else {")
            self.nested([(self.inst, s.orelse)], carried)
        self.branches -= 1
        self.bind(carried, results, starts)
        self.line("}")

    def nested(self, parts: list[tuple[Instance, tuple[Stmt, ...]]], carried=()):
        """A loop or branch body, ending in the ``scf.yield`` of the scalars it carries."""
        outer = {}
        for inst, _ in parts:
            self.use(inst)
            outer[inst.name] = dict(self.env)
        self.indent += 1
        self.block(parts)
        ends = [self.states[inst.name][0][name] for inst, name in carried]
        if carried:
            self.line(f"scf.yield {', '.join(v.ssa for v in ends)} : {_types(ends)}")
        self.indent -= 1
        for inst, _ in parts:
            self.use(inst)
            self.env.clear()
            self.env.update(outer[inst.name])

    def into_fifo(self, value: Expr, fifo: str):
        obj, held = self.acquire(fifo, "Produce", value.type)
        if isinstance(value.type, TensorType):
            self.compute_into(value, obj)
        else:
            self.line(
                f"memref.store {self.scalar(value)}, {obj.ssa}[{self.index(0)}] : "
                f"{types.of(obj.type)}"
            )
        self.release(fifo, "Produce", held)

    def assign(self, s: Assign):
        t = s.value.type
        if not isinstance(t, TensorType):
            self.env[s.name] = Value(self.scalar(s.value), t)
            return
        if id(s) in self.owned:  # the local lives in its output FIFO's object
            name, fifo = self.owned[id(s)]
            self.buffers[name], self.owned_held[fifo, name] = self.acquire(fifo, "Produce", t)
        elif view_of(s, self.mutated) is not None:
            v = self.tensor(s.value, keep=True)
            self.env[s.name] = v
            return
        dest = self.local(s.name, t)
        if not aside(s):
            self.compute_into(s.value, dest, s.name)
        else:
            tmp = self.temp(t)
            self.compute_into(s.value, tmp)
            self.copy(tmp, dest)
        self.env[s.name] = dest

    def store(self, s: Store):
        if id(s) in self.owned:  # the DMA takes the local where it is
            name, fifo = self.owned[id(s)]
            self.release(fifo, "Produce", self.owned_held.pop((fifo, name)))
            return
        if isinstance(s.base, ParamRef):
            shape = moved_shape(s.base.type.shape, s.indices)
            fifo = self.plan.fifo_for(self.inst.name, s.base.name, "write", shape)
            self.into_fifo(s.value, fifo)
            return
        dest = self.named(s.base.name)
        if all(isinstance(i, Index) for i in s.indices) and len(s.indices) == len(dest.type.shape):
            at = ", ".join(self.scalar(i.at) for i in s.indices)
            self.line(
                f"memref.store {self.scalar(s.value)}, {dest.ssa}[{at}] : {types.of(dest.type)}"
            )
            return
        if whole(s.indices, dest.type.shape):
            self.compute_into(s.value, dest, s.base.name)
            return
        if accumulates_band(s):
            self.add_into_band(s, dest)
            return
        src = self.tensor(s.value)
        self.copy(src, dest, dst_indices=s.indices)

    # -- values --------------------------------------------------------------------------------

    def tensor(self, e: Expr, keep: bool = False) -> Value:
        """A memref holding a tile value: where it lives, or a scratch buffer."""
        if isinstance(e, Var):
            return self.named(e.name)
        if is_ddr_read(e) and read_key(e) in self.reads:  # read twice in the statement
            return self.reads[read_key(e)]
        if isinstance(e, Get) or is_ddr_read(e):
            fifo = self.fifo_of(e)
            v, held = self.acquire(fifo, "Consume", e.type)
            (self.held[-1] if keep else self.temps).append((fifo, held))
            if is_ddr_read(e):
                self.reads[read_key(e)] = v
            return v
        if in_buffer(e):  # all of a local
            return self.named(e.base.name)
        if isinstance(e, Load):
            tmp = self.temp(e.type)
            self.copy(self.named(e.base.name), tmp, src_indices=e.indices)
            return tmp
        tmp = self.temp(e.type)
        self.compute_into(e, tmp)
        return tmp

    def operand(self, e: Expr) -> Value:
        return self.tensor(e) if isinstance(e.type, TensorType) else Value(self.scalar(e), e.type)

    def compute_into(self, e: Expr, dest: Value, name: str | None = None):
        """``e`` computed into ``dest`` (the local ``name``, if it is one)."""
        op = op_of(e)
        if isinstance(e, KernelCall):
            values = user_order([self.operand(a) for a in operands(e)], dest)
            arg_types = tuple(types.of(v.type) for v in values)
            self.call_values(user_kernel(self.kernel_decls[e.kernel], arg_types), values)
        elif op is None:
            self.copy(self.tensor(e), dest)
        elif accumulates(e, name):  # acc += matmul(...): the kernel adds into acc
            args = [self.operand(a) for a in e.rhs.args]
            statics = (*e.rhs.attrs, ("accumulate", True))
            self.call(op_kernel(op_of(e.rhs), self.arg_types(args, dest), statics), args, dest)
        else:
            args = [self.operand(a) for a in operands(e)]
            statics = e.attrs if isinstance(e, Call) else ()
            assert op.aie is not None, f"the op table gives '{op.name}' no AIE kernel"
            self.call(op_kernel(op, self.arg_types(args, dest), statics), args, dest)

    def add_into_band(self, s: Store, dest: Value):
        """``acc[r0:r1, :] += matmul(...)``: the kernel takes all of ``acc`` and the band's
        first row (an i32 before the output, as a static computed in the task) and adds the
        product into those rows where they are."""
        product, band = s.value.rhs, s.indices[0]
        args = [self.operand(a) for a in product.args]
        start = self.scalar(band.start)
        row = self.fresh()
        self.line(f"{row} = arith.index_cast {start} : index to i32")
        args.append(Value(row, int32))
        statics = (*product.attrs, ("accumulate", True), ("band", band.length))
        self.call(op_kernel(op_of(product), self.arg_types(args, dest), statics), args, dest)

    def arg_types(self, args: list[Value], dest: Value) -> tuple[str, ...]:
        return tuple(types.of(a.type) for a in args) + (types.of(dest.type),)

    def call(self, k: Kernel, args: list[Value], dest: Value):
        self.call_values(k, [*args, dest])

    def call_values(self, k: Kernel, values: list[Value]):
        if k not in self.out.kernels:
            self.out.kernels.append(k)
        text = ", ".join(v.ssa for v in values)
        self.line(f"func.call @{k.symbol}({text}) : ({', '.join(k.arg_types)}) -> ()")


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


def _types(values: list[Value]) -> str:
    return ", ".join(types.of(v.type) for v in values)


def _bounds(loop: For | None):
    if loop is None:
        return None
    ends = [e.value if isinstance(e, Const) else e for e in (loop.start, loop.stop)]
    return (*ends, loop.step)


def emit_core(
    insts: list[Instance],
    tile: tuple[int, int],
    plan: Plan,
    forever: int,
    kernels: dict[str, KernelDecl],
    apart: bool = False,
) -> CoreCode:
    """The body of the core at ``tile``: one instance's, or a chain's in lock-step (``apart``:
    one instance after the other), inside an endless loop of ``forever`` iterations;
    ``kernels``: the region's @dato.kernels by name."""
    return CoreEmitter(insts, tile, plan, forever, kernels, apart).emit()
