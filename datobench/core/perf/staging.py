"""Staged panels in the timed simulator (``dato.stage``).

A group of readers that share a shard of a staged parameter shares one buffer of ``depth``
panels (in its memory tile on an NPU, on-chip RAM on an FPGA). DDR is read for a panel only
when the group's reads move to a panel the buffer does not hold; the readers then take their
slices from the buffer: on an NPU over the memory tile's DMA (a stream-switch port's rate,
sharing the memory tile's read bandwidth with the other buffers there), on an FPGA by indexing
the on-chip RAM (no transfer of its own).

``depth=1``: the next panel loads only once the last slice of the current one has been sent
(every reader is done with it), so a reader asking for the next panel waits for the whole
refill. ``depth=2``: the next panel loads while the current one is read, once the panel before
it has been sent (the load is booked from that time on, in DRAM's calendar).

``parts=P`` (depth 1): the panel is held as P parts along its first dimension, each with its
own lock pair in the design, so part j of the next panel loads once the last slice of part j of
this one has been sent (one channel fills the parts in turn); a reader waits only for the part
its slice is in. On an FPGA the panel is loaded whole into on-chip RAM, parts or not.

As a DDR read, a slice is double-buffered in the reader (``Runtime.reader``), and the readers of
a group that read the same slices in the same order share them (a broadcast).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datobench.core.errors import CapabilityError
from datobench.core.ir.effects import Transfer, transfers
from datobench.core.ir.nodes import Binary, Const, Pid, Stmt, Unary, Var, children, stmt_exprs
from datobench.core.ir.staging import param_reads, read_name, slice_bounds
from datobench.core.ir.types import index
from datobench.core.perf.runtime import CLOCK, STALL_IN, DramCalendar, _stall
from datobench.core.targets import MEM


@dataclass(eq=False)
class PanelBuffer:
    """The staged buffer of one group of readers, and the panels it held over the run."""

    name: str  # "B[0:64, 0:32] in (0, 1)": the shard and where it is held
    depth: int
    panel_bytes: int
    l2: DramCalendar | None  # the memory tile's read bandwidth (None: on-chip RAM)
    parts: int = 1
    panels: list = field(default_factory=list)  # the panel index of each load, in order
    loads: list = field(default_factory=list)  # (start, end) of each load
    part_ends: list = field(default_factory=list)  # parts > 1: when each part held is in
    part_sent: list = field(default_factory=list)  # parts > 1: each part's last slice sent
    released: list = field(default_factory=list)  # when the last slice of each panel was sent
    served: list = field(default_factory=list)  # (start, end, load) of each slice it sent
    last_sent: float = 0.0


class Staging:
    """The staged buffers of a timed run and ``read``, the timed code's ``sread``."""

    def __init__(self, runtime, cost, program, engines: list, profs: dict):
        self.runtime = runtime
        self.dma = cost.dma()
        target, mapping = program.target, program.mapping
        l2_rate = target.param(f"tile.{MEM}.read_bytes_per_s", 0.0) / target.clock_hz
        calendars: dict[int, DramCalendar] = {}
        self.buffers: list[PanelBuffer | None] = []
        shared: dict = {}  # group key -> its buffer
        for inst, param, direction, key, _ in engines:
            access = next(
                a for a in profs[inst].accesses if a.param == param and a.direction == direction
            )
            if access.stage is None:
                self.buffers.append(None)
                continue
            if (key, access.stage) not in shared:
                col = _column(mapping, access)
                l2 = None
                if l2_rate:
                    l2 = calendars.setdefault(col, DramCalendar(l2_rate))
                shard = ", ".join(f"{lo}:{hi}" for lo, hi in access.window)
                where = f" in {target.mem_tile(col)}" if l2 is not None else ""
                shared[(key, access.stage)] = PanelBuffer(
                    f"{access.buffer}[{shard}]{where}",
                    access.stage.depth,
                    access.panel_bytes,
                    l2,
                    access.stage.parts if col >= 0 else 1,  # an FPGA loads a panel whole
                )
            self.buffers.append(shared[(key, access.stage)])
        self.staged = list(shared.values())

    def read(self, engine: int, panel: tuple, size: int, A: list, first: int = 0, last: int = 0):
        """Slice ``i`` of a staged read in ``panel`` (in its parts ``first`` to ``last`` when
        the panel is held in parts): from the buffer once the panel (those parts) is in,
        double-buffered in the reader as a DDR read is."""
        d = self.runtime.dmas[engine]
        buf = self.buffers[engine]
        ends, group = d.ends, d.group
        i = len(ends)
        if group is not None and i < len(group.ends):
            end = group.ends[i]  # another reader of the group was sent this slice too
        else:
            loaded = self._loaded(buf, panel)
            if buf.parts > 1:
                loaded = max(buf.part_ends[first : last + 1])
            start = max(ends[-1] if i else 0.0, loaded)
            if i >= 2:
                start = max(start, d.requests[i - 1])
            end = start
            if buf.l2 is not None:
                end = buf.l2.transfer(start + self.dma.setup, size, 1.0 / self.dma.cycles_per_byte)
            d.spans.append((start, end))
            buf.served.append((start, end, len(buf.panels) - 1))
            buf.last_sent = max(buf.last_sent, end)
            if buf.parts > 1:
                sent = buf.part_sent
                for j in range(first, last + 1):
                    sent[j] = max(sent[j], end)
            if group is not None:
                group.ends.append(end)
        ends.append(end)
        if end > A[CLOCK]:
            _stall(A, end, STALL_IN, ("dma", engine))
        d.requests.append(A[CLOCK])

    def _loaded(self, buf: PanelBuffer, panel: tuple) -> float:
        """When ``panel`` is in the buffer, loading it from DDR if it is not the one held."""
        if buf.panels and buf.panels[-1] == panel:
            return buf.loads[-1][1]
        n = len(buf.panels)
        start = 0.0
        if n:
            buf.released.append(buf.last_sent)  # the group has moved on from panel n - 1
            start = buf.loads[-1][1]  # one channel fills the buffer, a panel at a time
        rate = 1.0 / self.dma.cycles_per_byte
        if buf.parts > 1:
            return self._load_parts(buf, panel, start, rate)
        if n >= buf.depth:  # the buffer the panel goes to is free once its panel is sent
            start = max(start, buf.released[n - buf.depth])
        end = self.runtime.dram.transfer(start + self.dma.setup, buf.panel_bytes, rate)
        buf.panels.append(panel)
        buf.loads.append((start, end))
        return end

    def _load_parts(self, buf: PanelBuffer, panel: tuple, start: float, rate: float) -> float:
        """Load ``panel`` part by part, each into its part of the buffer once the held panel's
        part there has been sent for the last time (the readers have moved on from it, so
        every send of it is known by now); one channel fills the parts in turn."""
        sent = buf.part_sent if buf.panels else [0.0] * buf.parts
        part_bytes = buf.panel_bytes / buf.parts
        ends, at = [], start
        for j in range(buf.parts):
            at = max(at, sent[j])
            if j == 0:
                start = at
            at = self.runtime.dram.transfer(at + self.dma.setup, part_bytes, rate)
            ends.append(at)
        buf.panels.append(panel)
        buf.loads.append((start, at))
        buf.part_ends = ends
        buf.part_sent = [0.0] * buf.parts
        return at

    def dram_bytes(self, engines: list, profs: dict) -> tuple[int, int]:
        """DDR bytes of the run: (transferred, moved). Transferred counts each instance's DDR
        transfers (as the functional simulator does: a window broadcast to four readers four
        times) and each staged panel load once; moved is what DRAM itself moved, each broadcast
        transfer once (an engine's own transfers, not those it shared with its group)."""
        panels = sum(len(b.loads) * b.panel_bytes for b in self.staged)
        transferred = moved = panels
        for (inst, param, direction, _, _), d, buf in zip(engines, self.runtime.dmas, self.buffers):
            if buf is not None or not d.ends:
                continue
            access = next(
                a for a in profs[inst].accesses if a.param == param and a.direction == direction
            )
            transferred += access.bytes
            moved += round(access.bytes * len(d.spans) / len(d.ends))
        return transferred, moved

    def fills(self) -> dict[str, list[tuple[float, float, float]]]:
        """Per staged buffer, each panel it held: (load start, load end, last slice sent)."""
        out = {}
        for b in self.staged:
            released = [*b.released, b.last_sent]
            out[b.name] = [(s, e, r) for (s, e), r in zip(b.loads, released)]
        return out

    def spans(self) -> dict[str, list[tuple[float, float, int, str]]]:
        """Per staged buffer, what it did over the run, in time order: (start, stop, panel,
        kind), kind "refill" for a panel's load from DDR and "serve" for a slice sent to the
        readers (a broadcast once), ``panel`` the load it belongs to, counted from 0."""
        out = {}
        for b in self.staged:
            refills = [(s, e, k, "refill") for k, (s, e) in enumerate(b.loads)]
            serves = [(s, e, k, "serve") for s, e, k in b.served]
            out[b.name] = sorted(refills + serves)
        return out


def _column(mapping, access) -> int:
    """The column whose memory tile holds a staged shard (-1 on an FPGA)."""
    window = [list(w) for w in access.window]
    return next(
        o.column
        for o in mapping.offchip
        if o.buffer == access.buffer
        and o.direction == "read"
        and access.instance in o.instances
        and (o.window == window or o.column < 0)
    )


def staged_panels(lowerer, s: Stmt, values: bool) -> list[tuple[Transfer, str | None]]:
    """The DDR reads of a statement, each with the Python text of the arguments of the timed
    code's ``sread`` after the engine when it reads a staged parameter (None otherwise): its
    panel's index, its bytes and, for a panel held in parts, the first and last part it
    reads."""
    reads = [r for x in stmt_exprs(s) for r in param_reads(x)]
    out = []
    for t, read in zip((t for t in transfers(s) if t.direction == "read"), reads):
        stage = lowerer.inst_stages.get(read_name(read))
        if stage is None:
            out.append((t, None))
            continue
        parts = []
        for (start, _), size in zip(slice_bounds(read), stage.panel):
            if not values and not _index_only(start):
                raise CapabilityError(
                    f"in instance '{lowerer.inst.name}': timing without values (values=False) "
                    f"cannot follow which panel of staged '{read_name(read)}' a read computed "
                    "from data takes; run with values=True",
                    s.loc,
                )
            parts.append(f"({lowerer.expr(start)}) // {size}")
        args = f"({', '.join(parts)},), {t.bytes}, A"
        if stage.parts > 1:  # which parts of the panel, along its first dimension
            (start, length), rows = slice_bounds(read)[0], stage.panel[0] // stage.parts
            at = f"({lowerer.expr(start)}) % {stage.panel[0]}"
            args += f", ({at}) // {rows}, ({at} + {length - 1}) // {rows}"
        out.append((t, args))
    return out


def _index_only(e) -> bool:
    """Is a slice's start computed from indices only (which timing without values keeps)?"""
    if isinstance(e, (Const, Pid)):
        return True
    if isinstance(e, Var):
        return e.type == index
    if isinstance(e, (Binary, Unary)):
        return all(_index_only(c) for c in children(e))
    return False
