"""The emulator's shim DMA: ``dma_memcpy_nd`` address generation over host buffers, and the
shim end of an object FIFO, which runs its transfers in issue order as one word stream.

A transfer's 4-D pattern ``[o3, o2, o1, o0][s3, s2, s1, s0][t3, t2, t1, t0]`` (outermost first,
in elements of the host buffer) visits ``sum(o * t) + i3 * t3 + i2 * t2 + i1 * t1 + i0 * t0``
for every ``i < s`` with ``i0`` innermost. The words of consecutive transfers on one FIFO fill
its elements in order, so a transfer split into several (for the shim's limits) moves the same
stream as the one it replaces.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from datobench.core.codegen.aie.emu_fifo import ObjectFifo, Tile


@dataclass(frozen=True)
class Wait:
    """What a blocked process of the emulator waits for, for the deadlock report."""

    who: str
    what: str  # e.g. "acquire @in0(Consume, 1)"
    line: int | None
    fifo: str | None = None


def addresses(offsets, sizes, strides) -> np.ndarray:
    """The flat element indices a 4-D access pattern visits, in order."""
    base = sum(int(o) * int(t) for o, t in zip(offsets, strides))
    index = np.full((1, 1, 1, 1), base, dtype=np.int64)
    for dim, (size, stride) in enumerate(zip(sizes, strides)):
        shape = [1, 1, 1, 1]
        shape[dim] = int(size)
        index = index + (np.arange(int(size), dtype=np.int64) * int(stride)).reshape(shape)
    return index.reshape(-1)


@dataclass
class Transfer:
    """One issued ``dma_memcpy_nd``: a host buffer and the indices it visits."""

    host: np.ndarray  # flat view of the host buffer
    index: np.ndarray
    line: int
    done: int = 0  # elements moved

    @property
    def finished(self) -> bool:
        return self.done == len(self.index)


class ShimPort:
    """The shim end of one object FIFO: into the FIFO (the shim produces) or out of it."""

    def __init__(self, fifo: ObjectFifo, shim: Tile, steps: list[int]):
        self.fifo = fifo
        self.shim = shim
        self.into_fifo = fifo.decl.producer == shim
        self.pending: deque[Transfer] = deque()
        self.steps = steps
        self.symbol = fifo.decl.name
        self.name = f"shim DMA of @{fifo.decl.name}"
        self.element: np.ndarray | None = None  # the FIFO element being filled or drained
        self.position = 0  # its words already moved

    @property
    def idle(self) -> bool:
        return not self.pending

    def issue(self, transfer: Transfer) -> None:
        self.pending.append(transfer)

    def left(self) -> str | None:
        """What it holds of a FIFO buffer at the end of an invocation, if anything."""
        if not self.position:
            return None
        decl = self.fifo.decl
        return (
            f"{self.name} moved {self.position} of the {decl.size} elements of a buffer of "
            f"@{decl.name}"
        )

    def run(self) -> Iterator[Wait]:
        """Moves words while it can, forever (a process of the scheduler)."""
        decl = self.fifo.decl
        size = decl.size
        while True:
            if not self.pending:
                yield Wait(self.name, "a transfer to be issued", None)
                continue
            transfer = self.pending[0]
            if self.element is None:
                self.element = self._acquire()
                if self.element is None:
                    verb = "acquire a free buffer" if self.into_fifo else "acquire data"
                    yield Wait(self.name, f"{verb} of @{decl.name}", transfer.line, decl.name)
                    continue
            count = min(size - self.position, len(transfer.index) - transfer.done)
            flat = self.element.reshape(-1)
            window = transfer.index[transfer.done : transfer.done + count]
            at = self.position
            if self.into_fifo:
                flat[at : at + count] = transfer.host[window]
            else:
                transfer.host[window] = flat[at : at + count]
            self.position += count
            transfer.done += count
            self.steps[0] += 1
            if self.position == size:
                self._release()
                self.element, self.position = None, 0
            if transfer.finished:
                self.pending.popleft()

    def _acquire(self) -> np.ndarray | None:
        if self.into_fifo:
            got = self.fifo.acquire_produce(1)
        else:
            got = self.fifo.acquire_consume(self.shim, 1)
        return None if got is None else got[0]

    def _release(self) -> None:
        if self.into_fifo:
            self.fifo.release_produce(1)
        else:
            self.fifo.release_consume(self.shim, 1)
