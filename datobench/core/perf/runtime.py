"""Run-time state of the cycle-approximate simulator: tile clocks, channel timestamps and DMA
engines, and the functions that the timed generator code calls.

A tile's accumulator ``A`` is ``[clock, busy, stall_in, stall_out, segments, last_wait,
causes]``: the stall segments as ``(start, end, "in" | "out")`` and what each waited on, in
parallel lists, as the result reports them. Instances that share a tile (chained or bundled)
share it. Clocks only move forward.
"""

from __future__ import annotations

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

    def dread(self, engine: int, size: int, A: list):
        """A tile from DDR, double-buffered (see ``_claim``), or brought in already by another
        reader of the same window. The core waits for it (``_stall``, inline here and in
        ``dtry``: the read path is the simulator's hottest) and asks for it."""
        d = self.dmas[engine]
        ends = d.ends
        i = len(ends)
        end = d.shared[i] if i < len(d.shared) else self._claim(d, i, size)
        ends.append(end)
        clock = A[CLOCK]
        if end > clock:
            why = d.cause
            A[STALL_IN] += end - clock
            A[SEGMENTS].append((clock, end, "in"))
            A[CAUSES].append(why)
            A[CLOCK] = clock = end
            A[LAST_WAIT] = why
        d.requests.append(clock)

    def dtry(self, engine: int, size: int, A: list) -> bool:
        """``dread`` without the stop before it where none is needed, which is most of them: a
        tile that another reader of the window already brought in claims no DRAM, and the
        instance with the earliest clock may claim it. True, having done nothing, when the
        caller must first let earlier instances go (and then call ``dread``). For an instance
        alone on its tile only: instances sharing one take turns at every stop."""
        d = self.dmas[engine]
        ends = d.ends
        i = len(ends)
        clock = A[CLOCK]
        if i < len(d.shared):
            end = d.shared[i]
        elif clock >= self.earliest[0]:
            return True
        else:
            end = self._claim(d, i, size)
        ends.append(end)
        if end > clock:
            why = d.cause
            A[STALL_IN] += end - clock
            A[SEGMENTS].append((clock, end, "in"))
            A[CAUSES].append(why)
            A[CLOCK] = clock = end
            A[LAST_WAIT] = why
        d.requests.append(clock)
        return False

    def dtry_in_turn(self, engine: int, size: int, A: list) -> bool:
        """``dtry`` for instances that share a tile: stop wherever another instance goes first."""
        if A[CLOCK] >= self.earliest[0]:
            return True
        self.dread(engine, size, A)
        return False

    def _claim(self, d: DmaState, i: int, size: int) -> float:
        """Read transfer i through DRAM: it may start once tile i - 1 is in and the core has
        moved on from tile i - 2 (asked for tile i - 1); the window's other readers share it."""
        start = d.ends[-1] if i else 0.0
        if i >= 2 and d.requests[i - 1] > start:
            start = d.requests[i - 1]
        end = self.dram.transfer(start + d.timing.setup, size, d.port_rate)  # as ``_move``
        d.spans.append((start, end))
        if d.group is not None:
            d.group.ends.append(end)
        return end

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
