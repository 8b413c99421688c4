"""The placement editor: the target's tile array with draggable task chips.

A drop sends ``{"kind": "move", "task": name, "tile": [col, row]}``; Python validates the new
placement through ``apply`` (given by the workbench): a legal one becomes ``placement`` and the
views update, an illegal one sets ``error`` and the chip returns to its tile. A message that
does not follow the schema of ``messages`` is answered the same way, with the reason. Undo and redo
walk the history of legal placements; ``code`` is the placement as code for a cell.

Picking a chip up (``pickup``, with the pointer or Enter on a focused chip) starts the
placement help in the background (``placement_help``): one ``legal`` message gives every tile
with the reason it would refuse the chip ("" where it may go, as ``check`` says, so the same
text a drop gets), then a ``prediction`` message per legal tile gives the cycles the program
would take with the chip there (``predict``), nearest tiles first, with the fastest so far as
``best``; ``predicted`` ends them. The next pick-up, move or ``putdown`` cancels the rest.
Arrow keys on a focused chip send ``nudge``: a move to the neighbouring tile, validated as a
drop; a chip held from the keyboard stays held, with the help for its new tile.
"""

from __future__ import annotations

import pathlib
import threading
from collections.abc import Callable

import anywidget
import traitlets

from datobench.widgets import messages
from datobench.widgets.placement_help import Lookahead, nearest_first, stopper

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

    def __init__(
        self,
        placement: dict,
        apply: Callable[[dict], str | None],
        check: Callable[[dict], str | None],
        predict: Callable[[dict, Callable[[float], None]], int | None] | None = None,
        **kwargs,
    ):
        """``apply`` makes a placement the program's (or says why not), ``check`` only says
        why not; ``predict`` gives its cycles (calling its progress argument, which stops it
        when cancelled), None where there is no timing."""
        super().__init__(**kwargs)
        self._apply = apply
        self._check = check
        self._predict = predict
        self._history = [{k: list(v) for k, v in placement.items()}]
        self._at = 0
        self._applying = False
        self._lookahead = Lookahead()
        self._pickups = 0
        # the help for the chip held now, as it is sent (tiles and cycles keyed "col,row")
        self.held: dict | None = None
        self._set_placement(placement)
        self.on_msg(self._on_message)

    # -- commands ---------------------------------------------------------------------------
    def move(self, task: str, tile) -> bool:
        """Move an instance (with the instances merged with it) to a tile; a node already
        there swaps places with it. True if the new placement was legal and applied."""
        problem = messages.problem({"kind": "move", "task": task, "tile": tile})
        if problem:
            return self._refuse(problem)
        new = self._moved(self.placement, task, list(tile))
        if isinstance(new, str):
            return self._refuse(new)
        return self.propose(new)

    def nudge(self, task: str, direction: str) -> bool:
        """Move an instance to the neighbouring tile in ``direction`` (a key of
        ``messages.DIRECTIONS``), validated as a drop there; a held chip stays held."""
        problem = messages.problem({"kind": "nudge", "task": task, "direction": direction})
        if problem:
            return self._refuse(problem)
        if task not in self.placement:
            return self._refuse(f"no instance named '{task}'")
        (col, row), (dc, dr) = self.placement[task], messages.DIRECTIONS[direction]
        held = self.held is not None and self.held["task"] == task
        moved = self.move(task, [col + dc, row + dr])
        if held:
            self.pick_up(task)
        return moved

    def pick_up(self, task: str) -> None:
        """Start the help for a chip picked up (see the module's docstring); returns at once."""
        if task not in self.placement:
            self._refuse(f"no instance named '{task}'")
            return
        self._pickups += 1
        held = {"pickup": self._pickups, "task": task, "home": list(self.placement[task])}
        held.update(tiles={}, cycles={}, best=None, done=False)
        self.held = held
        placement = {k: list(v) for k, v in self.placement.items()}
        tiles = [[t["col"], t["row"]] for t in self.model.get("tiles", [])]
        self._lookahead.start(lambda stop: self._look_ahead(held, placement, tiles, stop))

    def put_down(self) -> None:
        """The chip is put down where it was: stop the help."""
        self._lookahead.cancel()
        self.held = None

    def restore(self, placement: dict) -> bool:
        """Go back to a placement tried before: as undo does when it is in the undo history,
        else as a new placement. True if it is now the program's."""
        placement = {k: list(v) for k, v in placement.items()}
        if placement in self._history:
            self._goto(self._history.index(placement))
            return self.error == ""
        return self.propose(placement)

    def _moved(self, placement: dict, task: str, dest: list) -> dict | str:
        """The placement with ``task``'s node on ``dest`` (what sat there swapped onto its
        tile), or why there is none."""
        new = {k: list(v) for k, v in placement.items()}
        if task not in new:
            return f"no instance named '{task}'"
        source = list(new[task])
        if source == dest:
            return new
        moving = self._node_members(task)
        for name, where in list(new.items()):
            if where == dest and name not in moving:
                new[name] = source  # swap with whatever sits there
        for name in moving:
            new[name] = dest
        return new

    def _node_members(self, task: str) -> set[str]:
        group = next((c["group"] for c in self.model.get("chips", []) if c["name"] == task), None)
        if group is None:
            return {task}
        return {c["name"] for c in self.model["chips"] if c["group"] == group}

    def propose(self, placement: dict) -> bool:
        """Apply a whole placement if it is legal; True if it was applied."""
        self.put_down()  # the help was for the placement being left
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

    # -- the help while a chip is held -------------------------------------------------------
    def _look_ahead(self, held: dict, placement: dict, tiles: list, stop: threading.Event):
        """The background job of one pick-up: every tile's reason, then the predictions."""
        task, home = held["task"], held["home"]
        legal = {}
        for tile in tiles:
            if stop.is_set():
                return
            candidate = self._moved(placement, task, tile)
            reason = candidate if isinstance(candidate, str) else ""
            if not reason and tile != home:
                reason = self._check(candidate) or ""
            held["tiles"][f"{tile[0]},{tile[1]}"] = reason
            if not reason:
                legal[tuple(tile)] = candidate
        n = held["pickup"]
        legal_message = {"kind": "legal", "pickup": n, "task": task, "home": home}
        self._tell(stop, {**legal_message, "tiles": held["tiles"]})
        if self._predict is not None:
            fastest = None
            for tile in nearest_first(list(legal), tuple(home)):
                cycles = self._predict(legal[tile], stopper(stop))
                if cycles is None or stop.is_set():
                    continue
                key = f"{tile[0]},{tile[1]}"
                held["cycles"][key] = cycles
                if fastest is None or cycles < fastest[1]:
                    fastest = (list(tile), cycles)
                    held["best"] = key
                prediction = {"kind": "prediction", "pickup": n, "tile": list(tile)}
                self._tell(stop, {**prediction, "cycles": cycles, "best": fastest[0]})
        held["done"] = not stop.is_set()
        self._tell(stop, {"kind": "predicted", "pickup": n})

    def _tell(self, stop: threading.Event, content: dict) -> None:
        """Send to the front end, unless the job was cancelled meanwhile."""
        if not stop.is_set():
            self.send(content)

    # -- internals --------------------------------------------------------------------------
    def _goto(self, at: int):
        self.put_down()
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
        elif kind == "pickup":
            self.pick_up(content["task"])
        elif kind == "putdown":
            self.put_down()
        elif kind == "nudge":
            self.nudge(content["task"], content["direction"])
        elif kind == "undo":
            self.undo()
        elif kind == "redo":
            self.redo()
