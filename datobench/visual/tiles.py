"""The JSON model of a tile array that the placement editor draws: tiles by kind with their
memory use and their state at a chosen cycle, one chip per instance, routes with their fill
level then and the paths DDR data takes through shims and memory tiles; on an FPGA the PE
slots with their DSP slices, the device's budget and the memory bank of each port."""

from __future__ import annotations

import bisect

from datobench.core.codegen.hls.project import memory_banks
from datobench.core.ir.mapping import tile_key
from datobench.core.kinds import kind_of
from datobench.core.passes.resources import DSP, MEMORY, ONCHIP
from datobench.core.passes.route_npu import xy_path
from datobench.core.passes.staging import staged_buffers
from datobench.visual.colors import BUSY, IDLE, STALL_IN, STALL_OUT
from datobench.visual.instances import accesses
from datobench.visual.slrs import slr_model

# a tile's colour for each state, the timeline's (charts.py)
STATE_COLORS = {"busy": BUSY, "in": STALL_IN, "out": STALL_OUT, "idle": IDLE}


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
            busy = state = None
            if perf is not None and f"{c},{r}" in perf.tiles and perf.cycles:
                busy = perf.tiles[f"{c},{r}"].busy / perf.cycles
                if cycle is not None:
                    state = perf.tiles[f"{c},{r}"].state_at(cycle)
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
                    **_state(state),
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
    if kind.physical_tiles:
        routes += ddr_paths(program)
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


def at_cycle(model: dict, program, perf, cycle: int) -> dict:
    """``tile_array_model(program, perf, cycle)`` from the model at another cycle: only what
    depends on the cycle is made anew (the routes' fills, the tiles' states), so that a
    scrubber step costs that, not a whole model."""
    depth = {c.name: c.depth for c in program.graph.channels}
    tiles = []
    for t in model["tiles"]:
        t = {k: v for k, v in t.items() if k not in ("state", "state_color")}
        key = f"{t['col']},{t['row']}"
        if key in perf.tiles and perf.cycles:
            t.update(_state(perf.tiles[key].state_at(cycle)))
        if "staged" in t:  # which panel a memory tile holds changes with the cycle too
            t["staged"] = l2_buffers(program.mapping.tiles[key], perf, cycle)
        tiles.append(t)
    routes = [
        r
        if r["kind"] == "ddr"
        else {
            **r,
            "fill": fill_at(perf.channels.get(r["channel"], []), cycle) / depth[r["channel"]],
        }
        for r in model["routes"]
    ]
    return {**model, "tiles": tiles, "routes": routes, "cycle": cycle}


def _state(state: str | None) -> dict:
    """A tile's state at the scrubber's cycle, and the colour the array outlines it in (the
    timeline's for that state)."""
    if state is None:
        return {}
    return {"state": state, "state_color": STATE_COLORS[state]}


def ddr_paths(program) -> list[dict]:
    """The ways DDR data goes, as routes the array draws (kind "ddr"): from a column's shim
    through its memory tile to each tile that reads a window, or back from each tile that
    writes one (the router's paths, ``passes/route_npu.py``)."""
    target, out = program.target, []
    for s in program.mapping.offchip:
        shim, mem = target.shim_tile(s.column), target.mem_tile(s.column)
        hub = [shim, mem] if mem else [shim]
        for tile in s.path_tiles:
            if s.direction == "read":
                path = hub[:-1] + xy_path(hub[-1], tuple(tile), vertical_first=True)
                name = f"{s.buffer} from DDR through column {s.column}"
            else:
                path = xy_path(tuple(tile), hub[-1]) + hub[:-1][::-1]
                name = f"{s.buffer} to DDR through column {s.column}"
            out.append(
                {"channel": name, "kind": "ddr", "path": [list(t) for t in path], "fill": None}
            )
    return out


def l2_buffers(use, perf=None, cycle: int | None = None) -> list[dict]:
    """The staged panels (``dato.stage``) a memory tile holds, with their bytes; with a perf
    run and a cycle, which panel each held then (counted from 0) of how many it loaded, and
    whether it was still filling from DDR (``state``: "filling", "held", or "empty" before
    the first load)."""
    out = []
    for shard, n in staged_buffers(use):
        entry = {"name": shard, "bytes": n}
        if perf is not None and cycle is not None:
            key = f"{shard} in {tuple(use.tile)}" if use.kind != "device" else shard
            loads = perf.staged.get(key, [])
            k = bisect.bisect_right([start for start, _, _ in loads], cycle) - 1
            entry["panel"] = k if k >= 0 else None
            entry["panels"] = len(loads)
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
        out["slrs"] = slr_model(program)  # the PE rows of each SLR, within its share
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
