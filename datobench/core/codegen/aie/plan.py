"""The design's dataflow, read off the mapping: the tiles used, one object FIFO per channel
and per DDR window, the memory-tile links that distribute and join DDR windows, and the
blocks of every host buffer each shim FIFO moves, in order.

Nothing here places anything: tiles come from ``prog.mapping`` (placement, routes, off-chip
streams), depths from the streams, and the mem-tile FIFOs are double-buffered as the mapper's
ledger books them (``passes/route_npu.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datobench.core.codegen.aie import types
from datobench.core.codegen.aie.dma import Block, slice_block
from datobench.core.codegen.aie.owned import owned_outputs
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


@dataclass
class ShimMove:
    """What one shim FIFO moves of a host buffer, in order."""

    fifo: str
    buffer: str
    direction: str  # "read" (DDR -> array) or "write"
    blocks: list[Block]


@dataclass
class Plan:
    symbols: Namer  # the design's symbols: FIFOs, then the cores' buffers
    fifos: list[Fifo] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    moves: list[ShimMove] = field(default_factory=list)
    access: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (inst, param, dir)
    channel: dict[str, str] = field(default_factory=dict)  # channel -> fifo
    shared: dict[str, list[str]] = field(default_factory=dict)  # fifo -> bundle members, in turn

    def fifo(self, name: str) -> Fifo:
        return next(f for f in self.fifos if f.name == name)

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
        self.traces = {i.name: trace(i) for i in self.graph.instances}
        self.owned = {
            i.name: {o.param for o in owned_outputs(i.body)} for i in self.graph.instances
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
        return self.plan

    # -- DDR windows ---------------------------------------------------------------------------

    def arg(self, inst: str, buffer: str):
        return next(a for a in self.graph.instance(inst).args if a.buffer == buffer)

    def slices(self, inst: str, buffer: str, direction: str) -> list[Slice]:
        return self.traces[inst].get((self.arg(inst, buffer).param, direction), [])

    def value_shape(self, slices: list[Slice], inst: str, buffer: str) -> tuple[int, ...]:
        shapes = {s.value_shape for s in slices}
        if len(shapes) != 1:
            raise CapabilityError(
                f"'{inst}' moves slices of {len(shapes)} shapes of '{buffer}' "
                f"({', '.join(map(str, sorted(shapes)))}); an object FIFO carries one shape: "
                "move equal slices",
                self.graph.instance(inst).loc,
            )
        return shapes.pop() or (1,)

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
        windows, per_window, bundles = [], [], set()
        for s in streams:
            node = self.bundled(s)
            if node is not None:
                if node.name not in bundles:
                    bundles.add(node.name)
                    self.shared_window(node, buffer, "read", mem, dtype, windows, per_window)
                continue
            first = s.instances[0]
            slices = self.slices(first, buffer, "read")
            for other in s.instances[1:]:
                if self.slices(other, buffer, "read") != slices:
                    raise CapabilityError(
                        f"'{first}' and '{other}' read the same window of '{buffer}' in "
                        "different orders; a broadcast object FIFO gives every reader the "
                        "same sequence",
                        self.graph.instance(other).loc,
                    )
            shape = self.value_shape(slices, first, buffer)
            name = self.sym.new(f"{buffer}_{'_'.join(f'{lo}_{hi}' for lo, hi in s.window)}")
            tiles = sorted({self.mapping.placement[i] for i in s.instances})
            self.plan.fifos.append(Fifo(name, mem, tiles, DDR_DEPTH, shape, dtype))
            for inst in s.instances:
                self.plan.access[(inst, self.arg(inst, buffer).param, "read")] = name
            windows.append((name, shape))
            per_window.append(self.blocks(first, buffer, slices))
        self.shim_side(buffer, col, dtype, shim, mem, windows, per_window, "read")

    def writes(self, buffer: str, col: int, streams: list[OffchipStream]):
        dtype = dtype_of(self.graph.region.buffer(buffer).type)
        shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
        windows, per_window, bundles = [], [], set()
        for s in streams:
            for inst in s.instances:
                node = self.bundle_of.get(inst)
                if node is not None:
                    if node.name not in bundles:
                        bundles.add(node.name)
                        self.shared_window(node, buffer, "write", mem, dtype, windows, per_window)
                    continue
                slices = self.slices(inst, buffer, "write")
                shape = self.value_shape(slices, inst, buffer)
                name = self.sym.new(f"{buffer}_{inst}")
                tile = self.mapping.placement[inst]
                param = self.arg(inst, buffer).param
                owned = param in self.owned[inst]  # the local tensor is the object: one
                f = Fifo(name, tile, [mem], DDR_DEPTH, shape, dtype, 1 if owned else None)
                self.plan.fifos.append(f)
                self.plan.access[(inst, param, "write")] = name
                windows.append((name, shape))
                per_window.append(self.blocks(inst, buffer, slices))
        self.shim_side(buffer, col, dtype, shim, mem, windows, per_window, "write")

    # -- bundles --------------------------------------------------------------------------------

    def bundled(self, s: OffchipStream):
        """The bundle whose members read the window of ``s``, if any; a window shared with
        instances of other nodes would need two object sequences in one FIFO."""
        nodes = {id(self.bundle_of.get(i)): self.bundle_of.get(i) for i in s.instances}
        if len(nodes) == 1:
            return next(iter(nodes.values()))
        names = ", ".join(s.instances)
        raise CapabilityError(
            f"the window of '{s.buffer}' read by {names} is broadcast to a bundle and to other "
            "nodes; the MLIR-AIE emitter gives a bundle its own object FIFO per buffer: read "
            "the window in separate tasks or bundle all its readers",
            self.graph.instance(s.instances[0]).loc,
        )

    def shared_window(self, node, buffer, direction, mem, dtype, windows, per_window):
        """One object FIFO between a bundle's core and the memory tile for a buffer, as the
        ledger books it (one DMA channel and one ping-pong buffer per node): the members take
        their objects in turn, as the core runs them in lock-step (``core.py`` checks it; its
        loops have equal bounds, so every member moves the buffer equally often)."""
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
        shape = self.value_shape([x for sl in per_member for x in sl], members[0], buffer)
        blocks = [self.blocks(m, buffer, sl) for m, sl in zip(members, per_member)]
        name = self.sym.new(f"{buffer}_{node.name}")
        if direction == "read":
            f = Fifo(name, mem, [node.tile], DDR_DEPTH, shape, dtype)
        else:
            owned = any(self.arg(m, buffer).param in self.owned[m] for m in members)
            f = Fifo(name, node.tile, [mem], DDR_DEPTH, shape, dtype, 1 if owned else None)
        self.plan.fifos.append(f)
        self.plan.shared[name] = members
        for m in members:
            self.plan.access[(m, self.arg(m, buffer).param, direction)] = name
        windows.append((name, shape))
        per_window.append([b for step in zip(*blocks) for b in step])

    def shim_side(self, buffer, col, dtype, shim, mem, windows, per_window, direction):
        """The shim <-> mem-tile FIFO carrying one object of every window per step, the link
        that distributes (reads) or joins (writes) them, and the blocks in step order. A
        link moves its windows in lock-step, so windows moved a different number of times (a
        bundle's FIFO takes an object per member and step) get a shim FIFO and link each."""
        groups: dict[int, list[int]] = {}
        for k, blocks in enumerate(per_window):
            groups.setdefault(len(blocks), []).append(k)
        for members in groups.values():
            self.shim_link(
                buffer,
                col,
                dtype,
                (shim, mem),
                [windows[k] for k in members],
                [per_window[k] for k in members],
                direction,
            )

    def shim_link(self, buffer, col, dtype, ends, windows, per_window, direction):
        shim, mem = ends
        offsets, total = [], 0
        for _, shape in windows:
            offsets.append(total)
            total += _size(shape)
        tag = "in" if direction == "read" else "out"
        name = self.sym.new(f"{buffer}_{tag}_c{col}")
        ends = (shim, [mem]) if direction == "read" else (mem, [shim])
        self.plan.fifos.append(Fifo(name, *ends, DDR_DEPTH, (total,), dtype))
        names = [n for n, _ in windows]
        many = len(names) > 1
        if direction == "read":
            self.plan.links.append(Link([name], names, [], offsets if many else []))
        else:
            self.plan.links.append(Link(names, [name], offsets if many else [], []))
        steps = [b for step in zip(*per_window) for b in step]
        self.plan.moves.append(ShimMove(name, buffer, direction, steps))


def _size(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def plan(program, symbols: Namer) -> Plan:
    return Planner(program, symbols).run()
