"""An FPGA drawn as its SLRs: the bands of PE rows each super logic region holds (SLR0 at the
bottom, as the device's floorplan has it), every placed PE in its slot, and beside each band
its budget (DSP slices, the LUT estimate) and the memory banks that attach to it."""

from __future__ import annotations

from datobench.core.passes.luts import LUTS
from datobench.core.passes.place_fpga import SlrBand, slr_bands
from datobench.core.passes.resources import DSP
from datobench.visual.colors import BUSY, FONT, IDLE, INK, MUTED, escape

LUT_NOTE = "LUTs estimated from each PE's operations, not synthesised (v++ reports the count)"
BAND_COLOURS = ("#eff6ff", "#f0fdf4", "#fefce8", "#fdf2f8")
LABEL_W = 230  # the budget column right of the grid
ROW_GAP = 2
EMPTY_H = 26  # an SLR without PE rows


def slr_model(program) -> list[dict]:
    """The SLR bands as plain data (for the editor's model and for tests); empty for a
    target without SLRs."""
    mapping = program.mapping
    device = mapping.tiles.get("device")
    if device is None:
        return []
    return [
        {
            "slr": b.name,
            "rows": list(b.rows) if b.rows else None,
            "budget": [
                {"resource": r, "used": b.used[r], "capacity": b.capacity[r]} for r in b.capacity
            ],
            "memory": list(b.memory),
        }
        for b in slr_bands(program.target, device, mapping.placement.get)
    ]


def slr_svg(program, width: int = 640) -> str:
    """The SLR view as SVG; empty for a target without SLRs. Its size is bounded by the PE
    grid (at most 64 x 64 slots), drawn smaller the more columns it has."""
    device = program.mapping.tiles.get("device")
    bands = slr_bands(program.target, device, program.mapping.placement.get) if device else []
    if not bands:
        return ""
    placement = program.mapping.placement
    columns = max(c for c, _ in placement.values()) + 1
    cell = max(4, min(22, (width - LABEL_W - 8) // columns - ROW_GAP))
    dsp_of = {who: n for who, n in device.items.get(DSP, [])}
    heights = [_band_height(b, cell) for b in bands]
    total = sum(heights) + 4 * len(bands)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total + 18}" '
        f'font-family="{FONT}" font-size="11" data-dato-view="slrs">'
    ]
    y = total
    for n, (band, h) in enumerate(zip(bands, heights)):
        y -= h
        parts.append(_band(band, n, y, h, width))
        if band.rows:
            parts += _cells(band, placement, dsp_of, y, h, cell)
        y -= 4
    parts.append(
        f'<text x="4" y="{total + 13}" fill="{MUTED}" font-size="10">'
        f"{escape(LUT_NOTE)}</text></svg>"
    )
    return "".join(parts)


def _band_height(band: SlrBand, cell: int) -> int:
    if band.rows is None:
        return EMPTY_H
    rows = band.rows[1] - band.rows[0] + 1
    return max(EMPTY_H * 2, rows * (cell + ROW_GAP) + 8)


def _band(band: SlrBand, n: int, y: int, h: int, width: int) -> str:
    """The band's background and its budget column."""
    x = width - LABEL_W
    where = "no PE rows" if band.rows is None else _rows(band.rows)
    budget = "".join(
        _bar(x + 4, y + 22 + 14 * k, r, band.used[r], band.capacity[r])
        for k, r in enumerate(band.capacity)
        if band.rows is not None
    )
    memory = ", ".join(band.memory) if band.memory else "no memory banks"
    title = f"{band.name}: {where}; attached: {memory}"
    return (
        f'<g data-slr="{band.name}">'
        f'<rect x="0" y="{y}" width="{width}" height="{h}" rx="6" '
        f'fill="{BAND_COLOURS[n % len(BAND_COLOURS)]}" stroke="#cbd5e1"/>'
        f'<text x="{x + 4}" y="{y + 14}" fill="{INK}" font-weight="600">{band.name} '
        f'<tspan font-weight="400" fill="{MUTED}">· {escape(where)} · {escape(memory)}</tspan>'
        f"</text>{budget}<title>{escape(title)}</title></g>"
    )


def _rows(rows: tuple[int, int]) -> str:
    return f"PE row {rows[0]}" if rows[0] == rows[1] else f"PE rows {rows[0]}-{rows[1]}"


def _bar(x: int, y: int, resource: str, used: int, capacity: int) -> str:
    share = used / capacity if capacity else 0.0
    label = "DSP" if resource == DSP else "LUT est." if resource == LUTS else resource
    colour = "#ef4444" if share > 0.9 else BUSY
    return (
        f'<text x="{x}" y="{y + 8}" fill="{INK}">{label}</text>'
        f'<rect x="{x + 52}" y="{y}" width="90" height="9" rx="2" fill="{IDLE}"/>'
        f'<rect x="{x + 52}" y="{y}" width="{90 * min(share, 1.0):.1f}" height="9" rx="2" '
        f'fill="{colour}"/>'
        f'<text x="{x + 148}" y="{y + 8}" fill="{MUTED}">{_short(used)}/{_short(capacity)}'
        f"</text>"
    )


def _short(n: int) -> str:
    return f"{n / 1000:.0f}K" if n >= 10_000 else f"{n:,}"


def _cells(band: SlrBand, placement: dict, dsp_of: dict, y: int, h: int, cell: int) -> list:
    """The placed PEs of the band's rows, row ``first`` at the band's bottom."""
    first, last = band.rows
    bottom = y + h - 4
    out = []
    for name, (col, row) in sorted(placement.items()):
        if not first <= row <= last:
            continue
        top = bottom - (row - first + 1) * (cell + ROW_GAP)
        dsp = dsp_of.get(name, 0)
        out.append(
            f'<rect x="{6 + col * (cell + ROW_GAP)}" y="{top}" width="{cell}" height="{cell}" '
            f'rx="2" fill="{BUSY if dsp else "#94a3b8"}" data-pe="{col},{row}">'
            f"<title>{escape(name)} at ({col}, {row}): {dsp} DSP slices</title></rect>"
        )
    return out
