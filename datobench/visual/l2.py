"""The staged buffers of a run (``dato.stage``) in the workbench: one lane each in the
occupancy chart, and the L2 traffic line of the report.

A staged buffer holds ``depth`` panels of a shard (in a memory tile on an NPU, on-chip RAM on
an FPGA). The perf model records what each did (``PerfResult.l2``: a panel's refill from DDR,
each slice sent to its readers) and when each panel was let go (``PerfResult.staged``: its
last slice sent). A lane shows, per pixel column, how full the buffer was (the panels it held
over its depth), and in two bands the share of the column a refill was in flight (DDR -> L2,
the upper half) and a slice was being sent (L2 -> cores, the lower half); neither is idle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datobench.core.passes.resources import kib, memory_resource
from datobench.core.passes.staging import staged_buffers
from datobench.visual.buckets import covered_columns, union

REFILL, SERVE, HELD = "#7c3aed", "#0d9488", "#c7d2fe"  # DDR -> L2, L2 -> cores, a panel held


@dataclass
class StagedBuffer:
    """One staged buffer of a run: where it is, what it holds and what it did."""

    name: str  # the perf result's key: "B[0:512, 0:128] in (0, 1)"
    shard: str  # "B[0:512, 0:128]"
    tensor: str
    tile: tuple[int, int] | None  # its memory tile (None: the device's on-chip memory)
    capacity: int  # bytes of the memory holding it
    depth: int
    panel: tuple[int, ...]
    panel_bytes: int
    slice_bytes: float  # one slice sent to the readers (once for all of them: a broadcast)
    refills: np.ndarray  # (n, 2): each panel's load from DDR
    serves: np.ndarray  # (m, 2): each slice sent, in time order
    holds: np.ndarray  # (n, 2): each panel from its load's start until its last slice was sent
    parts: int = 1  # a panel held in parts (``dato.stage(..., parts=P)``), refilled part by part

    @property
    def bytes(self) -> int:
        return self.depth * self.panel_bytes

    @property
    def ddr_bytes(self) -> int:
        """What its refills read from DDR."""
        return len(self.refills) * self.panel_bytes

    @property
    def served_bytes(self) -> float:
        """What it sent its readers (a slice broadcast to several once)."""
        return len(self.serves) * self.slice_bytes

    @property
    def where(self) -> str:
        return f"memory tile {self.tile[0]},{self.tile[1]}" if self.tile else "on-chip memory"

    @property
    def label(self) -> str:
        """Memory tile, tensor, panel shape and depth (an FPGA's buffers, all in one on-chip
        memory, by their shard instead)."""
        if self.tile is None:
            return f"RAM {self.shard} x{self.depth}"
        place = f"{self.tile[0]},{self.tile[1]}"
        return f"L2 {place} {self.tensor} {'x'.join(map(str, self.panel))} x{self.depth}"

    @property
    def readers(self) -> str:
        return "cores" if self.tile else "PEs"

    def panel_at(self, cycle: float) -> int | None:
        """The load whose panel is the newest in the buffer at ``cycle`` (from 0), or None
        before the first."""
        k = int(np.searchsorted(self.refills[:, 0], cycle, side="right")) - 1
        return k if k >= 0 else None


def staged(program, perf, profs: dict) -> list[StagedBuffer]:
    """The run's staged buffers, in the order of the tiles holding them (``profs``: the
    instances' ``passes.analysis.profiles``)."""
    if not perf.l2:
        return []
    shards = {}
    for prof in profs.values():
        for a in prof.accesses:
            if a.stage is not None:
                shards.setdefault(shard_of(a), a)
    out = []
    for use in program.mapping.tiles.values():
        for shard, _ in staged_buffers(use):
            tile = tuple(use.tile) if use.kind != "device" else None
            name = f"{shard} in {tile}" if tile else shard
            if name not in perf.l2:
                continue
            a = shards[shard]
            out.append(_buffer(name, shard, tile, use.capacity[memory_resource(tile)], a, perf))
    return out


def shard_of(access) -> str:
    """The shard a staged access reads, as the mapper names its buffer: ``B[0:512, 0:128]``."""
    return f"{access.buffer}[{', '.join(f'{lo}:{hi}' for lo, hi in access.window)}]"


def _buffer(name, shard, tile, capacity, access, perf) -> StagedBuffer:
    spans = perf.l2[name]
    refills = np.array([(s, e) for s, e, _, kind in spans if kind == "refill"], float)
    serves = np.array([(s, e) for s, e, _, kind in spans if kind == "serve"], float)
    released = np.array([r for _, _, r in perf.staged.get(name, [])], float)
    slices = max(round(access.bytes / max(access.tile_bytes, 1)), 1)
    refills, serves = refills.reshape(-1, 2), serves.reshape(-1, 2)
    return StagedBuffer(
        name,
        shard,
        access.buffer,
        tile,
        capacity,
        access.stage.depth,
        tuple(int(p) for p in access.stage.panel),
        access.panel_bytes,
        access.bytes / slices,
        refills,
        serves,
        np.stack((refills[:, 0], released[: len(refills)]), axis=1),
        access.stage.parts if tile is not None else 1,  # an FPGA loads a panel whole
    )


def legend(bufs: list[StagedBuffer]) -> list[tuple[str, str]]:
    """The lanes' words and colours in the chart's legend."""
    level, readers = ("L2", "cores") if bufs[0].tile else ("RAM", "PEs")
    return [(f"DDR -> {level}", REFILL), (f"{level} -> {readers}", SERVE), ("panel held", HELD)]


def held_columns(buf: StagedBuffer, e: np.ndarray) -> np.ndarray:
    """The mean share of the buffer's depth holding a panel in each column between edges
    ``e``: panel k goes to buffer k mod depth, whose panels follow one another. A panel in
    parts starts loading into its first part while the one before is still sent from the
    others, so their holds overlap: the buffer is full then, not more."""
    held = np.zeros(len(e) - 1)
    for slot in range(buf.depth):
        held += covered_columns(union(buf.holds[slot :: buf.depth]), e)
    return held / buf.depth


def shares(buf: StagedBuffer, cycles: int) -> dict[str, float]:
    """The share of the run a refill was in flight, a slice was being sent, and neither."""
    refill, serve = union(buf.refills), union(buf.serves)
    either = union(np.concatenate((refill, serve)))
    total = max(cycles, 1)

    def length(spans):
        return float((spans[:, 1] - spans[:, 0]).sum()) / total

    return {"refill": length(refill), "serve": length(serve), "idle": 1.0 - length(either)}


def panel_text(buf: StagedBuffer, cycle: float | None) -> str:
    """What the label beside a lane says at the scrubber's cycle: the panel held then."""
    k = buf.panel_at(cycle) if cycle is not None else None
    return "empty" if k is None else f"p{k + 1}/{len(buf.refills)}"


def summary(buf: StagedBuffer, share: dict[str, float]) -> str:
    return (
        f"{buf.shard} staged in {buf.where}: panel {' x '.join(map(str, buf.panel))} "
        f"({kib(buf.panel_bytes)}), depth {buf.depth}{_in_parts(buf)}, {kib(buf.bytes)} of "
        f"{kib(buf.capacity)}; "
        f"{len(buf.refills):,} panels refilled from DDR ({buf.ddr_bytes / 1e6:,.2f} MB), "
        f"{buf.served_bytes / 1e6:,.2f} MB served to the {buf.readers}; refilling "
        f"{share['refill']:.1%} of the run, serving {share['serve']:.1%}, idle {share['idle']:.1%}"
    )


def _in_parts(buf: StagedBuffer) -> str:
    return f" in {buf.parts} parts refilled one by one" if buf.parts > 1 else ""


def band_tip(buf: StagedBuffer, kind: str, share: dict[str, float]) -> str:
    """The tooltip of a lane's refill ("refill") or serve band."""
    if kind == "refill":
        return (
            f"{buf.shard}: DDR -> {buf.where}, {len(buf.refills):,} panel refills"
            f"{_in_parts(buf)}, "
            f"{buf.ddr_bytes / 1e6:,.2f} MB; a refill in flight {share['refill']:.1%} of the run"
        )
    return (
        f"{buf.shard}: {buf.where} -> {buf.readers}, {len(buf.serves):,} slices, "
        f"{buf.served_bytes / 1e6:,.2f} MB; a slice being sent {share['serve']:.1%} of the run"
    )


def traffic_line(bufs: list[StagedBuffer]) -> str:
    """The report's line on L2: bytes served from the staged buffers beside the bytes their
    refills read from DDR; empty without staged buffers."""
    if not bufs:
        return ""
    served = sum(b.served_bytes for b in bufs)
    read = sum(b.ddr_bytes for b in bufs)
    level, where = ("L2", " in memory tiles") if bufs[0].tile else ("on-chip RAM", "")
    plural = "s" if len(bufs) != 1 else ""
    reuse = f": each byte read from DDR served {served / read:.1f} times" if read else ""
    return (
        f"{level}: {served / 1e6:,.2f} MB served to the {bufs[0].readers} from {len(bufs)} "
        f"staged buffer{plural}{where}, {read / 1e6:,.2f} MB read from DDR into them{reuse}"
    )


def served_line(bufs: list[StagedBuffer]) -> str:
    """The same in a few words, for the panel's one-line summary."""
    served = sum(b.served_bytes for b in bufs)
    read = sum(b.ddr_bytes for b in bufs)
    level = "L2" if bufs[0].tile else "on-chip RAM"
    return f"{level} served {served / 1e6:,.2f} MB for {read / 1e6:,.2f} MB read from DDR"
