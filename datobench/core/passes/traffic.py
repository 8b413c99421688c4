"""Traffic between the nodes of a virtual graph: who sends to whom and how much, the order in
which to place nodes so that each follows its partners, and how far a tile is from them."""

from __future__ import annotations

from datobench.core.ir.mapping import Tile
from datobench.core.passes.virtual import VirtualGraph

Links = dict[str, dict[str, int]]  # node -> partner -> transfers between them, both ways


def links(vg: VirtualGraph) -> Links:
    """Transfers between each pair of nodes, both ways."""
    out: Links = {r: {} for r in vg.groups()}
    for c in vg.graph.channels:
        a, b = vg.root(c.producer), vg.root(c.consumer)
        if a != b:
            w = c.puts or 1
            out[a][b] = out[a].get(b, 0) + w
            out[b][a] = out[b].get(a, 0) + w
    return out


def by_affinity(links: Links, roots: list[str], placed: dict[str, Tile]) -> list[str]:
    """Nodes ordered so that each comes after the placed nodes it talks to, heaviest first."""
    order, done, left = [], set(placed), list(roots)
    while left:
        nxt = max(
            left,
            key=lambda r: (
                sum(w for n, w in links[r].items() if n in done),
                sum(links[r].values()),
                r,
            ),
        )
        order.append(nxt)
        done.add(nxt)
        left.remove(nxt)
    return order


def distance(partners: dict[str, int], tile: Tile, placed: dict[str, Tile]) -> int:
    """Traffic-weighted grid distance from ``tile`` to the placed ``partners`` of a node."""
    return sum(
        w * (abs(tile[0] - placed[n][0]) + abs(tile[1] - placed[n][1]))
        for n, w in partners.items()
        if n in placed
    )
