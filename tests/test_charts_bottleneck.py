"""The workbench shows the real bottleneck and agrees with its numbers: the DDR lane's area is
the bandwidth the sentence under the timeline states, each DMA lane is painted for as long
as a transfer was in flight, the roofline's points sit under their roofs on the side of the
ridge their label says, the array's tiles carry their state at the scrubber's cycle and the
paths DDR data takes; and a zoomed window is re-bucketed, its charts still true."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import traitlets

import datobench as dato
from datobench import int8, int16, int32, visual
from datobench.core.passes.analysis import profiles
from datobench.core.perf import TileTiming
from datobench.core.perf.trace import tile_periods
from datobench.programs import systolic_gemm, whole_array_gemm
from datobench.visual import bottleneck, buckets, charts, roofline, tiles
from datobench.widgets import Workbench
from tests.test_charts import _area, one_tile, painted_share

GEMM = whole_array_gemm(512, 512, 512, 64, 64, 64, int8, int8)


@pytest.fixture(scope="module")
def gemm():
    """16 cores that wait on DDR about half the run: DDR is at its roof."""
    prog = dato.compile(GEMM, target="npu1_4col")
    perf = prog.run(backend="perf", values=False)
    return prog, perf, bottleneck.traffic(prog, perf, profiles(prog.graph))


@pytest.fixture(scope="module")
def systolic():
    """A systolic array on an FPGA: its PEs are fed by streams and wait on them, not on DDR."""
    prog = dato.compile(systolic_gemm(4, 4, 8, 8, 8, 256, int16, int32), target="u280")
    perf = prog.run(backend="perf", values=False)
    return prog, perf, bottleneck.traffic(prog, perf, profiles(prog.graph))


def lane_share(svg: str, attribute: str) -> float:
    """The share of a lane painted by the path carrying ``attribute`` (its area over the
    lane's)."""
    d = re.search(rf'<path {attribute} d="([^"]+)"', svg).group(1)
    return _area(d) / (charts.PLOT_W * charts.LANE_H)


def roof_y(svg: str) -> float:
    """Where the DDR lane's roof line is drawn, as a share of the lane's height."""
    y = float(re.search(r'<line data-dato-roof="" x1="[\d.]+" y1="([\d.]+)"', svg).group(1))
    base = charts.HEAD_H + 2 + charts.LANE_H
    return (base - y) / charts.LANE_H


# -- DDR and the DMA lanes --------------------------------------------------------------------


def test_the_sentence_under_the_timeline_states_the_wait_and_the_bandwidth(gemm):
    prog, perf, moved = gemm
    sentence = bottleneck.ddr_sentence(perf, moved)
    share = sum(t.ddr_wait for t in perf.tiles.values()) / (16 * perf.cycles)
    assert 0.3 < share < 0.7
    rate = moved.sizes.sum() / perf.seconds
    assert sentence == (
        f"tiles wait on DDR for {share:.0%} of the run: DDR moved {rate / 1e9:.1f} GB/s "
        "of the 15 GB/s the target allows, so its bandwidth is the limit"
    )
    assert rate <= 15e9 * 1.001  # DDR never moves more than it allows


def test_tiles_that_wait_on_streams_get_no_ddr_sentence(systolic):
    _, perf, moved = systolic
    assert bottleneck.ddr_wait_share(perf) < bottleneck.WAIT_WORTH_SAYING
    assert bottleneck.ddr_sentence(perf, moved) == ""


def test_the_ddr_lane_is_as_high_as_the_bandwidth_the_sentence_states(gemm):
    _, perf, moved = gemm
    svg = visual.timeline_svg(perf, 0, None, moved)
    # the lane is drawn to the roof's scale (or the busiest column's): its mean height over
    # the roof's height is the run's bandwidth over the roof
    painted = lane_share(svg, 'data-ddr=""') / roof_y(svg)
    assert painted == pytest.approx(moved.rate(perf.seconds) / moved.roof, rel=0.03)


def test_each_dma_lane_is_painted_while_a_transfer_is_in_flight(gemm):
    _, perf, moved = gemm
    svg = visual.timeline_svg(perf, 0, None, moved)
    # a column's shim and memory tile each way: four columns, reads and writes
    assert [lane.label for lane in moved.lanes[:2]] == [
        "col 0: DDR -> tiles",
        "col 0: tiles -> DDR",
    ]
    assert len(moved.lanes) == 8
    assert "DDR -&gt; shim 0,0 -&gt; memory tile 0,1 -&gt; tiles" in svg
    for n, lane in enumerate(moved.lanes):
        flight = float((lane.spans[:, 1] - lane.spans[:, 0]).sum()) / perf.cycles
        assert lane_share(svg, f'data-dma="{n}"') == pytest.approx(flight, abs=0.01)
        assert f"a transfer in flight {flight:.1%} of the run" in svg


def test_the_tiles_lanes_and_their_count_are_unchanged_below_the_ddr_lanes(gemm):
    _, perf, moved = gemm
    svg = visual.timeline_svg(perf, 0, None, moved)
    assert "16 tiles" in svg
    assert len(re.findall(r"<rect [^>]*><title>", svg)) == 16  # one per tile lane, as before
    for lane, key in enumerate(sorted(perf.tiles, key=lambda k: tuple(map(int, k.split(","))))):
        t = perf.tiles[key]
        assert painted_share(svg, lane, "busy") == pytest.approx(t.busy / perf.cycles, abs=0.02)


def test_a_window_read_by_four_cores_is_counted_once_in_ddr_traffic(gemm):
    prog, perf, moved = gemm
    # every core reads its A row and B column; each window is read by the four cores of a row
    # or a column, and DDR brings it in once: a quarter of what the readers receive
    reads = sum(p.bytes for p in prog.mapping.offchip if p.direction == "read")
    writes = sum(p.bytes for p in prog.mapping.offchip if p.direction == "write")
    assert moved.sizes.sum() == pytest.approx(reads / 4 + writes)
    assert perf.dram_bytes == reads + writes


def test_bytes_spread_over_their_transfers_are_integrated_exactly():
    starts, stops = np.array([0.0, 10.0, 15.0, 40.0]), np.array([20.0, 30.0, 15.0, 100.0])
    sizes = np.array([200.0, 100.0, 7.0, 600.0])
    e = buckets.edges(100, 10)
    per_cycle = buckets.SpreadBytes(starts, stops, sizes).per_cycle(e)
    brute = np.zeros(10)  # each transfer's bytes in each column, one by one
    for s, t, b in zip(starts, stops, sizes):
        for k, (lo, hi) in enumerate(zip(e, e[1:])):
            if s == t:  # a transfer of no length: its bytes where it starts
                brute[k] += b if lo <= s < hi else 0.0
            else:
                brute[k] += b * max(min(hi, t) - max(lo, s), 0.0) / (t - s)
    assert per_cycle * 10 == pytest.approx(brute)
    assert (per_cycle * 10).sum() == pytest.approx(sizes.sum())


# -- the roofline -------------------------------------------------------------------------------


def points(svg: str) -> list[tuple[str, float, float]]:
    return [
        (bound, float(x), float(y))
        for bound, x, y in re.findall(r'data-bound="([\w-]+)" cx="([\d.]+)" cy="([\d.]+)"', svg)
    ]


def knee(svg: str) -> tuple[list[tuple[float, float]], float]:
    """The roof polyline's points, and the x where the DDR slope meets the compute peak."""
    line = re.search(r'<polyline data-dato-roof="" points="([^"]+)"', svg).group(1)
    xy = [tuple(map(float, p.split(","))) for p in line.split()]
    return xy, xy[-2][0]


def test_ddr_bound_tiles_sit_left_of_the_ridge_at_their_roof(gemm):
    prog, perf, _ = gemm
    svg = roofline.roofline_svg(prog, perf, profiles(prog.graph))
    (x0, y0), (x1, y1), _ = knee(svg)[0]
    ridge = knee(svg)[1]
    drawn = points(svg)
    assert len(drawn) == 16 and {b for b, _, _ in drawn} == {"DDR-bound"}
    assert "DDR-bound (16)" in svg and "compute-bound (0)" in svg
    for _, x, y in drawn:
        assert x < ridge
        roof = y0 + (y1 - y0) * (x - x0) / (x1 - x0)  # the DDR slope at the point's intensity
        assert y >= roof - 1.0  # on or under the roof (y grows downwards)
        assert y - roof < 3.0  # DDR is at its roof: so are the tiles it feeds
    roofs, found = roofline.roofline(prog, perf, profiles(prog.graph))
    assert roofs.peak == pytest.approx(2 * perf.peak_macs_per_cycle * perf.clock_hz / 16)
    assert all(p.ops == 2 * perf.macs / 16 for p in found)


def test_a_systolic_arrays_pes_are_compute_bound_right_of_the_ridge(systolic):
    prog, perf, _ = systolic
    svg = roofline.roofline_svg(prog, perf, profiles(prog.graph))
    _, ridge = knee(svg)
    drawn = points(svg)
    assert drawn and all(b == "compute-bound" and x > ridge for b, x, _ in drawn)
    peak_y = knee(svg)[0][-1][1]
    assert all(y > peak_y for _, _, y in drawn)  # under the compute peak


def test_a_run_without_multiplies_has_no_roofline():
    perf = one_tile(0.5, 10, 1000)
    assert "no multiply-accumulates" in roofline.roofline_svg(None, perf, {})


# -- the array at the scrubber's cycle --------------------------------------------------------


def test_each_tile_carries_its_state_at_the_cycle(gemm):
    prog, perf, _ = gemm
    for cycle in np.linspace(0, perf.cycles - 1, 23).astype(int):
        model = visual.tile_array_model(prog, perf, int(cycle))
        for t in model["tiles"]:
            key = f"{t['col']},{t['row']}"
            if key not in perf.tiles:
                assert "state" not in t
                continue
            (state,) = [
                s for a, b, s, _ in tile_periods(perf.tiles[key], perf.cycles) if a <= cycle < b
            ]
            assert t["state"] == state
            assert t["state_color"] == charts.STATE_COLORS[state]


def test_ddr_paths_go_from_a_shim_through_its_memory_tile_to_each_core(gemm):
    prog, perf, _ = gemm
    routes = [r for r in visual.tile_array_model(prog, perf, 0)["routes"] if r["kind"] == "ddr"]
    reads = [r for r in routes if "from DDR" in r["channel"]]
    writes = [r for r in routes if "to DDR" in r["channel"]]
    assert reads and writes
    for r in reads:
        shim, mem, *rest = r["path"]
        assert shim[1] == 0 and mem == [shim[0], 1] and rest[-1][1] >= 2
        steps = zip(r["path"], r["path"][1:])
        assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in steps)
    for r in writes:
        assert r["path"][-1][1] == 0 and r["path"][-2][1] == 1 and r["path"][0][1] >= 2


def test_the_browser_gets_each_tiles_dominant_state_per_column():
    perf = one_tile(0.75, 1000, 100_000)  # busy 750 cycles, then waits 250: 100 columns of it
    letters = buckets.dominant_states(perf.tiles["0,0"], perf.cycles, 400)
    assert len(letters) == 400 and set(letters) == {"b", "w"}
    assert letters.count("w") == pytest.approx(100, abs=2)


# -- zoom -------------------------------------------------------------------------------------


def test_a_zoomed_timeline_shows_the_windows_own_shares():
    # busy the first half, then waiting: the second quarter is all busy, the third all waiting
    segments = [(500_000, 1_000_000, "in")]
    tile = TileTiming(["pe"], 500_000, 500_000, 0, 0, segments, ["s"])
    perf = one_tile(0.5, 10, 1000)
    perf.cycles, perf.tiles = 1_000_000, {"0,0": tile}
    whole = visual.timeline_svg(perf, 600_000)
    assert painted_share(whole, 0, "busy") == pytest.approx(0.5, abs=0.01)
    zoomed = visual.timeline_svg(perf, 600_000, (250_000, 750_000))
    assert painted_share(zoomed, 0, "busy") == pytest.approx(0.5, abs=0.01)
    assert painted_share(zoomed, 0, "in") == pytest.approx(0.5, abs=0.01)
    later = visual.timeline_svg(perf, 600_000, (500_000, 1_000_000))
    assert "busy" not in re.findall(r'data-state="(\w+)"', later)
    # the axis reads the window's cycles, and the band to brush carries them
    assert ">250,000</text>" in zoomed and ">750,000</text>" in zoomed
    assert 'data-dato-axis="" data-x0="150" data-w="640" data-start="250000"' in zoomed
    # the cursor at 600,000 is 70% of the way along the window; outside it, hidden
    assert f'x1="{150 + 640 * 0.7:.1f}"' in zoomed
    early = visual.timeline_svg(perf, 100_000, (500_000, 1_000_000))
    assert 'visibility="hidden"' in early


def test_a_window_set_by_the_browser_redraws_the_charts_once_and_empty_resets():
    wb = Workbench(systolic_gemm(2, 2, 8, 8, 8, 256, int16, int32), target="u280", progress=False)
    whole = wb.timeline.value
    half = wb.perf.cycles // 2
    wb.scrubber.set_state({"window": [0, half]})  # as the front end sends it on release
    assert f'data-start="0" data-stop="{half}"' in wb.timeline.value
    assert f'data-start="0" data-stop="{half}"' in wb.streams.value
    wb.scrubber.set_state({"window": []})  # a double-click
    assert wb.timeline.value == whole
    with pytest.raises(traitlets.TraitError, match=r"a window is \[start, stop\]"):
        wb.scrubber.window = [10, 5]
    assert wb.scrubber.states.keys() == wb.perf.tiles.keys()
    assert all(len(v) == charts.PLOT_W for v in wb.scrubber.states.values())


def test_the_panel_says_what_holds_the_tiles_back():
    wb = Workbench(GEMM, target="npu1_4col", progress=False)
    assert "tiles wait on DDR for" in wb.bottleneck.value
    assert "data-bound=" in wb.roofline.value
    assert 'data-ddr=""' in wb.timeline.value and 'data-dma="0"' in wb.timeline.value
    assert not math.isnan(bottleneck.ddr_wait_share(wb.perf))


@pytest.mark.parametrize("case", ["gemm", "systolic"])
def test_a_scrubber_step_remakes_only_what_depends_on_the_cycle(case, request):
    prog, perf, _ = request.getfixturevalue(case)
    model = visual.tile_array_model(prog, perf, 0)
    for cycle in range(0, perf.cycles, perf.cycles // 7):
        assert tiles.at_cycle(model, prog, perf, cycle) == visual.tile_array_model(
            prog, perf, cycle
        )
