"""The design's dataflow, read off the mapping: the tiles used, one object FIFO per channel
and per DDR window (per shape of the slices moved through it, and per bundle among a window's
readers), the memory-tile links that distribute and join DDR windows, and the blocks of every
host buffer each shim FIFO moves, in order, with the instance moves each object serves. A
staged window (``dato.stage``) moves panels instead, re-sent from the memory tile (``stage.py``);
one staged in parts is written as hand DMA (``parts.py``).

Nothing here places anything: tiles come from ``prog.mapping`` (placement, routes, off-chip
streams), depths from the streams, and the mem-tile FIFOs are double-buffered as the mapper's
ledger books them (``passes/route_npu.py``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from datobench.core.codegen.aie import types
from datobench.core.codegen.aie.dma import Block, slice_block
from datobench.core.codegen.aie.owned import owned_outputs
from datobench.core.codegen.aie.parts import (
    Numbering,
    PartedPanel,
    build,
    check_passes,
    memory_tile_channels,
    part_patterns,
)
from datobench.core.codegen.aie.stage import check_readers, panel_blocks, stage_of, visits
from datobench.core.codegen.aie.trace import Slice, trace
from datobench.core.codegen.names import Namer
from datobench.core.errors import CapabilityError
from datobench.core.ir.mapping import OffchipStream, Tile
from datobench.core.ir.types import TensorType, dtype_of

DDR_DEPTH = 2  # mem-tile and compute-side DDR buffers are ping-pong, as the ledger books them


@dataclass
class Fifo:
    name: str
    producer: Tile
    consumers: list[Tile]
    depth: int
    shape: tuple[int, ...]
    dtype: object
    producer_depth: int | None = None  # when the producer's side holds fewer objects
    repeat: int = 1  # a memory tile sends each buffer this often (``repeat_count``)
    to_stream: tuple[tuple[int, int], ...] = ()  # the producer DMA's (size, stride) pattern

    @property
    def type(self) -> str:
        return types.memref(self.shape, self.dtype)

    def depth_text(self) -> str:
        """``2 : i32``, or per endpoint ``[1 : i32, 2 : i32]`` (producer, consumers)."""
        if self.producer_depth is None:
            return f"{self.depth} : i32"
        depths = [self.producer_depth] + [self.depth] * len(self.consumers)
        return "[" + ", ".join(f"{d} : i32" for d in depths) + "]"


@dataclass
class Link:
    sources: list[str]
    dests: list[str]
    src_offsets: list[int]
    dst_offsets: list[int]


Turn = tuple[str, int]  # an instance and the index of one of its moves (``Trace.order``)


@dataclass
class Window:
    """An object FIFO between a memory tile and cores that a link distributes to or joins:
    the blocks of the host buffer its objects hold and, per object, the instance moves that
    take it (several readers of a broadcast window) or give it, in order."""

    fifo: str
    shape: tuple[int, ...]
    blocks: list[Block]
    turns: list[list[Turn]]
    depth: int  # objects the cores' side holds
    per_step: int = 1  # objects per step of its link (a staged panel sends several)


@dataclass
class ShimMove:
    """What one shim FIFO moves of a host buffer, in order: one object of each of its link's
    windows per step."""

    fifo: str
    buffer: str
    direction: str  # "read" (DDR -> array) or "write"
    blocks: list[Block]
    windows: list[Window]
    depth: int = DDR_DEPTH  # objects the shim FIFO holds (a staged panel: the stage's depth)


@dataclass
class Plan:
    symbols: Namer  # the design's symbols: FIFOs, then the cores' buffers
    fifos: list[Fifo] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    moves: list[ShimMove] = field(default_factory=list)
    # (instance, parameter, direction) -> moved shape -> FIFO: one object FIFO per shape
    access: dict[tuple[str, str, str], dict[tuple[int, ...], str]] = field(default_factory=dict)
    channel: dict[str, str] = field(default_factory=dict)  # channel -> fifo
    shared: dict[str, list[str]] = field(default_factory=dict)  # fifo -> bundle members, in turn
    orders: dict[str, list] = field(default_factory=dict)  # instance -> its moves (Trace.order)
    # the slices' FIFO name -> a staged panel held in parts, written as hand DMA (``parts.py``);
    # its panel and slices keep their Fifo records (the sequence, the cores' holds) unemitted
    parted: dict[str, PartedPanel] = field(default_factory=dict)

    def hand_written(self) -> set[str]:
        """The FIFO names the design writes as hand DMA instead of object FIFOs."""
        return {n for pp in self.parted.values() for n in (pp.panel, pp.window)}

    def fifo(self, name: str) -> Fifo:
        return next(f for f in self.fifos if f.name == name)

    def fifo_for(self, inst: str, param: str, direction: str, shape=None) -> str:
        """The object FIFO through which an instance moves a parameter's slices of ``shape``
        (the one FIFO when it moves slices of one shape)."""
        by_shape = self.access[(inst, param, direction)]
        if len(by_shape) == 1:
            return next(iter(by_shape.values()))
        return by_shape[shape]

    def tiles(self) -> list[Tile]:
        out = set()
        for f in self.fifos:
            out |= {f.producer, *f.consumers}
        return sorted(out)


def _strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    out, n = [], 1
    for size in reversed(shape):
        out.append(n)
        n *= size
    return tuple(reversed(out))


class Planner:
    def __init__(self, program, symbols: Namer):
        self.program = program
        self.graph = program.graph
        self.mapping = program.mapping
        self.target = program.target
        self.sym = symbols
        self.plan = Plan(symbols)
        self.numbering = Numbering(self.target)
        self.traces = {i.name: trace(i) for i in self.graph.instances}
        self.turns = {name: _turns(t.order) for name, t in self.traces.items()}
        self.plan.orders = {name: t.order for name, t in self.traces.items()}
        self.extra: dict[tuple, tuple[int, list]] = {}  # (tile, resource) -> (count, whys)
        self.owned = {  # instance -> parameter -> the locals that live in its FIFO's objects
            i.name: Counter(o.param for o in owned_outputs(i.body)) for i in self.graph.instances
        }
        self.bundle_of = {
            inst: node
            for node in self.mapping.nodes
            if "bundle" in node.kind and len(node.instances) > 1
            for inst in node.instances
        }

    def run(self) -> Plan:
        for c in self.graph.channels:
            route = self.mapping.route(c.name)
            shape = types.shape_of(c.elem)
            f = Fifo(self.sym.new(c.name), route.src, [route.dst], c.depth, shape, c.elem)
            self.plan.fifos.append(f)
            self.plan.channel[c.name] = f.name
        by_column: dict[tuple[str, int], list[OffchipStream]] = {}
        for s in self.mapping.offchip:
            by_column.setdefault((s.buffer, s.column, s.direction), []).append(s)
        for (buffer, col, direction), streams in by_column.items():
            if direction == "read":
                self.reads(buffer, col, streams)
            else:
                self.writes(buffer, col, streams)
        self.check_channels()
        memory_tile_channels(self.plan, self.target)
        return self.plan

    # -- DDR windows ---------------------------------------------------------------------------

    def arg(self, inst: str, buffer: str):
        return next(a for a in self.graph.instance(inst).args if a.buffer == buffer)

    def slices(self, inst: str, buffer: str, direction: str) -> list[Slice]:
        return self.traces[inst].slices.get((self.arg(inst, buffer).param, direction), [])

    def turns_of(self, inst: str, buffer: str, direction: str) -> list[Turn]:
        """The instance's moves of a buffer, each as its index in the instance's order."""
        moves = self.turns[inst].get((direction, self.arg(inst, buffer).param), [])
        return [(inst, n) for n in moves]

    def split(self, inst: str, buffer: str, direction: str, groups, tiles) -> None:
        """Slices of several shapes take an object FIFO, and so a DMA channel, per shape at
        the cores' tiles and the memory tile, beyond the one the ledger books."""
        if len(groups) == 1:
            return
        shapes = ", ".join(str(shape) for shape, _ in groups)
        why = (
            inst,
            f"'{inst}' moves slices of {len(groups)} shapes of '{buffer}' ({shapes}), an "
            "object FIFO per shape",
            "move slices of one shape",
        )
        side, other = ("input", "output") if direction == "read" else ("output", "input")
        for tile in tiles:
            self.extra_channel(tile, f"{side} DMA channels", len(groups) - 1, why)
        mem = self.target.mem_tile(tiles[0][0])
        self.extra_channel(mem, f"{other} DMA channels", len(groups) - 1, why)

    def extra_channel(self, tile, resource: str, n: int, why) -> None:
        key = (tuple(tile), resource)
        count, whys = self.extra.get(key, (0, []))
        self.extra[key] = (count + n, whys + [why])

    def check_channels(self) -> None:
        """The DMA channels of the object FIFOs the ledger does not book (one per shape of a
        window, one per bundle reading a window), within each tile's."""
        for (tile, resource), (extra, whys) in self.extra.items():
            use = self.mapping.tiles[f"{tile[0]},{tile[1]}"]
            need = use.used.get(resource, 0) + extra
            if need > use.capacity[resource]:
                what = "; ".join(dict.fromkeys(w for _, w, _ in whys))
                advice = " or ".join(dict.fromkeys(a for _, _, a in whys))
                raise CapabilityError(
                    f"{what}: each object FIFO takes a DMA channel of its own, and {use.kind} "
                    f"tile {tile} would need {need} {resource} of its "
                    f"{use.capacity[resource]}; {advice}",
                    self.graph.instance(whys[0][0]).loc,
                )

    def blocks(self, inst: str, buffer: str, slices: list[Slice]) -> list[Block]:
        btype: TensorType = self.graph.region.buffer(buffer).type
        lo = [w[0] for w in self.arg(inst, buffer).window]
        strides = _strides(btype.shape)
        out = []
        for s in slices:
            offset = sum((a + b) * st for a, b, st in zip(s.start, lo, strides))
            out.append(slice_block(offset, s.shape, strides))
        return out

    def reads(self, buffer: str, col: int, streams: list[OffchipStream]):
        dtype = dtype_of(self.graph.region.buffer(buffer).type)
        shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
        windows, bundles = [], set()
        for s in streams:
            stage = stage_of(self, s, buffer)
            if stage is not None:
                self.staged(s, stage, buffer, col, dtype)
                continue
            nodes = {self.bundle_of[i].name for i in s.instances if i in self.bundle_of}
            for inst in s.instances:
                node = self.bundle_of.get(inst)
                if node is not None and node.name not in bundles:
                    bundles.add(node.name)
                    windows += self.shared_windows(node, buffer, "read", mem, dtype)
            readers = [i for i in s.instances if i not in self.bundle_of]
            if nodes and (readers or len(nodes) > 1):
                fifos = len(nodes) + bool(readers)
                why = (
                    s.instances[0],
                    f"the window of '{buffer}' read by {', '.join(s.instances)} takes an "
                    "object FIFO per bundle among its readers (and one for the others)",
                    "read the window in separate tasks or bundle all its readers",
                )
                self.extra_channel(mem, "output DMA channels", fifos - 1, why)
            if readers:
                windows += self.broadcast(s, readers, buffer, mem, dtype)
        self.shim_side(buffer, col, dtype, shim, mem, windows, "read")

    def staged(self, s: OffchipStream, stage, buffer: str, col: int, dtype) -> None:
        """A staged window (``stage.py``): the panel FIFO from the shim to the memory tile,
        of the stage's depth; the FIFO of the slices from there to the readers, which sends
        each panel as often as the readers read it whole (``repeat_count``); their 1:1 link;
        and the shim move of one panel per visit."""
        slices = check_readers(self, s, buffer)
        readers, first = list(s.instances), s.instances[0]
        loc = self.graph.instance(first).loc
        origins, passes, pattern = visits(slices, stage.panel, buffer, first, loc, dtype.bytes)
        shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
        shape = slices[0].value_shape or (1,)
        window = self.sym.new(f"{buffer}_{'_'.join(f'{lo}_{hi}' for lo, hi in s.window)}")
        panel = self.sym.new(f"{buffer}_panel_c{col}")
        tiles = sorted({self.mapping.placement[i] for i in readers})
        self.plan.fifos.append(Fifo(panel, shim, [mem], stage.depth, (_size(stage.panel),), dtype))
        self.plan.fifos.append(
            Fifo(window, mem, tiles, DDR_DEPTH, shape, dtype, repeat=passes, to_stream=pattern)
        )
        if stage.parts > 1:
            shapes = (shape, slices[0].shape)
            self.parted(stage, buffer, s, pattern, passes, shapes, dtype, (panel, window, tiles))
        else:
            self.plan.links.append(Link([panel], [window], [], []))
        for inst in readers:
            self.access(inst, buffer, "read", shape, window)
        moves = [self.turns_of(inst, buffer, "read") for inst in readers]
        turns = [[m[k] for m in moves] for k in range(len(slices))]
        blocks = panel_blocks(self, first, buffer, origins, stage.panel)
        w = Window(window, shape, blocks, turns, DDR_DEPTH, len(slices) // len(origins))
        self.plan.moves.append(ShimMove(panel, buffer, "read", blocks, [w], stage.depth))

    def parted(self, stage, buffer, s, pattern, passes, shapes, dtype, names) -> None:
        """A staged panel held in ``stage.parts`` parts: its hand DMA (``parts.py``), or a
        located refusal of what that form cannot express."""
        panel, window, tiles = names
        shape, full = shapes  # the moved slice's shape, and its shape in the panel
        first = s.instances[0]
        loc = self.graph.instance(first).loc
        what = f"'{first}' reads staged '{buffer}' in {stage.parts} parts"
        check_passes(passes, what, loc)
        patterns = part_patterns(pattern, stage.panel, full, stage.parts, dtype.bytes, what, loc)
        fields = {
            "panel": panel,
            "window": window,
            "shim": self.target.shim_tile(s.column),
            "mem": self.target.mem_tile(s.column),
            "dtype": dtype,
            "shape": shape,
            "part_size": _size(stage.panel) // stage.parts,
            "passes": passes,
            "patterns": patterns,
        }
        pp = build(self.plan, self.numbering, fields, tiles)
        self.plan.parted[window] = pp

    def broadcast(self, s: OffchipStream, readers: list[str], buffer, mem, dtype) -> list[Window]:
        """One object FIFO (per moved shape) from the memory tile to every reader of a
        window that is not bundled: a broadcast when there are several."""
        windows = []
        first = readers[0]
        slices = self.slices(first, buffer, "read")
        for other in readers[1:]:
            if self.slices(other, buffer, "read") != slices:
                raise CapabilityError(
                    f"'{first}' and '{other}' read the same window of '{buffer}' in "
                    "different orders; a broadcast object FIFO gives every reader the "
                    "same sequence",
                    self.graph.instance(other).loc,
                )
        base = f"{buffer}_{'_'.join(f'{lo}_{hi}' for lo, hi in s.window)}"
        tiles = sorted({self.mapping.placement[i] for i in readers})
        moves = [self.turns_of(inst, buffer, "read") for inst in readers]
        blocks = self.blocks(first, buffer, slices)
        groups = _by_shape(slices)
        for shape, ks in groups:
            name = self.sym.new(_named(base, shape, groups))
            self.plan.fifos.append(Fifo(name, mem, tiles, DDR_DEPTH, shape, dtype))
            for inst in readers:
                self.access(inst, buffer, "read", shape, name)
            turns = [[r[k] for r in moves] for k in ks]
            windows.append(Window(name, shape, [blocks[k] for k in ks], turns, DDR_DEPTH))
        self.split(first, buffer, "read", groups, tiles)
        return windows

    def access(self, inst: str, buffer: str, direction: str, shape, fifo: str) -> None:
        key = (inst, self.arg(inst, buffer).param, direction)
        self.plan.access.setdefault(key, {})[shape] = fifo

    def writes(self, buffer: str, col: int, streams: list[OffchipStream]):
        dtype = dtype_of(self.graph.region.buffer(buffer).type)
        shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
        windows, bundles = [], set()
        for s in streams:
            for inst in s.instances:
                node = self.bundle_of.get(inst)
                if node is not None:
                    if node.name not in bundles:
                        bundles.add(node.name)
                        windows += self.shared_windows(node, buffer, "write", mem, dtype)
                    continue
                slices = self.slices(inst, buffer, "write")
                tile = self.mapping.placement[inst]
                arg = self.arg(inst, buffer)
                # an object per local living in the FIFO, two with dato.writeback(depth=2)
                owned = self.owned[inst][arg.param] * arg.writeback
                moves = self.turns_of(inst, buffer, "write")
                blocks = self.blocks(inst, buffer, slices)
                groups = _by_shape(slices)
                for shape, ks in groups:
                    name = self.sym.new(_named(f"{buffer}_{inst}", shape, groups))
                    f = Fifo(name, tile, [mem], DDR_DEPTH, shape, dtype, owned or None)
                    self.plan.fifos.append(f)
                    self.access(inst, buffer, "write", shape, name)
                    turns = [[moves[k]] for k in ks]
                    depth = f.producer_depth or DDR_DEPTH
                    windows.append(Window(name, shape, [blocks[k] for k in ks], turns, depth))
                self.split(inst, buffer, "write", groups, [tile])
        self.shim_side(buffer, col, dtype, shim, mem, windows, "write")

    # -- bundles --------------------------------------------------------------------------------

    def shared_windows(self, node, buffer, direction, mem, dtype) -> list[Window]:
        """One object FIFO (per moved shape) between a bundle's core and the memory tile for a
        buffer, as the ledger books it (one DMA channel and one ping-pong buffer per node):
        the members take their objects in turn, as the core runs them in lock-step
        (``core.py`` checks it; its loops have equal bounds, so every member moves the buffer
        equally often, in the same shapes)."""
        streams = [
            s
            for s in self.mapping.offchip
            if s.buffer == buffer
            and s.direction == direction
            and set(s.instances) & set(node.instances)
        ]
        assert len({s.column for s in streams}) == 1, "the router gives a bundle one column"
        members = [i for i in node.instances if any(i in s.instances for s in streams)]
        per_member = [self.slices(m, buffer, direction) for m in members]
        blocks = [self.blocks(m, buffer, sl) for m, sl in zip(members, per_member)]
        turns = [self.turns_of(m, buffer, direction) for m in members]
        groups = [_by_shape(sl) for sl in per_member]
        owned = max(
            self.owned[m][self.arg(m, buffer).param] * self.arg(m, buffer).writeback
            for m in members
        )
        out = []
        for g, (shape, _) in enumerate(groups[0]):
            name = self.sym.new(_named(f"{buffer}_{node.name}", shape, groups[0]))
            if direction == "read":
                f = Fifo(name, mem, [node.tile], DDR_DEPTH, shape, dtype)
            else:
                f = Fifo(name, node.tile, [mem], DDR_DEPTH, shape, dtype, owned or None)
            self.plan.fifos.append(f)
            self.plan.shared[name] = members
            for m in members:
                self.access(m, buffer, direction, shape, name)
            picks = [member[g][1] for member in groups]
            steps = zip(*([bl[k] for k in ks] for bl, ks in zip(blocks, picks)))
            in_turn = [b for step in steps for b in step]
            moves = zip(*([tu[k] for k in ks] for tu, ks in zip(turns, picks)))
            in_turn_moves = [[t] for step in moves for t in step]
            depth = f.producer_depth or DDR_DEPTH
            out.append(Window(name, shape, in_turn, in_turn_moves, depth))
        self.split(members[0], buffer, direction, groups[0], [node.tile])
        return out

    def shim_side(self, buffer, col, dtype, shim, mem, windows: list[Window], direction):
        """The shim <-> mem-tile FIFO carrying one object of every window per step, the link
        that distributes (reads) or joins (writes) them, and the blocks in step order. A
        link moves its windows in lock-step, so windows moved a different number of times (a
        bundle's FIFO takes an object per member and step) get a shim FIFO and link each."""
        groups: dict[int, list[Window]] = {}
        for w in windows:
            groups.setdefault(len(w.blocks), []).append(w)
        for members in groups.values():
            self.shim_link(buffer, col, dtype, (shim, mem), members, direction)

    def shim_link(self, buffer, col, dtype, ends, windows: list[Window], direction):
        shim, mem = ends
        offsets, total = [], 0
        for w in windows:
            offsets.append(total)
            total += _size(w.shape)
        tag = "in" if direction == "read" else "out"
        name = self.sym.new(f"{buffer}_{tag}_c{col}")
        ends = (shim, [mem]) if direction == "read" else (mem, [shim])
        self.plan.fifos.append(Fifo(name, *ends, DDR_DEPTH, (total,), dtype))
        names = [w.fifo for w in windows]
        many = len(names) > 1
        if direction == "read":
            self.plan.links.append(Link([name], names, [], offsets if many else []))
        else:
            self.plan.links.append(Link(names, [name], offsets if many else [], []))
        steps = [b for step in zip(*(w.blocks for w in windows)) for b in step]
        self.plan.moves.append(ShimMove(name, buffer, direction, steps, windows))


def _by_shape(slices: list[Slice]) -> list[tuple[tuple[int, ...], list[int]]]:
    """The slices' indices per moved shape, shapes in the order of their first move."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, s in enumerate(slices):
        groups.setdefault(s.value_shape or (1,), []).append(k)  # as moved_shape
    return list(groups.items())


def _named(base: str, shape: tuple[int, ...], groups) -> str:
    """A FIFO's name: the window's, with the shape when the window moves several."""
    return base if len(groups) == 1 else f"{base}_{'x'.join(map(str, shape))}"


def _turns(order) -> dict[tuple[str, str], list[int]]:
    """Per move kind and name, the indices of its moves in an instance's order."""
    out: dict[tuple[str, str], list[int]] = {}
    for n, move in enumerate(order):
        out.setdefault(move, []).append(n)
    return out


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def plan(program, symbols: Namer) -> Plan:
    return Planner(program, symbols).run()
