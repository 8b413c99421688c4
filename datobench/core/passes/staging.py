"""Staged panels in the mapper: where the buffer of a group of readers lives, what it books,
and the located refusal of a panel that no memory could hold.

The instances that see the same shard of a staged parameter (they differ only along mapping
axes its layout replicates) share one buffer of ``depth`` x panel bytes:

- NPU: in one memory tile, that of the column most of the group's readers are in (the readers'
  own column when they share one). It is counted as a memory-tile object FIFO link whose wide
  side is the panel: a shim -> memory tile FIFO of its own (the shim's output channel and lock
  pair, the memory tile's input channel), ``depth`` buffers of the panel's bytes with one lock
  pair, one buffer descriptor per buffer on the channel that fills it and one per buffer on
  the channel that sends the readers their slices (``2 x depth``), and that one output channel,
  broadcast to the readers. Each reader keeps its ping-pong buffer of the largest slice, one
  input channel and two descriptors, as for any DDR read.
  With ``parts=P`` (depth 1) the panel's P part buffers have a lock pair each and the memory
  tile's DMA, written by hand, a descriptor per part on each of its two channels (``2P``);
  the shim's channel is a ``shim_dma_allocation``, with no locks; each reader also keeps the
  4-byte count of the slices it has taken (``codegen/aie/parts.py``). Those descriptors also
  go to the memory tile's BD pools by channel parity, once the channels are known: the router
  books the pools after every stream (``route_npu.NpuRouting.book_pools``).
- FPGA: on-chip RAM of the kernel, ``depth`` x panel bytes per group, filled from DDR once per
  panel; the readers index it, so they have no burst buffer of their own for it.
"""

from __future__ import annotations

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Tile, TileUse
from datobench.core.ir.program import Graph
from datobench.core.passes.analysis import Access
from datobench.core.passes.resources import (
    BDS,
    LOCKS,
    ONCHIP,
    Ledger,
    device_capacity,
    kib,
    memory_resource,
)
from datobench.core.targets import MEM, Target

STAGED = " staged panel x"  # how the ledger names a staged buffer: "<shard> staged panel x2"
SLICE_COUNT = 4  # bytes: a memref<1xi32> in each reader of a parted panel


def book_panel(ledger: Ledger, mem: Tile | None, who: str, access: Access):
    """The staged buffer of one group of readers, in its memory tile (or, ``mem`` None, the
    device's on-chip memory), as the module's docstring counts it."""
    parts = access.stage.parts
    if mem is None or parts == 1:
        ledger.buffer(mem, f"{who}{STAGED}{access.stage.depth}", panel_buffer(access))
        if mem is not None:
            ledger.add(mem, BDS, 2 * access.stage.depth, who)
        return
    ledger.add(mem, memory_resource(mem), panel_buffer(access), f"{who}{STAGED}1 buffer")
    ledger.add(mem, LOCKS, 2 * parts, f"{who} ({parts} parts)")
    ledger.add(mem, BDS, 2 * parts, f"{who} ({parts} parts)")


def book_parted_reader(ledger: Ledger, tile: Tile, who: str):
    """What a reader of a parted panel holds beyond any DDR reader's ping-pong buffer, lock
    pair, two descriptors and input channel: the count of slices it has taken, whose parity
    picks the buffer (``codegen/aie/parts.py``)."""
    ledger.add(tile, memory_resource(tile), SLICE_COUNT, f"{who} slice count")


def staged_buffers(use: TileUse) -> list[tuple[str, int]]:
    """The staged buffers a tile (or the device) holds, by the shard they stage
    (``B[0:64, 0:32]``), with their bytes."""
    return [
        (who.split(STAGED)[0].split(" (")[0], n)
        for who, n in use.items.get(memory_resource(use.tile if use.kind != "device" else None), [])
        if STAGED in who
    ]


def panel_buffer(access: Access) -> int:
    """Bytes of a staged buffer: its depth times the panel's bytes."""
    return access.stage.depth * access.panel_bytes


def check_panels(graph: Graph, profiles: dict, target: Target, device: bool):
    """Refuse, at the parameter's annotation, a staged buffer larger than the memory that
    would hold it (a memory tile's data memory; with ``device``-wide budgets, an FPGA's
    on-chip memory), before mapping tries placements that could not help."""
    capacity, where = _capacity(target, device)
    for prof in profiles.values():
        for a in prof.accesses:
            if a.stage is None or panel_buffer(a) <= capacity:
                continue
            task = next(t for t in graph.region.tasks if t.name == graph.instance(a.instance).task)
            loc = next(p.loc for p in task.params if p.name == a.param)
            raise MappingError(
                f"the staged panel {a.stage.panel} of '{a.param}' ({a.buffer}) takes "
                f"{kib(panel_buffer(a))} at depth {a.stage.depth} ({a.stage.depth} x "
                f"{kib(a.panel_bytes)}), more than the {kib(capacity)} of {where}",
                loc,
                notes=(_PANEL_HINTS[a.stage.depth],),
            )


_PANEL_HINTS = {
    1: "hint: stage a smaller panel (fewer columns of it, or a shorter K)",
    2: "hint: use depth=1, or stage a smaller panel",
}


def _capacity(target: Target, device: bool) -> tuple[int, str]:
    if device:
        return device_capacity(target)[ONCHIP], f"on-chip memory device {target.name} has"
    return target.tiles[MEM].usable_memory, f"data memory a memory tile of {target.name} has"
