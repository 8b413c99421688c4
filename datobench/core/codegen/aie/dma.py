"""Shim DMA access patterns: a task's sequence of DDR slices as a few legal
``dma_memcpy_nd`` transfers.

A ``Block`` is an offset and ``(size, stride)`` dimensions, outermost first, in elements of the
buffer. ``fit`` folds a sequence of blocks (the slices a task moves, in order) into as few
blocks as regular repetition allows; ``legal`` turns a block into transfers within the shim's
limits: 4 dimensions, innermost contiguous, sizes of d0 (in 32-bit words), d1 and d2 at most
1023, d3 (repeat) at most 64, strides at most 2^20 words and never negative (only d3 may
stand still, repeating what it wraps), 4-byte granularity. Splitting keeps
the order of the elements, so the transfers queued one after the other move the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.errors import CapabilityError

MAX_WRAP = 1023  # d0 (in words), d1 and d2
MAX_REPEAT = 64  # d3
MAX_STRIDE = 1 << 20  # in words
Dims = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Block:
    offset: int
    dims: Dims  # (size, stride) outermost first, in elements

    @property
    def elements(self) -> int:
        n = 1
        for size, _ in self.dims:
            n *= size
        return n


@dataclass(frozen=True)
class Transfer:
    """One ``dma_memcpy_nd``: offset, sizes and strides outermost first (d3..d0), in
    elements of the host buffer."""

    offset: int
    sizes: tuple[int, int, int, int]
    strides: tuple[int, int, int, int]

    def offsets(self) -> tuple[int, int, int, int]:
        return (0, 0, 0, self.offset)


def normalize(dims: Dims) -> Dims:
    """Size-1 dimensions dropped, contiguous neighbours merged."""
    out: list[tuple[int, int]] = []
    for size, stride in dims:
        if size == 1:
            continue
        out.append((size, stride))
    merged: list[tuple[int, int]] = []
    for size, stride in reversed(out):  # innermost first
        if merged and stride == merged[-1][0] * merged[-1][1]:
            inner = merged.pop()
            merged.append((size * inner[0], inner[1]))
        else:
            merged.append((size, stride))
    return tuple(reversed(merged))


def slice_block(offset: int, shape: tuple[int, ...], strides: tuple[int, ...]) -> Block:
    """The block of a rectangular slice: its first element and the buffer's strides."""
    return Block(offset, normalize(tuple(zip(shape, strides))))


def _run(items: list[Block], i: int) -> tuple[int, int]:
    """Length and stride of the arithmetic run of equal-shaped blocks starting at ``i``."""
    if i + 1 >= len(items) or items[i + 1].dims != items[i].dims:
        return 1, 0
    step = items[i + 1].offset - items[i].offset
    if step < 0:  # the shim's strides do not go backwards
        return 1, 0
    j = i + 1
    while j + 1 < len(items) and items[j + 1].dims == items[i].dims:
        if items[j + 1].offset - items[j].offset != step:
            break
        j += 1
    return j - i + 1, step


def fit(blocks: list[Block]) -> list[Block]:
    """The sequence as few blocks as regular repetition allows, in the same order."""
    items = [Block(b.offset, normalize(b.dims)) for b in blocks]
    while len(items) > 1:
        g, step = _run(items, 0)
        if g == 1 or len(items) % g:
            break
        chunks = [items[i : i + g] for i in range(0, len(items), g)]
        if any(_run(c, 0) != (g, step) or c[0].dims != items[0].dims for c in chunks):
            break
        items = [Block(c[0].offset, normalize(((g, step), *c[0].dims))) for c in chunks]
    if len(items) == 1:
        return items
    out, i = [], 0  # irregular: each maximal run on its own
    while i < len(items):
        g, step = _run(items, i)
        out.append(Block(items[i].offset, normalize(((g, step), *items[i].dims))))
        i += g
    return out


def legal(block: Block, element_bytes: int, what: str = "transfer") -> list[Transfer]:
    """Shim-legal transfers moving ``block``'s elements in order."""
    dims = list(normalize(block.dims)) or [(1, 1)]
    if dims[-1][1] != 1:
        dims.append((1, 1))  # d0 must be contiguous
    _check_granularity(block.offset, dims, element_bytes, what)
    if len(dims) == 1:  # a plain linear transfer: d0 is not limited
        return [Transfer(block.offset, (1, 1, 1, dims[0][0]), (0, 0, 0, 1))]
    factored = _factor(dims, element_bytes)
    return [_transfer(b) for b in _split(Block(block.offset, tuple(factored)), element_bytes)]


def _check_granularity(offset: int, dims, element_bytes: int, what: str):
    assert element_bytes <= 4, "datobench's element types are at most 32 bits"
    bad = (offset * element_bytes) % 4 or (dims[-1][0] * element_bytes) % 4
    bad = bad or any((stride * element_bytes) % 4 for _, stride in dims[:-1])
    if bad:
        raise CapabilityError(
            f"{what}: the shim DMA moves whole 32-bit words, but this pattern starts, runs or "
            f"steps by a part of one (offset {offset}, (size, stride) {list(dims)}, "
            f"{element_bytes}-byte elements); use slices of multiples of 4 bytes"
        )


def _limit(position: int, ndims: int, element_bytes: int) -> int:
    """The largest size a dimension may have, in elements (position counted from the inside)."""
    if position == 0:
        return MAX_WRAP * 4 // element_bytes
    return MAX_REPEAT if position == 3 else MAX_WRAP


def _factor(dims: list[tuple[int, int]], element_bytes: int) -> list[tuple[int, int]]:
    """Dimensions too large for d0..d2 split in two where a divisor allows."""
    out = list(dims)
    i = len(out) - 1
    while i >= 0 and len(out) - 1 - i < 3:
        size, stride = out[i]
        limit = _limit(len(out) - 1 - i, len(out), element_bytes)
        if size > limit:
            inner = max((d for d in range(2, limit + 1) if size % d == 0), default=None)
            if inner is None:
                break
            out[i : i + 1] = [(size // inner, stride * inner), (inner, stride)]
            continue  # the same position now holds the inner part
        i -= 1
    return out


def _fits(block: Block, element_bytes: int) -> bool:
    dims = block.dims
    if len(dims) > 4:
        return False
    for position, (size, stride) in enumerate(reversed(dims)):
        if size > _limit(position, len(dims), element_bytes):
            return False
        if stride == 0 and size > 1 and position != 3:  # only d3 repeats a pattern in place
            return False
        if stride * element_bytes > MAX_STRIDE * 4:
            return False
    return True


def _split(block: Block, element_bytes: int) -> list[Block]:
    if _fits(block, element_bytes):
        return [block]
    (size, stride), rest = block.dims[0], block.dims[1:]
    if len(block.dims) == 4 and _fits(Block(block.offset, ((1, stride), *rest)), element_bytes):
        if stride * element_bytes <= MAX_STRIDE * 4:  # only the repeat count is too large
            return [
                Block(block.offset + k * stride, ((min(MAX_REPEAT, size - k), stride), *rest))
                for k in range(0, size, MAX_REPEAT)
            ]
    out = []
    for k in range(size):
        out += _split(Block(block.offset + k * stride, rest), element_bytes)
    return out


def _transfer(block: Block) -> Transfer:
    dims = [(1, 0)] * (4 - len(block.dims)) + list(block.dims)
    strides = [0 if s == 1 else t for s, t in dims[:3]] + [1]  # d0 is contiguous
    return Transfer(block.offset, tuple(s for s, _ in dims), tuple(strides))


def transfers(blocks: list[Block], element_bytes: int, what: str = "transfer") -> list[Transfer]:
    """The legal transfers of a sequence of blocks, in order."""
    return [t for b in fit(blocks) for t in legal(b, element_bytes, what)]
