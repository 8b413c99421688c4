"""Placement: each virtual node onto a compute tile (NPU) or a PE slot (FPGA).

A user placement pins instances to tiles and is checked first; the default placer puts the
rest. It keeps each task's grid shape (so a systolic array's neighbours share memory) where
the target kind's placer finds a corner for it (``place_npu``, ``place_fpga``), and otherwise
seeks the tiles nearest to the nodes a node talks to most.
"""

from __future__ import annotations

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Tile
from datobench.core.kinds import kind_of
from datobench.core.passes.traffic import by_affinity, links
from datobench.core.passes.virtual import VirtualGraph
from datobench.core.targets import COMPUTE, Target


def _tile_text(target: Target) -> str:
    rows = target.rows_of(COMPUTE)
    return f"{kind_of(target).slots} are columns 0-{target.columns - 1}, rows {rows[0]}-{rows[-1]}"


_PAST = {"chain": "chained", "bundle": "bundled"}


def pin(target: Target, vg: VirtualGraph, placement: dict) -> dict[str, Tile]:
    """Check a user placement (instance names and (column, row) pairs, as
    ``validate.placement_argument`` gives it); the tiles of the nodes it pins."""
    known = {i.name for i in vg.graph.instances}
    pinned: dict[str, Tile] = {}
    by_node: dict[str, tuple[str, Tile]] = {}
    for name, tile in placement.items():
        if name not in known:
            raise MappingError(
                f"placement names '{name}', which is not an instance; instances "
                f"are named like '{vg.graph.instances[0].name}'"
            )
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
    placer = kind_of(target).placer(target)
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
    traffic = links(vg)
    by_task: dict[str, list[str]] = {}
    for r in todo:
        by_task.setdefault(vg.graph.instance(r).task, []).append(r)
    band = 0  # the first row below the task grids anchored so far
    for roots in sorted(by_task.values(), key=len, reverse=True):
        offsets = _grid_offsets(vg, roots, target.columns)
        anchor = placer.anchor(offsets, free, offchip, traffic, tiles, band)
        if anchor is None:
            continue  # placed one by one below
        for root, (dc, dr) in offsets.items():
            tile = (anchor[0] + dc, anchor[1] + dr)
            tiles[root] = tile
            free.discard(tile)
        band = max(band, anchor[1] + 1 + max(dr for _, dr in offsets.values()))
    for root in by_affinity(traffic, [r for r in todo if r not in tiles], tiles):
        tile = min(free, key=lambda t: placer.fill_key(root, t, traffic[root], tiles, offchip))
        tiles[root] = tile
        free.discard(tile)
    placer.improve(tiles, free, traffic, offchip, set(pinned))
    return tiles


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
