"""The JSON model of a tile array that the placement editor draws: tiles by kind with their
memory use, one chip per instance, routes with their fill level at a chosen cycle; on an FPGA
the PE slots with their DSP slices, the device's budget and the memory bank of each port."""

from __future__ import annotations

import bisect

from datobench.core.codegen.hls.project import memory_banks
from datobench.core.ir.mapping import tile_key
from datobench.core.kinds import kind_of
from datobench.core.passes.resources import DSP, MEMORY, ONCHIP
from datobench.core.passes.staging import staged_buffers
from datobench.visual.instances import accesses


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
    dsp_at = _dsp_per_slot(mapping) if kind.device_wide else {}
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
            dsp = dsp_at.get((c, r))
            staged = l2_buffers(use, perf, cycle) if use is not None else []
            tiles.append(
                {
                    "col": c,
                    "row": r,
                    "kind": kinds[r],
                    "memory": memory,
                    "busy": busy,
                    "used": f"{c},{r}" in used,
                    "no_dma": shim,
                    **({"dsp": dsp} if dsp else {}),
                    **({"staged": staged} if staged else {}),
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
        **_device(program, kind),
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


def l2_buffers(use, perf=None, cycle: int | None = None) -> list[dict]:
    """The staged panels (``dato.stage``) a memory tile holds, with their bytes; with a perf
    run and a cycle, which panel each held then (counted from 0) and whether it was still
    filling from DDR (``state``: "filling", "held", or "empty" before the first load)."""
    out = []
    for shard, n in staged_buffers(use):
        entry = {"name": shard, "bytes": n}
        if perf is not None and cycle is not None:
            key = f"{shard} in {tuple(use.tile)}" if use.kind != "device" else shard
            loads = perf.staged.get(key, [])
            k = bisect.bisect_right([start for start, _, _ in loads], cycle) - 1
            entry["panel"] = k if k >= 0 else None
            entry["state"] = "empty" if k < 0 else "filling" if cycle < loads[k][1] else "held"
        out.append(entry)
    return out


# the device's on-chip memory is its block RAMs and UltraRAMs together (resources.py)
BUDGET_LABELS = {ONCHIP: "on-chip memory (BRAM + URAM)"}


def _dsp_per_slot(mapping) -> dict[tuple[int, int], int]:
    """The DSP slices the instances on each PE slot take (the device's budget is shared)."""
    device = mapping.tiles.get("device")
    out: dict[tuple[int, int], int] = {}
    for who, amount in device.items.get(DSP, []) if device else []:
        if who in mapping.placement:
            slot = tuple(mapping.placement[who])
            out[slot] = out.get(slot, 0) + amount
    return out


def _device(program, kind) -> dict:
    """For a target whose budgets belong to the whole device (an FPGA): its budget, used and
    available; and, for an HLS kernel, the memory bank each region buffer's port connects to
    (the v++ connectivity ``prog.build`` writes) with the tasks that read or write it."""
    out = {}
    device = program.mapping.tiles.get("device")
    if kind.device_wide and device is not None:
        out["budget"] = [
            {
                "resource": BUDGET_LABELS.get(res, res),
                "unit": "bytes" if res == ONCHIP else "",
                "used": device.used.get(res, 0),
                "capacity": cap,
            }
            for res, cap in device.capacity.items()
        ]
    if kind.runs_hls:
        users: dict[str, dict[str, set[str]]] = {}
        for buffer, task, direction in accesses(program.graph):
            users.setdefault(buffer, {}).setdefault(direction, set()).add(task)
        out["ports"] = [
            {
                "buffer": buffer,
                "bank": bank,
                "reads": sorted(users.get(buffer, {}).get("read", ())),
                "writes": sorted(users.get(buffer, {}).get("write", ())),
            }
            for buffer, bank in memory_banks(program).items()
        ]
    return out
