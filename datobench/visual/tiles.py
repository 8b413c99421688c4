"""The JSON model of a tile array that the placement editor draws: tiles by kind with their
memory use, one chip per instance, routes with their fill level at a chosen cycle."""

from __future__ import annotations

import bisect

from datobench.core.ir.mapping import tile_key
from datobench.core.kinds import kind_of
from datobench.core.passes.resources import MEMORY, ONCHIP


def fill_at(points: list[tuple[int, int]], cycle: int) -> int:
    """A channel's fill level at ``cycle`` from its (cycle, fill) change points."""
    i = bisect.bisect_right(points, (cycle, float("inf")))  # O(log n): scrubbed often
    return points[i - 1][1] if i else 0


def tile_array_model(program, perf=None, cycle: int | None = None) -> dict:
    target, mapping = program.target, program.mapping
    kind = kind_of(target)
    used = {tile_key(t) for t in mapping.placement.values()}
    if kind.physical_tiles:
        cols, rows, kinds = target.columns, target.rows, list(target.row_kinds)
    else:  # draw only the part of the PE grid in use
        cols = max(t[0] for t in mapping.placement.values()) + 1
        rows = max(t[1] for t in mapping.placement.values()) + 1
        kinds = ["compute"] * rows
    tiles = []
    for r in range(rows):
        for c in range(cols):
            use = mapping.tiles.get(f"{c},{r}")
            memory = None
            if use is not None:
                res = MEMORY if MEMORY in use.capacity else ONCHIP
                if res in use.capacity:
                    memory = [use.used.get(res, 0), use.capacity[res]]
            busy = None
            if perf is not None and f"{c},{r}" in perf.tiles and perf.cycles:
                busy = perf.tiles[f"{c},{r}"].busy / perf.cycles
            shim = kinds[r] == "shim" and c not in target.shim_dma_columns
            tiles.append(
                {
                    "col": c,
                    "row": r,
                    "kind": kinds[r],
                    "memory": memory,
                    "busy": busy,
                    "used": f"{c},{r}" in used,
                    "no_dma": shim,
                }
            )
    chips = []
    node_of = {i: n for n in mapping.nodes for i in n.instances}
    for name, tile in mapping.placement.items():
        node = node_of[name]
        chips.append(
            {
                "name": name,
                "col": tile[0],
                "row": tile[1],
                "group": node.name if len(node.instances) > 1 else None,
                "kind": node.kind,
            }
        )
    routes = []
    depth = {c.name: c.depth for c in program.graph.channels}
    for r in mapping.routes:
        if r.kind == "local":
            continue
        fraction = None
        if perf is not None and cycle is not None:
            fraction = fill_at(perf.channels.get(r.channel, []), cycle) / depth[r.channel]
        routes.append(
            {
                "channel": r.channel,
                "kind": r.kind,
                "path": [list(t) for t in r.path],
                "fill": fraction,
            }
        )
    return {
        "target": target.name,
        "slots": kind.slots,  # what the editor calls the places a task can go
        "columns": cols,
        "rows": rows,
        "tiles": tiles,
        "chips": chips,
        "routes": routes,
        "cycle": cycle,
        "cycles": perf.cycles if perf is not None else None,
    }
