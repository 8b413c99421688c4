"""The emulator's memory-tile links: ``aie.objectfifo.link [@ins] -> [@outs] (src dst)``.

A distribute (one input, several outputs) cuts each input element at the destination offsets
(in elements) into one element of each output; a join (several inputs, one output) writes one
element of each input at the source offsets of one output element; one input and one output
pass elements through. Broadcast is the output FIFO's own (several consumers).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from datobench.core.codegen.aie.emu_dma import Wait
from datobench.core.codegen.aie.emu_fifo import ObjectFifo, Tile


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


def run_link(link: LinkDecl, fifos: dict[str, ObjectFifo], steps: list[int]) -> Iterator[Wait]:
    """Moves one element through the link whenever its inputs have one and its outputs room."""
    ins = [fifos[n] for n in link.ins]
    outs = [fifos[n] for n in link.outs]
    src = _offsets(link.src_offsets, ins)
    dst = _offsets(link.dst_offsets, outs)
    who = f"link at tile ({link.tile[0]}, {link.tile[1]})"
    while True:
        empty = next((f for f in ins if f.available(link.tile) < 1), None)
        if empty is not None:
            yield Wait(who, f"receive data on @{empty.decl.name}", link.line, empty.decl.name)
            continue
        full = next((f for f in outs if not f.can_produce(1)), None)
        if full is not None:
            yield Wait(
                who, f"acquire a free buffer of @{full.decl.name}", link.line, full.decl.name
            )
            continue
        sources = [f.acquire_consume(link.tile, 1)[0].reshape(-1) for f in ins]
        targets = [f.acquire_produce(1)[0].reshape(-1) for f in outs]
        if len(ins) == 1:
            for target, at in zip(targets, dst):
                target[:] = sources[0][at : at + len(target)]
        else:
            for source, at in zip(sources, src):
                targets[0][at : at + len(source)] = source
        for f in ins:
            f.release_consume(link.tile, 1)
        for f in outs:
            f.release_produce(1)
        steps[0] += 1
