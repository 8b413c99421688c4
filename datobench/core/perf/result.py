"""What a performance run returns, and the derived views: FIFO occupancy and critical path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from datobench.core.errors import user_facing
from datobench.core.ir.mapping import Mapping, tile_key
from datobench.core.ir.program import Graph
from datobench.core.perf.runtime import CLOCK, LAST_WAIT, ChannelState
from datobench.core.perf.trace import write_trace
from datobench.core.sim.scheduler import left_at_exit


@dataclass
class TileTiming:
    instances: list[str]
    busy: int
    stall_in: int  # waiting for data: an empty stream or a DMA still arriving
    stall_out: int  # waiting for room: a full stream or both output buffers draining
    idle: int  # before it starts or after it finishes
    segments: list = field(default_factory=list, repr=False)  # (start, end, "in" | "out")
    # what each of ``segments`` waited on: a stream, or a DDR transfer (``engine_name``)
    waited_on: list[str] = field(default_factory=list, repr=False)
    # the segments as arrays, and the cycles waited on each cause: made once, on first use
    _arrays: tuple | None = field(default=None, init=False, repr=False, compare=False)
    _waits: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def total(self) -> int:
        return self.busy + self.stall_in + self.stall_out + self.idle

    def segment_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stall segments' starts, ends and whether each waited for input, as arrays:
        a long run's tile has hundreds of thousands, which every chart and each scrubber
        step read."""
        n = len(self.segments)
        if self._arrays is None or len(self._arrays[0]) != n:
            starts = np.fromiter((s[0] for s in self.segments), float, count=n)
            stops = np.fromiter((s[1] for s in self.segments), float, count=n)
            waits_in = np.fromiter((s[2] == "in" for s in self.segments), bool, count=n)
            self._arrays = (starts, stops, waits_in)
        return self._arrays

    def waits(self) -> dict[str, dict[str, float]]:
        """Cycles waited on each stream (or DDR transfer), for "in" and for "out"."""
        if self._waits is None:
            out: dict[str, dict[str, float]] = {"in": {}, "out": {}}
            for (start, stop, kind), why in zip(self.segments, self.waited_on):
                book = out[kind]
                book[why] = book.get(why, 0.0) + stop - start
            self._waits = out
        return self._waits

    @property
    def ddr_wait(self) -> float:
        """Cycles stalled on DDR transfers (not on streams): the tile waiting on memory."""
        return sum(c for book in self.waits().values() for w, c in book.items() if is_engine(w))

    def state_at(self, cycle: float) -> str:
        """The state at ``cycle`` ("busy", "in", "out" or "idle"): the stall in force then,
        else busy until the clock stops. A binary search: the scrubber asks at each release."""
        starts, stops, waits_in = self.segment_arrays()
        i = int(np.searchsorted(starts, cycle, side="right")) - 1
        if i >= 0 and cycle < stops[i]:
            return "in" if waits_in[i] else "out"
        return "busy" if cycle < self.busy + self.stall_in + self.stall_out else "idle"


@dataclass
class PerfResult:
    """What a timed run found; ``str()`` is the full per-tile table, ``summary()`` one line."""

    backend: ClassVar[str] = "perf"
    cycles: int
    seconds: float
    clock_hz: float
    macs: int
    peak_macs_per_cycle: float
    utilization: float  # MACs / (cycles x the target's peak MACs per cycle for their type)
    tiles: dict[str, TileTiming]  # "column,row" -> busy/stall/idle cycles
    channels: dict[str, list[tuple[int, int]]]  # name -> (cycle, fill) change points
    critical_path: list[str]  # instances and channels, from the end backwards
    events: int
    dram_bytes: int
    leftover: dict[str, int] = field(default_factory=dict)  # elements left in FIFOs at exit
    dma: dict[str, list] = field(default_factory=dict)  # engine -> (start, end) per transfer
    # ``channels`` as numpy arrays (cycles, fills), for charts of long runs
    fill_arrays: dict = field(default_factory=dict, repr=False, compare=False)
    # staged buffer -> (load start, load end, last slice sent) per panel it held
    staged: dict[str, list] = field(default_factory=dict)
    # what DRAM moved: as ``dram_bytes``, but a window broadcast to its readers counted once
    dram_moved: int = 0
    # staged buffer -> (start, stop, panel, "refill" | "serve") in time order (perf/staging.py)
    l2: dict[str, list] = field(default_factory=dict)

    @property
    def macs_per_cycle(self) -> float:
        return self.macs / self.cycles if self.cycles else 0.0

    def summary(self) -> str:
        return (
            f"PerfResult({self.cycles:,} cycles = {self.seconds * 1e6:,.2f} us, "
            f"{self.utilization:.1%} of peak{left_at_exit(self.leftover)})"
        )

    def __str__(self) -> str:
        lines = [
            f"{self.cycles:,} cycles = {self.seconds * 1e6:,.2f} us at "
            f"{self.clock_hz / 1e9:g} GHz; {self.macs:,} MACs, {self.macs_per_cycle:,.1f} "
            f"MAC/cycle, {self.utilization:.1%} of peak ({self.peak_macs_per_cycle:,.0f})",
            f"critical path: {' <- '.join(self.critical_path)}",
        ]
        if self.leftover:
            lines.append(left_at_exit(self.leftover, shown=8)[2:])
        width = max((len(k) for k in self.tiles), default=4)
        lines.append(
            f"{'tile':<{width}}  {'busy':>10} {'stall in':>10} {'stall out':>10} "
            f"{'idle':>10}  instances"
        )
        for key, t in sorted(self.tiles.items(), key=lambda kv: _order(kv[0])):
            names = ", ".join(t.instances[:4]) + (" ..." if len(t.instances) > 4 else "")
            lines.append(
                f"{key:<{width}}  {t.busy:>10,} {t.stall_in:>10,} {t.stall_out:>10,} "
                f"{t.idle:>10,}  {names}"
            )
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    @user_facing
    def trace(self, path) -> Path:
        """Write the run as Chrome/Perfetto trace-event JSON (open it in ui.perfetto.dev): a
        track per tile and per DMA engine, each stream's fill as a counter. Returns the path."""
        return write_trace(self, path)


def engine_name(instance: str, param: str, direction: str) -> str:
    """A DMA engine as a trace track and a stall's cause: which way its data goes."""
    return f"DDR -> {instance}.{param}" if direction == "read" else f"{instance}.{param} -> DDR"


def is_engine(name: str) -> bool:
    """Whether a stall's cause (``TileTiming.waited_on``) is a DMA engine rather than a
    stream."""
    return name.startswith("DDR -> ") or name.endswith(" -> DDR")


def named_segments(causes: list, channels: list[str], engines: list[str]) -> list[str]:
    """What each of a tile's stall segments waited on, by name (the runtime books a channel
    slot or ("dma", engine)); a long run has millions of segments but few distinct causes."""
    names = {w: engines[w[1]] if isinstance(w, tuple) else channels[w] for w in set(causes)}
    return list(map(names.__getitem__, causes))


def _order(key: str):
    return tuple(int(x) for x in key.split(","))


def fill_history(ch: ChannelState) -> tuple[np.ndarray, np.ndarray]:
    """A channel's fill level change points as arrays (cycles, fills): +1 when an element is
    put, -1 when it is got (a get before a put at the same time); of the changes within one
    cycle, the last. In numpy: a long run has millions."""
    times = np.concatenate((np.asarray(ch.put_times, float), np.asarray(ch.taken, float)))
    delta = np.concatenate(
        (np.ones(len(ch.put_times), np.int64), np.full(len(ch.taken), -1, np.int64))
    )
    order = np.lexsort((delta, times))
    fill = np.cumsum(delta[order])
    cycle = times[order].astype(np.int64)
    last = np.append(cycle[1:] != cycle[:-1], True) if len(cycle) else np.zeros(0, bool)
    return cycle[last], fill[last]


def occupancy(history: tuple[np.ndarray, np.ndarray]) -> list[tuple[int, int]]:
    """The change points as (cycle, fill) pairs."""
    return list(zip(history[0].tolist(), history[1].tolist()))


def critical_path(graph: Graph, mapping: Mapping, tiles: dict, runtime, limit: int = 64):
    """From the tile that finishes last, follow what each one last waited for."""
    if not tiles:
        return []
    producer_of = {n: c.producer for n, c in enumerate(graph.channels)}
    channel_name = {n: c.name for n, c in enumerate(graph.channels)}
    key = max(tiles, key=lambda k: tiles[k][CLOCK])
    path, seen = [], set()
    while key not in seen and len(path) < limit:
        seen.add(key)
        names = [i for i, t in mapping.placement.items() if tile_key(t) == key]
        path.append("+".join(names))
        why = tiles[key][LAST_WAIT]
        if why is None:
            break
        if isinstance(why, tuple):  # a DMA engine
            path.append("DDR")
            break
        path.append(channel_name[why])
        key = tile_key(mapping.placement[producer_of[why]])
    return path
