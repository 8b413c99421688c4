"""Virtual and physical mapping, end to end: the steps from ``profile`` to ``route``, and the
retry that merges one more node when a mapping breaks a limit."""

from __future__ import annotations

from collections.abc import Callable

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Mapping, Merge
from datobench.core.ir.program import Graph
from datobench.core.kinds import kind_of
from datobench.core.passes.staging import check_panels
from datobench.core.passes.steps import PlaceStep, ProfileStep, RouteStep, State, Step, VirtualStep
from datobench.core.passes.virtual import SUGGESTION, VirtualGraph
from datobench.core.targets import Target

Run = Callable[[Step, State], State]


def _apply(step: Step, state: State) -> State:
    return step.apply(state)


def map_state(state: State, run: Run = _apply) -> State:
    """Profile, virtual, place and route ``state.graph`` onto ``state.target``, each step
    through ``run``. Without a user placement, a mapping that breaks a limit on a tile that an
    automatic merge made is retried without that merge (up to ``OTHER_MERGES`` times), and
    otherwise with one node fewer (one more merge), until one fits."""
    target, placement = state.target, state.placement
    state = run(ProfileStep(), state)
    check_panels(state.graph, state.profiles, target, kind_of(target).device_wide)
    capacity = len(target.compute_tiles())  # compute tiles, or the slots of a PE grid
    first_error, why, refused = None, "", frozenset()
    while True:
        try:
            state = run(VirtualStep(capacity, why, refused), state)
        except MappingError:
            if first_error is None:
                raise
            if refused:
                raise _unhelped(first_error, capacity, refused) from None
            # merging is greedy and deterministic, so this attempt retraced the last one and
            # stopped where it had ended, one node above the capacity asked for
            raise _unhelped(first_error, capacity + 1, refused) from None
        try:
            return run(RouteStep(), run(PlaceStep(), state))
        except MappingError as error:
            # merging helps with one tile's limits; an FPGA's budgets are device-wide
            if placement or kind_of(target).device_wide:
                raise
            first_error = first_error or error
            merge = _merge_at_fault(state.vg, error)
            if merge is not None and len(refused) < OTHER_MERGES:
                refused = refused | {frozenset(merge.instances)}
                why = f"merging {'+'.join(merge.instances)} broke a limit: {error.message}"
                continue
            nodes = len(state.vg.groups())
            if nodes <= 1:
                raise _unhelped(first_error, 1, refused) from None
            capacity = nodes - 1
            why = f"the mapping with one node more broke a limit: {error.message}"


OTHER_MERGES = 8  # other merges tried in place of ones that broke a limit, before one more


def _merge_at_fault(vg: VirtualGraph, error: MappingError) -> Merge | None:
    """The automatic merge that made the node whose tile broke a limit, if one did."""
    on_tile = set(getattr(error, "instances", ()))
    if not on_tile:
        return None
    group = set(vg.groups()[vg.root(next(iter(on_tile)))])
    made = [m for m in vg.merges if set(m.instances) == group]
    return made[-1] if made and made[-1].automatic else None


def map_program(
    graph: Graph, target: Target, placement: dict | None = None, primitives=()
) -> Mapping:
    """Map the instance graph onto the target (see ``map_state``)."""
    return map_state(State.of_graph(graph, target, placement, primitives)).mapping


def _unhelped(error: MappingError, nodes: int, refused: frozenset) -> MappingError:
    """The first limit broken, noting that merging nodes (down to ``nodes``, and other merges
    than those ``refused``) did not help, and suggesting the primitives."""
    tried = " (nor did other merges)" if refused else ""
    note = f"merging nodes, down to {nodes}, did not make it fit either{tried}"
    error.notes = (*error.notes, note, SUGGESTION)
    return error
