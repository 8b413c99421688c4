"""What each tile of a design uses, computed from the text, against the tile's capacity.

The accounting follows mlir-aie's lowering of object FIFOs (AIEObjectFifoStatefulTransform),
which the mapper's ledger books the same way (``core/passes/route_npu.py``):
- a FIFO whose single consumer shares memory with its producer (two compute tiles, one reaching
  the other's memory, no ``via_DMA``) has one set of ``depth`` buffers where both reach it
  (the consumer's memory when the producer reaches it), two locks, and no DMA;
- otherwise every end takes one DMA channel (the producer an output channel, which a broadcast
  shares; each consumer an input channel). A compute end holds its own ``depth`` buffers, a
  lock pair and a buffer descriptor (BD) per buffer. A shim end holds a lock pair and no BD:
  the runtime sequence's ``dma_memcpy_nd`` program the shim's BDs, with ids 0-15 reused only
  after a wait (``shim.py`` checks them), so they are no budget of the placement;
- at a memory tile's link, the FIFO on the link's wide side (the input of a distribute, the
  output of a join, the larger element of a 1:1 link) holds the ``depth`` buffers and a lock
  pair per FIFO of the narrow side, and its channel a BD per buffer and narrow FIFO (each moves
  one FIFO's part of a buffer); each narrow FIFO's channel takes a BD per buffer;
- ``aie.buffer`` and ``memref.alloc``/``alloca`` in a core take data memory, ``aie.lock`` one
  lock; each compute tile keeps a stack (``stack_size``, else the target's figure) out of its
  data memory;
- hand-written DMA (``handdma.py``): each ``aie.dma_bd`` of a tile's ``aie.mem`` or
  ``aie.memtile_dma`` takes a BD there, each ``aie.dma_start`` an input (S2MM) or output (MM2S)
  channel, counted with the object FIFOs' channels on the tile (mlir-aie allocates those
  around the hand ones, so the sum must fit); an ``aie.shim_dma_allocation`` takes one shim
  channel of its direction in its column (its BDs are the runtime sequence's, as above);
- a memory tile's BDs in two pools by channel parity, 24 each (``passes/bd_pools.py``): a
  hand ``dma_bd`` draws from its ``dma_start``'s channel's pool, an object FIFO end's BDs from
  the pool of the channel mlir-aie gives it (first free, in declaration order, around the hand
  channels). The hand chains are booked first, as mlir-aie numbers them (the transform inserts
  its chains after them), so an overflow is located at the descriptor that finds its pool full.
Releases of the v1.0 era gave a link's wide FIFO one lock pair (counting depth x narrow FIFOs)
and one BD per buffer; today's count, used here, is never less, so it bounds both.
"""

from __future__ import annotations

from xdsl.dialects.memref import AllocaOp, AllocOp
from xdsl.ir import Operation

from datobench.core.codegen.aie.dialect import BufferOp, CoreOp, LockOp
from datobench.core.codegen.aie.handdma import (
    DmaBdOp,
    DmaStartOp,
    MemOp,
    MemTileDmaOp,
    NextBdOp,
    ShimDmaAllocationOp,
)
from datobench.core.codegen.aie.model import AieVerifyError, Scope, Tile, memref_bytes
from datobench.core.passes.bd_pools import (
    POOLS,
    first_free,
    pool_label,
    pool_of,
    pool_size,
)
from datobench.core.passes.resources import BDS, DMA_IN, DMA_OUT, LOCKS, MEMORY, kib

RESOURCES = (MEMORY, DMA_IN, DMA_OUT, BDS, LOCKS, *POOLS)


class _Usage:
    def __init__(self):
        self.used: dict[Tile, dict[str, int]] = {}
        self.who: dict[tuple[Tile, str], list[tuple[Operation, str, int]]] = {}

    def add(self, tile: Tile, resource: str, n: int, op: Operation, what: str):
        if n:
            per = self.used.setdefault(tile, {})
            per[resource] = per.get(resource, 0) + n
            self.who.setdefault((tile, resource), []).append((op, what, n))


def _account(scope: Scope) -> _Usage:
    u = _Usage()
    mem_ends: list[tuple[Tile, str, int, Operation, str]] = []  # a memory tile's FIFO ends
    for name, fifo in scope.fifos.items():
        size = memref_bytes(scope.element(fifo))
        depths = fifo.depths()
        home = scope.shared_memory(fifo)
        if home is not None:
            u.add(home, MEMORY, max(depths) * size, fifo, f"@{name}")
            u.add(home, LOCKS, 2, fifo, f"@{name}")
            continue
        ends = [(scope.producer(fifo), DMA_OUT, depths[0], "out")]
        ends += [(t, DMA_IN, d, "in") for t, d in zip(scope.consumers(fifo), depths[1:])]
        for tile, channel, depth, side in ends:
            u.add(tile, channel, 1, fifo, f"@{name}")
            if scope.kind(tile) == "shim":
                u.add(tile, LOCKS, 2, fifo, f"@{name}")
                continue
            link = scope.link_of(name, side)
            if link is None:
                bds = depth
                u.add(tile, LOCKS, 2, fifo, f"@{name}")
                u.add(tile, MEMORY, depth * size, fifo, f"@{name} ({depth} x {size} B)")
            elif _is_view(scope, name, side):
                bds = _wide_depth(scope, link, tile)
            else:
                parts = len(link.outs) if side == "in" else len(link.ins)
                bds = depth * parts
                u.add(tile, LOCKS, 2 * parts, fifo, f"@{name}")
                u.add(tile, MEMORY, depth * size, fifo, f"@{name} ({depth} x {size} B)")
            u.add(tile, BDS, bds, fifo, f"@{name}")
            if scope.kind(tile) == "mem":
                direction = "MM2S" if channel == DMA_OUT else "S2MM"
                mem_ends.append((tile, direction, bds, fifo, f"@{name}"))
    for op in scope.op.walk():
        if isinstance(op, BufferOp):
            tile = scope.tile_of(op.tile, op)
            u.add(tile, MEMORY, memref_bytes(op.buffer.type), op, "aie.buffer")
        elif isinstance(op, LockOp):
            u.add(scope.tile_of(op.tile, op), LOCKS, 1, op, "aie.lock")
        elif isinstance(op, AllocOp | AllocaOp):
            core = _core_of(op)
            if core is not None:
                tile = scope.tile_of(core.tile, core)
                u.add(tile, MEMORY, memref_bytes(op.memref.type), op, op.name)
        elif isinstance(op, MemOp | MemTileDmaOp):
            _account_region(scope, u, op)
        elif isinstance(op, ShimDmaAllocationOp):
            tile = scope.device.target.shim_tile(op.col.value.data)
            u.add(tile, _CHANNEL[op.channel_dir.data], 1, op, f"@{op.sym_name.data}")
    _account_pools(scope, u, mem_ends)
    return u


def _account_pools(scope: Scope, u: _Usage, mem_ends) -> None:
    """Each memory tile's BDs in the pool of their channel's parity: the hand chains' first
    (mlir-aie numbers them first), then the object FIFO ends' on the channels it gives them."""
    taken: dict[Tile, dict[str, set[int]]] = {}
    for region in scope.regions:
        tile = scope.tile_of(region.tile, region)
        if scope.kind(tile) != "mem":
            continue
        for block, start in _chains(region).items():
            direction, channel = start.channel_dir.data, start.channel_index.value.data
            taken.setdefault(tile, {}).setdefault(direction, set()).add(channel)
            for op in block.ops:
                if isinstance(op, DmaBdOp):
                    u.add(tile, pool_of(channel), 1, op, _start_text(start) + "'s BDs")
    for tile in dict.fromkeys(t for t, *_ in mem_ends):
        ends = [(d, n, op, what) for t, d, n, op, what in mem_ends if t == tile]
        spec = scope.device.target.tiles["mem"]
        counts = {"S2MM": spec.dma_in, "MM2S": spec.dma_out}
        channels = first_free([(d, n) for d, n, *_ in ends], taken.get(tile, {}), counts)
        for (direction, n, op, what), channel in zip(ends, channels):
            if channel is not None:
                u.add(tile, pool_of(channel), n, op, f"{what} ({direction} {channel})")


def _chains(region: MemOp | MemTileDmaOp) -> dict:
    """Each descriptor block of a DMA program and the ``dma_start`` whose chain holds it."""
    out = {}
    for block in region.body.blocks:
        for start in block.ops:
            if not isinstance(start, DmaStartOp):
                continue
            bd = start.dest
            while bd is not None and bd not in out and isinstance(bd.last_op, NextBdOp):
                out[bd] = start
                bd = bd.last_op.dest
    return out


def _start_text(op: DmaStartOp) -> str:
    return f"{op.name}({op.channel_dir.data}, {op.channel_index.value.data})"


_CHANNEL = {"S2MM": DMA_IN, "MM2S": DMA_OUT}


def _account_region(scope: Scope, u: _Usage, region: MemOp | MemTileDmaOp) -> None:
    """A hand DMA region's channels (one per ``dma_start``) and BDs (one per ``dma_bd``)."""
    tile = scope.tile_of(region.tile, region)
    for op in region.body.walk():
        if isinstance(op, DmaStartOp):
            u.add(tile, _CHANNEL[op.channel_dir.data], 1, op, _start_text(op))
        elif isinstance(op, DmaBdOp):
            u.add(tile, BDS, 1, op, op.name)


def _is_view(scope: Scope, name: str, side: str) -> bool:
    """Whether ``name``'s end at a memory-tile link is a view of the link's wide FIFO."""
    link = scope.link_of(name, side)
    if link is None:
        return False
    return (side == "out") == _wide_in(scope, link)


def _wide_in(scope: Scope, link) -> bool:
    """Whether a link's input holds its buffers (else its output does)."""
    if len(link.ins) == len(link.outs) == 1:  # 1:1: the larger element holds the buffers
        a, b = (memref_bytes(scope.element(scope.fifos[n])) for n in (*link.ins, *link.outs))
        return a >= b
    return len(link.ins) == 1  # a distribute: the input holds the buffers


def _wide_depth(scope: Scope, link, tile: Tile) -> int:
    """The number of buffers the link's wide FIFO holds at its memory tile."""
    if _wide_in(scope, link):
        fifo = scope.fifos[link.ins[0]]
        return fifo.depths()[1 + scope.consumers(fifo).index(tile)]
    return scope.fifos[link.outs[0]].depths()[0]


def _core_of(op: Operation) -> CoreOp | None:
    while op is not None and not isinstance(op, CoreOp):
        op = op.parent_op()
    return op


def usage(scope: Scope) -> dict[Tile, dict[str, int]]:
    return {t: dict(r) for t, r in sorted(_account(scope).used.items())}


def check(scope: Scope) -> None:
    """Raise an AieVerifyError for the first tile (in order) using more than it has."""
    u = _account(scope)
    for tile in sorted(u.used):
        kind = scope.kind(tile)
        spec = scope.device.target.tiles[kind]
        stack = _stack(scope, tile, spec.stack_bytes) if kind == "compute" else 0
        capacity = {
            MEMORY: spec.data_memory - stack,
            DMA_IN: spec.dma_in,
            DMA_OUT: spec.dma_out,
            BDS: spec.buffer_descriptors,
            LOCKS: spec.locks,
            **dict.fromkeys(POOLS, pool_size(spec.buffer_descriptors)),
        }
        for resource in RESOURCES:
            used = u.used[tile].get(resource, 0)
            if used <= capacity[resource]:
                continue
            items = u.who[(tile, resource)]
            if resource in POOLS:
                _pool_overflow(scope, tile, resource, items, capacity[resource])
            amount = (
                (kib(used), kib(capacity[resource]))
                if resource == MEMORY
                else (used, capacity[resource])
            )
            less = (
                f" ({kib(spec.data_memory)} less a {kib(stack)} stack)"
                if stack and (resource == MEMORY)
                else ""
            )
            raise AieVerifyError(
                f"tile {tile} ({kind}): {resource}: {amount[0]} used of {amount[1]}{less}",
                *scope.at(items[-1][0]),
                notes=(
                    "used by: "
                    + ", ".join(
                        f"{what} at line {scope.design.line(o)} ({_amount(resource, n)})"
                        for o, what, n in items
                    ),
                ),
            )


def _pool_overflow(scope: Scope, tile: Tile, pool: str, items, capacity: int) -> None:
    """A memory tile's pool overfull: located at the op whose BDs find it full, naming the
    chains that draw from it (a hand chain's descriptors summed at its first)."""
    total, at = 0, None
    for op, _, n in items:
        total += n
        if total > capacity and at is None:
            at = op
    users: dict[str, list] = {}
    for op, what, n in items:
        users.setdefault(what, [op, 0])[1] += n
    label = pool_label(pool, scope.device.target.tiles["mem"].buffer_descriptors)
    raise AieVerifyError(
        f"tile {tile} (mem): {label}: {total} used of {capacity}; mlir-aie gives a memory "
        "tile's even channels BDs from the lower half of its ids and its odd channels from "
        "the upper half",
        *scope.at(at),
        notes=(
            "used by: "
            + ", ".join(
                f"{what} at line {scope.design.line(op)} ({n})" for what, (op, n) in users.items()
            ),
        ),
    )


def _amount(resource: str, n: int) -> str:
    return kib(n) if resource == MEMORY else str(n)


def _stack(scope: Scope, tile: Tile, default: int) -> int:
    core = scope.cores.get(tile)
    if core is not None and core.stack_size is not None:
        return core.stack_size.value.data
    return default
