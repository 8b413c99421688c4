"""The workbench's charts tell the truth at any run length: their size does not grow with the
run, each pixel column of a tile's lane shows the shares of its cycles, every band has a
tooltip, no lane is cut, and the scrubber moves the cursors without the charts being sent
again."""

from __future__ import annotations

import re

import pytest

import datobench as dato
from datobench import int8, int16, int32, visual
from datobench.core.perf import PerfResult, TileTiming
from datobench.programs import systolic_gemm, whole_array_gemm
from datobench.visual import buckets, charts
from datobench.widgets import Workbench


def painted_share(svg: str, lane: int, state: str) -> float:
    """The share of a timeline lane's area painted in ``state``'s colour, read from the SVG:
    the lane's paths are areas under step curves, stacked (each painted up to the top of its
    band, the upper states first), so a state's share is its area minus the one below it."""
    areas = {
        kind: _area(d)
        for kind, d in re.findall(rf'<path data-lane="{lane}" data-state="(\w+)" d="([^"]+)"', svg)
    }
    assert "busy" in areas, f"no busy band drawn in lane {lane}"
    order = ["busy", "in", "out"]
    below = areas.get(order[order.index(state) - 1], 0.0) if state != "busy" else 0.0
    return (areas.get(state, below) - below) / (charts.PLOT_W * charts.LANE_H)


def _area(d: str) -> float:
    """The area under a step path ``M x0 base (V y H x)* V base Z``."""
    head = re.match(r"M([\d.]+) ([\d.]+)", d)
    x, base = float(head.group(1)), float(head.group(2))
    area = 0.0
    for y, x1 in re.findall(r"V([\d.]+)H([\d.]+)", d):
        area += (float(x1) - x) * (base - float(y))
        x = float(x1)
    return area


def timed(region, target):
    prog = dato.compile(region, target=target)
    return prog, prog.run(backend="perf", values=False)


def one_tile(busy_share: float, period: int, total: int) -> PerfResult:
    """A tile that is busy ``busy_share`` of every ``period`` cycles and waits for input the
    rest: far below a pixel column, the pattern the old timeline painted all amber."""
    wait = round(period * (1 - busy_share))
    segments = [(c + period - wait, c + period, "in") for c in range(0, total, period)]
    stalled = wait * len(segments)
    waited_on = ["fa[0, 0]"] * len(segments)
    tile = TileTiming(["pe_0_0"], total - stalled, stalled, 0, 0, segments, waited_on)
    return PerfResult(
        cycles=total,
        seconds=total / 1e9,
        clock_hz=1e9,
        macs=0,
        peak_macs_per_cycle=0.0,
        utilization=0.0,
        tiles={"0,0": tile},
        channels={"fa[0, 0]": [(c, 1 + (c // period) % 2) for c in range(0, total, period // 3)]},
        critical_path=[],
        events=0,
        dram_bytes=0,
    )


# -- a fixed cost ---------------------------------------------------------------------------


def test_a_long_run_draws_charts_no_bigger_than_a_short_one():
    # the same systolic array, its K 64 times longer: the fill histories grow 64 times
    short = timed(systolic_gemm(2, 2, 8, 8, 8, 256, int16, int32), "u280")
    long = timed(systolic_gemm(2, 2, 8, 8, 8, 256 * 64, int16, int32), "u280")
    assert long[1].cycles > 30 * short[1].cycles
    for prog, perf in (short, long):
        depths = {c.name: c.depth for c in prog.graph.channels}
        occupancy = visual.occupancy_svg(perf, depths, perf.cycles // 2)
        timeline = visual.timeline_svg(perf, perf.cycles // 2)
        lanes = len(perf.channels) + len(perf.tiles)
        # at most a few bytes per pixel column and lane, whatever the run's length
        assert len(occupancy) + len(timeline) < 6_000 + lanes * 4 * charts.PLOT_W * 8


def test_a_million_fill_changes_cost_the_same_as_a_few():
    perf = one_tile(0.57, 7, 7_000_000)
    points = len(perf.channels["fa[0, 0]"])
    assert points > 2_000_000
    svg = visual.occupancy_svg(perf, {"fa[0, 0]": 2}, 0)
    assert len(svg) < 40_000  # was one <rect> per fill change: about 200 MB
    assert svg.count("<rect") < 10 and svg.count("<path") <= 4


# -- what each pixel column shows -------------------------------------------------------------


def test_a_tile_57_percent_busy_is_painted_57_percent_busy():
    perf = one_tile(0.57, 100, 10_000_000)  # a stall every 100 cycles: 160 per pixel column
    svg = visual.timeline_svg(perf)
    assert painted_share(svg, 0, "busy") == pytest.approx(0.57, abs=0.02)
    assert painted_share(svg, 0, "in") == pytest.approx(0.43, abs=0.02)


def test_every_gemm_tile_is_painted_as_busy_as_its_numbers_say():
    _, perf = timed(whole_array_gemm(2048, 2048, 2048, 64, 64, 64, int8, int8), "npu1_4col")
    svg = visual.timeline_svg(perf)
    for lane, key in enumerate(sorted(perf.tiles, key=lambda k: tuple(map(int, k.split(","))))):
        t = perf.tiles[key]
        assert 0.3 < t.busy / perf.cycles < 0.7  # busy about half the time: not all amber
        assert painted_share(svg, lane, "busy") == pytest.approx(t.busy / perf.cycles, abs=0.02)
        assert painted_share(svg, lane, "in") == pytest.approx(t.stall_in / perf.cycles, abs=0.02)


def test_a_stream_full_half_the_time_shows_its_mean_and_largest_fill():
    perf = one_tile(0.5, 6, 6000)  # the fill alternates 1, 2 every 2 cycles; depth 2
    columns = buckets.fill_columns(buckets.fill_arrays(perf, "fa[0, 0]"), 2, perf.cycles, 64)
    assert columns.mean == pytest.approx([1.5] * 64, abs=0.05)
    assert list(columns.largest) == [2.0] * 64
    assert columns.full_share == pytest.approx(0.5, abs=0.01)


# -- tooltips and lanes ---------------------------------------------------------------------


def test_every_band_says_its_tile_instances_state_cycles_and_streams():
    perf = one_tile(0.57, 100, 1_000_000)
    svg = visual.timeline_svg(perf)
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    busy = next(t for t in titles if "busy:" in t)
    assert "tile 0,0: pe_0_0" in busy and f"{perf.tiles['0,0'].busy:,} cycles (57.0%)" in busy
    waiting = next(t for t in titles if "waiting for input:" in t)
    assert "on fa[0, 0]: 430,000 cycles" in waiting
    assert any("idle: 0 cycles" in t for t in titles)


def test_stalls_name_the_stream_or_ddr_transfer_waited_on():
    _, perf = timed(whole_array_gemm(256, 256, 256, 32, 32, 32, int16, int32), "npu1_4col")
    waited = {w for t in perf.tiles.values() for w in t.waited_on}
    assert waited and all(w.startswith("DDR -> core_") or w.endswith("-> DDR") for w in waited)
    svg = visual.timeline_svg(perf)
    assert "on DDR -&gt; core_0_0.a:" in svg or "on DDR -&gt; core_0_0.b:" in svg


def test_more_than_32_lanes_are_all_drawn_and_counted():
    prog, perf = timed(systolic_gemm(8, 8, 8, 8, 8, 64, int16, int32), "u280")
    assert len(perf.tiles) == 80 and len(perf.channels) == 128
    timeline = visual.timeline_svg(perf)
    assert "80 tiles (scroll for all 80)" in timeline
    assert all(f">{key} " in timeline for key in perf.tiles)
    depths = {c.name: c.depth for c in prog.graph.channels}
    occupancy = visual.occupancy_svg(perf, depths)
    assert "128 streams (scroll for all 128)" in occupancy
    assert all(f">{name}</text>" in occupancy for name in perf.channels)


# -- the scrubber ---------------------------------------------------------------------------


def test_scrubbing_updates_the_array_and_fills_without_resending_the_charts():
    wb = Workbench(systolic_gemm(2, 2, 8, 8, 8, 256, int16, int32), target="u280", progress=False)
    streams, timeline = wb.streams.value, wb.timeline.value
    assert streams.count("data-dato-cursor") == 1 and timeline.count("data-dato-cursor") == 1
    fills = set()
    for cycle in range(0, wb.perf.cycles, wb.perf.cycles // 10):
        wb.scrubber.value = cycle
        assert wb.editor.model["cycle"] == cycle
        fills.add(tuple(sorted(wb.scrubber.fills.items())))
    assert len(fills) > 1 and all(v.endswith("/2") for v in wb.scrubber.fills.values())
    assert wb.streams.value is streams and wb.timeline.value is timeline
