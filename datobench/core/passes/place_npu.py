"""The NPU placer: a task's grid of instances keeps its shape on the tile array, nodes with DDR
traffic sit in columns that have a shim DMA, and a local search then shortens the traffic's
stream-switch paths (cores that share a memory are no distance apart)."""

from __future__ import annotations

from datobench.core.ir.mapping import Tile
from datobench.core.passes.traffic import Links, distance
from datobench.core.targets import Target


class NpuPlacer:
    """The NPU kind's choices in the default placer (see ``place.place``)."""

    def __init__(self, target: Target):
        self.target = target

    def _misplaced(self, root: str, tile: Tile, offchip: set[str]) -> bool:
        """A node with DDR traffic on a column without a shim DMA."""
        return root in offchip and tile[0] not in self.target.shim_dma_columns

    def anchor(
        self,
        offsets: dict[str, Tile],
        free: set[Tile],
        offchip: set[str],
        links: Links,
        placed: dict[str, Tile],
        band: int,
    ) -> Tile | None:
        """The corner where the task's grid fits on free tiles, DDR users sit in shim columns,
        and the traffic to nodes placed before travels least (None: no such corner)."""
        best = None
        for r0 in sorted({r for _, r in free}):
            for c0 in range(self.target.columns):
                cells = {root: (c0 + dc, r0 + dr) for root, (dc, dr) in offsets.items()}
                if not all(t in free for t in cells.values()):
                    continue
                misplaced = sum(1 for root, t in cells.items() if self._misplaced(root, t, offchip))
                far = sum(distance(links[root], t, placed) for root, t in cells.items())
                key = (misplaced, far, r0, c0)
                if best is None or key < best[0]:
                    best = (key, (c0, r0))
        return best[1] if best and best[0][0] == 0 else None

    def fill_key(
        self,
        root: str,
        tile: Tile,
        partners: dict[str, int],
        placed: dict[str, Tile],
        offchip: set[str],
    ) -> tuple:
        """How good a free tile is for a node placed on its own (smaller is better)."""
        return (
            self._misplaced(root, tile, offchip),
            distance(partners, tile, placed),
            tile[1],
            tile[0],
        )

    def improve(
        self,
        tiles: dict[str, Tile],
        free: set[Tile],
        links: Links,
        offchip: set[str],
        fixed: set[str],
        rounds: int = 4,
    ) -> None:
        """Local search: move a node to a free tile, or swap two nodes, while traffic-weighted
        distance falls (DDR users stay in shim columns)."""
        target = self.target

        def node_cost(root, tile):
            return 10**9 * self._misplaced(root, tile, offchip) + sum(
                w * _apart(target, tile, tiles[n]) for n, w in links[root].items() if n != root
            )

        movable = [r for r in tiles if r not in fixed]
        for _ in range(rounds):
            improved = False
            for root in movable:
                here = tiles[root]
                current = node_cost(root, here)
                for tile in sorted(free):
                    if node_cost(root, tile) < current:
                        free.add(here)
                        free.discard(tile)
                        tiles[root] = here = tile
                        current = node_cost(root, tile)
                        improved = True
                for other in movable:
                    there = tiles[other]
                    if other == root or there == here:
                        continue
                    before = current + node_cost(other, there)
                    tiles[root], tiles[other] = there, here
                    after = node_cost(root, there) + node_cost(other, here)
                    if after < before:
                        here, current, improved = there, node_cost(root, there), True
                    else:
                        tiles[root], tiles[other] = here, there
            if not improved:
                return


def _apart(target: Target, a: Tile, b: Tile) -> int:
    """0 for tiles whose cores share a memory, else the stream-switch hops between them."""
    if a == b or (b in target.reachable_memories(a) or a in target.reachable_memories(b)):
        return 0
    return abs(a[0] - b[0]) + abs(a[1] - b[1])
