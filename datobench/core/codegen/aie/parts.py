"""A staged panel held in parts (``dato.stage(..., parts=P)``), written as hand DMA.

With one buffer the memory tile sends the whole panel r times (once per pass of its readers)
and only then can DDR refill it (``stage.py``). Held as P parts along its first dimension,
each with a lock pair of its own, part j of the next panel is written as soon as the last
pass has sent part j of this one, so the refill hides behind the last pass. An object FIFO
link cannot say this (its ``repeat_count`` repeats each buffer r times in a row, not the
cycle of P buffers r times), so the design writes it out:

- the shim channel the runtime sequence drives, as ``aie.shim_dma_allocation`` under the
  panel FIFO's name (the sequence is unchanged);
- in the memory tile, P part buffers with a lock pair each (prod ``init = r``), an S2MM chain
  filling the parts in turn (take r, give r) and an MM2S chain sending them in turn (take 1,
  give 1), forever; a part's MM2S descriptor carries its share of the panel's ``toStream``
  pattern when the slices walk across the panel;
- in each reader, ping-pong buffers, a lock pair and an S2MM chain of two descriptors; its core
  takes slice k from the buffer of k's parity, counted in a ``memref<1xi32>`` of the tile;
- a circuit-switched flow from the shim to the memory tile and one to each reader.

Numbering: mlir-aie's objectFifo transform (AIEObjectFifoStatefulTransform.cpp,
``LockAnalysis`` and ``DMAChannelAnalysis``) marks the lock ids of every ``aie.lock`` and the
channels of every ``aie.dma_start`` already in the device before it allocates its own, first
free from 0. Releases of 2025 do not see a ``shim_dma_allocation`` or a flow's channel, so the
shim's and the readers' hand channels are taken from the top of each tile's range down: the
ledger keeps a tile's channels within its count, so the object FIFOs' first-free channels
never reach them. A memory tile's two hand channels per panel are chosen with its BD pools in
view (``passes/bd_pools.py``: even channels draw BDs 0-23, odd ones 24-47): given the channels
its object FIFOs will then take, the highest channels that keep both pools within their 24
(a fill on an odd channel and a send on an even one, when the odd pool is full), the mapper's
ledger making the same choice (``passes/route_npu.py``). Lock ids go from 0 up (every release
skips hand locks). The transform adds its own channels to the
``aie.memtile_dma``/``aie.mem`` a tile already has (``createMemTileDMA`` finds it and inserts
before its end block, relinking the end block's single predecessor, the last
``dma_start``), so each tile gets one region with every parted panel's chains, ending in one
``aie.end`` block.

``aie.dma_bd`` counts offset, length and its dimensions' sizes and strides in elements of the
buffer's element type (``AIEDialect.cpp`` scales them to 32-bit words when lowering), as
``toStream`` does, so a part's pattern is ``panel_order.stream_pattern`` of its elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from datobench.core.codegen.aie import types
from datobench.core.codegen.aie.emu_fifo import layout_index
from datobench.core.codegen.aie.panel_order import stream_pattern
from datobench.core.errors import CapabilityError, InternalError
from datobench.core.ir.mapping import Tile
from datobench.core.passes.bd_pools import hand_channels, pool_size

MAX_LOCK_VALUE = 63  # AIE-ML locks count 0..63


@dataclass
class Reader:
    """A reading core's side: its ping-pong buffers, lock pair, S2MM channel and the count of
    the slices it has taken (their parity picks the buffer)."""

    tile: Tile
    buffers: tuple[str, str]
    prod: tuple[str, int]  # symbol, lock id
    cons: tuple[str, int]
    channel: int
    count: str


@dataclass
class PartedPanel:
    panel: str  # the shim symbol the runtime sequence names
    window: str  # the slices' name, which the cores look up
    shim: Tile
    mem: Tile
    dtype: object
    slice_shape: tuple[int, ...]
    part_size: int  # elements
    passes: int  # r: sends of every part per visit
    patterns: list[tuple[tuple[int, int], ...]]  # each part's MM2S dimensions
    shim_channel: int
    mem_in: int
    mem_out: int
    parts: list[tuple[str, tuple[str, int], tuple[str, int]]] = field(default_factory=list)
    readers: list[Reader] = field(default_factory=list)

    @property
    def part_type(self) -> str:
        return types.memref((self.part_size,), self.dtype)

    @property
    def slice_type(self) -> str:
        return types.memref(self.slice_shape, self.dtype)

    def reader(self, tile: Tile) -> Reader:
        return next(r for r in self.readers if r.tile == tuple(tile))


def part_patterns(pattern, panel, shape, parts: int, itemsize: int, what: str, loc):
    """Each part's MM2S pattern, from one pass's pattern over the whole panel: the slices of
    a pass must fall in one part each and take the parts in order."""
    size = int(np.prod(panel))
    part_size, per_slice = size // parts, int(np.prod(shape))
    order = layout_index(pattern).tolist() if pattern else list(range(size))
    chunks = [order[k : k + per_slice] for k in range(0, size, per_slice)]
    owner = []
    for chunk in chunks:
        held = {i // part_size for i in chunk}
        if len(held) > 1:
            raise CapabilityError(
                f"{what}: a slice {list(shape)} of the panel {list(panel)} lies in parts "
                f"{sorted(held)} of {parts}; every slice must lie in one part (use a parts "
                "count whose parts hold whole slices)",
                loc,
            )
        owner.append(held.pop())
    if owner != sorted(owner):  # stage.check_readers admits only orders that walk down the parts
        raise InternalError(
            f"{what}: the slices {list(shape)} of the panel {list(panel)} take its {parts} "
            "parts out of turn, in an order the staging checks should have refused",
            loc,
        )
    out = []
    part_panel = (panel[0] // parts, *panel[1:])
    for j in range(parts):
        sub = [i - j * part_size for c, o in zip(chunks, owner) if o == j for i in c]
        dims = stream_pattern(sub, part_panel, shape, itemsize)
        if dims is None:  # a part of a pattern the staging checks admitted is as regular
            raise InternalError(
                f"{what}: no buffer descriptor sends part {j} of the panel {list(panel)} in "
                "the order its readers take it, though one sends the whole panel",
                loc,
            )
        out.append(dims)
    return out


def check_passes(passes: int, what: str, loc):
    if passes > MAX_LOCK_VALUE:
        raise CapabilityError(
            f"{what}: its readers read each panel {passes} times, but a part's lock counts "
            f"its sends and holds at most {MAX_LOCK_VALUE}; read the panel at most "
            f"{MAX_LOCK_VALUE} times per visit (a larger panel's slices, or fewer passes)",
            loc,
        )


class Numbering:
    """Hand lock ids (from 0 up) and DMA channels (from the top down) per tile."""

    def __init__(self, target):
        self.target = target
        self.locks: dict[Tile, int] = {}
        self.channels: dict[tuple[Tile, str], int] = {}

    def lock(self, tile: Tile) -> int:
        n = self.locks.get(tile, 0)
        self.locks[tile] = n + 1
        return n

    def channel(self, tile: Tile, direction: str) -> int:
        spec = self.target.tiles[self.target.tile_kind(*tile)]
        top = spec.dma_in if direction == "S2MM" else spec.dma_out
        n = self.channels.get((tile, direction), top)
        self.channels[(tile, direction)] = n - 1
        return n - 1


def build(plan, numbering: Numbering, names: dict, readers: list[Tile]) -> PartedPanel:
    """The hand DMA of one parted panel; ``names`` has the planner's fields."""
    sym = plan.symbols
    mem, shim = names["mem"], names["shim"]
    pp = PartedPanel(
        names["panel"],
        names["window"],
        shim,
        mem,
        names["dtype"],
        names["shape"],
        names["part_size"],
        names["passes"],
        names["patterns"],
        numbering.channel(shim, "MM2S"),
        -1,  # the memory tile's channels: ``memory_tile_channels``, once its FIFOs are known
        -1,
    )
    for j in range(len(pp.patterns)):
        buf = sym.new(f"{pp.panel}_p{j}")
        prod = (sym.new(f"{buf}_prod"), numbering.lock(mem))
        cons = (sym.new(f"{buf}_cons"), numbering.lock(mem))
        pp.parts.append((buf, prod, cons))
    for tile in readers:
        base = f"{pp.window}_cons_{tile[0]}_{tile[1]}"
        bufs = (sym.new(f"{base}_buff_0"), sym.new(f"{base}_buff_1"))
        prod = (sym.new(f"{base}_prod"), numbering.lock(tile))
        cons = (sym.new(f"{base}_cons"), numbering.lock(tile))
        count = sym.new(f"{base}_taken")
        pp.readers.append(
            Reader(tuple(tile), bufs, prod, cons, numbering.channel(tile, "S2MM"), count)
        )
    return pp


def memory_tile_channels(plan, target) -> None:
    """Each memory tile's hand channels (``bd_pools.hand_channels``), from the object FIFO
    ends the design declares there, in order, and the parted panels' two chains each."""
    spec = target.tiles["mem"]
    counts = {"S2MM": spec.dma_in, "MM2S": spec.dma_out}
    for mem in dict.fromkeys(pp.mem for pp in plan.parted.values()):
        panels = [pp for pp in plan.parted.values() if pp.mem == mem]
        hand = [e for pp in panels for e in (("S2MM", len(pp.parts)), ("MM2S", len(pp.parts)))]
        channels = hand_channels(
            fifo_ends(plan, mem), hand, counts, pool_size(spec.buffer_descriptors)
        )
        for k, pp in enumerate(panels):
            pp.mem_in, pp.mem_out = channels[2 * k], channels[2 * k + 1]


def fifo_ends(plan, mem: Tile) -> list[tuple[str, int]]:
    """The direction and BDs of each object FIFO end at memory tile ``mem``, in declaration
    order, counted as ``budget.py`` counts them in the text: a link's wide FIFO a BD per
    buffer and narrow FIFO, a narrow one (a view) a BD per buffer of the wide one."""
    hand = plan.hand_written()
    out = []
    for f in plan.fifos:
        if f.name in hand:
            continue
        if tuple(f.producer) == tuple(mem):
            out.append(("MM2S", _end_bds(plan, f, "out", f.producer_depth or f.depth)))
        for c in f.consumers:
            if tuple(c) == tuple(mem):
                out.append(("S2MM", _end_bds(plan, f, "in", f.depth)))
    return out


def _end_bds(plan, f, side: str, depth: int) -> int:
    link = next((k for k in plan.links if f.name in (k.sources if side == "in" else k.dests)), None)
    if link is None:
        return depth
    if len(link.sources) == len(link.dests) == 1:
        src, dst = plan.fifo(link.sources[0]), plan.fifo(link.dests[0])
        wide_in = int(np.prod(src.shape)) >= int(np.prod(dst.shape))
    else:
        wide_in = len(link.sources) == 1
    if (side == "out") == wide_in:  # a view of the wide FIFO's buffers
        wide = plan.fifo(link.sources[0]) if wide_in else plan.fifo(link.dests[0])
        return wide.depth if wide_in else wide.producer_depth or wide.depth
    return depth * (len(link.dests) if side == "in" else len(link.sources))


# -- the design's text ---------------------------------------------------------------------------


def declarations(panels: list[PartedPanel], tile_ssa) -> list[str]:
    """The shim allocations, buffers, locks and flows of the parted panels."""
    out = []
    for pp in panels:
        mem = tile_ssa(pp.mem)
        out.append(
            f"// @{pp.panel}: a staged panel in {len(pp.parts)} parts, each sent "
            f"{pp.passes} times per visit and refilled once its last send is done"
        )
        out.append(f"aie.shim_dma_allocation @{pp.panel}(MM2S, {pp.shim_channel}, {pp.shim[0]})")
        for buf, prod, cons in pp.parts:
            out.append(_buffer(buf, mem, pp.part_type))
            out.append(_lock(prod, mem, pp.passes))
            out.append(_lock(cons, mem, 0))
        for r in pp.readers:
            tile = tile_ssa(r.tile)
            out += [_buffer(b, tile, pp.slice_type) for b in r.buffers]
            out.append(_lock(r.prod, tile, 2))
            out.append(_lock(r.cons, tile, 0))
            out.append(_buffer(r.count, tile, "memref<1xi32>"))
        out.append(
            f"aie.flow({tile_ssa(pp.shim)}, DMA : {pp.shim_channel}, {mem}, DMA : {pp.mem_in})"
        )
        for r in pp.readers:
            out.append(
                f"aie.flow({mem}, DMA : {pp.mem_out}, {tile_ssa(r.tile)}, DMA : {r.channel})"
            )
    return out


def dma_regions(panels: list[PartedPanel], tile_ssa) -> list[str]:
    """One ``aie.memtile_dma`` per memory tile and one ``aie.mem`` per reading tile, with the
    chains of every parted panel there."""
    mems: dict[Tile, list] = {}
    cores: dict[Tile, list] = {}
    for pp in panels:
        fill, send = [], []
        for (buf, prod, cons), dims in zip(pp.parts, pp.patterns):
            whole = (buf, pp.part_type, pp.part_size)
            fill.append((prod[0], pp.passes, whole, (), cons[0], pp.passes))
            send.append((cons[0], 1, whole, dims, prod[0], 1))
        mems.setdefault(pp.mem, []).append(("S2MM", pp.mem_in, fill))
        mems[pp.mem].append(("MM2S", pp.mem_out, send))
        size = int(np.prod(pp.slice_shape))
        for r in pp.readers:
            bds = [(r.prod[0], 1, (b, pp.slice_type, size), (), r.cons[0], 1) for b in r.buffers]
            cores.setdefault(r.tile, []).append(("S2MM", r.channel, bds))
    out = []
    for tile, chains in sorted(mems.items()):
        out += _region(
            f"%memtile_dma_{tile[0]}_{tile[1]} = aie.memtile_dma", tile_ssa(tile), chains
        )
    for tile, chains in sorted(cores.items()):
        out += _region(f"%mem_{tile[0]}_{tile[1]} = aie.mem", tile_ssa(tile), chains)
    return out


def _region(head: str, tile: str, chains) -> list[str]:
    """A DMA region: each chain's ``dma_start`` then its descriptors in a cycle, forever."""
    lines = [f"{head}({tile}) {{"]
    block = 0
    for n, (direction, channel, bds) in enumerate(chains):
        first, after = block + 1, block + 1 + len(bds)
        if n:
            lines.append(f"^bb{block}:")
        lines.append(f"  %{n} = aie.dma_start({direction}, {channel}, ^bb{first}, ^bb{after})")
        for k, (take, v, (buf, t, size), dims, give, w) in enumerate(bds):
            pattern = ", [" + ", ".join(f"<size = {s}, stride = {st}>" for s, st in dims) + "]"
            lines.append(f"^bb{first + k}:")
            lines.append(f"  aie.use_lock(%{take}, AcquireGreaterEqual, {v})")
            lines.append(f"  aie.dma_bd(%{buf} : {t}, 0, {size}{pattern if dims else ''})")
            lines.append(f"  aie.use_lock(%{give}, Release, {w})")
            lines.append(f"  aie.next_bd ^bb{first + (k + 1) % len(bds)}")
        block = after
    lines += [f"^bb{block}:", "  aie.end", "}"]
    return lines


def _buffer(symbol: str, tile: str, t: str) -> str:
    return f'%{symbol} = aie.buffer({tile}) {{sym_name = "{symbol}"}} : {t}'


def _lock(lock: tuple[str, int], tile: str, init: int) -> str:
    symbol, n = lock
    return f'%{symbol} = aie.lock({tile}, {n}) {{init = {init} : i32, sym_name = "{symbol}"}}'
