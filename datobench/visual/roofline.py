"""The roofline of a timed run, one point per tile: its arithmetic intensity (operations per
byte it moves to or from DDR) against the operations per second it attained over the run,
under the roofs of one tile, the target's compute peak per tile and its share of DDR's
bandwidth. A point left of the ridge, where the roofs meet, is DDR-bound: no tile doing that
little work per byte can go faster than DDR feeds it; right of it, compute-bound.

A multiply-accumulate is two operations. A tile's DDR bytes are its writes and its part of
each window it reads (a window several tiles read is read from DDR once); of a staged window
(``dato.stage``), its part of the panels its buffer loaded from DDR. DDR's bandwidth is
split evenly between the tiles that move DDR data (they stream at once in the designs the
workbench shows); a tile that moves none, fed by streams alone, has no DDR roof and is drawn
at the right edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from datobench.core.kinds import kind_of
from datobench.visual import l2
from datobench.visual.colors import BUSY, FONT, INK, MUTED, STALL_OUT, escape

WIDTH, HEIGHT = 460, 262
LEFT, RIGHT, TOP, BOTTOM = 64, 440, 46, 222  # the plot's box
COMPUTE_BOUND, DDR_BOUND = "compute-bound", "DDR-bound"
BOUND_COLORS = {COMPUTE_BOUND: BUSY, DDR_BOUND: "#7c3aed"}


@dataclass
class Roofs:
    peak: float  # operations per second of one tile
    ddr: float  # bytes per second of DDR per tile that moves DDR data
    sharing: int  # the tiles that move DDR data

    @property
    def ridge(self) -> float:
        """The intensity where the roofs meet."""
        return self.peak / self.ddr if self.ddr else 0.0

    def at(self, intensity: float) -> float:
        return min(self.peak, intensity * self.ddr) if self.ddr else self.peak


@dataclass
class Point:
    tile: str
    instances: list[str]
    ops: float
    bytes: float
    attained: float  # operations per second over the run
    bound: str

    @property
    def intensity(self) -> float:
        return self.ops / self.bytes if self.bytes else math.inf


def roofline(program, perf, profs: dict) -> tuple[Roofs, list[Point]] | None:
    """The roofs and a point per tile that multiplies; None when nothing does (or the target
    states no peak). ``profs``: the instances' ``passes.analysis.profiles``."""
    if not perf.macs or not perf.peak_macs_per_cycle or not perf.seconds:
        return None
    share = _ddr_shares(profs)
    refilled = {b.shard: b.ddr_bytes for b in l2.staged(program, perf, profs)}

    def from_ddr(a) -> float:  # a staged read's slices come from L2: DDR fills its buffer
        return a.bytes if a.stage is None else refilled.get(l2.shard_of(a), 0)

    work: dict[str, list[float]] = {}  # tile -> [ops, bytes]
    for key, t in perf.tiles.items():
        ops = sum(2 * profs[i].macs for i in t.instances)
        moved = sum(from_ddr(a) * share[a] for i in t.instances for a in profs[i].accesses)
        work[key] = [ops, moved]
    # an NPU's peak is its cores'; an FPGA's, its DSP slices', shared by the PEs that multiply
    tiles = len(program.target.compute_tiles()) if kind_of(program.target).physical_tiles else 0
    tiles = tiles or sum(1 for ops, _ in work.values() if ops)
    sharing = max(sum(1 for _, moved in work.values() if moved), 1)
    ddr = float(program.target.param("memory.dram_bytes_per_s", 0.0)) / sharing
    roofs = Roofs(2 * perf.peak_macs_per_cycle * perf.clock_hz / tiles, ddr, sharing)
    points = []
    for key, (ops, moved) in sorted(work.items(), key=lambda kv: _order(kv[0])):
        if not ops:
            continue
        intensity = ops / moved if moved else math.inf
        bound = COMPUTE_BOUND if not roofs.ddr or intensity >= roofs.ridge else DDR_BOUND
        instances = perf.tiles[key].instances
        points.append(Point(key, instances, ops, moved, ops / perf.seconds, bound))
    return roofs, points


def _ddr_shares(profs) -> dict:
    """Each access's share of the DDR traffic it causes: a window read by several instances
    is read from DDR once and broadcast (``passes/route_npu.py``), so each reader is charged
    its part; a write is its writer's."""
    readers: dict[tuple, int] = {}
    for prof in profs.values():
        for a in prof.accesses:
            if a.direction == "read":
                readers[(a.buffer, a.window)] = readers.get((a.buffer, a.window), 0) + 1
    return {
        a: 1.0 / readers[(a.buffer, a.window)] if a.direction == "read" else 1.0
        for prof in profs.values()
        for a in prof.accesses
    }


def _order(key: str):
    return tuple(int(x) for x in key.split(","))


def roofline_svg(program, perf, profs: dict) -> str:
    """The chart, or one line saying why there is none."""
    found = roofline(program, perf, profs)
    if found is None:
        return '<div class="dato-roofline">no multiply-accumulates to place on a roofline</div>'
    roofs, points = found
    finite = [p.intensity for p in points if p.bytes]
    x_lo = min(finite + [roofs.ridge or 1.0]) / 4
    x_hi = max(finite + [roofs.ridge or 1.0]) * 4
    y_lo = min(p.attained for p in points) / 4
    y_hi = roofs.peak * 2
    x_of = _log_scale(x_lo, x_hi, LEFT, RIGHT)
    y_of = _log_scale(y_lo, y_hi, BOTTOM, TOP)
    body = _axes(x_lo, x_hi, y_lo, y_hi, x_of, y_of)
    body += _roofs(roofs, x_lo, x_hi, y_lo, x_of, y_of)
    for p in points:
        x = x_of(p.intensity) if p.bytes else RIGHT
        share = p.attained / roofs.at(p.intensity)
        moved = f"{p.intensity:,.1f} ops per DDR byte" if p.bytes else "no DDR traffic of its own"
        tip = (
            f"tile {p.tile}: {', '.join(p.instances)}\n{moved}; {_si(p.attained)}op/s attained, "
            f"{share:.0%} of its roof: {p.bound}"
        )
        body.append(
            f'<circle data-point="{p.tile}" data-bound="{p.bound}" cx="{x:.1f}" '
            f'cy="{y_of(p.attained):.1f}" r="4" fill="{BOUND_COLORS[p.bound]}" '
            f'fill-opacity="0.75" stroke="#fff"><title>{escape(tip)}</title></circle>'
        )
    body += _legend(points, roofs)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}" font-size="11">'
        + "".join(body)
        + "</svg>"
    )


def _log_scale(lo: float, hi: float, a: float, b: float):
    span = math.log10(hi) - math.log10(lo)
    return lambda v: a + (b - a) * (math.log10(v) - math.log10(lo)) / span


def _si(value: float) -> str:
    """``1.23 G`` for 1.23e9: the unit follows."""
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}"
    return f"{value:.3g} "


def _axes(x_lo, x_hi, y_lo, y_hi, x_of, y_of) -> list[str]:
    out = [
        f'<rect x="{LEFT}" y="{TOP}" width="{RIGHT - LEFT}" height="{BOTTOM - TOP}" '
        'fill="#f8fafc" stroke="#e2e8f0"/>'
    ]
    for k in range(math.ceil(math.log10(x_lo)), math.floor(math.log10(x_hi)) + 1):
        x = x_of(10.0**k)
        out.append(
            f'<text x="{x:.1f}" y="{BOTTOM + 14}" fill="{MUTED}" text-anchor="middle">'
            f"{10.0**k:g}</text>"
        )
    for k in range(math.ceil(math.log10(y_lo)), math.floor(math.log10(y_hi)) + 1):
        y = y_of(10.0**k)
        out.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" fill="{MUTED}" text-anchor="end">'
            f"{_si(10.0**k).strip()}</text>"
        )
    out.append(
        f'<text x="{RIGHT}" y="{BOTTOM + 30}" fill="{MUTED}" text-anchor="end">'
        "operations per DDR byte</text>"
        f'<text x="{LEFT - 4}" y="{TOP - 14}" fill="{MUTED}" text-anchor="end">op/s</text>'
    )
    return out


def _roofs(roofs: Roofs, x_lo, x_hi, y_lo, x_of, y_of) -> list[str]:
    """The DDR slope up to the ridge, then the compute peak."""
    points = []
    if roofs.ddr:
        start = max(x_lo, y_lo / roofs.ddr)
        if start < roofs.ridge:
            points.append((start, roofs.at(start)))
        points.append((min(max(roofs.ridge, x_lo), x_hi), roofs.peak))
    else:
        points.append((x_lo, roofs.peak))
    points.append((x_hi, roofs.peak))
    line = " ".join(f"{x_of(x):.1f},{y_of(y):.1f}" for x, y in points)
    return [
        f'<polyline data-dato-roof="" points="{line}" fill="none" stroke="{STALL_OUT}" '
        'stroke-width="2"/>'
    ]


def _legend(points: list[Point], roofs: Roofs) -> list[str]:
    """What the roofs are, and how many points are bound by each."""
    ddr = f"DDR {_si(roofs.ddr * roofs.sharing)}B/s split {roofs.sharing} ways"
    out = [
        f'<text x="{LEFT}" y="12" fill="{INK}">per tile: peak {_si(roofs.peak)}op/s, {ddr}</text>'
    ]
    x = LEFT
    for bound in (COMPUTE_BOUND, DDR_BOUND):
        n = sum(1 for p in points if p.bound == bound)
        out.append(
            f'<circle cx="{x + 5}" cy="25" r="4" fill="{BOUND_COLORS[bound]}"/>'
            f'<text x="{x + 13}" y="29" fill="{INK}">{bound} ({n})</text>'
        )
        x += 130
    return out
