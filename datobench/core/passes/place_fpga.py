"""The FPGA placer: PE slots are alike within the device's budgets, so each task's grid of PEs
keeps its shape in a band of rows of its own, and the rest go next to their partners."""

from __future__ import annotations

from datobench.core.ir.mapping import Tile
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
