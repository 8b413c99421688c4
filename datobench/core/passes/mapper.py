"""Virtual and physical mapping, end to end: the steps from ``profile`` to ``route``, and the
retry that merges one more node when a mapping breaks a limit."""

from __future__ import annotations

from collections.abc import Callable

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Mapping
from datobench.core.ir.program import Graph
from datobench.core.kinds import kind_of
from datobench.core.passes.steps import PlaceStep, ProfileStep, RouteStep, State, Step, VirtualStep
from datobench.core.targets import Target

Run = Callable[[Step, State], State]


def _apply(step: Step, state: State) -> State:
    return step.apply(state)


def map_state(state: State, run: Run = _apply) -> State:
    """Profile, virtual, place and route ``state.graph`` onto ``state.target``, each step
    through ``run``. Without a user placement, a mapping that breaks a limit is retried with
    one node fewer (one more merge) until one fits."""
    target, placement = state.target, state.placement
    state = run(ProfileStep(), state)
    capacity = len(target.compute_tiles())  # compute tiles, or the slots of a PE grid
    first_error, why = None, ""
    while True:
        try:
            state = run(VirtualStep(capacity, why), state)
        except MappingError:
            if first_error is None:
                raise
            # merging is greedy and deterministic, so this attempt retraced the last one and
            # stopped where it had ended, one node above the capacity asked for
            raise _unhelped(first_error, capacity + 1) from None
        try:
            return run(RouteStep(), run(PlaceStep(), state))
        except MappingError as error:
            # merging helps with one tile's limits; an FPGA's budgets are device-wide
            if placement or kind_of(target).device_wide:
                raise
            nodes = len(state.vg.groups())
            if nodes <= 1:
                raise _unhelped(first_error or error, 1) from None
            first_error = first_error or error
            capacity = nodes - 1
            why = f"the mapping with one node more broke a limit: {error.message}"


def map_program(
    graph: Graph, target: Target, placement: dict | None = None, primitives=()
) -> Mapping:
    """Map the instance graph onto the target (see ``map_state``)."""
    return map_state(State.of_graph(graph, target, placement, primitives)).mapping


def _unhelped(error: MappingError, nodes: int) -> MappingError:
    """The first limit broken, noting that merging nodes (down to ``nodes``) did not help."""
    error.notes = (*error.notes, f"merging nodes, down to {nodes}, did not make it fit either")
    return error
