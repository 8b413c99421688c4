"""Placement help while a chip is held: which tiles would take it (and why the others would
not), and the cycles the program would take with it on each.

``MappingCheck`` maps the program's graph with another placement through the same place and
route steps as ``dato.compile`` (so a refusal is the one a drop gets), reusing the profile and
the virtual graph, which a placement does not change: a check costs placing and routing only.

``Lookahead`` runs the work of one pick-up in a thread, so that the kernel stays free for the
drop: a newer pick-up or a move cancels it, within one step of the simulator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from datobench.core.errors import DatoError
from datobench.core.passes.steps import PlaceStep, ProfileStep, RouteStep, State, VirtualStep
from datobench.core.program import Program
from datobench.core.validate import placement_argument


def placement_key(placement: dict) -> tuple:
    """A placement as a dictionary key (tiles as tuples, names sorted)."""
    return tuple(sorted((name, tuple(tile)) for name, tile in placement.items()))


class MappingCheck:
    """The program mapped with other placements, as ``dato.compile(placement=...)`` would."""

    def __init__(self, program: Program, primitives=()):
        self._program = program
        state = State.of_graph(program.graph, program.target, None, primitives)
        capacity = len(program.target.compute_tiles())
        self._state = VirtualStep(capacity).apply(ProfileStep().apply(state))

    def program(self, placement: dict) -> Program | str:
        """The program with ``placement``, or the reason the mapper refuses it."""
        try:
            state = replace(
                self._state,
                placement=placement_argument({k: tuple(v) for k, v in placement.items()}),
            )
            mapping = RouteStep().apply(PlaceStep().apply(state)).mapping
        except DatoError as error:
            return error.message
        p = self._program
        return Program(p.region, p.graph, p.kernels, p.target, mapping)


class Cancelled(Exception):
    """Raised from a simulation's progress callback to stop a run nobody waits for now."""


class Lookahead:
    """One background job at a time: ``start`` cancels the running one first."""

    def __init__(self):
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, job: Callable[[threading.Event], None]) -> None:
        """Run ``job(stop)`` in a thread; ``stop`` is set when the job is cancelled."""
        self.cancel()
        stop = threading.Event()
        self._stop = stop

        def run():
            try:
                job(stop)
            except Cancelled:
                pass

        self._thread = threading.Thread(target=run, name="dato-placement-help", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop the running job: it sends nothing more."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the job to end (tests, benchmarks); True if it has."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True


def stopper(stop: threading.Event) -> Callable[[float], None]:
    """A progress callback that ends the simulation once ``stop`` is set."""

    def progress(_fraction: float) -> None:
        if stop.is_set():
            raise Cancelled

    return progress


def nearest_first(tiles: list[tuple[int, int]], home: tuple[int, int]) -> list[tuple[int, int]]:
    """Tiles ordered by distance from ``home``: a chip is most often dropped close by, so
    those predictions come first."""
    return sorted(tiles, key=lambda t: (abs(t[0] - home[0]) + abs(t[1] - home[1]), t))
