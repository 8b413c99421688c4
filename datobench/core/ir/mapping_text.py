"""The text form of a ``Mapping``: what a user argues with, one part at a time.

Every part lists things in a fixed order (nodes and routes as the mapper made them, tiles by
column then row, the whole FPGA last), so the same mapping always reads the same and golden
tests can compare it exactly. Amounts of a resource named "... memory" are bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datobench.core.ir.mapping import Mapping, OffchipStream, Route, Tile, TileUse


# the parts of the text, in the order they are printed
SECTIONS = ("nodes", "merges", "placement", "routes", "offchip", "tiles")


def mapping_text(mapping: Mapping, sections: tuple[str, ...] = SECTIONS) -> str:
    """The header line, then each part named in ``sections`` that has something to show."""
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown mapping text parts {unknown}; known: {', '.join(SECTIONS)}")
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
