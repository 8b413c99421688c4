"""NPU routing: a channel between tiles whose cores share a memory is a buffer in that memory;
any other channel is a stream-switch route (producer DMA out, hops, consumer DMA in), with
buffers on both ends. DDR traffic enters and leaves through a column's shim DMA and memory
tile: reads of one window are broadcast from one column to every reader, writes are joined per
column.

What is booked per tile is what mlir-aie's object FIFO lowering allocates for the design the
emitter writes, and what the verifier counts in its text (``codegen/aie/budget.py``): a test
holds the two equal on every tile and resource.

A memory tile's BDs are also booked in their two pools by channel parity
(``passes/bd_pools.py``). The channel of each object FIFO end there is mlir-aie's first free
one in the order the emitter declares the FIFOs (``codegen/aie/plan.py``): the DDR reads, then
the writes, grouped by buffer and column in the order of their first off-chip stream; within a
read group the windows' FIFOs in stream order and then the shim FIFOs, within a write group
the writers' FIFOs and then the shim FIFOs. The ledger keeps each end with that order's key,
and once every stream is booked, chooses the hand channels of the parted panels as the emitter
does (``bd_pools.hand_channels``) and books each end's BDs in its channel's pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import OffchipStream, Route, Tile
from datobench.core.ir.program import Channel
from datobench.core.passes.analysis import Access
from datobench.core.passes.bd_pools import first_free, hand_channels, pool_of, pool_size
from datobench.core.passes.resources import BDS, DMA_IN, DMA_OUT, LOCKS, Ledger, ports
from datobench.core.passes.staging import book_panel, book_parted_reader
from datobench.core.passes.virtual import VirtualGraph
from datobench.core.targets import Target


def xy_path(a: Tile, b: Tile, vertical_first: bool = False) -> list[Tile]:
    """Tiles from a to b along columns then rows (or rows then columns)."""
    path = [a]
    c, r = a
    steps = [("r", b[1]), ("c", b[0])] if vertical_first else [("c", b[0]), ("r", b[1])]
    for axis, goal in steps:
        while (c if axis == "c" else r) != goal:
            if axis == "c":
                c += 1 if goal > c else -1
            else:
                r += 1 if goal > r else -1
            path.append((c, r))
    return path


def direction(a: Tile, b: Tile) -> str:
    if b[0] > a[0]:
        return "east"
    if b[0] < a[0]:
        return "west"
    return "north" if b[1] > a[1] else "south"


class NpuRouting:
    """The NPU kind's routing rules, booking DMA channels, BDs, locks and ports per tile."""

    def __init__(
        self,
        target: Target,
        vg: VirtualGraph,
        tile_of: Callable[[str], Tile],
        ledger: Ledger,
    ):
        self.target = target
        self.vg = vg
        self.tile_of = tile_of
        self.ledger = ledger
        self.offchip_streams: list[OffchipStream] = []
        self.dma_channels: set[tuple[str, str, str]] = set()  # (node, buffer, direction)
        self.mem_ends: list[MemEnd] = []  # the memory tiles' chains, for their BD pools

    def channel(self, c: Channel, a: Tile, b: Tile, size: int, moved: int | None) -> Route:
        """A buffer in a memory both cores reach, else a stream-switch route."""
        # like an object FIFO, the buffer lives in the producer's or the consumer's memory
        shared = self.target.reachable_memories(a) & self.target.reachable_memories(b) & {a, b}
        if shared:
            home = b if b in shared else a
            self.ledger.buffer(home, c.name, size)
            return Route(c.name, "shared", a, b, [a, b], [home], moved)
        path = xy_path(a, b)
        self.hops(path, c.name)
        self.ledger.add(a, DMA_OUT, 1, c.name)
        self.ledger.add(b, DMA_IN, 1, c.name)
        for end in (a, b):
            self.ledger.buffer(end, c.name, size)
            self.ledger.add(end, BDS, c.depth, c.name)
        return Route(c.name, "stream", a, b, path, [a, b], moved)

    def offchip(self, reads: list[Access], writes: list[Access]) -> list[OffchipStream]:
        """DDR reads and writes through the shim DMAs and memory tiles of their columns."""
        joined: dict[int, int] = {}  # column -> the write streams its memory tile drains
        for _, col in {(a.buffer, self.tile_of(a.instance)[0]) for a in writes}:
            joined[col] = joined.get(col, 0) + 1
        self.reads(reads, joined)
        self.writes(writes)
        self.book_pools()
        return self.offchip_streams

    def end(
        self,
        mem: Tile,
        group: tuple,
        order: tuple,
        direction: str,
        bds: int,
        who: str,
        hand: bool = False,
    ) -> MemEnd:
        """A chain at memory tile ``mem``: an object FIFO's end, or (``hand``) a parted
        panel's; ``group`` (buffer, column, direction) and ``order`` place it in the
        emitter's declaration order."""
        e = MemEnd(mem, group, order, direction, bds, who, hand)
        self.mem_ends.append(e)
        return e

    def book_pools(self):
        """Each memory tile's chains in the BD pools of the channels they will take."""
        first: dict[tuple, int] = {}
        for n, s in enumerate(self.offchip_streams):
            first.setdefault((s.buffer, s.column, s.direction), n)
        ends = sorted(self.mem_ends, key=lambda e: (first[e.group], *e.order))
        for mem in dict.fromkeys(e.mem for e in ends):
            spec = self.target.tiles[self.target.tile_kind(*mem)]
            counts = {"S2MM": spec.dma_in, "MM2S": spec.dma_out}
            fifos = [e for e in ends if e.mem == mem and not e.hand]
            hand = [e for e in ends if e.mem == mem and e.hand]
            pairs = [(e.direction, e.bds) for e in fifos]
            chosen = hand_channels(
                pairs,
                [(e.direction, e.bds) for e in hand],
                counts,
                pool_size(spec.buffer_descriptors),
            )
            taken: dict[str, set[int]] = {}
            for e, channel in zip(hand, chosen):
                taken.setdefault(e.direction, set()).add(channel)
                self.ledger.add(mem, pool_of(channel), e.bds, e.who)
            for e, channel in zip(fifos, first_free(pairs, taken, counts)):
                if channel is not None:
                    self.ledger.add(mem, pool_of(channel), e.bds, e.who)

    def hops(self, path: list[Tile], who: str, seen: set | None = None):
        for src, dst in zip(path, path[1:]):
            step = (src, direction(src, dst))
            if seen is not None:
                if step in seen:
                    continue
                seen.add(step)
            if self.target.tile_kind(*src) == "compute":
                self.ledger.add(src, ports(step[1]), 1, who)

    def _no_shim(self, access: Access, tile: Tile) -> MappingError:
        verb = "reads" if access.direction == "read" else "writes"
        cols = ", ".join(map(str, self.target.shim_dma_columns))
        return MappingError(
            f"tile {tile} (compute): shim DMA: column {tile[0]} has no shim DMA, but "
            f"'{access.instance}' {verb} '{access.buffer}' {'from' if verb == 'reads' else 'to'}"
            f" DDR; place it in a column with one ({cols})"
        )

    def reads(self, accesses: list[Access], joined: dict[int, int]):
        """Each window of a buffer is broadcast to its readers from one column's memory tile;
        a column brings a buffer in once through its shim and distributes its windows. A
        window comes from a reader's column unless that memory tile's output channels are all
        taken (``joined`` counts the write streams each will drain); then from the nearest
        column with room, over more stream-switch hops."""
        windows: dict[tuple, list[Access]] = {}
        for a in accesses:
            windows.setdefault((a.buffer, a.window), []).append(a)
        # the windows only a bundle's members read pass one memory tile: the core takes them
        # through one object FIFO, its members in turn (codegen/aie/plan.py)
        groups: dict[tuple, list[Access]] = {}  # (buffer, 0, window) or (buffer, 1, bundle)
        for (buffer, window), readers in windows.items():
            roots = {self.vg.root(a.instance) for a in readers}
            root = roots.pop() if len(roots) == 1 else None
            if readers[0].stage is not None:  # one staged buffer per shard (passes/staging.py)
                groups[(buffer, 2, window)] = readers
            elif root is not None and "bundle" in self.vg.kinds[root]:
                groups.setdefault((buffer, 1, root), []).extend(readers)
            else:
                groups[(buffer, 0, window)] = readers
        shim_cols = set(self.target.shim_dma_columns)

        def columns(accesses):
            return sorted({self.tile_of(a.instance)[0] for a in accesses} & shim_cols)

        carried: set[tuple] = set()  # ((buffer, rate), column) brought in through a shim
        wide: dict[tuple, MemEnd] = {}  # the same: the shim FIFO's end at the memory tile
        shim_load = {c: 0 for c in shim_cols}
        mem_load = {c: joined.get(c, 0) for c in shim_cols}
        shim_cap = self.target.tiles["shim"].dma_out
        mem_cap = self.target.tiles["mem"].dma_out
        for (buffer, bundled, _), accesses in sorted(
            groups.items(), key=lambda kv: (len(columns(kv[1])), *kv[0])
        ):
            group = list(dict.fromkeys(a.window for a in accesses))
            candidates = columns(accesses)
            if not candidates:
                a = accesses[0]
                raise self._no_shim(a, self.tile_of(a.instance))

            # a column's shim FIFO moves its windows in lock-step, so one FIFO per rate: the
            # objects a window's FIFO moves (a bundle's: each member's, in turn)
            moved = [a.bytes // max(a.tile_bytes, 1) for a in accesses]
            rate = (buffer, sum(moved) if bundled == 1 else moved[0])
            staged = accesses[0].stage is not None
            if staged:  # the panels have a shim FIFO of their own
                rate = (buffer, group[0])

            def cost(c, rate=rate):
                shim = shim_load[c] + ((rate, c) not in carried)
                mem = mem_load[c] + 1
                return (shim > shim_cap or mem > mem_cap, shim + mem, c)

            col = min(candidates, key=cost)
            if staged:  # the column most of the group's readers are in
                col = min(candidates, key=lambda c: (cost(c)[0], -self._in(accesses, c), c))
            if cost(col)[0]:  # every reader's column is full: the nearest one with room

                def farther(c, near=candidates[0]):
                    return (cost(c)[0], abs(c - near), c)

                col = min(shim_cols, key=farther)
            shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
            into = f"{buffer} into column {col}"
            seq, key = len(self.offchip_streams), (buffer, col, "read")
            if (rate, col) not in carried:
                carried.add((rate, col))
                shim_load[col] += 1
                if staged and accesses[0].stage.parts > 1:  # a shim_dma_allocation: no locks
                    self.ledger.add(shim, DMA_OUT, 1, into)
                else:
                    self.shim_fifo(shim, DMA_OUT, 1, into)
                self.ledger.add(mem, DMA_IN, 1, into)
                if not staged:  # the shim FIFO its link's windows share, after them
                    wide[(rate, col)] = self.end(mem, key, (1, seq), "S2MM", 0, into)
            mem_load[col] += 1
            who = f"{buffer}{''.join(_window_text(w) for w in group)}"
            if staged:
                who += self._held(accesses, col)
                book_panel(self.ledger, mem, who, accesses[0])
                stage = accesses[0].stage
                parted = stage.parts > 1
                n = stage.parts if parted else stage.depth
                self.end(mem, key, (0, seq), "S2MM", n, who, hand=parted)
                self.end(mem, key, (0, seq), "MM2S", n, who, hand=parted)
            else:
                self.link_part(mem, who, max(a.tile_bytes for a in accesses))
                wide[(rate, col)].bds += 2  # its share of the shim FIFO's buffers
                self.end(mem, key, (0, seq), "MM2S", 2, who)
            self.ledger.add(mem, DMA_OUT, 1, who)
            seen: set = set()
            readers = sorted({self.tile_of(a.instance) for a in accesses})
            for tile in readers:
                self.hops(xy_path(mem, tile, vertical_first=True), who, seen)
            self.endpoints(accesses, DMA_IN, who)
            if staged and accesses[0].stage.parts > 1:
                for tile in readers:
                    book_parted_reader(self.ledger, tile, who)
            for window in group:
                these = [a for a in accesses if a.window == window]
                self.offchip_streams.append(
                    OffchipStream(
                        buffer,
                        "read",
                        [a.instance for a in these],
                        col,
                        [list(w) for w in window],
                        sum(a.bytes for a in these),
                        sorted({self.tile_of(a.instance) for a in these}),
                    )
                )

    def _in(self, accesses: list[Access], col: int) -> int:
        """How many of the readers are in column ``col``."""
        return sum(1 for a in accesses if self.tile_of(a.instance)[0] == col)

    def _held(self, accesses: list[Access], col: int) -> str:
        """What the mapping report says of a staged buffer whose readers span columns."""
        cols = sorted({self.tile_of(a.instance)[0] for a in accesses})
        if cols == [col]:
            return ""
        spans = ", ".join(map(str, cols))
        return f" (readers in columns {spans}; held in column {col}'s memory tile)"

    def writes(self, accesses: list[Access]):
        groups: dict[tuple, list[Access]] = {}
        for a in accesses:
            tile = self.tile_of(a.instance)
            if tile[0] not in self.target.shim_dma_columns:
                raise self._no_shim(a, tile)
            groups.setdefault((a.buffer, tile[0]), []).append(a)
        for (buffer, col), accesses in sorted(groups.items()):
            who = f"{buffer} from column {col}"
            shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
            per_node: dict[str, int] = {}  # one joined stream per writing node
            moved: dict[str, int] = {}  # objects each stream moves (a bundle's members in turn)
            for a in accesses:
                root = self.vg.root(a.instance)
                per_node[root] = max(per_node.get(root, 0), a.tile_bytes)
                key = root if "bundle" in self.vg.kinds[root] else a.instance
                moved[key] = moved.get(key, 0) + a.bytes // max(a.tile_bytes, 1)
            rates = len(set(moved.values()))  # a shim FIFO joins its streams in lock-step
            self.shim_fifo(shim, DMA_IN, rates, who)
            self.ledger.add(mem, DMA_IN, len(per_node), who)
            self.ledger.add(mem, DMA_OUT, rates, who)
            for root, tile_bytes in sorted(per_node.items()):
                self.link_part(mem, f"{who} ({root})", tile_bytes)
            seq, key = len(self.offchip_streams), (buffer, col, "write")
            for root in per_node:  # each writer's FIFO, then a shim FIFO per rate joining them
                self.end(mem, key, (0, seq), "S2MM", 2, f"{who} ({root})")
            for rate in dict.fromkeys(moved.values()):
                n = sum(1 for m in moved.values() if m == rate)
                self.end(mem, key, (1, seq), "MM2S", 2 * n, who)
            writers = sorted({self.tile_of(a.instance) for a in accesses})
            seen: set = set()
            for tile in writers:
                self.hops(xy_path(tile, mem), who, seen)
            self.endpoints(accesses, DMA_OUT, who)
            lo = [min(a.window[d][0] for a in accesses) for d in range(len(accesses[0].window))]
            hi = [max(a.window[d][1] for a in accesses) for d in range(len(accesses[0].window))]
            self.offchip_streams.append(
                OffchipStream(
                    buffer,
                    "write",
                    [a.instance for a in accesses],
                    col,
                    [[x, y] for x, y in zip(lo, hi)],
                    sum(a.bytes for a in accesses),
                    writers,
                )
            )

    def shim_fifo(self, shim: Tile, dma: str, n: int, who: str):
        """``n`` object FIFOs ending at a shim tile: a DMA channel and a lock pair each. The
        shim's buffer descriptors are the runtime sequence's (ids 0-15, reused after a wait),
        not the placement's: a shim has 16 and at most 2 + 2 channels to feed."""
        self.ledger.add(shim, dma, n, who)
        self.ledger.add(shim, LOCKS, 2 * n, who)

    def link_part(self, mem: Tile, who: str, tile_bytes: int):
        """One FIFO of a memory-tile link's narrow side (a window distributed, a stream
        joined) at depth 2, as mlir-aie lowers it: its part of the wide FIFO's buffers, with a
        lock pair of its own, a descriptor per buffer on the wide FIFO's channel (each moves
        this part of a buffer) and one per buffer on its own channel."""
        self.ledger.buffer(mem, who, 2 * tile_bytes)
        self.ledger.add(mem, BDS, 2 * 2, who)  # 2 buffers, on the wide channel and its own

    def endpoints(self, accesses: list[Access], dma: str, who: str):
        """Each node moving a buffer to or from DDR: one DMA channel, and a ping-pong buffer
        unless it writes a local tensor in place (the DMA reads it where it is)."""
        per_node: dict[str, int] = {}
        second: dict[str, int] = {}  # written in place at writeback depth 2: the other objects
        sources: dict[str, int] = {}  # written in place: the locals, an object each
        for a in accesses:
            root = self.vg.root(a.instance)
            size = 0 if a.in_place else 2 * a.tile_bytes
            per_node[root] = max(per_node.get(root, 0), size)
            sources[root] = max(sources.get(root, 1), a.sources)
            if a.in_place and a.writeback == 2:
                second[root] = max(second.get(root, 0), a.tile_bytes)
        for root, size in sorted(per_node.items()):
            tile = self.tile_of(root)
            channel = (root, accesses[0].buffer, dma)
            if channel not in self.dma_channels:  # a bundle's instances share it (more BDs)
                self.dma_channels.add(channel)
                self.ledger.add(tile, dma, 1, who)
            if size:
                self.ledger.add(tile, BDS, 2, who)
                self.ledger.buffer(tile, f"{who} ping-pong", size)
            else:  # the DMA drains each local tensor where it is: a descriptor per object
                objects = sources[root] * (2 if root in second else 1)
                self.ledger.add(tile, BDS, objects, who)
                if root in second:  # each local lives in one of two objects, drained in turn
                    self.ledger.buffer(
                        tile, f"{who} second writeback", sources[root] * second[root]
                    )
                else:
                    self.ledger.add(tile, LOCKS, 2, who)


@dataclass
class MemEnd:
    """A chain of a memory tile's DMA, as the ledger places it for the BD pools."""

    mem: Tile
    group: tuple  # (buffer, column, direction) of its off-chip streams
    order: tuple  # its place within the group, as the emitter declares it
    direction: str  # S2MM or MM2S
    bds: int
    who: str
    hand: bool  # a parted panel's hand-written chain


def _window_text(window) -> str:
    return "[" + ", ".join(f"{lo}:{hi}" for lo, hi in window) + "]"
