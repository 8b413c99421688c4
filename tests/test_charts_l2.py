"""The staged (L2) buffers in the workbench agree with the perf run's numbers: each buffer's
lane in the occupancy chart is painted, per pixel column, for as long as its refills were in
flight and its slices being sent, and for the panels it held; the DDR lane counts a staged
read's refills, not the slices the memory tile serves; the array's memory tiles and the lane
say the same panel at the scrubber's cycle; the report says the L2 traffic beside DDR's; and
the lanes' labels fit the chart."""

from __future__ import annotations

import re

import numpy as np
import pytest

import datobench as dato
from datobench import int8, int32, visual
from datobench.core.passes.analysis import profiles
from datobench.programs import staged_gemm
from datobench.visual import bottleneck, buckets, charts, l2, roofline, tiles
from datobench.widgets import Workbench
from tests.test_charts import _area

# each column's memory tile holds B's 512 x 64 panel: two panels per column, A streams past
GEMM = dict(M=512, K=512, N=512, m=64, k=64, n=64, t_in=int8, t_out=int32)


@pytest.fixture(scope="module")
def staged():
    prog = dato.compile(staged_gemm(**GEMM), target="npu1_4col")
    perf = prog.run(backend="perf", values=False)
    return prog, perf, bottleneck.traffic(prog, perf, profiles(prog.graph))


def occupancy(prog, perf, moved, cycle=None, window=None) -> str:
    depths = {c.name: c.depth for c in prog.graph.channels}
    return visual.occupancy_svg(perf, depths, cycle, window, moved.staged)


def band_share(svg: str, lane: int, kind: str, height: float) -> float:
    """The share of a lane's band (``height`` pixels tall) painted by its ``kind`` path."""
    found = re.search(rf'<path data-l2="{lane}" data-kind="{kind}" d="([^"]+)"', svg)
    return _area(found.group(1)) / (charts.PLOT_W * height) if found else 0.0


def flight(spans, start: float, stop: float) -> float:
    """The share of [start, stop] that some of ``spans`` (start, stop) covers."""
    merged = buckets.union(np.asarray(spans, float).reshape(-1, 2))
    inside = np.clip(merged, start, stop)
    return float((inside[:, 1] - inside[:, 0]).sum()) / (stop - start)


def test_the_perf_run_records_each_buffers_refills_and_the_slices_it_serves(staged):
    prog, perf, _ = staged
    assert sorted(perf.l2) == sorted(perf.staged) and len(perf.l2) == 4  # one per column
    for name, spans in perf.l2.items():
        assert spans == sorted(spans)
        refills = [(s, e) for s, e, _, kind in spans if kind == "refill"]
        assert refills == [(s, e) for s, e, _ in perf.staged[name]]  # the panels' loads
        serves = [(s, e, k) for s, e, k, kind in spans if kind == "serve"]
        # the column's four cores share each slice (a broadcast): per panel, its 8 K-slices
        # for each of a core's 2 row blocks
        assert [k for _, _, k in serves] == [0] * 16 + [1] * 16
        for s, e, k in serves:  # a slice is sent from its panel once the panel is in
            assert s >= refills[k][1]


def test_ddr_traffic_is_the_refills_and_the_other_reads_not_the_slices_from_l2(staged):
    prog, perf, moved = staged
    assert moved.sizes.sum() == perf.dram_moved
    refilled = sum(b.ddr_bytes for b in moved.staged)
    assert refilled == 4 * 2 * 512 * 64  # each column's two panels, once
    served = sum(b.served_bytes for b in moved.staged)
    assert served == 2 * refilled  # each panel served once per row block of a core


def test_each_l2_lane_is_painted_for_its_refills_serves_and_panels_held(staged):
    prog, perf, moved = staged
    svg = occupancy(prog, perf, moved)
    half = charts.LANE_H / 2
    for n, buf in enumerate(moved.staged):
        spans = perf.l2[buf.name]
        refill = flight([(s, e) for s, e, _, kind in spans if kind == "refill"], 0, perf.cycles)
        serve = flight([(s, e) for s, e, _, kind in spans if kind == "serve"], 0, perf.cycles)
        assert band_share(svg, n, "refill", half) == pytest.approx(refill, abs=0.01)
        assert band_share(svg, n, "serve", half) == pytest.approx(serve, abs=0.01)
        # depth 1: a panel is held from its load's start until its last slice is sent
        held = flight([(s, r) for s, _, r in perf.staged[buf.name]], 0, perf.cycles)
        assert band_share(svg, n, "held", charts.LANE_H) == pytest.approx(held, abs=0.01)
        share = l2.shares(buf, perf.cycles)
        assert share["refill"] == pytest.approx(refill) and share["serve"] == pytest.approx(serve)
        assert f"refilling {refill:.1%} of the run, serving {serve:.1%}" in svg
    assert svg.count('data-kind="refill"') == 4
    assert "L2 0,1 B 512x64 x1" in svg  # memory tile, tensor, panel shape, depth
    assert "B[0:512, 0:128] staged in memory tile 0,1: panel 512 x 64 (32.0 KiB), depth 1" in svg
    assert "32.0 KiB of 512.0 KiB; 2 panels refilled from DDR (0.07 MB)" in svg


def test_a_zoomed_l2_lane_is_re_bucketed_and_still_true(staged):
    prog, perf, moved = staged
    buf = moved.staged[0]
    window = (perf.cycles // 4, perf.cycles // 2)
    svg = occupancy(prog, perf, moved, window=window)
    spans = perf.l2[buf.name]
    serve = flight([(s, e) for s, e, _, kind in spans if kind == "serve"], *window)
    assert band_share(svg, 0, "serve", charts.LANE_H / 2) == pytest.approx(serve, abs=0.01)
    # the panels in the window keep their tooltips; the first one's starts before it
    assert 'data-panel="0"' in svg and 'data-panel="1"' in svg
    (_, end, sent), second = perf.staged[buf.name]
    assert f"held until its last slice was sent at cycle {round(sent):,}" in svg


def test_the_lane_and_the_memory_tile_name_the_same_panel_at_the_cursor(staged):
    prog, perf, moved = staged
    buf = moved.staged[0]
    second = perf.staged[buf.name][1]
    model = tiles.tile_array_model(prog, perf, 0)
    for cycle, label in ((0, "p1/2"), (round(second[0]) + 1, "p2/2")):
        svg = occupancy(prog, perf, moved, cycle)
        assert f'data-dato-fill="{buf.name}" x="{charts.LABEL_W + charts.PLOT_W + 6}"' in svg
        assert f">{label}</text>" in svg
        model = tiles.at_cycle(model, prog, perf, cycle)
        held = next(t["staged"][0] for t in model["tiles"] if (t["col"], t["row"]) == (0, 1))
        assert f"p{held['panel'] + 1}/{held['panels']}" == label == l2.panel_text(buf, cycle)


def test_the_report_and_the_summary_say_the_l2_traffic_beside_ddrs(staged):
    prog, perf, moved = staged
    report = visual.report_html(prog, perf, moved.staged)
    assert (
        "L2: 0.52 MB served to the cores from 4 staged buffers in memory tiles, 0.26 MB read "
        "from DDR into them: each byte read from DDR served 2.0 times; DDR moved "
        f"{perf.dram_moved / 1e6:,.2f} MB in all"
    ) in report
    assert "L2:" not in visual.report_html(prog, perf)  # nothing staged, nothing said
    bench = Workbench(staged_gemm(**GEMM), target="npu1_4col", progress=False)
    assert bench.summary().endswith("; L2 served 0.52 MB for 0.26 MB read from DDR")
    assert "each byte read from DDR served 2.0 times" in bench.report.value
    assert 'data-kind="serve"' in bench.streams.value
    bench._scrub({"new": perf.cycles - 1})
    assert bench.scrubber.fills[moved.staged[0].name] == "p2/2"


def test_lane_labels_fit_before_the_plot_and_nothing_is_drawn_past_the_chart(staged):
    prog, perf, moved = staged
    timeline = visual.timeline_svg(perf, 0, None, moved)
    for svg in (timeline, occupancy(prog, perf, moved, 0)):
        width = float(re.search(r'<svg [^>]*width="(\d+)"', svg).group(1))
        for x, anchor, text in re.findall(
            r'<text (?:data-dato-fill="[^"]*" )?x="([\d.]+)" y="[\d.]+" fill="[^"]+"'
            r'(?: text-anchor="(\w+)")?>([^<]*)</text>',
            svg,
        ):
            shown = text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
            if anchor == "end":
                assert float(x) - charts.text_width(shown) >= 0, shown
            else:
                assert float(x) + charts.text_width(shown) <= width + 1, shown
    assert ">DDR GB/s (max 15)</text>" in timeline  # the roof in the label, not at the edge
    assert ">col 0: DDR -&gt; tiles</text>" in timeline
    assert charts.fit("a" * 40, 100).endswith("…") and charts.text_width("a" * 40) > 100


def test_the_roofline_charges_a_staged_read_its_buffers_refills_not_its_slices(staged):
    prog, perf, moved = staged
    roofs, points = roofline.roofline(prog, perf, profiles(prog.graph))
    assert sum(p.bytes for p in points) == pytest.approx(perf.dram_moved)
    for p in points:  # every tile under its roofs
        assert p.attained <= roofs.at(p.intensity) * 1.001


SMALL = dict(M=128, K=64, N=128, m=16, k=16, n=16, t_in=int8, t_out=int8, rows=2, cols=2)


def small(target: str, depth: int, parts: int = 1):
    prog = dato.compile(staged_gemm(**SMALL, depth=depth, parts=parts), target=target)
    perf = prog.run(backend="perf", values=False)
    return prog, perf, bottleneck.traffic(prog, perf, profiles(prog.graph))


def test_at_depth_2_a_refill_overlaps_the_slices_of_the_panel_before_it():
    prog, perf, moved = small("npu1_4col", 2)
    svg = occupancy(prog, perf, moved)
    for n, buf in enumerate(moved.staged):
        holds = perf.staged[buf.name]
        # two buffers: the lane's height is the panels held over both
        held = sum(r - s for s, _, r in holds) / (2 * perf.cycles)
        assert band_share(svg, n, "held", charts.LANE_H) == pytest.approx(held, abs=0.01)
        (_, end, sent), (start, _, _) = holds[:2]
        assert start < sent  # the second panel loads while the first is still read
        share = l2.shares(buf, perf.cycles)
        assert share["refill"] + share["serve"] + share["idle"] > 1  # they overlap
    assert "L2 0,1 B 64x16 x2" in svg


def test_a_panel_in_parts_loads_while_the_one_before_is_sent_and_the_lane_is_full_not_more():
    prog, perf, moved = small("npu1_4col", 1, parts=2)
    svg = occupancy(prog, perf, moved)
    for n, buf in enumerate(moved.staged):
        holds = perf.staged[buf.name]
        (_, _, sent), (start, _, _) = holds[:2]
        assert start < sent  # part 0 of the next panel loads while the last pass is sent
        held = flight([(s, r) for s, _, r in holds], 0, perf.cycles)  # their union: at most 1
        assert band_share(svg, n, "held", charts.LANE_H) == pytest.approx(held, abs=0.01)
        assert sum(r - s for s, _, r in holds) / perf.cycles > held  # the holds overlap
        columns = l2.held_columns(buf, np.linspace(0, perf.cycles, 400))
        assert columns.max() == pytest.approx(1.0)  # full while they overlap, not more
    assert "depth 1 in 2 parts refilled one by one, " in svg


def test_an_fpgas_staged_buffers_are_on_chip_ram_named_by_their_shard():
    prog, perf, moved = small("u280", 1)
    assert moved.sizes.sum() == perf.dram_moved
    svg = occupancy(prog, perf, moved)
    assert ">RAM B[0:64, 0:64] x1</text>" in svg and ">RAM B[0:64, 64:128] x1</text>" in svg
    assert ">DDR -&gt; RAM</text>" in svg and ">RAM -&gt; PEs</text>" in svg
    assert l2.traffic_line(moved.staged).startswith(
        "on-chip RAM: 0.03 MB served to the PEs from 2 staged buffers, 0.01 MB read from DDR"
    )
