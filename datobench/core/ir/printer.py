"""A readable text form of task bodies (expressions and statements); ``str(region)`` and
``str(graph)`` in ``program`` build on it for the IR view and ``emit("ir"/"graph")``."""

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
