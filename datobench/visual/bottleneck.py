"""What a run's tiles wait on when they wait on memory: every DDR transfer with its bytes, the
DMA lanes of the timeline (a column's shim and memory tile on an NPU, a buffer's ports on an
FPGA) and the one sentence under the timeline that says how much of the run the tiles spent
waiting on DDR, beside the bandwidth DDR delivered and the bandwidth the target allows.

The perf model books each transfer's span (``PerfResult.dma``) and each stall's cause
(``TileTiming.waited_on``); the bytes of a transfer are its access's bytes over the number of
tiles it moves. A window read by several instances is read from DDR once (its readers share
the transfers), so the transfers' bytes are what DDR moved, not ``PerfResult.dram_bytes``,
which counts each reader's. A staged read (``dato.stage``) takes its slices from its buffer in
L2, not from DDR: what it reads from DDR is its buffer's refills (``visual.l2``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from datobench.core.kinds import kind_of
from datobench.core.perf.result import engine_name
from datobench.visual import l2
from datobench.visual.buckets import SpreadBytes, union

# tiles waiting on DDR for less of the run than this get no sentence: it is not what holds
# them back
WAIT_WORTH_SAYING = 0.05
# DDR moving at least this share of its bandwidth is the limit
NEAR_THE_ROOF = 0.8


@dataclass
class DmaLane:
    """The transfers of one DMA unit: a column's shim and memory tile, one way (NPU), or a
    buffer's ports, one way (FPGA)."""

    label: str
    path: str  # where the data goes, for the tooltip
    spans: np.ndarray  # (n, 2) when some transfer was in flight: disjoint, in time order
    transfers: int
    bytes: float


@dataclass
class Traffic:
    sizes: np.ndarray  # every DDR transfer's bytes
    spread: SpreadBytes  # the transfers' bytes over time, for the charts' columns
    lanes: list[DmaLane]
    roof: float  # bytes per second DDR allows (the target's dram_bytes_per_s)
    staged: list[l2.StagedBuffer] = field(default_factory=list)  # dato.stage's buffers

    def rate(self, seconds: float) -> float:
        """Bytes per second DDR moved over a run of ``seconds``."""
        return float(self.sizes.sum()) / seconds if seconds else 0.0


def traffic(program, perf, profs: dict) -> Traffic:
    """Every DDR transfer of the run, and the DMA lanes they belong to (``profs``: the
    instances' ``passes.analysis.profiles``)."""
    groups: dict[tuple, list] = {}  # lane key -> (spans, bytes per transfer) per engine
    paths: dict[tuple, str] = {}
    where = _columns(program)
    for prof in profs.values():
        for a in prof.accesses:
            spans = perf.dma.get(engine_name(a.instance, a.param, a.direction))
            if not spans or a.stage is not None:  # a staged read's slices come from L2
                continue
            moved = a.bytes / max(round(a.bytes / max(a.tile_bytes, 1)), 1)
            column = where.get((a.instance, a.buffer, a.direction))
            key = (0, column, a.direction) if column is not None else (1, a.buffer, a.direction)
            flat = np.fromiter(itertools.chain.from_iterable(spans), float, count=2 * len(spans))
            groups.setdefault(key, []).append((flat.reshape(-1, 2), moved))
            paths.setdefault(key, _path(program, key))
    buffers = l2.staged(program, perf, profs)
    for buf in buffers:  # its refills are DDR reads, through its column's shim
        key = (0, buf.tile[0], "read") if buf.tile else (1, buf.tensor, "read")
        groups.setdefault(key, []).append((buf.refills, buf.panel_bytes))
        paths.setdefault(key, _path(program, key))
    lanes, starts, stops, sizes = [], [], [], []
    for key in sorted(groups, key=lambda k: (k[0], str(k[1]), k[2])):
        engines = groups[key]
        for spans, moved in engines:
            starts.append(spans[:, 0])
            stops.append(spans[:, 1])
            sizes.append(np.full(len(spans), moved))
        merged = union(np.concatenate([s for s, _ in engines]))
        count = sum(len(s) for s, _ in engines)
        total = sum(len(s) * moved for s, moved in engines)
        lanes.append(DmaLane(_label(key), paths[key], merged, count, total))

    def joined(parts):
        return np.concatenate(parts) if parts else np.zeros(0)

    roof = float(program.target.param("memory.dram_bytes_per_s", 0.0))
    spread = SpreadBytes(joined(starts), joined(stops), joined(sizes))
    return Traffic(joined(sizes), spread, lanes, roof, buffers)


def _columns(program) -> dict[tuple, int]:
    """The column whose shim and memory tile carry each (instance, buffer, direction), on a
    target with tiles; none on an FPGA, whose ports are the kernel's own."""
    out = {}
    if not kind_of(program.target).physical_tiles:
        return out
    for s in program.mapping.offchip:
        for inst in s.instances:
            out[(inst, s.buffer, s.direction)] = s.column
    return out


def _label(key: tuple) -> str:
    _, unit, direction = key
    arrow = "DDR -> tiles" if direction == "read" else "tiles -> DDR"
    return f"col {unit}: {arrow}" if key[0] == 0 else f"{unit}: {arrow}"


def _path(program, key: tuple) -> str:
    """The way a lane's data goes: through a column's shim and memory tile, or a buffer's
    ports."""
    kind, unit, direction = key
    if kind == 1:
        return f"{unit}'s ports, {'from' if direction == 'read' else 'to'} DDR"
    target = program.target
    shim, mem = target.shim_tile(unit), target.mem_tile(unit)
    hops = [f"shim {shim[0]},{shim[1]}"] + ([f"memory tile {mem[0]},{mem[1]}"] if mem else [])
    steps = ["DDR", *hops, "tiles"] if direction == "read" else ["tiles", *hops[::-1], "DDR"]
    return " -> ".join(steps)


def ddr_wait_share(perf) -> float:
    """The share of the run the tiles spent stalled on DDR transfers, on average."""
    if not perf.tiles or not perf.cycles:
        return 0.0
    return sum(t.ddr_wait for t in perf.tiles.values()) / (len(perf.tiles) * perf.cycles)


def ddr_sentence(perf, moved: Traffic) -> str:
    """One sentence under the timeline when the tiles sit idle waiting on DDR, from the
    numbers; empty when they hardly do."""
    share = ddr_wait_share(perf)
    if share < WAIT_WORTH_SAYING:
        return ""
    rate = moved.rate(perf.seconds)
    text = f"tiles wait on DDR for {share:.0%} of the run: DDR moved {rate / 1e9:.1f} GB/s"
    if not moved.roof:
        return text
    text += f" of the {moved.roof / 1e9:g} GB/s the target allows"
    if rate >= NEAR_THE_ROOF * moved.roof:
        text += ", so its bandwidth is the limit"
    return text
