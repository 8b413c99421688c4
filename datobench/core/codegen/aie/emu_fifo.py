"""The emulator's object FIFOs: ``depth`` buffers shared by one producer and its consumers,
with mlir-aie's acquire/release semantics.

An endpoint acquires cumulatively (``acquire(Consume, 2)`` while holding one waits for one more)
and releases its oldest buffers first. The producer fills buffers of a ring of ``depth``, so a
buffer it acquires again holds what it last wrote there, as on the tile. A released buffer is
delivered to every consumer (a copy each, so a broadcast's consumers never see each other's
writes; a ``toStream`` layout on the producer reorders what is sent, as the producer's DMA
does), and it is free again once every consumer has released it. A FIFO therefore holds at
most ``depth`` elements in flight, as a stream of that depth does in ``sim``: on the hardware a
FIFO across a DMA has a second set of buffers at the consumer, which only adds room, so a design
that runs here runs there.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

Tile = tuple[int, int]


@dataclass(frozen=True)
class FifoDecl:
    """An ``aie.objectfifo`` as the design declares it."""

    name: str
    producer: Tile
    consumers: tuple[Tile, ...]
    depth: int  # the producer's depth: buffers in flight
    shape: tuple[int, ...]
    dtype: np.dtype
    line: int
    to_stream: tuple[tuple[int, int], ...] = ()  # (size, stride) per dim, outermost first
    repeat: int = 1  # ``repeat_count``: a memory tile link sends each of its buffers this often

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


def layout_index(dims: tuple[tuple[int, int], ...]) -> np.ndarray:
    """The element indices that (size, stride) dimensions visit, outermost first."""
    index = np.zeros((), dtype=np.int64)
    for size, stride in dims:
        index = index[..., None] + np.arange(size, dtype=np.int64) * stride
    return index.reshape(-1)


class ObjectFifo:
    """The run-time state of one object FIFO."""

    def __init__(self, decl: FifoDecl):
        self.decl = decl
        self.ring = [np.zeros(decl.shape, decl.dtype) for _ in range(decl.depth)]
        self.produced = 0  # buffers released by the producer so far
        self.held_produce = 0
        self.queue: deque[dict[Tile, np.ndarray]] = deque()  # released, not yet freed by all
        self.base = 0  # index (in production order) of queue[0]
        self.released = {c: 0 for c in decl.consumers}  # per consumer: buffers released
        self.held = {c: 0 for c in decl.consumers}
        order = layout_index(decl.to_stream) if decl.to_stream else None
        # a layout spanning a linked input's larger buffer is the link's to apply (emu_link)
        self.order = order if order is not None and len(order) == decl.size else None

    # -- the producer --------------------------------------------------------------------------

    def can_produce(self, n: int) -> bool:
        return n <= self.decl.depth - len(self.queue)

    def acquire_produce(self, n: int) -> list[np.ndarray] | None:
        """The producer's ``n`` oldest held buffers, or None while they are not free."""
        if not self.can_produce(n):
            return None
        self.held_produce = max(self.held_produce, n)
        return [self.ring[(self.produced + k) % self.decl.depth] for k in range(n)]

    def release_produce(self, n: int) -> None:
        for _ in range(n):
            buffer = self.ring[self.produced % self.decl.depth]
            if self.order is not None:
                buffer = buffer.reshape(-1)[self.order].reshape(self.decl.shape)
            self.queue.append({c: buffer.copy() for c in self.decl.consumers})
            self.produced += 1
        self.held_produce = max(self.held_produce - n, 0)

    # -- a consumer ----------------------------------------------------------------------------

    def available(self, consumer: Tile) -> int:
        return self.base + len(self.queue) - self.released[consumer]

    def acquire_consume(self, consumer: Tile, n: int) -> list[np.ndarray] | None:
        """The consumer's ``n`` oldest unreleased elements, or None while fewer have arrived."""
        if self.available(consumer) < n:
            return None
        self.held[consumer] = max(self.held[consumer], n)
        first = self.released[consumer] - self.base
        return [self.queue[first + k][consumer] for k in range(n)]

    def release_consume(self, consumer: Tile, n: int) -> None:
        n = min(n, self.available(consumer))
        self.released[consumer] += n
        self.held[consumer] = max(self.held[consumer] - n, 0)
        done = min(self.released.values())
        while self.base < done:
            self.queue.popleft()
            self.base += 1

    # -- reports -------------------------------------------------------------------------------

    def level(self) -> tuple:
        """What it holds, per consumer and at the producer: equal at the end of an invocation
        to what it held at rest, or the next invocation starts out of step."""
        return (tuple(self.available(c) for c in self.decl.consumers), self.held_produce)

    def fill(self) -> str:
        """How full it is, for a deadlock report."""
        return f"{len(self.queue)} of {self.decl.depth} buffers filled"
