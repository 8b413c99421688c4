"""Run-time state of the cycle-approximate simulator: tile clocks, channel timestamps and DMA
engines, and the functions that the timed generator code calls.

A tile's accumulator ``A`` is ``[clock, busy, stall_in, stall_out, segments, last_wait,
causes]``: the stall segments as ``(start, end, "in" | "out")`` and what each waited on, in
parallel lists, as the result reports them. Instances that share a tile (chained or bundled)
share it. Clocks only move forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from datobench.core.perf.cost import ChannelTiming, DmaTiming
from datobench.core.perf.dram import DramCalendar

CLOCK, BUSY, STALL_IN, STALL_OUT, SEGMENTS, LAST_WAIT, CAUSES = range(7)


def new_accumulator() -> list:
    return [0.0, 0.0, 0.0, 0.0, [], None, []]


def _stall(A: list, until: float, kind: int, why):
    """Move the clock forward to ``until`` and book the wait (and what it waited on: a channel
    slot or ``("dma", engine)``)."""
    A[kind] += until - A[CLOCK]
    A[SEGMENTS].append((A[CLOCK], until, "in" if kind == STALL_IN else "out"))
    A[CAUSES].append(why)
    A[CLOCK] = until
    if kind == STALL_IN:
        A[LAST_WAIT] = why


@dataclass
class ChannelState:
    timing: ChannelTiming
    depth: int
    arrivals: list = field(default_factory=list)  # when element k is available to the consumer
    taken: list = field(default_factory=list)  # when element k was got
    put_times: list = field(default_factory=list)  # when element k was put
    link_free: float = 0.0


@dataclass
class ReadGroup:
    """One DDR window broadcast to several readers: DRAM is read once per tile."""

    ends: list = field(default_factory=list)


@dataclass
class DmaState:
    timing: DmaTiming
    direction: str
    group: ReadGroup | None = None
    cause: tuple = ()  # ("dma", engine), what a wait for it is booked as: one tuple for all
    ends: list = field(default_factory=list)  # when transfer i finished
    requests: list = field(default_factory=list)  # when the core asked for / handed over tile i
    spans: list = field(default_factory=list)  # (start, end) of each transfer it made

    def __post_init__(self):
        self.port_rate = 1.0 / self.timing.cycles_per_byte  # bytes per cycle
        # the tiles brought in for the group so far (none without one), for the read path
        self.shared = self.group.ends if self.group is not None else []


class Runtime:
    def __init__(self, channels: list[ChannelState], dram: DramCalendar):
        self.channels = channels
        self.dram = dram
        self.dmas: list[DmaState] = []
        self.earliest = [0.0]  # the clock at which another instance goes first (drive_in_time)

    def tput(self, slot: int, A: list):
        ch = self.channels[slot]
        k = len(ch.put_times)
        if k >= ch.depth:  # wait for the credit of the element depth places back
            free = ch.taken[k - ch.depth] + ch.timing.get_cycles
            if free > A[CLOCK]:
                _stall(A, free, STALL_OUT, slot)
        t = A[CLOCK]
        ch.put_times.append(t)
        start = max(t, ch.link_free)
        ch.link_free = start + ch.timing.transfer
        ch.arrivals.append(ch.link_free + ch.timing.latency)

    def tget(self, slot: int, A: list):
        ch = self.channels[slot]
        ready = ch.arrivals[len(ch.taken)]
        if ready > A[CLOCK]:
            _stall(A, ready, STALL_IN, slot)
        A[CLOCK] += ch.timing.get_cycles
        A[BUSY] += ch.timing.get_cycles
        ch.taken.append(A[CLOCK])

    def reader(self, engine: int, A: list) -> Callable[[int], None]:
        """The read of a tile from DDR through ``engine`` into the tile whose accumulator is
        ``A``, as ``read(bytes)``: double-buffered (transfer i may start once tile i - 1 is in
        and the core has moved on from tile i - 2, i.e. asked for tile i - 1), or brought in
        already by another reader of the same window (the group's tiles so far). The core waits
        for it (``_stall``, inline: the read path is the simulator's hottest, so what it uses is
        bound here once) and asks for it."""
        d = self.dmas[engine]
        ends, shared, requests, spans = d.ends, d.shared, d.requests, d.spans
        group = d.group.ends if d.group is not None else None  # ``shared`` itself then
        transfer, setup, port_rate, why = self.dram.transfer, d.timing.setup, d.port_rate, d.cause
        segments, causes = A[SEGMENTS], A[CAUSES]

        def read(size: int):
            i = len(ends)
            if i < len(shared):
                end = shared[i]
            else:  # through DRAM, as ``_move``
                start = ends[-1] if i else 0.0
                if i >= 2 and requests[i - 1] > start:
                    start = requests[i - 1]
                end = transfer(start + setup, size, port_rate)
                spans.append((start, end))
                if group is not None:
                    group.append(end)
            ends.append(end)
            clock = A[CLOCK]
            if end > clock:
                A[STALL_IN] += end - clock
                segments.append((clock, end, "in"))
                causes.append(why)
                A[CLOCK] = clock = end
                A[LAST_WAIT] = why
            requests.append(clock)

        return read

    def dwrite(self, engine: int, size: int, A: list):
        """A tile to DDR. Written from a local tensor, the DMA reads it in place (``dwait``
        holds back the next write to it); otherwise from a ping-pong pair of buffers, and the
        core waits only if both are still draining."""
        d = self.dmas[engine]
        i = len(d.ends)
        if i >= 2 and d.ends[i - 2] > A[CLOCK]:
            _stall(A, d.ends[i - 2], STALL_OUT, ("dma", engine))
        start = max(A[CLOCK], d.ends[-1] if d.ends else 0.0)
        d.requests.append(A[CLOCK])
        d.ends.append(self._move(start, size, d))

    def dwait(self, engine: int, A: list, depth: int = 1):
        """Wait until a local tensor written in place can be written again: its object is
        free once the engine has drained the write ``depth`` back (the last one at depth 1;
        at ``dato.writeback(depth=2)`` the one before, the core meanwhile in the other)."""
        d = self.dmas[engine]
        if len(d.ends) >= depth and d.ends[-depth] > A[CLOCK]:
            _stall(A, d.ends[-depth], STALL_OUT, d.cause)

    def _move(self, start: float, size: int, d: DmaState) -> float:
        end = self.dram.transfer(start + d.timing.setup, size, d.port_rate)
        d.spans.append((start, end))
        return end
