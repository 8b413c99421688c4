"""Placement: each virtual node onto a compute tile (NPU) or a PE slot (FPGA).

A user placement pins instances to tiles and is checked first; the default placer puts the
rest. It keeps each task's grid shape (so a systolic array's neighbours share memory), puts
nodes with DDR traffic in columns that have a shim DMA, and otherwise seeks the tiles nearest
to the nodes a node talks to most.
"""

from __future__ import annotations

import operator

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Tile
from datobench.core.passes.virtual import VirtualGraph
from datobench.core.targets import COMPUTE, Target


def _tile_text(target: Target) -> str:
    rows = target.rows_of(COMPUTE)
    return (
        f"compute tiles are columns 0-{target.columns - 1}, rows {rows[0]}-{rows[-1]}"
        if not target.is_fpga
        else f"PE slots are columns 0-{target.columns - 1}, rows 0-{target.rows - 1}"
    )


_PAST = {"chain": "chained", "bundle": "bundled"}


def _coordinates(name: str, tile) -> Tile:
    """A (column, row) pair of whole numbers (numpy integers welcome, booleans not)."""
    try:
        if len(tile) != 2 or any(isinstance(v, bool) for v in tile):
            raise TypeError
        return (operator.index(tile[0]), operator.index(tile[1]))
    except TypeError:
        raise MappingError(
            f"placement of '{name}' must be a (column, row) pair of whole numbers, not {tile!r}"
        ) from None


def pin(target: Target, vg: VirtualGraph, placement: dict) -> dict[str, Tile]:
    """Check a user placement; the tiles of the nodes it pins."""
    known = {i.name for i in vg.graph.instances}
    pinned: dict[str, Tile] = {}
    by_node: dict[str, tuple[str, Tile]] = {}
    for name, tile in placement.items():
        if name not in known:
            raise MappingError(
                f"placement names '{name}', which is not an instance; instances "
                f"are named like '{vg.graph.instances[0].name}'"
            )
        tile = _coordinates(name, tile)
        kind = target.tile_kind(*tile)
        if kind is None:
            raise MappingError(
                f"tile {tile} for '{name}' is outside the {target.name} array "
                f"({target.columns} columns x {target.rows} rows); {_tile_text(target)}"
            )
        if kind != COMPUTE:
            raise MappingError(
                f"tile {tile} is a {'shim' if kind == 'shim' else 'memory'} tile: '{name}' "
                f"can only run on a compute tile; {_tile_text(target)}"
            )
        root = vg.root(name)
        if root in by_node and by_node[root][1] != tile:
            other, where = by_node[root]
            raise MappingError(
                f"'{name}' and '{other}' are "
                f"{' and '.join(sorted(_PAST[k] for k in vg.kinds[root]))} onto one tile, "
                f"but are placed on {tile} and {where}"
            )
        by_node[root] = (name, tile)
    owners: dict[Tile, str] = {}
    for root, (name, tile) in by_node.items():
        if tile in owners:
            other = by_node[owners[tile]][0]
            raise MappingError(
                f"tile {tile}: 2 unbundled instances ('{other}', '{name}') on one core; a core "
                f"runs one node: time-multiplex them with dato.bundle(['{other}', '{name}'])"
            )
        owners[tile] = root
        pinned[root] = tile
    return pinned


def place(target: Target, vg: VirtualGraph, pinned: dict[str, Tile]) -> dict[str, Tile]:
    """Tiles for every node: the pinned ones, and the default placer's choice for the rest."""
    tiles = dict(pinned)
    free = set(target.compute_tiles()) - set(pinned.values())
    groups = vg.groups()
    todo = [r for r in groups if r not in tiles]
    if len(todo) > len(free):
        raise MappingError(
            f"{len(groups)} nodes need more compute tiles than the "
            f"{len(free) + len(pinned)} of {target.name}"
        )
    offchip = {r for r in todo if any(vg.profiles[i].accesses for i in groups[r])}
    links = _links(vg)
    by_task: dict[str, list[str]] = {}
    for r in todo:
        by_task.setdefault(vg.graph.instance(r).task, []).append(r)
    band = 0  # FPGA: each task gets its own band of rows
    for roots in sorted(by_task.values(), key=len, reverse=True):
        offsets = _grid_offsets(vg, roots, target.columns)
        if target.is_fpga:
            anchor = (0, band) if band + max(r for _, r in offsets.values()) < target.rows else None
        else:
            anchor = _anchor(target, offsets, free, offchip, links, tiles)
        if anchor is None:
            continue  # placed one by one below
        for root, (dc, dr) in offsets.items():
            tile = (anchor[0] + dc, anchor[1] + dr)
            tiles[root] = tile
            free.discard(tile)
        band = max(band, anchor[1] + 1 + max(dr for _, dr in offsets.values()))
    for root in _by_affinity(links, [r for r in todo if r not in tiles], tiles):
        tile = min(free, key=lambda t: _cost(target, links[root], root, t, tiles, offchip))
        tiles[root] = tile
        free.discard(tile)
    if not target.is_fpga:
        _improve(target, tiles, free, links, offchip, set(pinned))
    return tiles


def _apart(target: Target, a: Tile, b: Tile) -> int:
    """0 for tiles whose cores share a memory, else the stream-switch hops between them."""
    if a == b or (b in target.reachable_memories(a) or a in target.reachable_memories(b)):
        return 0
    return abs(a[0] - b[0]) + abs(a[1] - b[1])


def _improve(target, tiles, free, links, offchip, fixed, rounds: int = 4):
    """Local search: move a node to a free tile, or swap two nodes, while traffic-weighted
    distance falls (DDR users stay in shim columns)."""

    def node_cost(root, tile):
        misplaced = root in offchip and tile[0] not in target.shim_dma_columns
        return 10**9 * misplaced + sum(
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


def _grid_offsets(vg: VirtualGraph, roots: list[str], columns: int) -> dict[str, Tile]:
    """Where each node sits relative to its task's corner: pid (i, j) at column j, row i."""
    out = {}
    for root in roots:
        pid = vg.graph.instance(root).pid
        if len(pid) == 1:
            out[root] = (pid[0] % columns, pid[0] // columns)
        else:
            out[root] = (pid[-1], pid[-2])
    # close gaps left by merged instances, keeping the order of columns and rows
    cols = sorted({c for c, _ in out.values()})
    rows = sorted({r for _, r in out.values()})
    return {k: (cols.index(c), rows.index(r)) for k, (c, r) in out.items()}


def _anchor(target, offsets, free, offchip, links, placed):
    """The corner where the task's grid fits on free tiles, DDR users sit in shim columns,
    and the traffic to nodes placed before travels least."""
    best = None
    for r0 in sorted({r for _, r in free}):
        for c0 in range(target.columns):
            cells = {root: (c0 + dc, r0 + dr) for root, (dc, dr) in offsets.items()}
            if not all(t in free for t in cells.values()):
                continue
            misplaced = sum(
                1
                for root, t in cells.items()
                if root in offchip and t[0] not in target.shim_dma_columns
            )
            distance = sum(
                _cost(target, links[root], root, t, placed, offchip)[1] for root, t in cells.items()
            )
            key = (misplaced, distance, r0, c0)
            if best is None or key < best[0]:
                best = (key, (c0, r0))
    return best[1] if best and best[0][0] == 0 else None


def _links(vg: VirtualGraph) -> dict[str, dict[str, int]]:
    """Transfers between each pair of nodes, both ways."""
    links: dict[str, dict[str, int]] = {r: {} for r in vg.groups()}
    for c in vg.graph.channels:
        a, b = vg.root(c.producer), vg.root(c.consumer)
        if a != b:
            w = c.puts or 1
            links[a][b] = links[a].get(b, 0) + w
            links[b][a] = links[b].get(a, 0) + w
    return links


def _by_affinity(links, roots: list[str], placed: dict[str, Tile]) -> list[str]:
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


def _cost(target, links, root, tile, placed, offchip) -> tuple:
    distance = sum(
        w * (abs(tile[0] - placed[n][0]) + abs(tile[1] - placed[n][1]))
        for n, w in links.items()
        if n in placed
    )
    no_shim = root in offchip and not target.is_fpga and tile[0] not in target.shim_dma_columns
    return (no_shim, distance, tile[1], tile[0])
