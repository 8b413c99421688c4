"""The verifier's rules for hand-written DMA (``handdma.py``): shim DMA allocations, the DMA
programs of memory and compute tiles (``aie.memtile_dma``, ``aie.mem``), their blocks, channel
starts, buffer descriptors and locks, and the circuit-switched flows between the channels.
Each broken rule is an ``AieVerifyError`` at the offending op's line; what the channels and
descriptors use is counted in ``budget``, together with the object FIFOs'.

The rules follow mlir-aie's verifiers (``AIEDialect.cpp``: ``DMABDOp``, ``UseLockOp``,
``MemTileDMAOp``) and, where those check less, the hardware:
- a DMA program belongs to a tile of its kind, one per tile; each of its blocks is a channel
  start (``aie.dma_start`` alone), the end (``aie.end`` alone) or a buffer descriptor: at most
  one ``use_lock`` acquire, one ``aie.dma_bd``, at most one release, then ``aie.next_bd`` (a BD
  holds one lock to wait on and one to release). A start goes to a descriptor and on to the
  next start or the end; a descriptor goes on to a descriptor or the end;
- a channel is started at most once per tile, within the tile kind's channels of its direction;
- a descriptor moves an ``aie.buffer`` of its own tile (mlir-aie lets a memory tile's channels
  0-3 reach its neighbours' memory: not followed here), whole 32-bit words from a word-aligned
  offset, within the buffer; its dimensions (outermost first, in elements) number at most 4 on a
  memory tile and 3 on a compute tile, with strides of at least 1 (the innermost 1 for elements
  under 32 bits), a pattern that stays in the buffer and covers the length it moves;
- a ``use_lock`` acquires or releases 1 to 63 (a lock counts 0-63) of an ``aie.lock`` of the DMA
  program's tile, or in a core, of a memory the core reaches;
- a flow joins two DMA ports in channel range; its source channel is started MM2S on its tile
  (at a shim: an MM2S allocation of that column and channel), its destination S2MM; each hand
  channel and allocation is on a flow, and a destination port takes one flow;
- an allocation's column has a shim DMA, its channel is in range, taken once, and above the
  channels of that direction mlir-aie gives the shim's object FIFOs (from 0 up, without seeing
  allocations in the 2025 releases).
"""

from __future__ import annotations

from xdsl.ir import Block, Operation

from datobench.core.codegen.aie.dialect import BufferOp, CoreOp, EndOp, LockOp
from datobench.core.codegen.aie.handdma import (
    DmaBdOp,
    DmaStartOp,
    MemOp,
    MemTileDmaOp,
    NextBdOp,
    ShimDmaAllocationOp,
    UseLockOp,
)
from datobench.core.codegen.aie.model import AieVerifyError, Scope, Tile, element_bytes

MAX_LOCK_VALUE = 63
MAX_DIMS = {"mem": 4, "compute": 3}
Port = tuple[Tile, str, int]  # a tile, a direction (S2MM, MM2S) and a channel


def check(scope: Scope) -> None:
    starts = _check_regions(scope)
    _check_allocations(scope)
    _check_flows(scope, starts)
    for op in scope.op.walk():
        if isinstance(op, UseLockOp):
            _check_use_lock(scope, op)
        elif isinstance(op, DmaBdOp | DmaStartOp | NextBdOp) and _region_of(op) is None:
            raise AieVerifyError(f"{op.name} outside an aie.mem or aie.memtile_dma", *scope.at(op))


def _channels(scope: Scope, tile: Tile, direction: str) -> int:
    spec = scope.device.target.tiles[scope.kind(tile)]
    return spec.dma_in if direction == "S2MM" else spec.dma_out


def _symbol(op: Operation, otherwise: str) -> str:
    """``@name`` of a buffer or lock by its ``sym_name``, else ``otherwise``."""
    name = op.properties.get("sym_name", op.attributes.get("sym_name"))
    return f"@{name.data}" if name is not None else otherwise


def _region_of(op: Operation) -> MemOp | MemTileDmaOp | None:
    while op is not None and not isinstance(op, MemOp | MemTileDmaOp):
        op = op.parent_op()
    return op


# -- DMA programs ---------------------------------------------------------------------------------


def _check_regions(scope: Scope) -> dict[Port, DmaStartOp]:
    """Each DMA program's tile, blocks, starts and descriptors; the hand channels started."""
    programs: dict[Tile, Operation] = {}
    starts: dict[Port, DmaStartOp] = {}
    for region in scope.regions:
        tile = scope.tile_of(region.tile, region)
        kind, want = scope.kind(tile), "compute" if isinstance(region, MemOp) else "mem"
        if kind != want:
            raise AieVerifyError(
                f"{region.name} on tile {tile}, a {kind} tile: it is a {want} tile's DMA "
                "program (a compute tile's is aie.mem, a memory tile's aie.memtile_dma)",
                *scope.at(region),
            )
        if tile in programs:
            raise AieVerifyError(
                f"tile {tile} has a second DMA program (the first at line "
                f"{scope.design.line(programs[tile])}); one holds all its channels",
                *scope.at(region),
            )
        programs[tile] = region
        _check_blocks(scope, region)
        for op in region.body.walk():
            if isinstance(op, DmaStartOp):
                _check_start(scope, op, tile, starts)
            elif isinstance(op, DmaBdOp):
                _check_bd(scope, op, tile)
    return starts


def _block_kind(block: Block) -> str:
    ops = list(block.ops)
    if len(ops) == 1 and isinstance(ops[0], DmaStartOp):
        return "start"
    if len(ops) == 1 and isinstance(ops[0], EndOp):
        return "end"
    return "bd"


def _check_blocks(scope: Scope, region: MemOp | MemTileDmaOp) -> None:
    blocks = list(region.body.blocks)
    if not blocks:
        raise AieVerifyError(
            f"an empty {region.name}: a DMA program ends in an aie.end block", *scope.at(region)
        )
    if _block_kind(blocks[0]) == "bd":
        raise AieVerifyError(
            f"the first block of {region.name} starts a channel (aie.dma_start) or ends the "
            "program (aie.end), not a buffer descriptor",
            *scope.at(blocks[0].first_op or region),
        )
    for block in blocks:
        kind = _block_kind(block)
        last = block.last_op
        if kind == "bd":
            _check_bd_block(scope, block)
        if kind == "start":
            _check_successor(scope, last, last.dest, ("bd",), "starts at")
            _check_successor(scope, last, last.chain, ("start", "end"), "goes on to")
        elif isinstance(last, NextBdOp):
            _check_successor(scope, last, last.dest, ("bd", "end"), "goes to")


SUCCESSORS = {
    ("bd",): "a buffer descriptor",
    ("start", "end"): "the next aie.dma_start or the end (aie.end)",
    ("bd", "end"): "a buffer descriptor or the end (aie.end)",
}
KIND_NAMES = {"bd": "a buffer descriptor", "start": "a channel start", "end": "the end"}


def _check_successor(scope, op: Operation, block: Block, allowed: tuple, verb: str) -> None:
    kind = _block_kind(block)
    if kind not in allowed:
        where = scope.design.line(block.first_op) if block.first_op else "?"
        raise AieVerifyError(
            f"{op.name} {verb} the block at line {where}, {KIND_NAMES[kind]}; it must be "
            f"{SUCCESSORS[allowed]}",
            *scope.at(op),
        )


def _check_bd_block(scope: Scope, block: Block) -> None:
    """use_lock acquire, one dma_bd, use_lock release, next_bd."""
    bd = None
    taken = given = 0
    for op in block.ops:
        if isinstance(op, DmaBdOp):
            if bd is not None:
                raise AieVerifyError(
                    "a second aie.dma_bd in one block: each buffer descriptor is a block of "
                    "its own",
                    *scope.at(op),
                )
            bd = op
        elif isinstance(op, UseLockOp):
            acquire = op.action.data != "Release"
            if acquire and bd is not None or not acquire and bd is None:
                verb = "acquires" if acquire else "releases"
                side = "after" if acquire else "before"
                raise AieVerifyError(
                    f"aie.use_lock {verb} {side} the block's aie.dma_bd: a buffer descriptor "
                    "acquires its lock before its transfer and releases one after it",
                    *scope.at(op),
                )
            taken, given = taken + acquire, given + (not acquire)
            if max(taken, given) > 1:
                raise AieVerifyError(
                    f"a second {'acquiring' if acquire else 'releasing'} aie.use_lock in one "
                    "buffer descriptor: a BD waits on one lock and releases one",
                    *scope.at(op),
                )
        elif not isinstance(op, NextBdOp | EndOp):
            raise AieVerifyError(
                f"{op.name} in a buffer descriptor's block, which holds aie.use_lock, one "
                "aie.dma_bd and aie.next_bd",
                *scope.at(op),
            )
    last = block.last_op
    if bd is None:
        raise AieVerifyError(
            "a block of a DMA program with no aie.dma_bd: a block is a channel start "
            "(aie.dma_start alone), a buffer descriptor (use_lock, aie.dma_bd, use_lock, "
            "aie.next_bd) or the end (aie.end alone)",
            *scope.at(block.first_op or last),
        )
    if not isinstance(last, NextBdOp):
        raise AieVerifyError(
            f"a buffer descriptor's block ends in aie.next_bd, not {last.name}", *scope.at(last)
        )


def _check_start(scope: Scope, op: DmaStartOp, tile: Tile, starts: dict) -> None:
    direction, channel = op.channel_dir.data, op.channel_index.value.data
    n = _channels(scope, tile, direction)
    if not 0 <= channel < n:
        raise AieVerifyError(
            f"aie.dma_start({direction}, {channel}) on tile {tile} ({scope.kind(tile)}): its "
            f"{direction} channels are 0-{n - 1}",
            *scope.at(op),
        )
    port = (tile, direction, channel)
    if port in starts:
        raise AieVerifyError(
            f"aie.dma_start({direction}, {channel}) on tile {tile}: the channel is already "
            f"started at line {scope.design.line(starts[port])}",
            *scope.at(op),
        )
    starts[port] = op


def _check_bd(scope: Scope, op: DmaBdOp, tile: Tile) -> None:
    buffer = op.buffer.owner
    if not isinstance(buffer, BufferOp):
        raise AieVerifyError(
            "aie.dma_bd moves an aie.buffer; this operand is not one", *scope.at(op)
        )
    name = _symbol(buffer, "the buffer")
    home = scope.tile_of(buffer.tile, buffer)
    if home != tile:
        raise AieVerifyError(
            f"aie.dma_bd in the DMA program of tile {tile} moves {name} of tile {home}: a "
            "tile's DMA moves its own buffers",
            *scope.at(op),
        )
    memref = op.buffer.type
    n = 1
    for d in memref.get_shape():
        n *= d
    offset, length, size = op.offset.value.data, op.length, element_bytes(memref)
    if (length * size) % 4 or length < 1:
        raise AieVerifyError(
            f"aie.dma_bd of {length} elements of {size} byte(s): a transfer is a whole, nonzero "
            "number of 32-bit words",
            *scope.at(op),
        )
    if (offset * size) % 4 or offset < 0:
        raise AieVerifyError(
            f"aie.dma_bd offset {offset} ({offset * size} bytes): a descriptor starts at a "
            "32-bit word of its buffer",
            *scope.at(op),
        )
    if op.dimensions is None:
        if offset + length > n:
            raise AieVerifyError(
                f"aie.dma_bd moves elements {offset} to {offset + length - 1} of {name}, a "
                f"buffer of {n} elements",
                *scope.at(op),
            )
        return
    _check_dims(scope, op, name, n, size)


def _check_dims(scope: Scope, op: DmaBdOp, name: str, n: int, size: int) -> None:
    dims = [(d.size.data, d.stride.data) for d in op.dimensions.data]
    region = _region_of(op)
    most = MAX_DIMS["mem" if isinstance(region, MemTileDmaOp) else "compute"]
    if len(dims) > most:
        raise AieVerifyError(
            f"aie.dma_bd with {len(dims)} dimensions in {region.name}: at most {most} there",
            *scope.at(op),
        )
    for s, t in dims:
        if s < 1 or t < 1:
            raise AieVerifyError(
                f"aie.dma_bd dimension <size = {s}, stride = {t}>: sizes and strides are at "
                "least 1",
                *scope.at(op),
            )
    if size < 4 and dims[-1][1] != 1:
        raise AieVerifyError(
            f"aie.dma_bd innermost stride {dims[-1][1]}: elements under 32 bits need stride 1 "
            "there (the DMA moves words)",
            *scope.at(op),
        )
    last = op.offset.value.data + sum((s - 1) * t for s, t in dims)
    if last >= n:
        raise AieVerifyError(
            f"aie.dma_bd's pattern reaches element {last} of {name}, a buffer of {n} elements",
            *scope.at(op),
        )
    covered = 1
    for s, _ in dims:
        covered *= s
    if op.length > covered:
        raise AieVerifyError(
            f"aie.dma_bd moves {op.length} elements, but its pattern's sizes cover {covered}",
            *scope.at(op),
        )


def _check_use_lock(scope: Scope, op: UseLockOp) -> None:
    if not 1 <= op.amount <= MAX_LOCK_VALUE:
        raise AieVerifyError(
            f"aie.use_lock {op.action.data} {op.amount}: an acquire or release moves 1 to "
            f"{MAX_LOCK_VALUE} (a lock counts 0-{MAX_LOCK_VALUE})",
            *scope.at(op),
        )
    lock = op.lock.owner
    if not isinstance(lock, LockOp):
        raise AieVerifyError(
            "aie.use_lock takes an aie.lock; this operand is not one", *scope.at(op)
        )
    home = scope.tile_of(lock.tile, lock)
    name = _symbol(lock, "its lock")
    region = _region_of(op)
    if region is not None:
        tile = scope.tile_of(region.tile, region)
        if home != tile:
            raise AieVerifyError(
                f"aie.use_lock of {name} of tile {home} in the DMA program of tile {tile}: a "
                "tile's DMA uses its own locks",
                *scope.at(op),
            )
        return
    core = op.parent_op()
    while core is not None and not isinstance(core, CoreOp):
        core = core.parent_op()
    if core is None:
        raise AieVerifyError(
            "aie.use_lock outside an aie.core, aie.mem or aie.memtile_dma", *scope.at(op)
        )
    tile = scope.tile_of(core.tile, core)
    if home != tile and home not in scope.device.target.reachable_memories(tile):
        raise AieVerifyError(
            f"aie.use_lock of {name} of tile {home} in the core of tile {tile}, which does not "
            "reach that tile's memory",
            *scope.at(op),
        )


# -- shim allocations and flows -------------------------------------------------------------------


def _fifo_channels(scope: Scope, tile: Tile, direction: str) -> int:
    """How many channels of ``direction`` the object FIFOs with an end at ``tile`` take."""
    n = 0
    for fifo in scope.fifos.values():
        if direction == "MM2S":
            n += scope.producer(fifo) == tile
        else:
            n += tile in scope.consumers(fifo)
    return n


def _check_allocations(scope: Scope) -> None:
    seen: dict[Port, ShimDmaAllocationOp] = {}
    dev = scope.device
    for name, op in scope.allocations.items():
        col, direction = op.col.value.data, op.channel_dir.data
        channel = op.channel_index.value.data
        if col not in dev.shim_dma_columns:
            raise AieVerifyError(
                f"aie.shim_dma_allocation @{name} in column {col}: {dev.name} has shim DMAs in "
                f"columns {', '.join(map(str, dev.shim_dma_columns))}",
                *scope.at(op),
            )
        tile = dev.target.shim_tile(col)
        n = _channels(scope, tile, direction)
        if not 0 <= channel < n:
            raise AieVerifyError(
                f"aie.shim_dma_allocation @{name}: {direction} channel {channel} of shim tile "
                f"{tile}; its {direction} channels are 0-{n - 1}",
                *scope.at(op),
            )
        port = (tile, direction, channel)
        if port in seen:
            raise AieVerifyError(
                f"aie.shim_dma_allocation @{name}: {direction} channel {channel} of shim tile "
                f"{tile} is already @{seen[port].sym_name.data}'s",
                *scope.at(op),
            )
        seen[port] = op
        fifos = _fifo_channels(scope, tile, direction)
        if channel < fifos:
            raise AieVerifyError(
                f"aie.shim_dma_allocation @{name} takes {direction} channel {channel} of shim "
                f"tile {tile}, which mlir-aie gives an object FIFO: it numbers the {fifos} "
                f"object FIFO {direction} channel(s) there from 0 up, not seeing allocations",
                *scope.at(op),
            )


def _check_flows(scope: Scope, starts: dict[Port, DmaStartOp]) -> None:
    ports: dict[Port, Operation] = {}  # each flow's two ends, as (tile, direction, channel)
    for flow in scope.flows:
        ends = [
            (scope.tile_of(flow.source, flow), flow.sourceBundle.data, flow.sourceChannel, "MM2S"),
            (scope.tile_of(flow.dest, flow), flow.destBundle.data, flow.destChannel, "S2MM"),
        ]
        for tile, bundle, channel, direction in ends:
            channel = channel.value.data
            side = "from" if direction == "MM2S" else "into"
            if bundle != "DMA":
                raise AieVerifyError(
                    f"aie.flow {side} {bundle} : {channel}: datobench's verifier follows flows "
                    "between DMA channels only",
                    *scope.at(flow),
                )
            n = _channels(scope, tile, direction)
            if not 0 <= channel < n:
                raise AieVerifyError(
                    f"aie.flow {side} DMA : {channel} of tile {tile} ({scope.kind(tile)}): its "
                    f"{direction} channels are 0-{n - 1}",
                    *scope.at(flow),
                )
            port = (tile, direction, channel)
            if direction == "S2MM" and port in ports:
                raise AieVerifyError(
                    f"aie.flow into DMA : {channel} of tile {tile}: the flow at line "
                    f"{scope.design.line(ports[port])} already arrives there (a port takes one)",
                    *scope.at(flow),
                )
            ports.setdefault(port, flow)
    _check_ports_driven(scope, starts, ports)


def _check_ports_driven(scope: Scope, starts: dict, ports: dict[Port, Operation]) -> None:
    """Every hand channel (a start, or at a shim an allocation) is a flow's end of its
    direction, and every flow's end is a hand channel."""
    shims = {_shim_port(scope, op): op for op in scope.allocations.values()}
    for port, op in [*shims.items(), *starts.items()]:
        if port not in ports:
            tile, direction, channel = port
            what = f" @{op.sym_name.data}" if isinstance(op, ShimDmaAllocationOp) else ""
            verb = "leaves" if direction == "MM2S" else "arrives at"
            raise AieVerifyError(
                f"{op.name}{what}({direction}, {channel}) on tile {tile}: no aie.flow {verb} "
                f"DMA : {channel} there; an MM2S channel sends into a flow, an S2MM channel "
                "takes one in",
                *scope.at(op),
            )
    for port, flow in ports.items():
        if port in starts or port in shims:
            continue
        tile, direction, channel = port
        side = "from" if direction == "MM2S" else "into"
        driver = (
            f"aie.shim_dma_allocation of {direction} channel {channel} in column {tile[0]}"
            if scope.kind(tile) == "shim"
            else f"aie.dma_start({direction}, {channel}) in its DMA program"
        )
        raise AieVerifyError(
            f"aie.flow {side} DMA : {channel} of tile {tile}, which has no {driver}",
            *scope.at(flow),
        )


def _shim_port(scope: Scope, op: ShimDmaAllocationOp) -> Port:
    tile = scope.device.target.shim_tile(op.col.value.data)
    return tile, op.channel_dir.data, op.channel_index.value.data
