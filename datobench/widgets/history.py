"""Every placement tried in a workbench, in a list: applied ones with their cycles, refused ones
with the reason. Clicking one restores it (``restore``, as undo does); ticking two compares
them (``visual.compare``: their timelines on one time axis, the report lines that differ
marked).

The front end sends ``{"kind": "restore", "entry": n}`` and ``{"kind": "compare", "entries":
[a, b]}`` (fewer than two entries clears the comparison); a message that does not follow the
schema, or names an entry that cannot be restored or compared, sets ``error``.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, replace

import anywidget
import traitlets

from datobench.visual.compare import comparison_html
from datobench.widgets import messages
from datobench.widgets.placement_help import placement_key

_HERE = pathlib.Path(__file__).parent


def _is_entry(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _are_entries(value: object) -> bool:
    return isinstance(value, list) and len(value) <= 2 and all(map(_is_entry, value))


SCHEMA: messages.Schema = {
    "restore": {"entry": (_is_entry, "an entry's number")},
    "compare": {"entries": (_are_entries, "a list of at most two entry numbers")},
}


@dataclass
class Tried:
    """One placement tried: the program and timing it gave, or the reason it was refused."""

    number: int
    placement: dict
    label: str  # what moved, from the placement it was tried from
    program: object = None
    perf: object = None
    refusal: str = ""


def _slim(perf):
    """A timing without the streams' fills and DMA transfers, which a comparison does not
    draw: a long run's take hundreds of MB, and the history keeps every placement's."""
    if perf is None:
        return None
    return replace(perf, channels={}, fill_arrays={}, dma={})


def moves_label(before: dict | None, after: dict) -> str:
    """What a placement moved from the one before it: ``a -> 1,2; b -> 0,2``."""
    if before is None:
        return "as compiled"
    moved = [
        f"{k} \u2192 {v[0]},{v[1]}"
        for k, v in sorted(after.items())
        if tuple(before.get(k, ())) != tuple(v)
    ]
    if len(moved) > 3:
        moved = moved[:3] + [f"{len(moved) - 3} more"]
    return "; ".join(moved) or "unchanged"


class PlacementHistory(anywidget.AnyWidget):
    _esm = _HERE / "history.js"
    _css = _HERE / "history.css"

    # number, label, cycles (None when refused or untimed), refusal, current
    entries = traitlets.List(traitlets.Dict()).tag(sync=True)
    compared = traitlets.List(traitlets.Int()).tag(sync=True)
    comparison = traitlets.Unicode("").tag(sync=True)  # HTML: the two compared
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, restore: Callable[[dict], bool], **kwargs):
        super().__init__(**kwargs)
        self._restore = restore
        self._tried: list[Tried] = []
        self._current: tuple | None = None
        self.on_msg(self._on_message)

    def applied(self, placement: dict, before: dict | None, program, perf) -> None:
        """A placement made the program's (a new one, or one tried before)."""
        entry = self._find(placement) or self._add(placement, before)
        entry.program, entry.perf, entry.refusal = program, _slim(perf), ""
        self._current = placement_key(placement)
        self._publish()

    def refused(self, placement: dict, before: dict | None, reason: str) -> None:
        """A placement the mapper refused."""
        if self._find(placement) is None:
            self._add(placement, before).refusal = reason
            self._publish()

    def restore(self, number: int) -> bool:
        """Make entry ``number``'s placement the program's again; False (with ``error``) if it
        cannot be."""
        entry = self._entry(number)
        if entry is None:
            return False
        if entry.refusal:
            self.error = f"placement #{number} was refused: {entry.refusal}"
            return False
        self.error = ""
        return self._restore(entry.placement)

    def compare(self, numbers: list[int]) -> None:
        """Compare two applied entries side by side; fewer than two clears the comparison."""
        if len(numbers) < 2:
            self.compared, self.comparison, self.error = list(numbers), "", ""
            return
        entries = [self._entry(n) for n in numbers]
        if None in entries:
            return
        refused = [e for e in entries if e.refusal or e.perf is None]
        if refused:
            why = "was refused" if refused[0].refusal else "has no timing"
            self.error = f"placement #{refused[0].number} {why}: only timed ones are compared"
            return
        a, b = entries
        self.error = ""
        self.compared = list(numbers)
        self.comparison = comparison_html(
            (f"#{a.number} {a.label}", a.program, a.perf),
            (f"#{b.number} {b.label}", b.program, b.perf),
        )

    # -- internals --------------------------------------------------------------------------
    def _find(self, placement: dict) -> Tried | None:
        key = placement_key(placement)
        return next((e for e in self._tried if placement_key(e.placement) == key), None)

    def _entry(self, number: object) -> Tried | None:
        entry = next((e for e in self._tried if e.number == number), None)
        if entry is None:
            self.error = f"there is no placement #{number}; they are numbered 1-{len(self._tried)}"
        return entry

    def _add(self, placement: dict, before: dict | None) -> Tried:
        entry = Tried(len(self._tried) + 1, dict(placement), moves_label(before, placement))
        self._tried.append(entry)
        return entry

    def _publish(self) -> None:
        self.entries = [
            {
                "number": e.number,
                "label": e.label,
                "cycles": e.perf.cycles if e.perf is not None else None,
                "refusal": e.refusal,
                "current": placement_key(e.placement) == self._current,
            }
            for e in self._tried
        ]

    def _on_message(self, _widget, content, _buffers):
        problem = messages.problem(content, SCHEMA, who="a history")
        if problem:
            self.error = problem
        elif content["kind"] == "restore":
            self.restore(content["entry"])
        else:
            self.compare(content["entries"])
