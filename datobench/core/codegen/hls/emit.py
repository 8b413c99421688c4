"""IR -> Vitis HLS C++. One function per instance, one statement per IR operation (a call
into ``dato_hls.h``), names from the user's tasks, parameters and streams; a top function with
``#pragma HLS dataflow`` declares each channel as an ``hls::stream`` of its declared depth."""

from __future__ import annotations

from datobench.core.codegen.hls.constants import constant_arrays
from datobench.core.codegen.hls.naming import HlsNames
from datobench.core.codegen.hls.scalars import instance_scalars, top_interfaces, top_parameters
from datobench.core.codegen.hls.stage import StagedReads, onchip_panels
from datobench.core.codegen.hls.types import SCALAR, ctype, literal, refuse_bfp16
from datobench.core.errors import CapabilityError
from datobench.core.ir.effects import written_buffers
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
    Range,
    Stmt,
    Store,
    StreamRef,
    Unary,
    Var,
    children,
    in_place_update,
    stmt_exprs,
    walk,
)
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Graph, Instance
from datobench.core.ir.types import DType, TensorType, dtype_of, index
from datobench.core.passes.drain import drained
from datobench.core.passes.scratch import accumulates_band


def loop_sites(graph: Graph) -> list[tuple[Instance, For]]:
    """Every loop of the program, numbered as the generated code reports a spent loop budget
    (``DATO_LOOP_BUDGET(site, ...)``)."""
    return [(i, s) for i in graph.instances for s in walk(i.body) if isinstance(s, For)]


def stream_type(elem, depth: int) -> str:
    return f"hls::stream<{ctype(elem)}, {depth}>"


class _Instance:
    """Emits one instance's function."""

    def __init__(
        self,
        inst: Instance,
        graph: Graph,
        written: set[str],
        names: HlsNames,
        sites: dict,
        panels: list,
    ):
        self.inst = inst
        self.names = names
        self.local = names.function_scope()
        self.sites = sites  # loop node id -> its site number
        self.graph = graph
        self.region = graph.region
        self.written = written
        self.lines: list[str] = []
        self.depth = 1
        self.windows = {a.param: a for a in inst.args}
        self.channels = [c for c in graph.channels if inst.name in (c.producer, c.consumer)]
        self.staged = StagedReads(panels, self.local, self.region)

    # -- emission ---------------------------------------------------------------------------
    def line(self, text: str):
        self.lines.append("  " * self.depth + text)

    def fresh(self, t) -> str:
        name = self.local.fresh("tmp")
        self.line(f"{ctype(t)} {name};")
        return name

    def var(self, name: str) -> str:
        """The identifier of a local (an assigned name or a loop variable), or of a region
        scalar, which every function takes under the top function's name for it."""
        if name in self.names.scalars:
            return self.names.scalars[name]
        return self.local.name(name, "local")

    def signature(self) -> str:
        args = []
        for a in self.inst.args:
            buf = self.region.buffer(a.buffer)
            const = "" if a.buffer in self.written else "const "
            args.append(f"{const}{SCALAR[buf.type.dtype.name]}* {self.names.buffers[a.buffer]}")
        for s in instance_scalars(self.region, self.inst):
            args.append(f"{SCALAR[s.type.name]} {self.var(s.name)}")
        for c in self.channels:
            args.append(f"{stream_type(c.elem, c.depth)}& {self.names.streams[c.name]}")
        return f"static void {self.names.functions[self.inst.name]}({', '.join(args)})"

    def function(self) -> list[str]:
        self.lines = []
        declared = {}
        for s in walk(self.inst.body):
            if isinstance(s, Assign) and s.name not in declared:
                declared[s.name] = s.value.type
        for name, t in declared.items():
            var = self.var(name)
            self.line(f"{ctype(t)} {var};{self.local.note(var)}")
        for text in self.staged.declarations(SCALAR):
            self.line(text)
        self.block(self.inst.body)
        read = _read_names(self.inst.body)
        for name in [n for n in declared if n not in read]:  # drained: read, then dropped
            self.line(f"(void){self.var(name)};")
        task = next(t for t in self.region.tasks if t.name == self.inst.task)
        grid = any(m > 1 for m in task.mapping)
        header = [
            f"// {self.inst.name}: instance of task '{self.inst.task}'"
            + (f" at pid {list(self.inst.pid)}" if grid else ""),
        ]
        used = [self.names.functions[self.inst.name]]
        used += [self.names.buffers[a.buffer] for a in self.inst.args]
        used += [self.names.streams[c.name] for c in self.channels]
        header += self.names.renamed(used) + [self.signature() + " {"]
        return header + self.lines + ["}"]

    # -- statements -------------------------------------------------------------------------
    def block(self, stmts: tuple[Stmt, ...]):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s: Stmt):
        if isinstance(s, Assign):
            self.assign(s)
        elif isinstance(s, Store):
            self.store(s)
        elif isinstance(s, Put):
            value = self.expr(s.value)
            self.line(f"{self.channel(s.stream)}.write({value});")
        elif isinstance(s, For):
            var = self.var(s.var)
            cmp = "<" if s.step > 0 else ">"
            start, stop = self.expr(s.start), self.expr(s.stop)
            self.line(f"DATO_LOOP_BUDGET({self.sites[id(s)]}, {start}, {stop}, {s.step});")
            self.line(
                f"for (int {var} = {start}; {var} {cmp} {stop}; {var} += {s.step}) {{"
                + self.local.note(var)
            )
            self.depth += 1
            if not any(isinstance(x, For) for x in walk(s.body)):
                self.line("#pragma HLS pipeline II = 1")
            self.block(s.body)
            self.depth -= 1
            self.line("}")
        elif isinstance(s, If):
            self.line(f"if ({self.expr(s.cond)}) {{")
            self.depth += 1
            self.block(s.then)
            self.depth -= 1
            if s.orelse:
                self.line("} else {")
                self.depth += 1
                self.block(s.orelse)
                self.depth -= 1
            self.line("}")
        else:
            raise TypeError(f"unknown statement {s!r}")

    def assign(self, s: Assign):
        name = self.var(s.name)
        v = s.value
        if in_place_update(s) and isinstance(v.rhs, Call) and v.rhs.fn == "matmul" and v.op == "+":
            a, b = (self.expr(x) for x in v.rhs.args)
            self.line(f"dato::matmul<true>({name}, {a}, {b});")  # acc += a @ b
            return
        if isinstance(v.type, TensorType):
            self.into(v, name)
        else:
            self.line(f"{name} = {self.expr(v)};")

    def store(self, s: Store):
        if accumulates_band(s):  # acc[r0:r1, :] += a @ b: into the band's rows where they are
            a, b = (self.expr(x) for x in s.value.rhs.args)
            row = self.expr(s.indices[0].start)
            self.line(f"dato::matmul<true>({self.var(s.base.name)}, {a}, {b}, {row});")
            return
        value = self.expr(s.value)
        base, shape, starts, keep = self.place(s.base, s.indices)
        if not keep:  # one element
            self.line(f"dato::element({base}, {shape}, {starts}) = {value};")
        elif isinstance(s.value.type, TensorType):
            self.line(f"dato::store<{keep}u>({base}, {shape}, {starts}, {value});")
        else:  # a scalar fills the slice
            extent = TensorType(
                s.base.type.dtype, tuple(i.length for i in s.indices if not isinstance(i, Index))
            )
            self.line(
                f"dato::store_fill<{keep}u, {ctype(extent)}>({base}, {shape}, {starts}, {value});"
            )

    def place(self, base: Var | ParamRef, indices, read=False) -> tuple[str, str, str, int]:
        """Base pointer, shape, start indices and kept-dimension mask of a subscript; a read
        of a staged parameter indexes its on-chip panel, refilled first if need be."""
        if isinstance(base, ParamRef):
            window = self.windows[base.name]
            shape = self.region.buffer(window.buffer).type.shape
            pointer = self.names.buffers[window.buffer]
            offsets = [lo for lo, _ in window.window]
        else:
            shape = base.type.shape
            pointer = f"{self.var(base.name)}.v"
            offsets = [0] * len(shape)
        starts, texts, keep = [], [], 0
        for d, (sub, lo) in enumerate(zip(indices, offsets)):
            at = sub.at if isinstance(sub, Index) else sub.start
            text = self.expr(at)
            texts.append(text)
            starts.append(text if lo == 0 else f"{lo} + {text}")
            if not isinstance(sub, Index):
                keep |= 1 << d
        if read and isinstance(base, ParamRef) and self.staged.staged(base.name):
            refill, pointer, panel, local = self.staged.read(
                base.name, pointer, shape, offsets, texts
            )
            self.line(refill)
            return pointer, panel, local, keep
        return pointer, "{" + ", ".join(map(str, shape)) + "}", "{" + ", ".join(starts) + "}", keep

    def channel(self, ref: StreamRef) -> str:
        return self.names.streams[ref.channel()]

    # -- expressions ------------------------------------------------------------------------
    def expr(self, e: Expr) -> str:
        """A C++ expression for ``e``: a name for tiles, an inline expression for scalars."""
        if isinstance(e.type, TensorType) and not isinstance(e, Var):
            return self.into(e, None)
        if isinstance(e, Const):
            return literal(e.value, e.type)
        if isinstance(e, Var):
            return self.var(e.name)
        if isinstance(e, Get):
            out = self.local.fresh("tmp")
            self.line(f"{ctype(e.type)} {out} = {self.channel(e.stream)}.read();")
            return out
        if isinstance(e, Load):  # one element
            base, shape, starts, _ = self.place(e.base, e.indices, read=True)
            return f"dato::element({base}, {shape}, {starts})"
        if isinstance(e, (Unary, Binary, Call)):
            return self.scalar_call(e)
        if isinstance(e, KernelCall):
            return f"{e.kernel}({', '.join(self.expr(a) for a in e.args)})"  # as the user's source
        raise TypeError(f"unknown expression {e!r}")

    def cast(self, t: DType, text: str) -> str:
        if t in (index,) or t.name == "bool":
            return f"({text})"
        return f"static_cast<{SCALAR[t.name]}>({text})"

    def scalar_call(self, e: Unary | Binary | Call) -> str:
        """The C++ expression of an op on scalars, from the op's HLS form."""
        op = op_of(e)
        if op.hls.scalar is None:
            raise TypeError(f"no scalar form of {op.name}")
        fields = self.fields(e, [self.expr(a) for a in children(e)])
        text = op.hls.scalar.format(*fields.pop("operands"), **fields)
        return self.cast(e.type, text) if op.hls.promotes else text

    def fields(self, e: Unary | Binary | Call, operands: list[str]) -> dict:
        """What an op's HLS templates refer to (see ``HlsForm``)."""
        op = op_of(e)
        args = children(e)
        n = len(op.operands)
        fields = {
            "operands": operands[:n],
            "T": SCALAR[dtype_of(args[0].type).name] if args else None,
            "R": SCALAR[dtype_of(e.type).name],
        }
        for s, text in zip(op.runtime, operands[n:]):
            fields[s.name] = text  # a static argument computed in the task
        for name, value in e.attrs if isinstance(e, Call) else ():
            fields[name] = self.static(op.static(name).kind, value, dtype_of(e.type))
        return fields

    @staticmethod
    def static(kind: str, value, result: DType) -> str:
        """C++ text for a static argument."""
        if kind == "axis":
            return str(sum(1 << a for a in value))  # the mask of reduced axes
        if kind == "value":
            return literal(value, result)
        if kind == "dtype":
            return SCALAR[value.name]
        if kind == "flag":
            return "true" if value else "false"
        if kind == "int":
            return str(value)
        return ", ".join(map(str, value))  # a shape

    def into(self, e: Expr, out: str | None) -> str:
        """Emit the statement that computes tile ``e`` into ``out`` (a new temporary when
        None, declared after its operands so the code reads in evaluation order)."""

        def target() -> str:
            return out if out is not None else self.fresh(e.type)

        if isinstance(e, Get):
            read = f"{self.channel(e.stream)}.read()"
            if out is None:
                out = self.local.fresh("tmp")
                self.line(f"{ctype(e.type)} {out} = {read};")
                return out
            self.line(f"{out} = {read};")
            return out
        if isinstance(e, ParamRef):  # a whole parameter: its window of the global buffer
            whole = tuple(Range(Const(0, index), Const(d, index), d) for d in e.type.shape)
            return self.into(Load(e, whole, e.type), out)
        if isinstance(e, Var):
            dest = target()
            self.line(f"{dest} = {self.var(e.name)};")
        elif isinstance(e, Load):
            base, shape, starts, keep = self.place(e.base, e.indices, read=True)
            dest = target()
            self.line(f"dato::load<{keep}u>({dest}, {base}, {shape}, {starts});")
        elif isinstance(e, KernelCall):
            args = ", ".join(self.expr(a) for a in e.args)
            dest = target()
            self.line(f"{dest} = {e.kernel}({args});")
        elif isinstance(e, (Unary, Binary, Call)):
            dest = self.tile_call(e, target)
        else:
            raise TypeError(f"unknown tile expression {e!r}")
        return dest

    def tile_call(self, e: Unary | Binary | Call, target) -> str:
        """The statement computing an op's tile into ``target()``, from its HLS form; the
        operands are emitted first."""
        op = op_of(e)
        if op.hls.tile is None:
            raise TypeError(f"no tile form of {op.name}")
        fields = self.fields(e, [self.expr(a) for a in children(e)])
        out = target()
        self.line(op.hls.tile.format(*fields.pop("operands"), out=out, **fields))
        return out


def _read_names(stmts: tuple[Stmt, ...]) -> set[str]:
    """The locals the statements read (a store's base counts: its C++ form takes the tile)."""
    out = {s.base.name for s in walk(stmts) if isinstance(s, Store) and isinstance(s.base, Var)}
    pending = [e for s in walk(stmts) for e in stmt_exprs(s)]
    while pending:
        e = pending.pop()
        if isinstance(e, Var) or isinstance(e, Load) and isinstance(e.base, Var):
            out.add(e.name if isinstance(e, Var) else e.base.name)
        pending.extend(children(e))
    return out


def emitted(graph: Graph) -> list[Instance]:
    """The instances that get a function: one whose body folded away to nothing does no work
    (a branch on its pid left nothing for it), so it is not a process of the dataflow."""
    return [i for i in graph.instances if i.body]


def emit_kernel(program) -> str:
    """kernel.cpp: the instances' functions and the dataflow top function."""
    refuse_bfp16(program)
    graph = drained(program.graph)  # streams end empty, for cosim and the next call
    region = graph.region
    written = written_buffers(graph)
    names = HlsNames(graph)
    sites = {id(loop): n for n, (_, loop) in enumerate(loop_sites(graph))}
    out = [
        f"// Vitis HLS kernel generated by datobench from region '{region.name}'.",
        "#include <hls_stream.h>",
        "",
        '#include "dato_hls.h"',
        "",
    ]
    for decl in region.kernels:
        source = dict(decl.sources).get("hls")
        if source is None:
            raise CapabilityError(
                f"kernel '{decl.name}' has no HLS source: give it as "
                f"@dato.kernel(source={{'hls': '...'}}) (a C++ function {decl.name} taking and "
                "returning dato types)"
            )
        out += [f"// external kernel {decl.name}", source.strip(), ""]
    panels = onchip_panels(graph, program.target)
    for inst in emitted(graph):
        mine = [p for p in panels if p.instance == inst.name]
        out += _Instance(inst, graph, written, names, sites, mine).function() + [""]
    params = top_parameters(region, names, written)
    ports = [names.buffers[b.name] for b in region.params] + list(names.scalars.values())
    out += names.renamed([names.top, *ports])
    out.append(f'extern "C" void {names.top}({", ".join(params)}) {{')
    out += top_interfaces(region, names)
    out.append("#pragma HLS interface s_axilite port = return")
    out.append("#pragma HLS dataflow")
    out += constant_arrays(region, names.buffers)
    for c in graph.channels:
        stream = names.streams[c.name]
        out.append(
            f'  {stream_type(c.elem, c.depth)} {stream}("{c.name}");{names.shared.note(stream)}'
        )
    out.append("  DATO_DATAFLOW_BEGIN")
    for inst in emitted(graph):
        args = [names.buffers[a.buffer] for a in inst.args]
        args += [names.scalars[s.name] for s in instance_scalars(region, inst)]
        args += [
            names.streams[c.name] for c in graph.channels if inst.name in (c.producer, c.consumer)
        ]
        out.append(f"  DATO_PROCESS({names.functions[inst.name]}({', '.join(args)}));")
    out.append("  DATO_DATAFLOW_END")
    out.append("}")
    return "\n".join(out) + "\n"
