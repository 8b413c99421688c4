"""The panel's FIFO depth advisor: a table of what a deeper or shallower FIFO per stream
would gain or lose (``core.advisor``), each row with a one-click "apply".

"Advise" times the candidate depths in a thread of its own (bounded as ``advise_depths``
says), filling the table row by row, so the panel never waits on it; a newer program (a
drop, an applied row) supersedes a run still going, whose rows are then dropped. "apply" hands
the edit to the workbench, which makes it as a drop in the placement editor is made: it
recompiles (the mapper's checks apply), re-times and redraws, or refuses with the reason and
keeps the last good state.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

import ipywidgets as w

from datobench.core.advisor import DepthAdvice, Recipe, advise_depths

HEADINGS = ("stream", "depth", "largest fill", "try", "cycles", "change", "on-chip", "")
INTRO = (
    "what each stream's FIFO depth costs: the largest fill its channels reached, and the "
    "run timed again with a deeper FIFO (when one was full) or a shallower one"
)


def change_text(row: DepthAdvice) -> str:
    """The row's outcome: cycles saved or lost, or why it has none."""
    if row.problem:
        return row.problem
    if row.gain == 0:
        return "no change"
    return f"{row.gain:,} cycles faster" if row.gain > 0 else f"{-row.gain:,} cycles slower"


def bytes_text(n: int) -> str:
    sign = "+" if n > 0 else "−" if n < 0 else ""
    return f"{sign}{abs(n) / 1024:.1f} KiB"


class DepthAdvisorView(w.VBox):
    """The advisor's section of the panel; ``apply(stream, depth)`` is the workbench's, and
    returns the reason an edit was refused (None when applied)."""

    def __init__(self, apply: Callable[[str, int], str | None]):
        self._apply = apply
        self._program = self._recipe = self._perf = None
        self._generation = 0
        self.thread: threading.Thread | None = None  # the run filling the table, if any
        self.rows: list[DepthAdvice] = []
        self.start = w.Button(description="Advise", tooltip="time each stream's candidate depths")
        self.start.on_click(lambda _: self.advise())
        self.status = w.HTML()
        self.table = w.GridBox(layout=w.Layout(grid_template_columns="repeat(8, auto)"))
        intro = w.HTML(f'<div class="dato-basis">{html.escape(INTRO)}</div>')
        super().__init__([w.HBox([self.start, self.status]), intro, self.table])
        self.add_class("dato-advisor")

    def show(self, program, recipe: Recipe, perf) -> None:
        """A new program to advise on: the table of the last one no longer holds."""
        self._generation += 1
        self._program, self._recipe, self._perf = program, recipe, perf
        self.rows = []
        self.table.children = ()
        self.start.disabled = perf is None
        self.status.value = (
            "" if perf is not None else "<i>needs a timing: run with --backend perf</i>"
        )

    def advise(self, background: bool = True) -> None:
        """Time the candidate depths (in a thread unless ``background`` is False)."""
        generation = self._generation
        self.rows = []
        self.table.children = self._headings()
        self.status.value = "timing candidate depths…"

        def run():
            advise_depths(
                self._program,
                self._recipe,
                self._perf,
                on_row=lambda row: self._add(row, generation),
            )
            if generation == self._generation:
                self.status.value = (
                    f"{len(self.rows)} candidates timed"
                    if self.rows
                    else ("no stream has a deeper or shallower depth to try")
                )

        if background:
            self.thread = threading.Thread(target=run, daemon=True)
            self.thread.start()
        else:
            run()

    def apply(self, row: DepthAdvice) -> bool:
        """Make the row's edit through the workbench; True when it was applied."""
        problem = self._apply(row.stream, row.new_depth)
        if problem:
            self.status.value = f'<span class="dato-refused">refused: {html.escape(problem)}</span>'
            return False
        self.status.value = f"applied: {html.escape(row.stream)} at depth {row.new_depth}"
        return True

    def _headings(self) -> tuple:
        return tuple(w.HTML(f"<b>{h}</b>") for h in HEADINGS)

    def _add(self, row: DepthAdvice, generation: int) -> None:
        if generation != self._generation:
            return  # advice on a program the panel no longer shows
        self.rows.append(row)
        button = w.Button(
            description="apply",
            disabled=row.cycles is None,
            tooltip=f"set the depth of {row.stream} to {row.new_depth} ({row.edit})",
            layout=w.Layout(width="64px"),
        )
        button.on_click(lambda _: self.apply(row))
        cells = (
            f"{row.stream}" + (f" ×{row.channels}" if row.channels > 1 else ""),
            f"{row.depth}",
            f"{row.largest_fill} ({row.fullest})" if row.channels > 1 else f"{row.largest_fill}",
            f"{row.new_depth}",
            "" if row.cycles is None else f"{row.cycles:,}",
            change_text(row),
            bytes_text(row.bytes),
        )
        self.table.children = (
            *self.table.children,
            *(w.HTML(html.escape(c)) for c in cells),
            button,
        )
