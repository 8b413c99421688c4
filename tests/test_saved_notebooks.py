"""The panel's picture, the static fallback of saved notebooks (widgets/snapshot.py): drawn
from the panel's own views, shown in an output of its own below the panel, repainted after a
new placement, and shipped in the tutorials' stored outputs."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from helpers import region_of

from datobench.visual.snapshot import place, tile_array_svg
from datobench.widgets import Workbench, snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("0*.py"))
VIEW = "application/vnd.jupyter.widget-view+json"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def systolic():
    return Workbench(region_of(EXAMPLES[3]), target="npu1_4col", progress=False)


def test_the_picture_is_drawn_from_the_panels_views(systolic):
    svg = snapshot.picture_svg(systolic)
    assert "TASK GRAPH" in svg and "TILE ARRAY" in svg
    assert "STREAM BUFFERS OVER TIME" in svg and "TILES OVER TIME" in svg
    assert systolic.summary() in svg
    for name in ("pe_0_0", "pe_3_3", "load_a_0"):
        assert f">{name}<" in svg  # the tile array's chips and the graph's nodes
    assert svg.count("<svg") == 5  # the panel, the graph, the array and the two charts


def test_the_bundle_holds_a_png_and_an_img_of_it(systolic):
    bundle = snapshot.bundle(systolic)
    data = base64.b64decode(bundle["image/png"])
    assert data.startswith(PNG)
    width = int.from_bytes(data[16:20], "big")
    assert width == 1100
    html = bundle["text/html"]
    assert html.startswith('<div class="dato-snapshot"><style>') and snapshot.STATIC_CSS in html
    assert f'src="data:image/png;base64,{bundle["image/png"]}"' in html
    assert "<svg" not in html  # nothing a sanitiser strips
    assert bundle["text/plain"] == f"[picture of the panel: {systolic.summary()}]"


def test_the_live_panel_hides_the_picture_below_it(systolic):
    (style,) = [
        c for c in systolic.widget.children if snapshot.LIVE_STYLE in str(getattr(c, "value", ""))
    ]
    assert ":has(.dato-panel) + .jp-OutputArea-child:has(.dato-snapshot)" in style.value


def test_every_chip_of_a_wide_array_is_drawn():
    wb = Workbench(region_of(EXAMPLES[3]), target="npu2", progress=False)
    svg = tile_array_svg(wb.editor.model)
    assert all(f">{c['name']}<" in svg for c in wb.editor.model["chips"])
    nested, height = place(svg, 0, 0, 500)
    assert 'width="500.0"' in nested and height < wb.editor.model["rows"] * 80


def test_a_new_placement_repaints_the_shown_picture():
    wb = Workbench(region_of(EXAMPLES[0]), target="npu1_4col", progress=False)
    shown = []

    class Handle:  # a recording stand-in for IPython's DisplayHandle
        def update(self, data, raw=False):
            shown.append(data)

    wb.picture = Handle()
    home = dict(wb.editor.placement)
    column, row = home["consumer"]
    assert wb._apply({**home, "consumer": (column + 1, row + 1)}) is None
    deadline = time.monotonic() + 30
    while not shown and time.monotonic() < deadline:
        time.sleep(0.05)
    (data,) = shown
    assert data["text/plain"] == f"[picture of the panel: {wb.summary()}]"


@pytest.mark.parametrize("path", sorted((ROOT / "tutorials").glob("*.ipynb")), ids=lambda p: p.stem)
def test_the_tutorials_ship_a_picture_below_every_panel(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    panels = 0
    for cell in cells:
        outputs = cell["outputs"]
        for n, output in enumerate(outputs):
            if VIEW in output.get("data", {}):
                panels += 1
                after = outputs[n + 1]["data"]
                assert "image/png" in after and 'class="dato-snapshot"' in "".join(
                    after["text/html"]
                )
            assert "<svg" not in "".join(output.get("data", {}).get("text/html", ""))
    code = "".join("".join(c["source"]) for c in cells)
    makes_panels = any(
        word in code for word in ("%%dato", "%dato show", "%dato tune", "Workbench(")
    )
    assert (panels >= 1) == makes_panels, "a notebook that shows panels is stored with them"
