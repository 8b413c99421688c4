"""The task graph as drawn: grid mappings as grids (``pe[i, j]`` at row i, column j, the
systolic loaders beside their rows), the DDR buffers in one box, parallel channels and the DDR
accesses of a task's instances bundled into one labelled edge, and an SVG that scales to any
box. Positions are read from the SVG Graphviz drew (y grows downwards)."""

from __future__ import annotations

import re
import shutil

import pytest

import datobench as dato
from datobench import S, Stream, float32, int16, int32, visual
from datobench.programs import output_stationary_gemm, systolic_gemm
from datobench.visual.instances import instance_dot

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


@dato.region
def two_streams(A: float32[64], B: float32[64]):
    lo: Stream[float32[32], 2]
    hi: Stream[float32[32], 2]

    @dato.task(args=[A])
    def producer(a: float32[64]):
        lo.put(a[0:32])
        hi.put(a[32:64])

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        b[0:32] = lo.get()
        b[32:64] = hi.get()


def systolic(target="npu1_4col"):
    return dato.compile(systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32), target=target)


def node_centres(svg: str) -> dict[str, tuple[float, float]]:
    """Each node's centre in the SVG: the middle of its shape's points."""
    out = {}
    for match in re.finditer(
        r'<g id="node\d+" class="node">\s*<title>([^<]+)</title>(.*?)</g>', svg, re.S
    ):
        coords = [float(v) for v in re.findall(r"-?\d+\.?\d*", _points(match.group(2)))]
        xs, ys = coords[0::2], coords[1::2]
        out[match.group(1)] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    return out


def _points(shape: str) -> str:
    found = re.search(r'(?:points|d)="([^"]+)"', shape)
    return found.group(1).replace("M", " ").replace("C", " ").replace(",", " ")


def edge_titles(svg: str) -> list[str]:
    titles = re.findall(r'<g id="edge\d+" class="edge">\s*<title>([^<]+)</title>', svg)
    return [t.replace("&#45;&gt;", "->") for t in titles]


def test_a_systolic_grid_is_drawn_as_its_rows_and_columns_with_the_loaders_beside_them():
    svg = visual.task_graph_svg(systolic())
    at = node_centres(svg)
    xs = {(i, j): at[f"pe_{i}_{j}"][0] for i in range(4) for j in range(4)}
    ys = {(i, j): at[f"pe_{i}_{j}"][1] for i in range(4) for j in range(4)}
    for i in range(4):
        row = [ys[i, j] for j in range(4)]
        assert max(row) - min(row) < 1, f"row {i} is not on one line: {row}"
        assert [xs[i, j] for j in range(4)] == sorted(xs[i, j] for j in range(4))
        assert abs(at[f"load_a_{i}"][1] - ys[i, 0]) < 1  # load_a_i beside row i, on its west
        assert at[f"load_a_{i}"][0] < xs[i, 0]
    for j in range(4):
        column = [xs[i, j] for i in range(4)]
        assert max(column) - min(column) < 30, f"column {j} is not straight: {column}"
        assert [ys[i, j] for i in range(4)] == sorted(ys[i, j] for i in range(4))
        assert at[f"load_b_{j}"][1] < ys[0, j]  # load_b_j above the grid


def test_a_16_block_gemm_is_a_4_by_4_grid_not_a_column():
    prog = dato.compile(output_stationary_gemm(64, 64, 64, 4, 4, 16, int16, int32), "npu1_4col")
    svg = visual.task_graph_svg(prog)
    at = node_centres(svg)
    blocks = [at[f"block_{i}_{j}"] for i in range(4) for j in range(4)]
    assert len({round(x) for x, _ in blocks}) == 4 and len({round(y) for _, y in blocks}) == 4
    width, height = (
        float(v) for v in re.search(r'data-width="(\d+)" data-height="(\d+)"', svg).groups()
    )
    assert 0.6 < width / height < 1.6  # about square, not one tall column


def test_the_ddr_buffers_share_one_box_and_a_tasks_accesses_are_one_edge():
    prog = systolic()
    dot = visual.task_graph_dot(prog)
    ddr = re.search(r"subgraph cluster_ddr \{(.*?)\n  \}", dot, re.S).group(1)
    assert all(f'"buf:{b}"' in ddr for b in ("A", "B", "C"))
    svg = visual.task_graph_svg(prog)
    assert "<title>cluster_ddr</title>" in svg
    edges = edge_titles(svg)
    assert edges.count("buf:A->box:load_a") == 1 and edges.count("box:pe->buf:C") == 1
    assert not any(e.startswith("pe_") and e.endswith("buf:C") for e in edges)
    assert ">16 writes</text>" in svg and ">4 reads</text>" in svg
    assert "<title>box:pe</title>" in svg and ">pe [4 x 4]</text>" in svg


def test_parallel_channels_between_two_instances_are_one_edge_with_their_count():
    svg = visual.task_graph_svg(dato.compile(two_streams, target="npu1_4col"))
    edges = edge_titles(svg)
    assert edges.count("producer->consumer") == 1
    assert ">2 channels</text>" in svg and ">lo, hi</text>" in svg


def test_the_svg_scales_to_its_box_from_its_natural_size():
    svg = visual.task_graph_svg(systolic())
    head = svg[: svg.index(">")]
    assert 'width="' not in head.replace("data-width", "") and "pt" not in head
    vb = [float(v) for v in re.search(r'viewBox="([^"]+)"', head).group(1).split()]
    width, height = (
        float(v) for v in re.search(r'data-width="(\d+)" data-height="(\d+)"', head).groups()
    )
    assert abs(width - vb[2] * 4 / 3) <= 1 and abs(height - vb[3] * 4 / 3) <= 1
    assert 'preserveAspectRatio="xMidYMid meet"' in head and "width:100%" in head
    # the 24-instance systolic graph fitted to the panel's box keeps its 11 pt text above 7 px
    assert min(497 / width, 460 / height) * 11 * 4 / 3 > 7


def test_a_merged_instance_says_which_tile_it_shares():
    svg = visual.task_graph_svg(systolic())
    assert ">chain on 0,2</text>" in svg  # load_a_0, load_b_0 and pe_0_0 on tile (0, 2)


@dato.region
def two_stage(X: float32[512], Y: float32[512]):
    mid: Stream[float32[64], 2][2]

    @dato.task(mapping=[2], args=[X])
    def scale(x: float32[512] @ [S(0)]):
        i = dato.pid()
        for k in range(4):
            mid[i].put(x[k * 64 : (k + 1) * 64] * 2.0)

    @dato.task(mapping=[2], args=[Y])
    def shift(y: float32[512] @ [S(0)]):
        i = dato.pid()
        for k in range(4):
            y[k * 64 : (k + 1) * 64] = mid[i].get() + 1.0


def _left_edges(svg: str) -> dict[str, float]:
    """Each node's leftmost x in the SVG, by its title."""
    out = {}
    for title, body in re.findall(
        r'<g id="node\d+" class="node">\s*<title>([^<]+)</title>(.*?)</g>', svg, re.S
    ):
        xs = [float(v) for v in re.findall(r"(-?[\d.]+),-?[\d.]+", body)]
        if xs:
            out[title] = min(xs)
    return out


def test_a_left_to_right_graph_puts_written_only_buffers_after_their_writers():
    """A pipeline's output tensor in a DDR box of its own to the right: no write edge runs
    back across the graph."""
    prog = dato.compile(two_stage, target="npu1_4col")
    dot = instance_dot(prog)
    assert re.search(r'subgraph cluster_ddr \{[^}]*"buf:X"', dot)
    assert re.search(r'subgraph cluster_ddr_out \{[^}]*"buf:Y"', dot)
    left = _left_edges(visual.task_graph_svg(prog, None))
    assert left["buf:X"] < left["scale_0"] < left["shift_0"] < left["buf:Y"], left
