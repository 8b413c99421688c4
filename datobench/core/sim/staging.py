"""The simulator's run-time check of staged parameters: a read whose panel the front end could
not decide (bounds computed from data, or loops too large to try) is checked as it runs, and
one that straddles two panels stops the run at its line."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.errors import Loc
from datobench.core.ir.nodes import Expr, ParamRef, Subscript
from datobench.core.ir.printer import subscripts_text
from datobench.core.ir.staging import panel_fit, straddle_error


@dataclass(frozen=True)
class PanelCheck:
    """Raises, at the read's line, when a slice's start puts it across a panel edge."""

    instance: str
    read: str
    name: str
    dim: int
    length: int
    panel: tuple[int, ...]
    loc: Loc | None

    def __call__(self, start: int):
        raise straddle_error(
            self.read,
            self.name,
            self.dim,
            start,
            self.length,
            self.panel,
            self.loc,
            instance=self.instance,
        )


class PanelChecks:
    """The part of the lowering that checks reads of staged parameters (mixed into
    ``sim.lower.Lowerer``, which provides ``line``, ``const``, ``fresh`` and ``ranges``)."""

    def panel_checked(
        self, base, indices: tuple[Subscript, ...], dim: int, at: Expr, text: str, length: int
    ) -> str:
        """``text``, the start of dimension ``dim`` of a read of ``base``, with a run-time
        check when ``base`` is staged and the read is not known to stay inside one panel."""
        stage = self.inst_stages.get(base.name) if isinstance(base, ParamRef) else None
        if stage is None:
            return text
        size = stage.panel[dim]
        domains = {v: range(lo, hi + 1) for v, (lo, hi) in self.ranges.items()}
        if panel_fit(at, length, size, domains) is True:
            return text
        read = f"{base.name}[{subscripts_text(indices)}]"
        check = PanelCheck(self.inst.name, read, base.name, dim, length, stage.panel, self.loc)
        t = self.fresh()
        self.line(f"{t} = {text}")
        self.line(f"if {t} // {size} != ({t} + {length - 1}) // {size}: {self.const(check)}({t})")
        return t
