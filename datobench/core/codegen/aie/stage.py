"""Staged DDR windows (``dato.stage("mem", panel=...)``) in the design: the panel a window's
readers are in is moved from DDR into the memory tile of the column once per panel change, and
the memory tile sends the readers the slices they read from it, as often as they read them.

What mlir-aie does with it (AIEObjectFifoStatefulTransform, releases 2025-2026; the
programming guide's section-2b "Repeat"): a 1:1 ``aie.objectfifo.link`` allocates the
buffers of its larger FIFO at the memory tile, and the output's MM2S buffer descriptor moves
that whole buffer, so a consumer whose objects are smaller receives one buffer as several
objects, in order. ``{repeat_count = r : i32}`` on the link's output FIFO sends each buffer
r times from the memory tile's DMA without reading the input again (one buffer: the BD's
hardware repeat; several: the BDs repeated), and the input FIFO's lock counts r sends before
the buffer is refilled. So a panel FIFO ``shim -> mem`` of depth 1 or 2 (the stage's depth),
linked to a FIFO ``mem -> cores`` of the slices with ``repeat_count``, reads DDR once per
panel visit and re-sends it for every pass the readers make over it.

Datobench emits that form when every visit of the readers to a panel reads the panel whole,
in one order, the same number of times (``r``): in the panel's own row-major order, or in
slices that walk across it in equal steps, which the memory tile sends with a ``toStream``
pattern over the panel (``panel_order.py``); other orders are refused with a located error.

A stage with ``parts=P`` is written as hand DMA instead of the panel FIFO, its link and the
slices' FIFO (``parts.py``): P part buffers with a lock pair each, so that a part is refilled
as soon as the last pass has sent it; each part's descriptor sends its share of the pattern.
"""

from __future__ import annotations

import numpy as np

from datobench.core.codegen.aie.dma import slice_block
from datobench.core.codegen.aie.panel_order import stream_pattern
from datobench.core.codegen.aie.trace import Slice
from datobench.core.errors import CapabilityError, InternalError
from datobench.core.ir.effects import written_buffers
from datobench.core.ir.mapping import OffchipStream
from datobench.core.ir.types import Stage


def stage_of(planner, s: OffchipStream, buffer: str) -> Stage | None:
    """The stage of the parameter through which a read stream's instances see ``buffer``."""
    stages = {_param(planner, inst, buffer).stage for inst in s.instances}
    if len(stages) > 1:
        raise CapabilityError(
            f"the window of '{buffer}' read by {', '.join(s.instances)} is staged for some of "
            "its readers and not for others; stage it in every task that reads it",
            planner.graph.instance(s.instances[0]).loc,
        )
    return stages.pop()


def _param(planner, inst: str, buffer: str):
    instance = planner.graph.instance(inst)
    task = next(t for t in planner.graph.region.tasks if t.name == instance.task)
    name = planner.arg(inst, buffer).param
    return next(p for p in task.params if p.name == name)


def check_readers(planner, s: OffchipStream, buffer: str) -> list[Slice]:
    """The slices every reader of a staged window reads (one sequence, one shape), which the
    memory tile sends them all."""
    readers = list(s.instances)
    first = readers[0]
    loc = planner.graph.instance(first).loc
    if buffer in written_buffers(planner.graph):
        raise CapabilityError(
            f"staged '{buffer}' is also written; a staged panel is read-only (the memory tile "
            "would send the cores values from before the writes)",
            loc,
        )
    if any(r in planner.bundle_of for r in readers):
        raise CapabilityError(
            f"'{buffer}' is staged and read by a bundle; a staged panel feeds separate tasks "
            "(drop the bundle or the stage)",
            loc,
        )
    slices = planner.slices(first, buffer, "read")
    for other in readers[1:]:
        if planner.slices(other, buffer, "read") != slices:
            raise CapabilityError(
                f"'{first}' and '{other}' read the staged window of '{buffer}' in different "
                "orders; the memory tile sends every reader the same sequence",
                planner.graph.instance(other).loc,
            )
    if len({sl.value_shape or (1,) for sl in slices}) != 1:
        raise CapabilityError(
            f"'{first}' reads staged '{buffer}' in slices of several shapes; a staged panel "
            "is sent to the cores in slices of one shape",
            loc,
        )
    return slices


def visits(slices: list[Slice], panel, buffer: str, inst: str, loc, itemsize: int):
    """The panel (its first element, in the window) of each run of consecutive reads in one
    panel, how many times each run reads its panel whole, and the memory tile's pattern
    for one pass (``panel_order.stream_pattern``: () in the panel's own order)."""
    size = int(np.prod(panel))
    strides = np.cumprod((*panel[1:], 1)[::-1])[::-1]
    runs: list[tuple[tuple[int, ...], list[int]]] = []
    for sl in slices:
        origin = tuple(a // p * p for a, p in zip(sl.start, panel))
        if any(a + n > o + p for a, n, o, p in zip(sl.start, sl.shape, origin, panel)):
            raise InternalError(  # the front end refuses such reads (ir/staging.py)
                f"'{inst}' reads a slice of staged '{buffer}' at {list(sl.start)} of shape "
                f"{list(sl.shape)}, which crosses a panel {list(panel)} boundary",
                loc,
            )
        index = np.zeros((), dtype=np.int64)
        for a, o, n, st in zip(sl.start, origin, sl.shape, strides):
            index = index[..., None] + (a - o + np.arange(n)) * st
        if not runs or runs[-1][0] != origin:
            runs.append((origin, []))
        runs[-1][1].extend(index.reshape(-1).tolist())
    counts, patterns = set(), set()
    shape = slices[0].shape
    for _, order in runs:
        passes, rest = divmod(len(order), size)
        pattern = None if rest else stream_pattern(order[:size], panel, shape, itemsize)
        if pattern is None or order != order[:size] * passes:
            raise CapabilityError(
                f"'{inst}' reads staged '{buffer}' in an order the memory tile cannot send "
                f"from its panel {list(panel)}: each visit to a panel must read it whole, row "
                "by row in the panel's order or in slices across it in equal steps, one or "
                "more times",
                loc,
            )
        counts.add(passes)
        patterns.add(pattern)
    if len(counts) > 1:
        raise CapabilityError(
            f"'{inst}' reads the panels of staged '{buffer}' "
            f"{' or '.join(map(str, sorted(counts)))} times per visit; the memory tile "
            "repeats every panel equally often",
            loc,
        )
    assert len(patterns) == 1, "every visit reads its panel in the same slices"
    return [origin for origin, _ in runs], counts.pop(), patterns.pop()


def panel_blocks(planner, inst: str, buffer: str, visits, panel):
    """The DDR block of each visited panel, in the host buffer."""
    btype = planner.graph.region.buffer(buffer).type
    lo = [w[0] for w in planner.arg(inst, buffer).window]
    strides, n = [], 1
    for d in reversed(btype.shape):
        strides.append(n)
        n *= d
    strides = tuple(reversed(strides))
    return [
        slice_block(sum((o + w) * st for o, w, st in zip(origin, lo, strides)), panel, strides)
        for origin in visits
    ]
