"""The emulator's memory-tile links: ``aie.objectfifo.link [@ins] -> [@outs] (src dst)``.

A distribute (one input, several outputs) cuts each input element at the destination offsets
(in elements) into one element of each output; a join (several inputs, one output) writes one
element of each input at the source offsets of one output element; one input and one output
pass the stream through in the output's objects: an input element as large as several output
elements is sent as those, in order, and a larger output element is filled from several
inputs (mlir-aie moves the larger FIFO's buffer with one BD on either side, with the output's
``toStream`` pattern over that buffer when it has one). Broadcast is the
output FIFO's own (several consumers). ``repeat_count`` on the outputs sends each input
element that many times before it is released (mlir-aie 2025-2026: the memory tile's DMA
repeats its BDs; the input's lock waits for every repetition).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from datobench.core.codegen.aie.emu_dma import Wait
from datobench.core.codegen.aie.emu_fifo import ObjectFifo, Tile, layout_index


@dataclass(frozen=True)
class LinkDecl:
    ins: tuple[str, ...]
    outs: tuple[str, ...]
    src_offsets: tuple[int, ...]
    dst_offsets: tuple[int, ...]
    tile: Tile  # the memory tile: consumer of the inputs, producer of the outputs
    line: int


def _offsets(given: tuple[int, ...], fifos: list[ObjectFifo]) -> list[int]:
    """The offsets of each piece: as given, or packed one after the other."""
    if given:
        return list(given)
    out, at = [], 0
    for f in fifos:
        out.append(at)
        at += f.decl.size
    return out


class _Link:
    """The state of one link between the scheduler's resumptions."""

    def __init__(self, link: LinkDecl, fifos: dict[str, ObjectFifo], steps: list[int]):
        self.link = link
        self.ins = [fifos[n] for n in link.ins]
        self.outs = [fifos[n] for n in link.outs]
        self.steps = steps
        self.who = f"link at tile ({link.tile[0]}, {link.tile[1]})"

    def take(self, n: int) -> Iterator[Wait]:
        """Wait until every input has ``n`` elements."""
        while empty := next((f for f in self.ins if f.available(self.link.tile) < n), None):
            yield Wait(
                self.who, f"receive data on @{empty.decl.name}", self.link.line, empty.decl.name
            )

    def room(self) -> Iterator[Wait]:
        """Wait until every output has a free buffer."""
        while full := next((f for f in self.outs if not f.can_produce(1)), None):
            yield Wait(
                self.who,
                f"acquire a free buffer of @{full.decl.name}",
                self.link.line,
                full.decl.name,
            )

    def send(self, pieces: list[np.ndarray]) -> None:
        """One element of each output, from its piece."""
        for f, piece in zip(self.outs, pieces):
            f.acquire_produce(1)[0].reshape(-1)[:] = piece
            f.release_produce(1)
        self.steps[0] += 1

    def run(self) -> Iterator[Wait]:
        sizes = (self.ins[0].decl.size, self.outs[0].decl.size)
        if len(self.ins) == len(self.outs) == 1 and sizes[0] != sizes[1]:
            yield from (self.split() if sizes[0] > sizes[1] else self.gather())
        yield from self.pieces()

    def pieces(self) -> Iterator[Wait]:
        """A distribute, a join or a 1:1 link of equal elements."""
        src = _offsets(self.link.src_offsets, self.ins)
        dst = _offsets(self.link.dst_offsets, self.outs)
        while True:
            yield from self.take(1)
            sources = [f.acquire_consume(self.link.tile, 1)[0].reshape(-1) for f in self.ins]
            if len(self.ins) == 1:
                pieces = [sources[0][at : at + f.decl.size] for f, at in zip(self.outs, dst)]
            else:
                whole = np.zeros(self.outs[0].decl.size, self.outs[0].decl.dtype)
                for source, at in zip(sources, src):
                    whole[at : at + len(source)] = source
                pieces = [whole]
            for _ in range(self.outs[0].decl.repeat):
                yield from self.room()
                self.send(pieces)
            for f in self.ins:
                f.release_consume(self.link.tile, 1)

    def split(self) -> Iterator[Wait]:
        """An input element sent as several smaller output elements, ``repeat`` times."""
        (out,) = self.outs
        size = out.decl.size
        order = layout_index(out.decl.to_stream) if out.decl.to_stream else None
        while True:
            yield from self.take(1)
            source = self.ins[0].acquire_consume(self.link.tile, 1)[0].reshape(-1)
            if order is not None and len(order) == len(source):  # the BD's pattern over it
                source = source[order]
            for _ in range(out.decl.repeat):
                for at in range(0, len(source), size):
                    yield from self.room()
                    self.send([source[at : at + size]])
            self.ins[0].release_consume(self.link.tile, 1)

    def gather(self) -> Iterator[Wait]:
        """An output element filled from several smaller input elements."""
        (out,) = self.outs
        n = out.decl.size // self.ins[0].decl.size
        while True:
            yield from self.take(n)
            parts = self.ins[0].acquire_consume(self.link.tile, n)
            whole = np.concatenate([p.reshape(-1) for p in parts])
            for _ in range(out.decl.repeat):
                yield from self.room()
                self.send([whole])
            self.ins[0].release_consume(self.link.tile, n)


def run_link(link: LinkDecl, fifos: dict[str, ObjectFifo], steps: list[int]) -> Iterator[Wait]:
    """Moves elements through the link whenever its inputs have them and its outputs room."""
    return _Link(link, fifos, steps).run()
