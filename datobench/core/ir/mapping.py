"""The physical mapping of a program: plain data that serialises to JSON and back, and reads
as text (``str(mapping)``).

Tiles are ``(column, row)``; in JSON they are two-element lists and the keys of per-tile
tables are ``"column,row"``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from datobench.core.errors import DatoError, DatoTypeError, user_facing

Tile = tuple[int, int]

# the parts of the text, in the order they are printed
SECTIONS = ("nodes", "merges", "placement", "routes", "offchip", "tiles")


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
    @user_facing
    def from_json(cls, text: str) -> Mapping:
        """The mapping that ``to_json`` wrote; other text is a DatoError at the call."""
        try:
            return cls._from_dict(json.loads(text))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
            what = f"{type(error).__name__}: {error}"
            raise DatoTypeError(f"not the JSON form of a mapping ({what})") from None

    @classmethod
    def _from_dict(cls, d: dict) -> Mapping:

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

    @user_facing
    def text(self, sections: tuple[str, ...] = SECTIONS) -> str:
        """The mapping as stable text, one part per name of ``SECTIONS`` asked for: nodes,
        merges and their reasons, placement by tile, routes, off-chip streams, and the ledger
        of each tile (every resource used against its capacity, and who uses how much)."""
        return mapping_text(self, sections)

    def __str__(self) -> str:
        return self.text()

    @user_facing
    def node_of(self, instance: str) -> Node:
        """The node that runs the instance named ``instance``."""
        for n in self.nodes:
            if instance in n.instances:
                return n
        raise DatoError(f"no instance named {instance!r} in this mapping")

    @user_facing
    def route(self, channel: str) -> Route:
        """The route of the channel named ``channel``."""
        for r in self.routes:
            if r.channel == channel:
                return r
        raise DatoError(f"no channel named {channel!r} in this mapping")


# -- the text form: what a user argues with, one part at a time -------------------------------
# Every part lists things in a fixed order (nodes and routes as the mapper made them, tiles by
# column then row, the whole FPGA last), so the same mapping always reads the same and golden
# tests can compare it exactly. Amounts of a resource named "... memory" are bytes.


def mapping_text(mapping: Mapping, sections: tuple[str, ...] = SECTIONS) -> str:
    """The header line, then each part named in ``sections`` that has something to show."""
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise DatoError(f"unknown mapping text parts {unknown}; known: {', '.join(SECTIONS)}")
    parts = {
        "nodes": _nodes,
        "merges": _merges,
        "placement": _placement,
        "routes": _routes,
        "offchip": _offchip,
        "tiles": _tiles,
    }
    m = mapping
    counts = [
        _many(sum(len(n.instances) for n in m.nodes), "instance"),
        _many(len(m.nodes), "node"),
    ]
    if "routes" in sections:
        counts.append(_many(len(m.routes), "route"))
    if "offchip" in sections:
        counts.append(_many(len(m.offchip), "off-chip stream"))
    lines = [f"mapping onto {m.target}: {', '.join(counts)}"]
    for name in sections:
        body = parts[name](m)
        if body:
            lines += ["", *body]
    return "\n".join(lines) + "\n"


def _many(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def tile_text(tile: Tile) -> str:
    return f"({tile[0]}, {tile[1]})"


def _columns(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Rows of cells, each column as wide as its widest cell (the last one left free)."""
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        (indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1]).rstrip()
        for r in rows
    ]


def _nodes(m: Mapping) -> list[str]:
    rows = [[n.name, n.kind] for n in m.nodes]
    return [f"nodes ({len(m.nodes)}):", *_columns(rows)]


def _merges(m: Mapping) -> list[str]:
    if not m.merges:
        return []
    lines = [f"merges ({len(m.merges)}):"]
    for merge in m.merges:
        how = f"automatic: {merge.reason}" if merge.automatic else merge.reason
        lines.append(f"  {merge.kind} {' + '.join(merge.instances)} ({how})")
    return lines


def _placement(m: Mapping) -> list[str]:
    if not m.placement:
        return []
    by_tile: dict[Tile, list[str]] = {}
    for name, tile in m.placement.items():
        by_tile.setdefault(tile, []).append(name)
    rows = [[tile_text(t), ", ".join(names)] for t, names in sorted(by_tile.items())]
    return [f"placement ({len(by_tile)} tiles):", *_columns(rows)]


def _bytes(n: int | None) -> str:
    return "? B" if n is None else f"{n} B"


def _route_row(r: Route) -> list[str]:
    ends = tile_text(r.src) if r.kind == "local" else f"{tile_text(r.src)} -> {tile_text(r.dst)}"
    path = f"via {' '.join(tile_text(t) for t in r.path)}" if r.hops > 1 else ""
    buffers = ("buffers " if len(r.buffer_tiles) > 1 else "buffer ") + " ".join(
        tile_text(t) for t in r.buffer_tiles
    )
    return [r.channel, r.kind, _bytes(r.bytes), ends, buffers, path]


def _routes(m: Mapping) -> list[str]:
    if not m.routes:
        return []
    return [f"routes ({len(m.routes)}):", *_columns([_route_row(r) for r in m.routes])]


def _stream_row(s: OffchipStream) -> list[str]:
    window = "[" + ", ".join(f"{lo}:{hi}" for lo, hi in s.window) + "]" if s.window else ""
    column = f"column {s.column}" if s.column >= 0 else "device"
    who = ("to " if s.direction == "read" else "from ") + ", ".join(s.instances)
    if s.path_tiles:
        who += " at " + " ".join(tile_text(t) for t in s.path_tiles)
    return [s.direction, s.buffer + window, column, _bytes(s.bytes), who]


def _offchip(m: Mapping) -> list[str]:
    if not m.offchip:
        return []
    return [f"off-chip streams ({len(m.offchip)}):", *_columns([_stream_row(s) for s in m.offchip])]


def _amount(resource: str, n: int) -> str:
    return f"{n} B" if resource.endswith("memory") else str(n)


def _ledger(use: TileUse) -> list[str]:
    where = "device" if use.kind == "device" else f"{tile_text(use.tile)} {use.kind}"
    lines = [f"  {where}" + (f": {', '.join(use.instances)}" if use.instances else "")]
    # in the order of the tile's capacities, then anything used that has none
    order = [r for r in use.capacity if r in use.used]
    order += [r for r in use.used if r not in use.capacity]
    rows = []
    for resource in order:
        cap = use.capacity.get(resource)
        limit = "" if cap is None else f" of {_amount(resource, cap)}"
        items = use.items.get(resource, [])
        who = ", ".join(f"{name} ({_amount(resource, n)})" for name, n in items)
        rows.append([resource, _amount(resource, use.used[resource]) + limit, who])
    return lines + _columns(rows, indent="    ")


def _tile_order(item: tuple[str, TileUse]):
    key, use = item
    return (1, 0, 0) if key == "device" else (0, *use.tile)


def _tiles(m: Mapping) -> list[str]:
    if not m.tiles:
        return []
    lines = [f"tiles ({len(m.tiles)}):"]
    for _, use in sorted(m.tiles.items(), key=_tile_order):
        lines += _ledger(use)
    return lines
