"""One ``aie.device`` of a parsed design, indexed for the verifier: its partition, tiles,
object FIFOs, links, cores, hand-written DMA (shim allocations, flows, DMA regions) and the
line of each op for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Operation, SSAValue

from datobench.core.codegen.aie.devices import Device
from datobench.core.codegen.aie.dialect import CoreOp, DeviceOp, TileOp
from datobench.core.codegen.aie.handdma import (
    FlowOp,
    MemOp,
    MemTileDmaOp,
    ShimDmaAllocationOp,
)
from datobench.core.codegen.aie.objectfifo import ObjectFifoCreateOp, ObjectFifoLinkOp
from datobench.core.codegen.aie.parse import AieError, Design

Tile = tuple[int, int]
RELEASE_LINE = re.compile(r"^\s*//\s*mlir-aie release (\S+?):?\s")


class AieVerifyError(AieError):
    """A design that breaks a rule of the hardware or of mlir-aie's dialects."""


def release_of(text: str) -> str | None:
    """The release a leading comment records (``// mlir-aie release <name>: ...``, which the
    emitter writes on the first line), if any."""
    for line in text.splitlines():
        if not line.lstrip().startswith("//"):
            break
        if match := RELEASE_LINE.match(line + " "):
            return match[1]
    return None


def element_bytes(memref: MemRefType) -> int:
    return memref.element_type.bitwidth // 8 if hasattr(memref.element_type, "bitwidth") else 4


def memref_bytes(memref: MemRefType) -> int:
    n = 1
    for d in memref.get_shape():
        n *= d
    return n * max(element_bytes(memref), 1)


@dataclass
class Scope:
    design: Design
    op: DeviceOp
    device: Device
    release: str | None = None  # the mlir-aie release the design is written for, if known
    tiles: dict[SSAValue, Tile] = field(default_factory=dict)
    fifos: dict[str, ObjectFifoCreateOp] = field(default_factory=dict)
    links: list[ObjectFifoLinkOp] = field(default_factory=list)
    cores: dict[Tile, CoreOp] = field(default_factory=dict)
    allocations: dict[str, ShimDmaAllocationOp] = field(default_factory=dict)
    flows: list[FlowOp] = field(default_factory=list)
    regions: list[MemOp | MemTileDmaOp] = field(default_factory=list)  # DMA programs

    def at(self, op: Operation) -> tuple[str, int]:
        """The design's text and ``op``'s line in it, for an ``AieVerifyError``."""
        return self.design.text, self.design.line(op)

    def tile_of(self, value: SSAValue, user: Operation) -> Tile:
        if value not in self.tiles:
            raise AieVerifyError(
                f"{user.name}: {value.name_hint or 'operand'} is not an aie.tile", *self.at(user)
            )
        return self.tiles[value]

    def kind(self, tile: Tile) -> str:
        return self.device.tile_kind(*tile) or "none"

    def producer(self, fifo: ObjectFifoCreateOp) -> Tile:
        return self.tile_of(fifo.producerTile, fifo)

    def consumers(self, fifo: ObjectFifoCreateOp) -> list[Tile]:
        return [self.tile_of(t, fifo) for t in fifo.consumerTiles]

    def fifo(self, name: str, user: Operation) -> ObjectFifoCreateOp:
        if name not in self.fifos:
            raise AieVerifyError(
                f"{user.name}: no object FIFO @{name} in this device", *self.at(user)
            )
        return self.fifos[name]

    def element(self, fifo: ObjectFifoCreateOp) -> MemRefType:
        return fifo.elemType.element

    def shared_memory(self, fifo: ObjectFifoCreateOp) -> Tile | None:
        """Where a FIFO's buffers live when its two ends share memory (no DMA), else None:
        one consumer, both ends compute tiles, one reaching the other's memory, no via_DMA."""
        if len(fifo.consumerTiles) != 1 or "via_DMA" in fifo.attributes:
            return None
        a, b = self.producer(fifo), self.consumers(fifo)[0]
        if self.kind(a) != "compute" or self.kind(b) != "compute":
            return None
        target = self.device.target
        if b in target.reachable_memories(a):
            return b
        if a in target.reachable_memories(b):
            return a
        return None

    def link_of(self, fifo: str, side: str) -> ObjectFifoLinkOp | None:
        """The link that takes ``fifo`` as an input (``side="in"``) or makes it (``"out"``)."""
        for link in self.links:
            if fifo in (link.ins if side == "in" else link.outs):
                return link
        return None


def scope_of(design: Design, op: DeviceOp, device: Device, release: str | None) -> Scope:
    scope = Scope(design, op, device, release)
    for child in op.body.block.ops:
        if isinstance(child, TileOp):
            scope.tiles[child.result] = child.coords
        elif isinstance(child, ObjectFifoCreateOp):
            scope.fifos[child.sym_name.data] = child
        elif isinstance(child, ObjectFifoLinkOp):
            scope.links.append(child)
        elif isinstance(child, ShimDmaAllocationOp):
            scope.allocations[child.sym_name.data] = child
        elif isinstance(child, FlowOp):
            scope.flows.append(child)
        elif isinstance(child, MemOp | MemTileDmaOp):
            scope.regions.append(child)
    return scope
