"""The workbench panel as one SVG picture: its header lines, the task graph beside the tile
array, then the stream and tile charts, drawn from the very SVGs the live panel shows (and the
tile array from the model its editor draws). The static fallback of a saved notebook is this
picture, rasterised."""

from __future__ import annotations

import re
import textwrap

from datobench.visual.colors import FONT, INK, MUTED, escape, fill, heat

WIDTH = 1100  # the picture's width in px; the panel's at the usual notebook width
PAD, SECTION_H, LINE_H = 12, 26, 18
LINE_CHARS = 150  # a header line's characters before it wraps (12 px text, 1100 px)
CELL_W, CELL_H, GAP = 112, 74, 6  # a tile as the editor draws it (editor.js)
KIND_FILL = {"compute": "#ffffff", "mem": "#fef3c7", "shim": "#e2e8f0"}
KIND_STROKE = {"compute": "#cbd5e1", "mem": "#f59e0b", "shim": "#94a3b8"}

_ROOT = re.compile(r"<svg\b[^>]*>")
_PT_PER_PX = 0.75


def _size(svg: str) -> tuple[float, float, str]:
    """An SVG's size in px and its viewBox (pt, as Graphviz writes, converted; a graph made
    to fit its box carries its natural size in px as ``data-width``/``data-height``)."""
    root = _ROOT.search(svg)[0]
    dims = []
    for name in ("width", "height"):
        value = re.search(rf'\s(?:data-)?{name}="([\d.]+)(pt|px)?"', root)
        number = float(value[1])
        dims.append(number / _PT_PER_PX if value[2] == "pt" else number)
    box = re.search(r'\sviewBox="([^"]+)"', root)
    return dims[0], dims[1], box[1] if box else f"0 0 {dims[0]:g} {dims[1]:g}"


def place(svg: str, x: float, y: float, max_width: float) -> tuple[str, float]:
    """``svg`` nested at (x, y), scaled down to ``max_width`` if wider; and its height."""
    width, height, box = _size(svg)
    scale = min(1.0, max_width / width)
    root = _ROOT.search(svg)[0]
    kept = re.sub(r'\s(width|height|viewBox|x|y|style|preserveAspectRatio)="[^"]*"', "", root)
    nested = kept.replace(
        "<svg",
        f'<svg x="{x:.1f}" y="{y:.1f}" width="{width * scale:.1f}" height="{height * scale:.1f}" '
        f'viewBox="{box}" preserveAspectRatio="xMinYMin meet"',
        1,
    )
    return svg.replace(root, nested, 1), height * scale


def tile_array_svg(model: dict) -> str:
    """The tile array as the editor draws it: tiles by kind (compute tiles shaded by how busy
    they were), memory meters, routes coloured by fill, one chip per instance."""
    rows = model["rows"]
    width, height = model["columns"] * (CELL_W + GAP), rows * (CELL_H + GAP)

    def corner(col, row):
        return col * (CELL_W + GAP), (rows - 1 - row) * (CELL_H + GAP)

    body = []
    for t in model["tiles"]:
        x, y = corner(t["col"], t["row"])
        kind = t["kind"]
        shade = heat(t["busy"]) if kind == "compute" and t["busy"] is not None else None
        label = "" if kind == "compute" else ("shim (no DMA)" if t["no_dma"] else kind)
        body.append(
            f'<rect x="{x}" y="{y}" width="{CELL_W}" height="{CELL_H}" rx="8" '
            f'fill="{shade or KIND_FILL.get(kind, "#ffffff")}" '
            f'stroke="{KIND_STROKE.get(kind, "#cbd5e1")}"/>'
            f'<text x="{x + 5}" y="{y + 13}" font-size="10" fill="#64748b">'
            f"{t['col']},{t['row']} {escape(label)}</text>"
        )
        if t["memory"]:
            used, capacity = t["memory"]
            share = min(1.0, used / capacity) if capacity else 0.0
            body.append(
                f'<rect x="{x + 6}" y="{y + CELL_H - 9}" width="{CELL_W - 12}" height="4" '
                f'rx="2" fill="#e5e7eb"/><rect x="{x + 6}" y="{y + CELL_H - 9}" '
                f'width="{(CELL_W - 12) * share:.1f}" height="4" rx="2" fill="#6366f1"/>'
            )
    for r in model["routes"]:
        points = " ".join(
            f"{corner(c, row)[0] + CELL_W / 2},{corner(c, row)[1] + CELL_H / 2}"
            for c, row in r["path"]
        )
        dash = ' stroke-dasharray="6,4"' if r["kind"] == "stream" else ""
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{fill(r["fill"])}" '
            f'stroke-width="{5 if r["kind"] == "shared" else 3}" stroke-linecap="round"{dash}/>'
        )
    body += _chips(model, corner)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">'
        + "".join(body)
        + "</svg>"
    )


def _chips(model: dict, corner) -> list[str]:
    """The instances' chips, flowed left to right in their tile below its label."""
    out, taken = [], {}
    for chip in model["chips"]:
        x, y = corner(chip["col"], chip["row"])
        n = taken.get((chip["col"], chip["row"]), 0)
        taken[(chip["col"], chip["row"])] = n + 1
        if n >= 3:  # a fourth chip and more: the tile says how many
            continue
        name = chip["name"] if len(chip["name"]) <= 15 else chip["name"][:14] + "…"
        colour = "#4338ca" if chip["group"] else "#1e293b"
        top = y + 18 + n * 17
        out.append(
            f'<rect x="{x + 5}" y="{top}" width="{CELL_W - 10}" height="15" rx="7.5" '
            f'fill="{colour}"/><text x="{x + 12}" y="{top + 11}" fill="#f8fafc">'
            f"{escape(name)}</text>"
        )
    for (col, row), n in taken.items():
        if n > 3:
            x, y = corner(col, row)
            out.append(
                f'<text x="{x + CELL_W - 6}" y="{y + 13}" font-size="10" fill="{INK}" '
                f'text-anchor="end">+{n - 3}</text>'
            )
    return out


def panel_svg(
    lines: list[str], graph: str | None, array: str, charts: list[tuple[str, str]]
) -> str:
    """The whole panel: ``lines`` of header text (the first in bold), the task graph (None
    when it could not be drawn) beside the tile array, then each (title, svg) chart."""
    body, y = [], PAD
    for n, line in enumerate(lines):
        weight = ' font-weight="600" font-size="14"' if n == 0 else f' fill="{MUTED}"'
        for part in textwrap.wrap(line, LINE_CHARS):
            y += LINE_H
            body.append(f'<text x="{PAD}" y="{y}"{weight}>{escape(part)}</text>')
    left_w = (WIDTH - 3 * PAD) * 0.42
    right_x = 2 * PAD + left_w
    top = y + 8
    body.append(_section("Task graph", PAD, top))
    body.append(_section("Tile array", right_x, top))
    heights = [0.0]
    if graph is not None:
        nested, h = place(graph, PAD, top + SECTION_H, left_w)
        body.append(nested)
        heights.append(h)
    nested, h = place(array, right_x, top + SECTION_H, WIDTH - right_x - PAD)
    body.append(nested)
    heights.append(h)
    y = top + SECTION_H + max(heights)
    for title, svg in charts:
        body.append(_section(title, PAD, y + 8))
        nested, h = place(svg, PAD, y + 8 + SECTION_H, WIDTH - 2 * PAD)
        body.append(nested)
        y += 8 + SECTION_H + h
    height = y + PAD
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{WIDTH}" height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'font-family="{FONT}" font-size="12" fill="{INK}">'
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="#ffffff" stroke="#e2e8f0" rx="10"/>'
        + "".join(body)
        + "</svg>"
    )


def _section(title: str, x: float, y: float) -> str:
    return (
        f'<text x="{x}" y="{y + 16}" font-size="12" font-weight="600" fill="#334155" '
        f'letter-spacing="0.5">{escape(title.upper())}</text>'
    )
