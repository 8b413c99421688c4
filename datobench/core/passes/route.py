"""Physical routing and accounting once every node has a tile.

NPU: a channel between tiles whose cores share a memory is a buffer in that memory; any other
channel is a stream-switch route (producer DMA out, hops, consumer DMA in), with buffers on
both ends. DDR traffic enters and leaves through a column's shim DMA and memory tile: reads of
one window are broadcast from one column to every reader, writes are joined per column.
FPGA: every channel is a FIFO; PEs draw on the device's DSP slices and on-chip memory.
"""

from __future__ import annotations

from datobench.core.errors import MappingError
from datobench.core.ir.effects import nbytes
from datobench.core.ir.mapping import OffchipStream, Route, Tile
from datobench.core.ir.program import Channel
from datobench.core.passes.analysis import Access
from datobench.core.passes.resources import (
    BDS,
    DMA_IN,
    DMA_OUT,
    DSP,
    LOCKS,
    MEMORY,
    ONCHIP,
    Ledger,
    ports,
)
from datobench.core.passes.virtual import VirtualGraph
from datobench.core.targets import Target


def elem_bytes(c: Channel) -> int:
    return nbytes(c.elem)


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


class Router:
    def __init__(self, target: Target, vg: VirtualGraph, tiles: dict[str, Tile]):
        self.target = target
        self.vg = vg
        self.node_tile = tiles
        self.ledger = Ledger(target)
        self.routes: list[Route] = []
        self.offchip: list[OffchipStream] = []
        self.dma_channels: set[tuple[str, str, str]] = set()  # (node, buffer, direction)

    def tile_of(self, instance: str) -> Tile:
        return self.node_tile[self.vg.root(instance)]

    def run(self):
        for inst in self.vg.graph.instances:
            self.ledger.host(self.where(inst.name), inst.name)
        self.local_memory()
        for c in self.vg.graph.channels:
            self.channel(c)
        if self.target.is_fpga:
            self.fpga_offchip()
            self.dsp()
        else:
            self.npu_reads()
            self.npu_writes()
        self.ledger.check()

    def where(self, instance: str) -> Tile | None:
        """The ledger's key for an instance: its tile on an NPU, the device on an FPGA."""
        return None if self.target.is_fpga else self.tile_of(instance)

    def memory_resource(self) -> str:
        return ONCHIP if self.target.is_fpga else MEMORY

    # -- tile memory ------------------------------------------------------------------------
    def local_memory(self):
        for inst in self.vg.graph.instances:
            n = self.vg.profiles[inst.name].local_bytes
            if n:
                self.ledger.add(
                    self.where(inst.name), self.memory_resource(), n, f"{inst.name} local tensors"
                )

    # -- channels ---------------------------------------------------------------------------
    def channel(self, c: Channel):
        a, b = self.tile_of(c.producer), self.tile_of(c.consumer)
        size = c.depth * elem_bytes(c)
        moved = None if c.puts is None else c.puts * elem_bytes(c)
        if self.vg.root(c.producer) == self.vg.root(c.consumer):
            self.buffer(a if not self.target.is_fpga else None, c.name, size)
            self.routes.append(Route(c.name, "local", a, b, [a], [a], moved))
            return
        if self.target.is_fpga:
            self.buffer(None, c.name, size)
            self.routes.append(Route(c.name, "stream", a, b, [a, b], [a, b], moved))
            return
        # like an object FIFO, the buffer lives in the producer's or the consumer's memory
        shared = self.target.reachable_memories(a) & self.target.reachable_memories(b) & {a, b}
        if shared:
            home = b if b in shared else a
            self.buffer(home, c.name, size)
            self.routes.append(Route(c.name, "shared", a, b, [a, b], [home], moved))
            return
        path = xy_path(a, b)
        self.hops(path, c.name)
        self.ledger.add(a, DMA_OUT, 1, c.name)
        self.ledger.add(b, DMA_IN, 1, c.name)
        for end in (a, b):
            self.buffer(end, c.name, size)
            self.ledger.add(end, BDS, c.depth, c.name)
        self.routes.append(Route(c.name, "stream", a, b, path, [a, b], moved))

    def buffer(self, tile: Tile | None, who: str, size: int):
        self.ledger.add(tile, self.memory_resource(), size, f"{who} buffer")
        if tile is not None:
            self.ledger.add(tile, LOCKS, 2, who)

    def hops(self, path: list[Tile], who: str, seen: set | None = None):
        for src, dst in zip(path, path[1:]):
            step = (src, direction(src, dst))
            if seen is not None:
                if step in seen:
                    continue
                seen.add(step)
            if self.target.tile_kind(*src) == "compute":
                self.ledger.add(src, ports(step[1]), 1, who)

    # -- DDR traffic on an NPU --------------------------------------------------------------
    def _accesses(self, direction: str) -> list[Access]:
        return [
            a for p in self.vg.profiles.values() for a in p.accesses if a.direction == direction
        ]

    def _no_shim(self, access: Access, tile: Tile) -> MappingError:
        verb = "reads" if access.direction == "read" else "writes"
        cols = ", ".join(map(str, self.target.shim_dma_columns))
        return MappingError(
            f"tile {tile} (compute): shim DMA: column {tile[0]} has no shim DMA, but "
            f"'{access.instance}' {verb} '{access.buffer}' {'from' if verb == 'reads' else 'to'}"
            f" DDR; place it in a column with one ({cols})"
        )

    def npu_reads(self):
        """Each window of a buffer is broadcast to its readers from one column's memory tile;
        a column brings a buffer in once through its shim and distributes its windows."""
        groups: dict[tuple, list[Access]] = {}
        for a in self._accesses("read"):
            groups.setdefault((a.buffer, a.window), []).append(a)
        shim_cols = set(self.target.shim_dma_columns)

        def columns(accesses):
            return sorted({self.tile_of(a.instance)[0] for a in accesses} & shim_cols)

        carried: set[tuple[str, int]] = set()  # (buffer, column) brought in through a shim
        shim_load = {c: 0 for c in shim_cols}
        mem_load = {c: 0 for c in shim_cols}
        shim_cap = self.target.tiles["shim"].dma_out
        mem_cap = self.target.tiles["mem"].dma_out
        for (buffer, window), accesses in sorted(
            groups.items(), key=lambda kv: (len(columns(kv[1])), kv[0][0], kv[0][1])
        ):
            candidates = columns(accesses)
            if not candidates:
                a = accesses[0]
                raise self._no_shim(a, self.tile_of(a.instance))

            def cost(c, buffer=buffer):
                shim = shim_load[c] + ((buffer, c) not in carried)
                mem = mem_load[c] + 1
                return (shim > shim_cap or mem > mem_cap, shim + mem, c)

            col = min(candidates, key=cost)
            shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
            if (buffer, col) not in carried:
                carried.add((buffer, col))
                shim_load[col] += 1
                self.ledger.add(shim, DMA_OUT, 1, f"{buffer} into column {col}")
                self.ledger.add(shim, BDS, 2, f"{buffer} into column {col}")
                self.ledger.add(mem, DMA_IN, 1, f"{buffer} into column {col}")
            mem_load[col] += 1
            who = f"{buffer}{_window_text(window)}"
            tile_bytes = max(a.tile_bytes for a in accesses)
            self.ledger.add(mem, DMA_OUT, 1, who)
            self.ledger.add(mem, BDS, 4, who)
            self.buffer(mem, who, 2 * tile_bytes)
            seen: set = set()
            readers = sorted({self.tile_of(a.instance) for a in accesses})
            for tile in readers:
                self.hops(xy_path(mem, tile, vertical_first=True), who, seen)
            self.endpoints(accesses, DMA_IN, who)
            self.offchip.append(
                OffchipStream(
                    buffer,
                    "read",
                    [a.instance for a in accesses],
                    col,
                    [list(w) for w in window],
                    sum(a.bytes for a in accesses),
                    readers,
                )
            )

    def npu_writes(self):
        groups: dict[tuple, list[Access]] = {}
        for a in self._accesses("write"):
            tile = self.tile_of(a.instance)
            if tile[0] not in self.target.shim_dma_columns:
                raise self._no_shim(a, tile)
            groups.setdefault((a.buffer, tile[0]), []).append(a)
        for (buffer, col), accesses in sorted(groups.items()):
            who = f"{buffer} from column {col}"
            shim, mem = self.target.shim_tile(col), self.target.mem_tile(col)
            self.ledger.add(shim, DMA_IN, 1, who)
            self.ledger.add(shim, BDS, 2, who)
            per_node: dict[str, int] = {}  # one joined stream per writing node
            for a in accesses:
                root = self.vg.root(a.instance)
                per_node[root] = max(per_node.get(root, 0), a.tile_bytes)
            self.ledger.add(mem, DMA_IN, len(per_node), who)
            self.ledger.add(mem, DMA_OUT, 1, who)
            self.ledger.add(mem, BDS, 2 * len(per_node) + 2, who)
            self.buffer(mem, who, 2 * sum(per_node.values()))
            writers = sorted({self.tile_of(a.instance) for a in accesses})
            seen: set = set()
            for tile in writers:
                self.hops(xy_path(tile, mem), who, seen)
            self.endpoints(accesses, DMA_OUT, who)
            lo = [min(a.window[d][0] for a in accesses) for d in range(len(accesses[0].window))]
            hi = [max(a.window[d][1] for a in accesses) for d in range(len(accesses[0].window))]
            self.offchip.append(
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

    def endpoints(self, accesses: list[Access], dma: str, who: str):
        """Each node moving a buffer to or from DDR: one DMA channel, and a ping-pong buffer
        unless it writes a local tensor in place (the DMA reads it where it is)."""
        per_node: dict[str, int] = {}
        for a in accesses:
            root = self.vg.root(a.instance)
            size = 0 if a.in_place else 2 * a.tile_bytes
            per_node[root] = max(per_node.get(root, 0), size)
        for root, size in sorted(per_node.items()):
            tile = self.node_tile[root]
            channel = (root, accesses[0].buffer, dma)
            if channel not in self.dma_channels:  # a bundle's instances share it (more BDs)
                self.dma_channels.add(channel)
                self.ledger.add(tile, dma, 1, who)
            self.ledger.add(tile, BDS, 2, who)
            if size:
                self.buffer(tile, f"{who} ping-pong", size)
            else:
                self.ledger.add(tile, LOCKS, 2, who)

    # -- an FPGA's device-wide budgets ------------------------------------------------------
    def fpga_offchip(self):
        groups: dict[tuple, list[Access]] = {}
        for direction in ("read", "write"):
            for a in self._accesses(direction):
                groups.setdefault((a.buffer, direction), []).append(a)
                if not a.in_place:
                    self.ledger.add(
                        None, ONCHIP, 2 * a.tile_bytes, f"{a.instance} {a.buffer} burst"
                    )
        for (buffer, direction), accesses in sorted(groups.items()):
            self.offchip.append(
                OffchipStream(
                    buffer,
                    direction,
                    [a.instance for a in accesses],
                    -1,
                    [],
                    sum(a.bytes for a in accesses),
                    [],
                )
            )

    def dsp(self):
        per_mac = self.target.param("compute.dsp_per_mac")
        for inst in self.vg.graph.instances:
            prof = self.vg.profiles[inst.name]
            if not prof.matmul_shapes:
                continue
            lanes = max(k for _, k, _ in prof.matmul_shapes)  # the unrolled k products
            cost = lanes * per_mac.get(prof.macs_dtype, max(per_mac.values()))
            self.ledger.add(None, DSP, int(round(cost)), inst.name)


def _window_text(window) -> str:
    return "[" + ", ".join(f"{lo}:{hi}" for lo, hi in window) + "]"
