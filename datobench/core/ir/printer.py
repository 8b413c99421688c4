"""A readable text form of the IR, used by tests and by the workbench's IR view."""

from __future__ import annotations

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
    Pid,
    Put,
    Stmt,
    Store,
    StreamRef,
    Subscript,
    Unary,
    Var,
)
from datobench.core.ir.program import Graph, Region, Task


def expr_text(e: Expr) -> str:
    if isinstance(e, Const):
        if e.type.kind in ("index", "bool"):
            return repr(e.value)
        return f"{e.type}({e.value!r})"
    if isinstance(e, (Var, ParamRef)):
        return e.name
    if isinstance(e, Pid):
        return f"pid[{e.axis}]"
    if isinstance(e, Unary):
        return f"{e.op}{' ' if e.op == 'not' else ''}{expr_text(e.operand)}"
    if isinstance(e, Binary):
        return f"({expr_text(e.lhs)} {e.op} {expr_text(e.rhs)})"
    if isinstance(e, Load):
        return f"{e.base.name}[{subscripts_text(e.indices)}]"
    if isinstance(e, Call):
        args = [expr_text(a) for a in e.args] + [f"{k}={_attr(v)}" for k, v in e.attrs]
        return f"{e.fn}({', '.join(args)})"
    if isinstance(e, KernelCall):
        return f"kernel {e.kernel}({', '.join(expr_text(a) for a in e.args)})"
    if isinstance(e, Get):
        return f"get {stream_text(e.stream)}"
    raise TypeError(f"unknown expression {e!r}")


def _attr(v) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(map(str, v)) + ("," if len(v) == 1 else "") + ")"
    return str(v)


def subscripts_text(subs: tuple[Subscript, ...]) -> str:
    return ", ".join(
        expr_text(s.at) if isinstance(s, Index) else f"{expr_text(s.start)}:+{s.length}"
        for s in subs
    )


def stream_text(ref: StreamRef) -> str:
    if not ref.indices:
        return ref.stream
    return f"{ref.stream}[{', '.join(expr_text(i) for i in ref.indices)}]"


def stmt_lines(s: Stmt, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(s, Assign):
        return [f"{pad}{s.name}: {s.value.type} = {expr_text(s.value)}"]
    if isinstance(s, Store):
        return [f"{pad}{s.base.name}[{subscripts_text(s.indices)}] = {expr_text(s.value)}"]
    if isinstance(s, Put):
        return [f"{pad}put {stream_text(s.stream)}, {expr_text(s.value)}"]
    if isinstance(s, For):
        head = f"{pad}for {s.var} in range({expr_text(s.start)}, {expr_text(s.stop)}, {s.step}):"
        return [head, *block_lines(s.body, indent + 1)]
    if isinstance(s, If):
        out = [f"{pad}if {expr_text(s.cond)}:", *block_lines(s.then, indent + 1)]
        if s.orelse:
            out += [f"{pad}else:", *block_lines(s.orelse, indent + 1)]
        return out
    raise TypeError(f"unknown statement {s!r}")


def block_lines(stmts: tuple[Stmt, ...], indent: int) -> list[str]:
    lines = [line for s in stmts for line in stmt_lines(s, indent)]
    return lines or ["  " * indent + "pass"]


def task_lines(task: Task) -> list[str]:
    params = ", ".join(
        f"{p.name}: {p.type} = {p.buffer}"
        + (f" @ [{', '.join(map(str, p.layout))}]" if any(str(d) != "R" for d in p.layout) else "")
        for p in task.params
    )
    return [
        f"  task {task.name} mapping={list(task.mapping)} ({params}):",
        *block_lines(task.body, 2),
    ]


def region_text(region: Region) -> str:
    params = ", ".join(f"{b.name}: {b.type}" for b in region.params)
    lines = [f"region {region.name}({params}):"]
    for s in region.streams:
        shape = f"[{', '.join(map(str, s.shape))}]" if s.shape else ""
        lines.append(f"  stream {s.name}{shape}: {s.elem}, depth {s.depth}")
    for k in region.kernels:
        lines.append(f"  kernel {k.name}({', '.join(map(str, k.params))}) -> {k.result}")
    for task in region.tasks:
        lines += task_lines(task)
    return "\n".join(lines) + "\n"


def graph_text(graph: Graph) -> str:
    lines = [
        f"graph {graph.region.name}: {len(graph.instances)} instances, "
        f"{len(graph.channels)} channels"
    ]
    for inst in graph.instances:
        args = ", ".join(
            f"{a.param} = {a.buffer}[{', '.join(f'{lo}:{hi}' for lo, hi in a.window)}]"
            for a in inst.args
        )
        lines.append(f"  instance {inst.name} of {inst.task} pid={list(inst.pid)} ({args}):")
        lines += block_lines(inst.body, 2)
    for c in graph.channels:
        count = "" if c.puts is None else f", {c.puts} transfer{'s' * (c.puts != 1)}"
        lines.append(
            f"  channel {c.name}: {c.producer} -> {c.consumer}, {c.elem}, depth {c.depth}{count}"
        )
    return "\n".join(lines) + "\n"
