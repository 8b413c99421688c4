"""Hardware targets as data: one TOML file per target, loaded by name or from a path.

Every figure the mapper and the simulators use comes from these files, never from code, so a
user can copy one, change a number and load it with ``load_target("my_npu.toml")``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from datobench.core.errors import TargetError
from datobench.core.targets.schema import (
    ARRAY,
    COMPUTE,
    DIRECTIONS,
    GRID,
    MEM,
    SHIM,
    array_consistency,
    check,
    grid_consistency,
)

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class TileSpec:
    kind: str
    data_memory: int
    dma_in: int
    dma_out: int
    buffer_descriptors: int
    locks: int
    dma_dims: int = 0
    stack_bytes: int = 0
    shared_memory: tuple[str, ...] = ()

    @property
    def usable_memory(self) -> int:
        return self.data_memory - self.stack_bytes


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # "npu" (a tile array) or "fpga" (a PE grid within device-wide budgets)
    description: str
    clock_hz: float
    columns: int
    row_kinds: tuple[str, ...]
    shim_dma_columns: tuple[int, ...]
    tiles: dict[str, TileSpec]
    data: dict = field(repr=False, compare=False)  # the whole file, for the cost models
    path: str = ""

    @property
    def rows(self) -> int:
        return len(self.row_kinds)

    def tile_kind(self, col: int, row: int) -> str | None:
        if not (0 <= col < self.columns and 0 <= row < self.rows):
            return None
        return self.row_kinds[row]

    def rows_of(self, kind: str) -> list[int]:
        return [r for r, k in enumerate(self.row_kinds) if k == kind]

    def compute_tiles(self) -> list[tuple[int, int]]:
        return [(c, r) for c in range(self.columns) for r in self.rows_of(COMPUTE)]

    def mem_tile(self, col: int) -> tuple[int, int] | None:
        rows = self.rows_of(MEM)
        return (col, rows[0]) if rows else None

    def shim_tile(self, col: int) -> tuple[int, int]:
        return (col, self.rows_of(SHIM)[0])

    def reachable_memories(self, tile: tuple[int, int]) -> set[tuple[int, int]]:
        """The compute-tile memories a core at ``tile`` reads and writes directly."""
        col, row = tile
        out = set()
        for direction in self.tiles[COMPUTE].shared_memory:
            dc, dr = DIRECTIONS[direction]
            other = (col + dc, row + dr)
            if self.tile_kind(*other) == COMPUTE:
                out.add(other)
        return out

    def param(self, dotted: str, default: Any = None) -> Any:
        """A figure from the file by dotted path: ``param("compute.macs_per_cycle.int8")``."""
        node = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is not None:
                    return default
                raise TargetError(f"target '{self.name}' has no parameter '{dotted}' ({self.path})")
            node = node[part]
        return node

    def __str__(self) -> str:
        return f"{self.name}: {self.description}"


def available_targets() -> list[str]:
    """The names of the targets shipped with datobench."""
    return sorted(p.stem for p in _HERE.glob("*.toml"))


def _load_path(path: str) -> Target:
    return _load_version(path, os.stat(path).st_mtime_ns)


@cache
def _load_version(path: str, mtime_ns: int) -> Target:  # an edited file is read again
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise TargetError(f"target file {path} is not valid TOML: {e}") from None
    _validate(data, path)
    return _from_data(data, path)


def _validate(data: dict, path: str):
    """Check every entry of a target file against its layout's schema (``schema.py``) before
    anything uses them: a ``TargetError`` naming the file, the entry and what it allows."""
    if "kind" not in data:
        raise TargetError(f"target file {path} lacks the entry 'kind'")
    if data["kind"] not in _LAYOUTS:
        raise TargetError(
            f"target file {path}: kind must be {' or '.join(map(repr, _LAYOUTS))}, "
            f"not {data['kind']!r}"
        )
    schema, consistency, _ = _LAYOUTS[data["kind"]]
    check(schema, data, path, consistency)


def _array_shape(data: dict):
    """Columns, row kinds, shim DMA columns and tile specs of a tile array."""
    row_kinds = tuple(data["row_kinds"])
    tiles = {}
    for name, spec in data["tile"].items():
        tiles[name] = TileSpec(
            name,
            spec["data_memory"],
            spec["dma_in"],
            spec["dma_out"],
            spec["buffer_descriptors"],
            spec["locks"],
            spec.get("dma_dims", 0),
            spec.get("stack_bytes", 0),
            tuple(spec.get("shared_memory", ())),
        )
    return data["columns"], row_kinds, tuple(data["shim_dma_columns"]), tiles


def _grid_shape(data: dict):
    """A PE grid: every row is compute, no shims, no per-tile specs."""
    cols, rows = data["pe_grid"]
    return cols, tuple([COMPUTE] * rows), (), {}


# the layout of a target file, per kind: its schema, what else holds it together, and how to
# read its shape
_LAYOUTS = {
    "npu": (ARRAY, array_consistency, _array_shape),
    "fpga": (GRID, grid_consistency, _grid_shape),
}


def _from_data(data: dict, path: str) -> Target:
    cols, row_kinds, shim_columns, tiles = _LAYOUTS[data["kind"]][2](data)
    return Target(
        data["name"],
        data["kind"],
        data.get("description", ""),
        float(data["clock_hz"]),
        cols,
        row_kinds,
        shim_columns,
        tiles,
        data,
        path,
    )


def load_target(name_or_path: str | os.PathLike[str] | Target) -> Target:
    """A shipped target by name (``"npu1_4col"``), or a target file by path."""
    if isinstance(name_or_path, Target):
        return name_or_path
    text = str(name_or_path)
    if text.endswith(".toml") or os.sep in text:
        if not os.path.exists(text):
            raise TargetError(f"no target file at {text}")
        return _load_path(os.path.abspath(text))
    path = _HERE / f"{text}.toml"
    if not path.exists():
        raise TargetError(
            f"unknown target '{text}'; available: {', '.join(available_targets())} "
            "(or pass the path of a .toml target file)"
        )
    return _load_path(str(path))
