"""Virtual and physical mapping, end to end: instance graph + target -> ``Mapping``."""

from __future__ import annotations

from datobench.core.ir.mapping import Mapping, Node
from datobench.core.ir.program import Graph
from datobench.core.passes.analysis import profiles
from datobench.core.passes.place import pin, place
from datobench.core.passes.route import Router
from datobench.core.passes.virtual import virtual_graph
from datobench.core.targets import Target


def map_program(
    graph: Graph, target: Target, placement: dict | None = None, primitives=()
) -> Mapping:
    vg = virtual_graph(graph, profiles(graph), primitives)
    capacity = target.columns * target.rows if target.is_fpga else len(target.compute_tiles())
    vg.fit(capacity, target.name)
    pinned = pin(target, vg, placement or {})
    tiles = place(target, vg, pinned)
    router = Router(target, vg, tiles)
    router.run()
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
