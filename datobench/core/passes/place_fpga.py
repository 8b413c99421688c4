"""The FPGA placer: PE slots are alike within the device's budgets, so each task's grid of PEs
keeps its shape in a band of rows of its own, and the rest go next to their partners; and
the split of the placed PE rows into the device's SLRs (``slr_bands``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Tile, TileUse
from datobench.core.passes.luts import LUTS
from datobench.core.passes.resources import DSP
from datobench.core.passes.traffic import Links, distance
from datobench.core.targets import Target


class FpgaPlacer:
    """The FPGA kind's choices in the default placer (see ``place.place``)."""

    def __init__(self, target: Target):
        self.target = target

    def anchor(
        self,
        offsets: dict[str, Tile],
        free: set[Tile],
        offchip: set[str],
        links: Links,
        placed: dict[str, Tile],
        band: int,
    ) -> Tile | None:
        """The start of the next free band of rows, if the task's grid fits below it."""
        return (0, band) if band + max(r for _, r in offsets.values()) < self.target.rows else None

    def fill_key(
        self,
        root: str,
        tile: Tile,
        partners: dict[str, int],
        placed: dict[str, Tile],
        offchip: set[str],
    ) -> tuple:
        """How good a free slot is for a PE placed on its own (smaller is better)."""
        return (distance(partners, tile, placed), tile[1], tile[0])

    def improve(
        self,
        tiles: dict[str, Tile],
        free: set[Tile],
        links: Links,
        offchip: set[str],
        fixed: set[str],
    ) -> None:
        """Left as placed: every PE reaches DDR alike and every channel is a FIFO, so no move
        shortens a route."""


@dataclass(frozen=True)
class SlrBand:
    """One SLR of the device: the band of PE rows it holds (``None`` when it holds none),
    what they use of its budgets and those budgets, and the memory banks it attaches."""

    name: str
    rows: tuple[int, int] | None
    used: dict[str, int]
    capacity: dict[str, int]
    memory: tuple[str, ...]


def slr_bands(target: Target, device: TileUse, tile_of: Callable[[str], Tile]) -> list[SlrBand]:
    """The PE rows split into SLRs, bottom up: each SLR takes the next rows while their DSP
    slices and estimated LUTs (``device``'s uses, per instance) fit its share, so a grid that
    fits one SLR stays in SLR0 (where the HBM and the first DDR bank attach) and a larger
    one spans contiguous bands. No bands for a target without ``[[slrs]]``; a MappingError
    when the rows cannot be split so. On-chip memory stays a device-wide budget: a FIFO
    between two SLRs may sit in the RAM of either."""
    slrs = target.data.get("slrs", [])
    if not slrs:
        return []
    per_row = _row_uses(device, tile_of)
    rows = sorted(per_row)
    bands, at = [], 0
    for n, slr in enumerate(slrs):
        capacity = {DSP: slr["dsp"], LUTS: slr["luts"]}
        used = dict.fromkeys(capacity, 0)
        first = at
        while at < len(rows) and all(
            used[r] + per_row[rows[at]].get(r, 0) <= capacity[r] for r in capacity
        ):
            for r in capacity:
                used[r] += per_row[rows[at]].get(r, 0)
            at += 1
        span = (rows[first], rows[at - 1]) if at > first else None
        bands.append(SlrBand(f"SLR{n}", span, used, capacity, tuple(slr["memory"])))
    if at < len(rows):
        raise _unsplit(target, rows[at], per_row[rows[at]], bands)
    return bands


def _row_uses(device: TileUse, tile_of: Callable[[str], Tile]) -> dict[int, dict[str, int]]:
    """The DSP slices and estimated LUTs of each PE row (the placement's second coordinate)."""
    out: dict[int, dict[str, int]] = {}
    for resource in (DSP, LUTS):
        for who, amount in device.items.get(resource, []):
            row = out.setdefault(tile_of(who)[1], {})
            row[resource] = row.get(resource, 0) + amount
    return out


def _unsplit(target: Target, row: int, needs: dict[str, int], bands: list[SlrBand]):
    last = bands[-1]
    room = ", ".join(
        f"{last.capacity[r] - last.used[r]:,} {r} left of {last.capacity[r]:,}" for r in needs
    )
    asks = ", ".join(f"{n:,} {r}" for r, n in needs.items())
    held = "; ".join(f"{b.name} holds {_rows_text(b.rows)}" for b in bands)
    return MappingError(
        f"the PE grid does not split into the {len(bands)} SLRs of {target.name}: PE row {row} "
        f"needs {asks}, and {last.name} has {room}",
        notes=(
            f"each SLR takes a contiguous band of PE rows within its share: {held}",
            "hint: use fewer PEs per row or smaller tiles per PE",
        ),
    )


def _rows_text(rows: tuple[int, int] | None) -> str:
    if rows is None:
        return "none"
    return f"row {rows[0]}" if rows[0] == rows[1] else f"rows {rows[0]}-{rows[1]}"
