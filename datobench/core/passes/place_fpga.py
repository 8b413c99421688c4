"""The FPGA placer: PE slots are alike within the device's budgets, so each task's grid of PEs
keeps its shape in a band of rows of its own, and the rest go next to their partners."""

from __future__ import annotations

from datobench.core.ir.mapping import Tile
from datobench.core.passes.traffic import distance
from datobench.core.targets import Target


class FpgaPlacer:
    """The FPGA kind's choices in the default placer (see ``place.place``)."""

    def __init__(self, target: Target):
        self.target = target

    def anchor(self, offsets, free, offchip, links, placed, band: int) -> Tile | None:
        """The start of the next free band of rows, if the task's grid fits below it."""
        return (0, band) if band + max(r for _, r in offsets.values()) < self.target.rows else None

    def fill_key(self, root: str, tile: Tile, partners, placed, offchip) -> tuple:
        """How good a free slot is for a PE placed on its own (smaller is better)."""
        return (distance(partners, tile, placed), tile[1], tile[0])

    def improve(self, tiles, free, links, offchip, fixed) -> None:
        """Nothing to improve: no slot is nearer to DDR or to another than its grid distance."""
