"""Virtual and physical mapping, end to end: instance graph + target -> ``Mapping``."""

from __future__ import annotations

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Mapping, Node
from datobench.core.ir.program import Graph
from datobench.core.kinds import kind_of
from datobench.core.passes.analysis import profiles
from datobench.core.passes.place import pin, place
from datobench.core.passes.route import Router
from datobench.core.passes.virtual import virtual_graph
from datobench.core.targets import Target


def map_program(
    graph: Graph, target: Target, placement: dict | None = None, primitives=()
) -> Mapping:
    """Map the instance graph onto the target. Without a user placement, a mapping that breaks
    a limit is retried with one node fewer (one more merge) until one fits."""
    profs = profiles(graph)
    capacity = len(target.compute_tiles())  # compute tiles, or the slots of a PE grid
    first_error, why = None, ""
    while True:
        vg = virtual_graph(graph, profs, primitives)
        try:
            vg.fit(capacity, target.name, why)
        except MappingError:
            if first_error is None:
                raise
            raise _unhelped(first_error, len(vg.groups())) from None
        try:
            tiles = place(target, vg, pin(target, vg, placement or {}))
            router = Router(target, vg, tiles)
            router.run()
            break
        except MappingError as error:
            # merging helps with one tile's limits; an FPGA's budgets are device-wide
            if placement or kind_of(target).device_wide:
                raise
            if len(vg.groups()) <= 1:
                raise _unhelped(first_error or error, 1) from None
            first_error = first_error or error
            capacity = len(vg.groups()) - 1
            why = f"the mapping with one node more broke a limit: {error.message}"
    return _mapping(graph, target, vg, tiles, router)


def _unhelped(error: MappingError, nodes: int) -> MappingError:
    """The first limit broken, noting that merging nodes (down to ``nodes``) did not help."""
    error.notes = (*error.notes, f"merging nodes, down to {nodes}, did not make it fit either")
    return error


def _mapping(graph: Graph, target: Target, vg, tiles, router: Router) -> Mapping:
    nodes = []
    groups = vg.groups()
    for root, members in groups.items():
        kinds = vg.kinds[root]
        kind = "+".join(k for k in ("chain", "bundle") if k in kinds) or "task"
        nodes.append(Node(vg.describe(root, groups), members, kind, tiles[root]))
    return Mapping(
        target.name,
        {inst.name: tiles[vg.root(inst.name)] for inst in graph.instances},
        nodes,
        router.routes,
        router.offchip,
        router.ledger.uses,
        vg.merges,
    )
