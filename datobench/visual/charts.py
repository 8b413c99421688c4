"""Hand-built SVG charts of a performance run: FIFO occupancy over time and a per-tile
timeline of busy, stalled and idle periods."""

from __future__ import annotations

from datobench.visual.colors import (
    BUSY,
    FONT,
    IDLE,
    INK,
    MUTED,
    STALL_IN,
    STALL_OUT,
    escape,
)
from datobench.visual.tiles import fill_at

LABEL_W, ROW_H, PLOT_W = 150, 22, 640
MAX_ROWS = 32


def _frame(width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">'
        + "".join(body)
        + "</svg>"
    )


def _axis(total: int, y: int) -> list[str]:
    out = [f'<line x1="{LABEL_W}" y1="{y}" x2="{LABEL_W + PLOT_W}" y2="{y}" stroke="#cbd5e1"/>']
    for k in range(5):
        x = LABEL_W + PLOT_W * k / 4
        out.append(
            f'<text x="{x:.1f}" y="{y + 14}" fill="{MUTED}" text-anchor="middle">'
            f"{round(total * k / 4):,}</text>"
        )
    out.append(
        f'<text x="{LABEL_W + PLOT_W}" y="{y + 28}" fill="{MUTED}" text-anchor="end">cycles</text>'
    )
    return out


def occupancy_svg(perf, depths: dict[str, int], cycle: int | None = None) -> str:
    """One lane per channel: fill over time (full periods, where the producer waits, in red)."""
    names = sorted(perf.channels)[:MAX_ROWS]
    total = max(perf.cycles, 1)
    height = len(names) * ROW_H + 40
    body = []
    for n, name in enumerate(names):
        y = n * ROW_H + 4
        depth = max(depths.get(name, 1), 1)
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + 14}" fill="{INK}" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        body.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{PLOT_W}" height="{ROW_H - 6}" '
            'fill="#f8fafc" stroke="#e2e8f0"/>'
        )
        points = perf.channels[name]
        for (c0, f0), (c1, _) in zip(points, points[1:] + [(total, 0)]):
            if f0 <= 0:
                continue
            x0, x1 = LABEL_W + PLOT_W * c0 / total, LABEL_W + PLOT_W * c1 / total
            h = (ROW_H - 6) * min(f0 / depth, 1.0)
            color = STALL_OUT if f0 >= depth else BUSY
            body.append(
                f'<rect x="{x0:.2f}" y="{y + ROW_H - 4 - h:.2f}" '
                f'width="{max(x1 - x0, 0.4):.2f}" height="{h:.2f}" fill="{color}" '
                'opacity="0.85"/>'
            )
        if cycle is not None:
            now = fill_at(points, cycle)
            body.append(
                f'<text x="{LABEL_W + PLOT_W + 6}" y="{y + 14}" fill="{MUTED}">{now}/{depth}</text>'
            )
    if len(perf.channels) > MAX_ROWS:
        body.append(
            f'<text x="4" y="{height - 4}" fill="{MUTED}">'
            f"... {len(perf.channels) - MAX_ROWS} more channels</text>"
        )
    body += _axis(total, len(names) * ROW_H + 6)
    if cycle is not None:
        x = LABEL_W + PLOT_W * min(cycle, total) / total
        body.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{len(names) * ROW_H + 6}" '
            f'stroke="{INK}" stroke-dasharray="3,3"/>'
        )
    return _frame(LABEL_W + PLOT_W + 50, height + 10, body)


def timeline_svg(perf) -> str:
    """One lane per tile: busy (blue), waiting for input (amber), for room (red), idle."""
    keys = sorted(perf.tiles, key=lambda k: tuple(int(x) for x in k.split(",")))[:MAX_ROWS]
    total = max(perf.cycles, 1)
    body = []
    for n, key in enumerate(keys):
        t = perf.tiles[key]
        y = n * ROW_H + 4
        names = ", ".join(t.instances[:2]) + (" ..." if len(t.instances) > 2 else "")
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + 14}" fill="{INK}" text-anchor="end">'
            f"{escape(key)} {escape(names)}</text>"
        )
        body.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{PLOT_W}" height="{ROW_H - 6}" fill="{IDLE}"/>'
        )
        end = t.busy + t.stall_in + t.stall_out
        body.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{PLOT_W * end / total:.2f}" '
            f'height="{ROW_H - 6}" fill="{BUSY}"/>'
        )
        for start, stop, kind in _merged(t.segments, total / PLOT_W):
            x0 = LABEL_W + PLOT_W * start / total
            width = max(PLOT_W * (stop - start) / total, 0.4)
            color = STALL_IN if kind == "in" else STALL_OUT
            body.append(
                f'<rect x="{x0:.2f}" y="{y + 2}" width="{width:.2f}" '
                f'height="{ROW_H - 6}" fill="{color}"/>'
            )
    legend_y = len(keys) * ROW_H + 40
    for n, (label, color) in enumerate(
        [
            ("busy", BUSY),
            ("waiting for input", STALL_IN),
            ("waiting for room", STALL_OUT),
            ("idle", IDLE),
        ]
    ):
        x = LABEL_W + n * 150
        body.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{color}"/>')
        body.append(f'<text x="{x + 14}" y="{legend_y}" fill="{INK}">{label}</text>')
    body += _axis(total, len(keys) * ROW_H + 6)
    return _frame(LABEL_W + PLOT_W + 20, legend_y + 8, body)


def _merged(segments, resolution: float):
    """Stall segments joined where the gap between them is below one pixel."""
    out: list[list] = []
    for start, stop, kind in sorted(segments):
        if out and out[-1][2] == kind and start - out[-1][1] <= resolution:
            out[-1][1] = max(out[-1][1], stop)
        else:
            out.append([start, stop, kind])
    return out
