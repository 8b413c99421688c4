"""Every typed value of a program in source order, for the backends that refuse some element
types or ops at their first use (the NPU's widths, bfp16 in HLS and MLIR-AIE)."""

from __future__ import annotations

from collections.abc import Iterator

from datobench.core.errors import Loc
from datobench.core.ir.nodes import Expr, children, stmt_exprs, walk
from datobench.core.ir.types import DType, dtype_of


def typed_values(program) -> Iterator[tuple[DType, str, Loc | None, Expr | None]]:
    """(element type, what it is, where, the expression or None) for each parameter, stream
    and subexpression of the task bodies, in that order."""
    region = program.region
    for b in region.params:
        yield b.type.dtype, f"parameter '{b.name}'", b.loc or region.loc, None
    for s in region.streams:
        yield dtype_of(s.elem), f"stream '{s.name}'", s.loc or region.loc, None
    for task in region.tasks:
        for stmt in walk(task.body):
            for e in stmt_exprs(stmt):
                for sub in _subexpressions(e):
                    yield dtype_of(sub.type), "this value", stmt.loc or task.loc, sub


def _subexpressions(e: Expr) -> Iterator[Expr]:
    yield e
    for c in children(e):
        yield from _subexpressions(c)
