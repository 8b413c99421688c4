"""Conditional expressions in lowered instance code.

``a if c else b`` with a scalar condition and a scalar result evaluates only the branch taken,
as Python does (so ``a[i] if i < n else 0`` never reads ``a`` out of range); the lowering
emits it as an ``if`` statement into a temporary. A tile condition (or a tile result) is
numpy.where, elementwise: both branches are evaluated."""

from __future__ import annotations

from datobench.core.ir.nodes import Call
from datobench.core.ir.types import TensorType


def is_lazy_choice(e) -> bool:
    """Is ``e`` a choice between two scalars on a scalar condition?"""
    return (
        isinstance(e, Call)
        and e.fn == "where"
        and not any(isinstance(x.type, TensorType) for x in (*e.args, e))
    )


class LazyChoice:
    """The sim lowering of lazy choices (mixed into ``sim.lower.Lowerer``)."""

    def choice(self, e: Call) -> str:
        cond, then, orelse = e.args
        test = self.expr(cond)
        t = self.fresh()
        for header, branch in ((f"if {test}:", then), ("else:", orelse)):
            self.line(header)
            self.depth += 1
            self.line(f"{t} = {self.expr(branch)}")
            self.depth -= 1
        return t
