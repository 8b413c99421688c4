"""The order in which a memory tile sends a staged panel to the cores, as its DMA's access
pattern (``toStream`` on the FIFO of the slices).

A panel visited in its own row-major order needs no pattern: the memory tile's buffer
descriptor moves the panel's buffer whole and the cores take it as consecutive slices
(``stage.py``). Slices that walk across the panel instead, such as A's m x k slices of an
m x ka panel (the published GEMMs' "memory-tile k"), are sent by the same buffer descriptor
with a pattern: mlir-aie lowers a 1:1 link whose input object is larger by moving the input's
buffer with the output FIFO's ``dimensionsToStream`` (AIEObjectFifoStatefulTransform,
``createMemTileDMA``), so the pattern spans the panel and the cores receive its slices in the
order they read them. A memory tile's buffer descriptor has four dimensions, counted in 32-bit
words: the innermost is contiguous and every size and stride a whole number of words.
"""

from __future__ import annotations

import numpy as np

from datobench.core.codegen.aie.emu_fifo import layout_index

BD_DIMS = 4  # dimensions of a memory tile's buffer descriptor (AIE-ML)
WORD = 4  # bytes: the DMA's address granularity


def stream_pattern(
    order: list[int], panel: tuple[int, ...], shape: tuple[int, ...], itemsize: int
) -> tuple[tuple[int, int], ...] | None:
    """The (size, stride) dimensions, outermost first, in elements, that visit a panel's
    elements in ``order`` (one pass of its readers, slices of ``shape`` one after the
    other): () for the panel's own order, None when no buffer descriptor can send it
    (slices not in equal steps, more than four dimensions, or not whole words)."""
    size = int(np.prod(panel))
    if order == list(range(size)):
        return ()
    strides = np.cumprod((*panel[1:], 1)[::-1])[::-1]
    inner = [(n, int(st)) for n, st in zip(shape, strides) if n > 1]
    count = size // int(np.prod(shape))
    if count < 2 or len(order) != size:
        return None
    starts = order[:: size // count]
    step = starts[1] - starts[0]
    dims = ((count, step), *inner)
    if starts[0] != 0 or len(dims) > BD_DIMS:
        return None
    if layout_index(dims).tolist() != order:
        return None
    contiguous, words = dims[-1][1] == 1, dims[-1][0] * itemsize % WORD == 0
    if not (contiguous and words) or any(st * itemsize % WORD for _, st in dims[:-1]):
        return None
    return dims
