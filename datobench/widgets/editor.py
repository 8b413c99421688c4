"""The placement editor: the target's tile array with draggable task chips.

A drop sends ``{"kind": "move", "task": name, "tile": [col, row]}``; Python validates the new
placement through ``apply`` (given by the workbench): a legal one becomes ``placement`` and the
views update, an illegal one sets ``error`` and the chip returns to its tile. A message that
does not follow the schema of ``messages`` is answered the same way, with the reason. Undo and redo
walk the history of legal placements; ``code`` is the placement as code for a cell.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import anywidget
import traitlets

from datobench.widgets import messages

_HERE = pathlib.Path(__file__).parent


def placement_code(placement: dict) -> str:
    items = ", ".join(f'"{k}": ({v[0]}, {v[1]})' for k, v in sorted(placement.items()))
    return f"placement={{{items}}}"


class PlacementEditor(anywidget.AnyWidget):
    _esm = _HERE / "editor.js"
    _css = _HERE / "editor.css"

    model = traitlets.Dict().tag(sync=True)  # from visual.tile_array_model
    placement = traitlets.Dict().tag(sync=True)  # instance -> [col, row]
    error = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    code = traitlets.Unicode("").tag(sync=True)
    can_undo = traitlets.Bool(False).tag(sync=True)
    can_redo = traitlets.Bool(False).tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)  # bumped to redraw after a refused drop

    def __init__(self, placement: dict, apply: Callable[[dict], str | None], **kwargs):
        super().__init__(**kwargs)
        self._apply = apply
        self._history = [dict(placement)]
        self._at = 0
        self._applying = False
        self._set_placement(placement)
        self.on_msg(self._on_message)

    # -- commands ---------------------------------------------------------------------------
    def move(self, task: str, tile) -> bool:
        """Move an instance (with the instances merged with it) to a tile; a node already
        there swaps places with it. True if the new placement was legal and applied."""
        problem = messages.problem({"kind": "move", "task": task, "tile": tile})
        if problem:
            return self._refuse(problem)
        new = {k: list(v) for k, v in self.placement.items()}
        if task not in new:
            return self._refuse(f"no instance named '{task}'")
        source, dest = list(new[task]), list(tile)
        if source == dest:
            return True
        moving = self._node_members(task)
        for name, where in list(new.items()):
            if where == dest and name not in moving:
                new[name] = source  # swap with whatever sits there
        for name in moving:
            new[name] = dest
        return self.propose(new)

    def _node_members(self, task: str) -> set[str]:
        group = next((c["group"] for c in self.model.get("chips", []) if c["name"] == task), None)
        if group is None:
            return {task}
        return {c["name"] for c in self.model["chips"] if c["group"] == group}

    def propose(self, placement: dict) -> bool:
        """Apply a whole placement if it is legal; True if it was applied."""
        problem = messages.placement_problem(placement)
        if problem:
            return self._refuse(problem)
        placement = {k: list(v) for k, v in placement.items()}
        if placement == self.placement:
            self.error = ""
            return True
        problem = self._apply(placement)
        if problem:
            return self._refuse(problem)
        del self._history[self._at + 1 :]
        self._history.append(dict(placement))
        self._at += 1
        self._set_placement(placement)
        return True

    def undo(self):
        if self._at > 0:
            self._goto(self._at - 1)

    def redo(self):
        if self._at < len(self._history) - 1:
            self._goto(self._at + 1)

    # -- internals --------------------------------------------------------------------------
    def _goto(self, at: int):
        problem = self._apply(self._history[at])
        if problem:  # a placement that was legal stays legal; report rather than assume
            self._refuse(problem)
            return
        self._at = at
        self._set_placement(self._history[at])

    def _refuse(self, problem: str) -> bool:
        self.error = problem
        self.revision += 1
        return False

    def _set_placement(self, placement: dict):
        self._applying = True
        try:
            self.placement = {k: list(v) for k, v in placement.items()}
        finally:
            self._applying = False
        self.error = ""
        self.code = placement_code(self.placement)
        self.can_undo = self._at > 0
        self.can_redo = self._at < len(self._history) - 1

    @traitlets.observe("placement")
    def _placement_from_code(self, change):
        """``editor.placement = {...}`` from a cell is validated like a drop."""
        if self._applying:
            return
        new, old = change["new"], change["old"]
        self._applying = True
        try:
            self.placement = old  # keep the last legal one until this one is checked
        finally:
            self._applying = False
        self.propose(new)

    def _on_message(self, _widget, content, _buffers):
        problem = messages.problem(content)
        if problem:
            self._refuse(problem)
            return
        kind = content["kind"]
        if kind == "move":
            self.move(content["task"], content["tile"])
        elif kind == "undo":
            self.undo()
        elif kind == "redo":
            self.redo()
