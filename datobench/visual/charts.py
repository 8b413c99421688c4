"""Hand-built SVG charts of a performance run: FIFO occupancy over time and a per-tile
timeline of busy, stalled and idle periods.

Both summarise the run per pixel column (``visual.buckets``), so a chart's size depends on its
width and its number of lanes, never on the run's length. Both carry a cursor line at the
scrubber's cycle (``data-dato-cursor``, with the plot's geometry) that the scrubber's front end
moves without a round trip to Python. Past ``MAX_ROWS`` lanes the chart says how many there
are and the panel scrolls it.
"""

from __future__ import annotations

import numpy as np

from datobench.visual import l2
from datobench.visual.bottleneck import Traffic
from datobench.visual.buckets import (
    STATES,
    covered_columns,
    edges,
    fill_arrays,
    fill_columns,
    state_columns,
    union,
    waits,
)
from datobench.visual.colors import (
    FONT,
    IDLE,
    INK,
    MUTED,
    STALL_OUT,
    escape,
)
from datobench.visual.tiles import STATE_COLORS, fill_at

LABEL_W, ROW_H, PLOT_W = 150, 22, 640
LANE_H = ROW_H - 6  # a lane's painted height
HEAD_H = 22  # the line above the lanes: the legend and how many lanes
MAX_ROWS = 32  # lanes shown at once; the panel scrolls past this
PANEL_TIPS = 200  # a staged buffer's panels in a window past which they get no tooltips
STATE_WORDS = {"busy": "busy", "in": "waiting for input", "out": "waiting for room", "idle": "idle"}
MEAN_FILL, MAX_FILL = "#2563eb", "#bfdbfe"
DDR, DMA = "#7c3aed", "#0d9488"  # DDR's bandwidth; a DMA unit with a transfer in flight


def frame(width: int, height: int, body: list[str]) -> str:
    """The chart's SVG, shrunk to its box where that is narrower (a notebook at 1280 px with
    the sidebar open) rather than cut at the right."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
        f'font-family="{FONT}" font-size="11">' + "".join(body) + "</svg>"
    )


def axis(window: tuple[int, int], y: int) -> list[str]:
    """The time axis from the window's first cycle to its last, and over it the band that the
    scrubber's front end brushes to zoom (``data-dato-axis``: drag to zoom, double-click for
    the whole run)."""
    start, stop = window
    out = [f'<line x1="{LABEL_W}" y1="{y}" x2="{LABEL_W + PLOT_W}" y2="{y}" stroke="#cbd5e1"/>']
    for k in range(5):
        x = LABEL_W + PLOT_W * k / 4
        out.append(
            f'<text x="{x:.1f}" y="{y + 14}" fill="{MUTED}" text-anchor="middle">'
            f"{round(start + (stop - start) * k / 4):,}</text>"
        )
    out.append(
        f'<text x="{LABEL_W + PLOT_W}" y="{y + 28}" fill="{MUTED}" text-anchor="end">cycles</text>'
    )
    # the tooltip on a group, not the band: a lane's rect is the one with a title
    out.append(
        "<g><title>drag to zoom into a time window; double-click for the whole run</title>"
        f'<rect data-dato-axis="" data-x0="{LABEL_W}" data-w="{PLOT_W}" data-start="{start}" '
        f'data-stop="{stop}" x="{LABEL_W}" y="{y - 4}" width="{PLOT_W}" height="22" '
        'fill="transparent" style="cursor:ew-resize"/></g>'
    )
    return out


def legend(items: list[tuple[str, str]], count: str) -> list[str]:
    """The legend and the number of lanes, above the lanes."""
    out = []
    x = LABEL_W
    for label, color in items:
        out.append(f'<rect x="{x}" y="5" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{x + 14}" y="14" fill="{INK}">{escape(label)}</text>')
        x += 26 + 6.6 * len(label)
    out.append(
        f'<text x="{LABEL_W + PLOT_W}" y="14" fill="{MUTED}" text-anchor="end">{count}</text>'
    )
    return out


def lane_count(n: int, noun: str) -> str:
    more = f" (scroll for all {n})" if n > MAX_ROWS else ""
    return f"{n} {noun}{'s' if n != 1 else ''}{more}"


def cursor(cycle: int | None, window: tuple[int, int], bottom: int) -> list[str]:
    """The scrubber's cursor; the front end moves it to ``data-x0 + data-w * (c - data-start)
    / (data-stop - data-start)``, and hides it outside the window."""
    if cycle is None:
        return []
    start, stop = window
    inside = start <= cycle <= stop
    x = LABEL_W + PLOT_W * (min(max(cycle, start), stop) - start) / max(stop - start, 1)
    hidden = "" if inside else ' visibility="hidden"'
    return [
        f'<line data-dato-cursor="" data-x0="{LABEL_W}" data-w="{PLOT_W}" data-start="{start}" '
        f'data-stop="{stop}" x1="{x:.1f}" y1="{HEAD_H}" x2="{x:.1f}" y2="{bottom}" '
        f'stroke="{INK}" stroke-dasharray="3,3"{hidden}/>'
    ]


def run_window(perf, window) -> tuple[int, int]:
    """The window a chart shows: the one asked for, clipped to the run, or the whole run."""
    total = max(perf.cycles, 1)
    if not window:
        return 0, total
    start, stop = max(int(window[0]), 0), min(int(window[1]), total)
    return (start, stop) if stop > start else (0, total)


def step_area(heights: np.ndarray, y_base: float) -> str:
    """The path of the area under a step curve over the pixel columns (heights in pixels,
    rounded to half a pixel), one step per run of equal columns; empty if it is all zero."""
    q = np.round(np.asarray(heights) * 2) / 2
    if not q.any():
        return ""
    change = np.flatnonzero(np.diff(q)) + 1  # the columns where a new run starts
    starts = np.concatenate(([0], change))
    stops = np.concatenate((change, [len(q)]))
    steps = "".join(f"V{y_base - q[a]:g}H{LABEL_W + b}" for a, b in zip(starts, stops))
    return f"M{LABEL_W} {y_base:g}{steps}V{y_base:g}Z"


def occupancy_svg(
    perf,
    depths: dict[str, int],
    cycle: int | None = None,
    window: tuple[int, int] | None = None,
    staged: list[l2.StagedBuffer] | None = None,
) -> str:
    """One lane per channel: in each pixel column (of the run, or of ``window``) its mean
    fill (dark) over its largest fill (light), with a red mark where it was full (its producer
    waits). Above them, one lane per staged buffer (``visual.l2``): the panels it held, and
    its refills from DDR and the slices it sent the cores."""
    names = sorted(perf.channels)
    total = max(perf.cycles, 1)
    window = run_window(perf, window)
    staged = staged or []
    items = [("mean fill", MEAN_FILL), ("largest fill", MAX_FILL), ("full", STALL_OUT)]
    if staged:
        items += l2.legend(staged)
    body = legend(items, lane_count(len(names), "stream"))
    body += _l2_lanes(perf, staged, window, cycle)
    for n, name in enumerate(names, len(staged)):
        y = HEAD_H + n * ROW_H
        depth = max(depths.get(name, 1), 1)
        points = perf.channels[name]
        columns = fill_columns(fill_arrays(perf, name), depth, total, PLOT_W, window)
        body.append(_lane_label(name, y))
        body.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{PLOT_W}" height="{LANE_H}" '
            f'fill="#f8fafc" stroke="#e2e8f0"><title>{escape(name)} (depth {depth}): '
            f"mean fill {columns.mean.mean():.2f}, largest {int(columns.largest.max())}, "
            f"full {columns.full_share:.0%} of the run</title></rect>"
        )
        base = y + ROW_H - 4
        scale = LANE_H / depth
        for heights, color in ((columns.largest, MAX_FILL), (columns.mean, MEAN_FILL)):
            d = step_area(np.minimum(heights, depth) * scale, base)
            if d:
                body.append(f'<path d="{d}" fill="{color}"/>')
        d = step_area(np.where(columns.largest >= depth, 3.0, 0.0), y + 5)
        if d:
            body.append(f'<path d="{d}" fill="{STALL_OUT}"/>')
        if cycle is not None:
            body.append(
                f'<text data-dato-fill="{escape(name)}" x="{LABEL_W + PLOT_W + 6}" y="{y + 14}" '
                f'fill="{MUTED}">{fill_at(points, cycle)}/{depth}</text>'
            )
    bottom = HEAD_H + (len(staged) + len(names)) * ROW_H + 2
    body += axis(window, bottom)
    body += cursor(cycle, window, bottom)
    return frame(LABEL_W + PLOT_W + 50, bottom + 34, body)


def _l2_lanes(perf, staged: list, window: tuple[int, int], cycle: int | None) -> list[str]:
    """A lane per staged buffer: the share of its depth holding a panel (the whole height),
    a refill in flight (the upper half) and a slice being sent (the lower half) in each
    column; a tick and a number where each panel's refill starts, a tooltip per panel, and
    the panel held at the scrubber's cycle at the right."""
    e = edges(perf.cycles, PLOT_W, window)
    out = []
    for n, buf in enumerate(staged):
        y = HEAD_H + n * ROW_H
        base, half = y + 2 + LANE_H, LANE_H / 2
        share = l2.shares(buf, perf.cycles)
        out.append(_lane_label(buf.label, y))
        out.append(
            f'<rect data-l2="{n}" x="{LABEL_W}" y="{y + 2}" width="{PLOT_W}" height="{LANE_H}" '
            f'fill="#f8fafc" stroke="#e2e8f0"><title>{escape(l2.summary(buf, share))}</title>'
            "</rect>"
        )
        d = step_area(l2.held_columns(buf, e) * LANE_H, base)
        if d:
            out.append(f'<path data-l2="{n}" data-kind="held" d="{d}" fill="{l2.HELD}"/>')
        out += _panel_tips(buf, window, y)
        bands = (
            ("refill", buf.refills, base - half, l2.REFILL),
            ("serve", buf.serves, base, l2.SERVE),
        )
        for kind, spans, floor, color in bands:
            d = step_area(covered_columns(union(spans), e) * half, floor)
            if d:
                out.append(
                    f'<path data-l2="{n}" data-kind="{kind}" d="{d}" fill="{color}">'
                    f"<title>{escape(l2.band_tip(buf, kind, share))}</title></path>"
                )
        out += _panel_ticks(buf, window, y)
        if cycle is not None:
            out.append(
                f'<text data-dato-fill="{escape(buf.name)}" x="{LABEL_W + PLOT_W + 6}" '
                f'y="{y + 14}" fill="{MUTED}">{l2.panel_text(buf, cycle)}</text>'
            )
    return out


def _panels_in(buf, window: tuple[int, int]) -> list[tuple[int, float, float]]:
    """The panels held in the window, as (load, first x, last x); none past PANEL_TIPS (a
    chart's cost does not grow with the run)."""
    start, stop = window
    scale = PLOT_W / max(stop - start, 1)
    inside = [(k, s, e) for k, (s, e) in enumerate(buf.holds) if e >= start and s <= stop]
    if len(inside) > PANEL_TIPS:
        return []
    return [
        (k, LABEL_W + (max(s, start) - start) * scale, LABEL_W + (min(e, stop) - start) * scale)
        for k, s, e in inside
    ]


def _panel_tips(buf, window: tuple[int, int], y: int) -> list[str]:
    """A tooltip per panel, under the refill and serve bands' own."""
    out = []
    for k, x0, x1 in _panels_in(buf, window):
        (s, e), released = buf.refills[k], buf.holds[k][1]
        tip = (
            f"{buf.shard}: panel {k + 1} of {len(buf.refills)}, refilled from DDR over cycles "
            f"{round(s):,}-{round(e):,}, held until its last slice was sent at cycle "
            f"{round(released):,}"
        )
        out.append(
            f'<rect data-panel="{k}" x="{x0:.1f}" y="{y + 2}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{LANE_H}" fill="transparent"><title>{escape(tip)}</title></rect>'
        )
    return out


def _panel_ticks(buf, window: tuple[int, int], y: int) -> list[str]:
    """A white tick where each panel's refill starts, and its number where there is room."""
    out = []
    for k, x0, x1 in _panels_in(buf, window):
        if buf.holds[k][0] >= window[0]:
            out.append(
                f'<line x1="{x0:.1f}" y1="{y + 2}" x2="{x0:.1f}" y2="{y + 2 + LANE_H}" '
                'stroke="#fff"/>'
            )
        if x1 - x0 >= 26:
            out.append(
                f'<text x="{x0 + 3:.1f}" y="{y + 11}" fill="{INK}" font-size="9" stroke="#fff" '
                f'stroke-width="2" paint-order="stroke" pointer-events="none">p{k + 1}</text>'
            )
    return out


def timeline_svg(
    perf,
    cycle: int | None = None,
    window: tuple[int, int] | None = None,
    moved: Traffic | None = None,
) -> str:
    """One lane per tile: each pixel column's cycles (of the run, or of ``window``) split into
    busy (blue, at the bottom), waiting for input (amber), for room (red) and idle, in
    proportion; each band's tooltip gives the tile, its instances, the state, its cycles over
    the run and the streams waited on. Above the tiles, given the run's DDR traffic
    (``bottleneck.traffic``): DDR's bandwidth over time under the target's roof, and each DMA
    unit's share of each column with a transfer in flight."""
    keys = sorted(perf.tiles, key=lambda k: tuple(int(x) for x in k.split(",")))
    total = max(perf.cycles, 1)
    window = run_window(perf, window)
    body = legend(
        [(STATE_WORDS[s], STATE_COLORS[s]) for s in STATES], lane_count(len(keys), "tile")
    )
    above = 0
    if moved is not None and len(moved.sizes):
        body += _traffic_lanes(perf, moved, window)
        above = 1 + len(moved.lanes)
    for n, key in enumerate(keys):
        t = perf.tiles[key]
        y = HEAD_H + (above + n) * ROW_H
        names = ", ".join(t.instances[:2]) + (" ..." if len(t.instances) > 2 else "")
        body.append(_lane_label(f"{key} {names}", y))
        body.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{PLOT_W}" height="{LANE_H}" fill="{IDLE}">'
            f"<title>{_tip(t, key, 'idle', t.idle, total, {})}</title></rect>"
        )
        shares = state_columns(t, total, PLOT_W, window)
        waited = waits(t)
        cycles = {"busy": t.busy, "in": t.stall_in, "out": t.stall_out}
        # stacked from the bottom: each state's area is painted up to the top of its band,
        # the upper states first, so that each shows between the one below and the one above
        tops = np.cumsum([shares[s] for s in ("busy", "in", "out")], axis=0) * LANE_H
        for state, top in reversed(list(zip(("busy", "in", "out"), tops))):
            d = step_area(top, y + 2 + LANE_H)
            if d:
                tip = _tip(t, key, state, cycles[state], total, waited.get(state, {}))
                body.append(
                    f'<path data-lane="{n}" data-state="{state}" d="{d}" '
                    f'fill="{STATE_COLORS[state]}">'
                    f"<title>{tip}</title></path>"
                )
    bottom = HEAD_H + (above + len(keys)) * ROW_H + 2
    body += axis(window, bottom)
    body += cursor(cycle, window, bottom)
    return frame(LABEL_W + PLOT_W + 50, bottom + 34, body)


def _traffic_lanes(perf, moved: Traffic, window: tuple[int, int]) -> list[str]:
    """DDR's lane (bytes per second in each column, to the scale of the target's roof or of
    the busiest column if the spread of transfers over their spans puts one above it), then
    one lane per DMA unit. Their tooltips sit on the painted areas, not on the lanes, which
    are the tiles' (``rect > title``)."""
    e = edges(perf.cycles, PLOT_W, window)
    rate = moved.spread.per_cycle(e) * perf.clock_hz
    scale = max(moved.roof, float(rate.max()), 1.0)
    y, base = HEAD_H, HEAD_H + 2 + LANE_H
    # the roof in the label, not past the plot's right edge (a narrow notebook clips it there)
    roof = f" (max {moved.roof / 1e9:g})" if moved.roof else ""
    out = [_lane_label(f"DDR GB/s{roof}", y), _lane_box(y)]
    d = step_area(rate / scale * LANE_H, base)
    if d:
        mean = moved.rate(perf.seconds)
        tip = (
            f"DDR: {mean / 1e9:.2f} GB/s over the run ({moved.sizes.sum() / 1e6:,.2f} MB in "
            f"{len(moved.sizes):,} transfers), at most {rate.max() / 1e9:.2f} GB/s in a pixel "
            f"column of this window; the target allows {moved.roof / 1e9:g} GB/s"
        )
        out.append(f'<path data-ddr="" d="{d}" fill="{DDR}"><title>{escape(tip)}</title></path>')
    if moved.roof:
        top = base - moved.roof / scale * LANE_H
        out.append(
            f'<line data-dato-roof="" x1="{LABEL_W}" y1="{top:.1f}" x2="{LABEL_W + PLOT_W}" '
            f'y2="{top:.1f}" stroke="{STALL_OUT}" stroke-dasharray="4,2">'
            f"<title>the target's DDR bandwidth: {moved.roof / 1e9:g} GB/s</title></line>"
        )
    for n, lane in enumerate(moved.lanes, 1):
        y = HEAD_H + n * ROW_H
        out += [_lane_label(lane.label, y), _lane_box(y)]
        d = step_area(covered_columns(lane.spans, e) * LANE_H, y + 2 + LANE_H)
        if d:
            flight = float((lane.spans[:, 1] - lane.spans[:, 0]).sum()) / max(perf.cycles, 1)
            tip = (
                f"{lane.label} ({lane.path}): {lane.transfers:,} transfers, "
                f"{lane.bytes / 1e6:,.2f} MB; a transfer in flight {flight:.1%} of the run"
            )
            out.append(
                f'<path data-dma="{n - 1}" d="{d}" fill="{DMA}"><title>{escape(tip)}</title></path>'
            )
    return out


def _lane_label(text: str, y: int) -> str:
    """A lane's label, right-aligned before it, cut to what fits (hover the lane for all)."""
    return (
        f'<text x="{LABEL_W - 8}" y="{y + 14}" fill="{INK}" text-anchor="end">'
        f"{escape(fit(text, LABEL_W - 14))}</text>"
    )


def fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels (``text_width``)."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


_WIDTHS = (  # pixels per character at 11 px, a little over what browsers' sans-serifs take
    (set("ijlI.,:;'|! "), 3.4),
    (set("ftr()[]{}-/"), 4.4),
    (set("mwMW@%"), 11.0),
    (set("ABCDEFGHJKLNOPQRSTUVXYZ"), 8.4),
)


def text_width(text: str) -> float:
    """An upper estimate of ``text``'s width in pixels at the charts' 11 px sans-serif: a
    right-aligned label must not run off the chart's left edge whatever the browser's font."""
    return sum(next((w for chars, w in _WIDTHS if c in chars), 7.0) for c in text)


def _lane_box(y: int) -> str:
    return (
        f'<rect x="{LABEL_W}" y="{y + 2}" width="{PLOT_W}" height="{LANE_H}" fill="#f8fafc" '
        'stroke="#e2e8f0"/>'
    )


def _tip(tile, key: str, state: str, cycles: int, total: int, waited: dict) -> str:
    """A band's tooltip: tile, instances, state, cycles and, for stalls, what was waited on."""
    text = (
        f"tile {key}: {', '.join(tile.instances)}\n{STATE_WORDS[state]}: {cycles:,} cycles "
        f"({cycles / total:.1%})"
    )
    ranked = sorted(waited.items(), key=lambda kv: -kv[1])
    for stream, spent in ranked[:6]:
        text += f"\n  on {stream}: {round(spent):,} cycles"
    if len(ranked) > 6:
        text += f"\n  and {len(ranked) - 6} more"
    return escape(text)
