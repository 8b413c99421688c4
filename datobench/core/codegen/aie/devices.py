"""The ``aie.device`` partitions a design may name, as data: each is a column slice of one of
our target files (which hold the tile kinds per row and each tile kind's resources).

``npu1`` changed meaning in mlir-aie 2025-06: before, the whole 5-column XDNA1 array (column 0
without a shim DMA, our ``npu1`` target); since, the 4-column partition (column 0 hidden, our
``npu1_4col`` target). ``NPU1_4COL_SINCE`` lists the releases (by the names the emitter records
in a design's first line) that use the new meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.targets import Target, load_target

# device name -> (target file, columns of the partition or None for the target's own)
PARTITIONS: dict[str, tuple[str, int | None]] = {
    "npu1": ("npu1", None),
    **{f"npu1_{n}col": ("npu1_4col", n) for n in range(1, 5)},
    "npu2": ("npu2", None),
    **{f"npu2_{n}col": ("npu2", n) for n in range(1, 8)},
}
NPU1_4COL_SINCE = {"2026.01"}
# release -> how many host buffers its xclbins pass to a kernel (v1.0: opcode, instructions,
# their count, then bo0..bo4); releases not listed take any number
HOST_BUFFERS = {"v1.0": 5}


@dataclass(frozen=True)
class Device:
    """A partition: its name, the target whose tiles it is made of, and its columns."""

    name: str
    target: Target
    columns: int
    shim_dma_columns: tuple[int, ...]

    def tile_kind(self, col: int, row: int) -> str | None:
        if not 0 <= col < self.columns:
            return None
        return self.target.tile_kind(col, row)


def device(name: str, release: str | None = None, new_syntax: bool = False) -> Device | None:
    """The partition ``name`` (None when unknown). ``release`` (a first-line release name) or
    ``new_syntax`` (the design uses ``aie.runtime_sequence``) selects today's ``npu1``."""
    if name not in PARTITIONS:
        return None
    target_name, columns = PARTITIONS[name]
    if name == "npu1" and (release in NPU1_4COL_SINCE or (release is None and new_syntax)):
        target_name = "npu1_4col"
    target = load_target(target_name)
    n = target.columns if columns is None else columns
    shim = tuple(c for c in target.shim_dma_columns if c < n)
    return Device(name, target, n, shim)
