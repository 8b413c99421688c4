"""The physical mapping of a program: plain data that serialises to JSON and back, and reads
as text (``str(mapping)``).

Tiles are ``(column, row)``; in JSON they are two-element lists and the keys of per-tile
tables are ``"column,row"``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from datobench.core.ir.mapping_text import SECTIONS, mapping_text

Tile = tuple[int, int]


def tile_key(tile: Tile) -> str:
    return f"{tile[0]},{tile[1]}"


@dataclass
class Node:
    """One tile's worth of work: an instance, or instances fused by chain/bundle."""

    name: str
    instances: list[str]
    kind: str  # "task", "chain", "bundle", or "chain+bundle"
    tile: Tile | None = None


@dataclass
class Merge:
    kind: str  # "chain" or "bundle"
    instances: list[str]
    reason: str
    automatic: bool


@dataclass
class Route:
    """How one channel is carried."""

    channel: str
    kind: str  # "local" (same tile), "shared" (neighbour memory), "stream" (stream switch)
    src: Tile
    dst: Tile
    path: list[Tile]  # tiles the data crosses, src..dst (two entries for a neighbour)
    buffer_tiles: list[Tile]  # where the channel's buffers live
    bytes: int | None  # moved over the whole run, when statically known

    @property
    def hops(self) -> int:
        return max(len(self.path) - 1, 0)


@dataclass
class OffchipStream:
    """Traffic between DDR and the array through one column's shim and memory tile."""

    buffer: str
    direction: str  # "read" (DDR -> tiles) or "write" (tiles -> DDR)
    instances: list[str]
    column: int
    window: list[list[int]]  # [lo, hi) per dimension (for writes: the union's bounding box)
    bytes: int
    path_tiles: list[Tile]  # compute tiles reached (reads) or drained (writes)


@dataclass
class TileUse:
    tile: Tile
    kind: str  # "compute", "mem", "shim", or "device" on an FPGA
    instances: list[str] = field(default_factory=list)
    used: dict[str, int] = field(default_factory=dict)
    capacity: dict[str, int] = field(default_factory=dict)
    items: dict[str, list] = field(default_factory=dict)  # resource -> [who, amount] pairs


@dataclass
class Mapping:
    """Where every instance runs, how every channel and DDR stream is carried, and what each
    tile (or the whole FPGA) spends on it."""

    target: str
    placement: dict[str, Tile]  # instance name -> (column, row)
    nodes: list[Node]
    routes: list[Route]
    offchip: list[OffchipStream]
    tiles: dict[str, TileUse]  # "column,row" (or "device") -> resource use
    merges: list[Merge]

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(dataclasses.asdict(self), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Mapping:
        d = json.loads(text)

        def tile(t):
            return None if t is None else (int(t[0]), int(t[1]))

        return cls(
            d["target"],
            {k: tile(v) for k, v in d["placement"].items()},
            [Node(n["name"], n["instances"], n["kind"], tile(n["tile"])) for n in d["nodes"]],
            [
                Route(
                    r["channel"],
                    r["kind"],
                    tile(r["src"]),
                    tile(r["dst"]),
                    [tile(t) for t in r["path"]],
                    [tile(t) for t in r["buffer_tiles"]],
                    r["bytes"],
                )
                for r in d["routes"]
            ],
            [
                OffchipStream(
                    o["buffer"],
                    o["direction"],
                    o["instances"],
                    o["column"],
                    o["window"],
                    o["bytes"],
                    [tile(t) for t in o["path_tiles"]],
                )
                for o in d["offchip"]
            ],
            {
                k: TileUse(
                    tile(u["tile"]), u["kind"], u["instances"], u["used"], u["capacity"], u["items"]
                )
                for k, u in d["tiles"].items()
            },
            [Merge(**m) for m in d["merges"]],
        )

    def text(self, sections: tuple[str, ...] = SECTIONS) -> str:
        """The mapping as stable text, one part per name of ``SECTIONS`` asked for: nodes,
        merges and their reasons, placement by tile, routes, off-chip streams, and the ledger
        of each tile (every resource used against its capacity, and who uses how much)."""
        return mapping_text(self, sections)

    def __str__(self) -> str:
        return self.text()

    def node_of(self, instance: str) -> Node:
        return next(n for n in self.nodes if instance in n.instances)

    def route(self, channel: str) -> Route:
        return next(r for r in self.routes if r.channel == channel)
