"""The emulator's hand-written DMA (``parts.py`` writes it for a staged panel in parts).

- ``aie.lock`` is a counting lock: ``use_lock(l, AcquireGreaterEqual, v)`` waits until it holds
  at least v and takes v; ``Release, v`` adds v. A count past 63 is an error, as the
  hardware's 6-bit count cannot hold it (AIE-ML), and so is an ``Acquire`` (equal) or a lock no
  ``aie.lock`` declares.
- Every ``aie.dma_start`` in a tile's ``aie.mem``/``aie.memtile_dma`` starts a channel on its
  chain of BD blocks (acquires, one ``aie.dma_bd``, releases, ``aie.next_bd``), which runs as
  a process of the scheduler until the chain reaches ``aie.end``. A BD's offset, length and
  ``<size, stride>`` dimensions (outermost first) count elements of its buffer's type.
- An MM2S BD sends what it visits, as bytes, to every destination of the ``aie.flow``s from its
  port (tile, DMA channel): a broadcast moves at the pace of its slowest destination. An S2MM
  BD writes the next bytes reaching its port. A flow holds at most ``STREAM_BYTES`` on the way
  (a few words of the stream switch), so a sender waits for its receivers as on the device
  and a design that deadlocks there deadlocks here.
- ``aie.shim_dma_allocation @name(dir, channel, col)`` is the shim channel the runtime sequence
  drives with ``metadata = @name``: its transfers (``emu_dma.Transfer``) run in issue order,
  into the array (MM2S) or out to the host buffer (S2MM).

For the scheduler's check that an invocation is complete (``emulate``), ``state()`` is every
lock's count, every channel's place in its chain and every flow's bytes on the way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from xdsl.ir import Block, Operation, SSAValue

from datobench.core.codegen.aie.dialect import LockOp
from datobench.core.codegen.aie.emu_dma import Transfer, Wait
from datobench.core.codegen.aie.emu_fifo import Tile, layout_index
from datobench.core.codegen.aie.emu_kernels import EmulationError
from datobench.core.codegen.aie.handdma import (
    DmaBdOp,
    DmaStartOp,
    FlowOp,
    MemOp,
    MemTileDmaOp,
    NextBdOp,
    ShimDmaAllocationOp,
    UseLockOp,
)

STREAM_BYTES = 64  # bytes a flow holds between its sender and a receiver

Port = tuple[Tile, int]  # a tile's DMA channel


@dataclass
class Lock:
    name: str
    value: int
    line: int


class Stream:
    """The bytes on their way to one destination port of a flow."""

    def __init__(self):
        self.data = bytearray()

    @property
    def room(self) -> int:
        return STREAM_BYTES - len(self.data)

    def take(self, n: int) -> bytes:
        got = bytes(self.data[:n])
        del self.data[:n]
        return got


def _tile_name(tile: Tile) -> str:
    return f"tile ({tile[0]}, {tile[1]})"


class _Mover:
    """What a channel and a shim channel share: sending bytes out of a port, receiving them at
    one."""

    def __init__(self, hand: HandDma, port: Port, sends: bool, name: str):
        self.hand = hand
        self.port = port
        self.name = name
        self.dests = hand.fanout.get(port, []) if sends else []
        self.stream = None if sends else hand.streams.get(port)
        self.moved = 0  # bytes of the current BD or transfer moved

    def send(self, data: bytes, what: str, line: int) -> Iterator[Wait]:
        if not self.dests:
            raise EmulationError(
                f"line {line}: {self.name} sends on no aie.flow from its port (DMA : "
                f"{self.port[1]} of {_tile_name(self.port[0])})"
            )
        sent = 0
        while sent < len(data):
            room = min(s.room for s in self.dests)
            if room == 0:
                yield Wait(self.name, f"send {what} (its receivers are full)", line)
                continue
            chunk = data[sent : sent + room]
            for stream in self.dests:
                stream.data += chunk
            sent += len(chunk)
            self.moved = sent
            self.hand.steps[0] += 1
        self.moved = 0

    def receive(self, size: int, what: str, line: int) -> Iterator[Wait]:
        """Yields while waiting; returns the ``size`` bytes received."""
        if self.stream is None:
            raise EmulationError(
                f"line {line}: {self.name} receives on no aie.flow to its port (DMA : "
                f"{self.port[1]} of {_tile_name(self.port[0])})"
            )
        got = bytearray()
        while len(got) < size:
            if not self.stream.data:
                yield Wait(self.name, f"receive {what}", line)
                continue
            got += self.stream.take(size - len(got))
            self.moved = len(got)
            self.hand.steps[0] += 1
        self.moved = 0
        return bytes(got)


class Channel(_Mover):
    """One started channel of a tile's DMA, running its BD chain."""

    def __init__(self, hand: HandDma, tile: Tile, start: DmaStartOp):
        direction = start.channel_dir.data
        index = start.channel_index.value.data
        name = f"{direction} channel {index} of {_tile_name(tile)}"
        super().__init__(hand, (tile, index), direction == "MM2S", name)
        self.sends = direction == "MM2S"
        self.first = start.dest
        self.line = hand.design.line(start)
        self.at: int | None = None  # the design line it is blocked or busy at
        if start.repeat_count is not None:
            raise EmulationError(
                f"line {self.line}: the emulator does not run a hand BD chain with a repeat_count"
            )

    @property
    def position(self) -> tuple[int | None, int]:
        return self.at, self.moved

    def run(self) -> Iterator[Wait]:
        block: Block | None = self.first
        while block is not None:
            block = yield from self._bd(block)
        self.at = None

    def _bd(self, block: Block) -> Iterator[Wait]:
        """Run one BD block; returns the next (None at ``aie.end``)."""
        design = self.hand.design
        for op in block.ops:
            line = design.line(op)
            self.at = line
            if isinstance(op, UseLockOp):
                yield from self.hand.use_lock(op, self.name, line)
            elif isinstance(op, DmaBdOp):
                yield from self._move(op, line)
            elif isinstance(op, NextBdOp):
                return op.dest
            elif op.name == "aie.end":
                return None
            else:
                raise EmulationError(f"line {line}: the emulator does not run {op.name} in a BD")
        raise EmulationError(
            f"line {line}: a BD block of {self.name} ends without an aie.next_bd or aie.end"
        )

    def _move(self, op: DmaBdOp, line: int) -> Iterator[Wait]:
        flat = self.hand.design.buffers[op.buffer].reshape(-1)  # a BD block holds no other op
        index = bd_index(op)
        if len(index) and (index.min() < 0 or index.max() >= len(flat)):
            raise EmulationError(
                f"line {line}: aie.dma_bd reaches element {index.max()} (lowest "
                f"{index.min()}) of a buffer of {len(flat)} elements"
            )
        what = f"{len(index)} elements of a buffer"
        if self.sends:
            yield from self.send(np.ascontiguousarray(flat[index]).tobytes(), what, line)
        else:
            data = yield from self.receive(len(index) * flat.itemsize, what, line)
            flat[index] = np.frombuffer(data, flat.dtype)


def bd_index(op: DmaBdOp) -> np.ndarray:
    """The flat element indices of its buffer a BD visits, in order."""
    offset = op.offset.value.data
    if op.dimensions is None:
        return offset + np.arange(op.length, dtype=np.int64)
    dims = tuple((d.size.data, d.stride.data) for d in op.dimensions.data)
    return offset + layout_index(dims)


class ShimChannel(_Mover):
    """A shim channel named by ``aie.shim_dma_allocation``: the transfers the runtime sequence
    issues on it, in order (the interface of ``emu_dma.ShimPort``)."""

    def __init__(self, hand: HandDma, op: ShimDmaAllocationOp):
        self.symbol = op.sym_name.data
        self.into_fifo = op.channel_dir.data == "MM2S"  # into the array
        col, index = op.col.value.data, op.channel_index.value.data
        name = f"shim DMA of @{self.symbol}"
        super().__init__(hand, ((col, 0), index), self.into_fifo, name)
        self.pending: deque[Transfer] = deque()

    @property
    def idle(self) -> bool:
        return not self.pending

    def issue(self, transfer: Transfer) -> None:
        self.pending.append(transfer)

    def left(self) -> str | None:
        return None  # an idle shim channel holds nothing; its flow's bytes are the flow's

    def run(self) -> Iterator[Wait]:
        while True:
            if not self.pending:
                yield Wait(self.name, "a transfer to be issued", None)
                continue
            transfer = self.pending[0]
            what = f"the {len(transfer.index)} elements of a transfer"
            if self.into_fifo:
                data = np.ascontiguousarray(transfer.host[transfer.index]).tobytes()
                yield from self.send(data, what, transfer.line)
            else:
                size = len(transfer.index) * transfer.host.itemsize
                data = yield from self.receive(size, what, transfer.line)
                transfer.host[transfer.index] = np.frombuffer(data, transfer.host.dtype)
            transfer.done = len(transfer.index)
            self.pending.popleft()


class HandDma:
    """The locks, flows and channels of a design's hand-written DMA."""

    def __init__(self, design, steps: list[int]):
        self.design = design
        self.steps = steps
        self.locks: dict[SSAValue, Lock] = {}
        self.streams: dict[Port, Stream] = {}
        self.fanout: dict[Port, list[Stream]] = {}
        self.channels: list[Channel] = []
        self.shims: dict[str, ShimChannel] = {}
        module = design.module
        for op in module.walk():
            if isinstance(op, LockOp):
                self.locks[op.result] = self._lock(op)
            elif isinstance(op, FlowOp):
                self._flow(op)
        for op in module.walk():  # the channels find their flows
            if isinstance(op, ShimDmaAllocationOp):
                self.shims[op.sym_name.data] = ShimChannel(self, op)
            elif isinstance(op, MemOp | MemTileDmaOp):
                self._starts(op)

    def _lock(self, op: LockOp) -> Lock:
        tile = self.design.tiles[op.tile]
        name = op.attributes.get("sym_name")
        init = op.attributes.get("init")
        return Lock(
            name.data if name is not None else f"lock {op.lockID} of {_tile_name(tile)}",
            0 if init is None else init.value.data,
            self.design.line(op),
        )

    def _flow(self, op: FlowOp) -> None:
        line = self.design.line(op)
        for bundle in (op.sourceBundle, op.destBundle):
            if bundle.data != "DMA":
                raise EmulationError(
                    f"line {line}: the emulator runs flows between DMA ports only, not "
                    f"{bundle.data}"
                )
        src = (self.design.tiles[op.source], op.sourceChannel.value.data)
        dst = (self.design.tiles[op.dest], op.destChannel.value.data)
        if dst in self.streams:
            raise EmulationError(f"line {line}: a second aie.flow ends at the same DMA port")
        self.streams[dst] = Stream()
        self.fanout.setdefault(src, []).append(self.streams[dst])

    def _starts(self, region: Operation) -> None:
        tile = self.design.tiles[region.operands[0]]
        block = region.regions[0].blocks.first
        while block is not None:
            start = block.last_op
            if not isinstance(start, DmaStartOp):
                break  # the end block
            self.channels.append(Channel(self, tile, start))
            block = start.chain

    def processes(self) -> list[tuple[str, Iterator[Wait]]]:
        movers = [*self.channels, *self.shims.values()]
        return [(m.name, m.run()) for m in movers]

    # -- locks ---------------------------------------------------------------------------------

    def use_lock(self, op: UseLockOp, who: str, line: int) -> Iterator[Wait]:
        lock = self.locks.get(op.lock)
        if lock is None:
            raise EmulationError(f"line {line}: aie.use_lock names no aie.lock")
        action, n = op.action.data, op.amount
        if action == "Release":
            lock.value += n
            if lock.value > 63:
                raise EmulationError(
                    f"line {line}: {who} releases {n} to lock @{lock.name}, which would count "
                    f"{lock.value}: past the most a lock can count (63)"
                )
            self.steps[0] += 1
            return
        if action != "AcquireGreaterEqual":
            raise EmulationError(f"line {line}: the emulator runs no use_lock {action}")
        while lock.value < n:
            yield Wait(who, f"acquire lock @{lock.name} >= {n} (it holds {lock.value})", line)
        lock.value -= n
        self.steps[0] += 1

    # -- reports -------------------------------------------------------------------------------

    def state(self) -> tuple:
        return (
            tuple(lock.value for lock in self.locks.values()),
            tuple(c.position for c in self.channels),
            tuple(len(s.data) for s in self.streams.values()),
        )

    def unsettled(self, rest: tuple) -> list[str]:
        """What differs from ``rest`` (an earlier ``state()``), for the invocation check."""
        values, positions, levels = rest
        notes = [
            f"lock @{lock.name} counts {lock.value}, {was} at rest"
            for lock, was in zip(self.locks.values(), values)
            if lock.value != was
        ]
        notes += [
            f"{c.name} is at design line {c.at} with {c.moved} bytes of its BD moved, at "
            f"line {was[0]} with {was[1]} at rest"
            for c, was in zip(self.channels, positions)
            if c.position != was
        ]
        notes += [
            f"a flow to DMA : {port[1]} of {_tile_name(port[0])} holds {len(s.data)} bytes, "
            f"{was} at rest"
            for (port, s), was in zip(self.streams.items(), levels)
            if len(s.data) != was
        ]
        return notes
