"""A memory tile's buffer descriptors in two pools, by channel parity, and the channels that
decide which pool a chain of descriptors draws from.

mlir-aie gives BD ids per tile (``AIEAssignBufferDescriptorIDs.cpp``): each descriptor of a
chain takes the first free id its channel may use (``AIETargetModel::isBdChannelAccessible``).
On a memory tile an even channel, of either direction, reaches ids 0-23 only and an odd one
24-47 only, so the 48 are two budgets of 24, not one of 48.

Which channel an object FIFO's end takes follows the objectFifo transform's
``DMAChannelAnalysis`` (``AIEObjectFifoStatefulTransform.cpp``): it first marks the channels
every ``aie.dma_start`` of the device already holds, then, per tile and direction, gives each
FIFO end the first free channel from 0, in the order it visits them: the ``aie.objectfifo`` ops
in their declaration order, each one's producer end (MM2S) and then its consumers' ends (S2MM)
in order; a link changes nothing in that order. (Releases of 2025 and later give the FIFOs whose
memory-tile buffers sit in a neighbour's memory their channels first, from 0-3; datobench's
designs keep a memory tile's buffers in its own memory, so they have none.)

The verifier (``codegen/aie/budget.py``), the mapper's ledger (``route_npu.py``) and the parts
emitter (``codegen/aie/parts.py``) share these rules, so that they agree on every pool.
"""

from __future__ import annotations

from itertools import permutations, product

EVEN_BDS = "even channels' BDs"
ODD_BDS = "odd channels' BDs"
POOLS = (EVEN_BDS, ODD_BDS)
DIRECTIONS = ("S2MM", "MM2S")

End = tuple[str, int]  # a chain's direction (S2MM, MM2S) and its descriptors


def pool_of(channel: int) -> str:
    return ODD_BDS if channel % 2 else EVEN_BDS


def pool_size(descriptors: int) -> int:
    """Each pool's share of a memory tile's descriptors."""
    return descriptors // 2


def pool_label(pool: str, descriptors: int) -> str:
    """``even channels' BDs 0-23`` for a memory tile of 48."""
    half = pool_size(descriptors)
    lo = half if pool == ODD_BDS else 0
    return f"{pool} {lo}-{lo + half - 1}"


def first_free(ends: list[End], taken: dict[str, set[int]], counts: dict[str, int]):
    """The channel each object FIFO end takes, in visiting order (None once a direction's
    channels are all taken: the tile's channel count reports that)."""
    used = {d: set(taken.get(d, ())) for d in DIRECTIONS}
    out = []
    for direction, _ in ends:
        free = [c for c in range(counts[direction]) if c not in used[direction]]
        channel = free[0] if free else None
        if channel is not None:
            used[direction].add(channel)
        out.append(channel)
    return out


def pools(ends: list[End], channels: list[int | None]) -> dict[str, int]:
    out = dict.fromkeys(POOLS, 0)
    for (_, bds), channel in zip(ends, channels):
        if channel is not None:
            out[pool_of(channel)] += bds
    return out


def hand_channels(fifos: list[End], hand: list[End], counts: dict[str, int], size: int):
    """Channels for the hand-written chains ``hand`` of a memory tile whose object FIFO ends
    are ``fifos`` (in visiting order): the choice that overflows the pools least (none, when
    any fits), then takes the highest channels, the first chain's first (the choice before
    pools were counted, kept where it fits). Returns one channel per hand chain."""
    per_direction = {d: [k for k, (e, _) in enumerate(hand) if e == d] for d in DIRECTIONS}
    options = [permutations(range(counts[d]), len(per_direction[d])) for d in DIRECTIONS]
    best, best_key = None, None
    for picks in product(*options):
        chosen = [0] * len(hand)
        taken: dict[str, set[int]] = {}
        for d, pick in zip(DIRECTIONS, picks):
            taken[d] = set(pick)
            for k, channel in zip(per_direction[d], pick):
                chosen[k] = channel
        fill = pools(fifos, first_free(fifos, taken, counts))
        for k, (_, bds) in enumerate(hand):
            fill[pool_of(chosen[k])] += bds
        over = sum(max(0, n - size) for n in fill.values())
        key = (over, [-c for c in chosen])
        if best_key is None or key < best_key:
            best, best_key = chosen, key
    return best
