"""Real designs in a real JupyterLab at 1280 px with the file browser open: the 24-instance
systolic graph fits its box whole and zooms and pans; npu2's 8 columns all show in the
placement editor, and a chip dragged to column 7 and back from it moves in the kernel."""

from __future__ import annotations

import time

from .lab import (
    error_outputs,
    kernel_eval,
    notebook,
    open_notebook,
    run_all_cells,
    screenshot,
    write_notebook,
)

RELPATH = "layout/wide_designs.ipynb"
SYSTOLIC = """%%dato --target npu1_4col
from datobench import int16, int32
from datobench.programs import systolic_gemm

systolic = systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32)  # 24 instances
"""
WIDE = """%%dato --target npu2
import datobench as dato
from datobench import S, Stream, float32

@dato.region
def two_stage(X: float32[256], Y: float32[256]):
    mid: Stream[float32[64], 2][2]

    @dato.task(mapping=[2], args=[X])
    def scale(x: float32[256] @ [S(0)]):
        i = dato.pid()
        for t in range(2):
            mid[i].put(x[t * 64 : (t + 1) * 64] * 2.0)

    @dato.task(mapping=[2], args=[Y])
    def shift(y: float32[256] @ [S(0)]):
        i = dato.pid()
        for t in range(2):
            y[t * 64 : (t + 1) * 64] = mid[i].get() + 1.0
"""

# the boxes of the graph's view, of the drawing inside it, and of the editor's tiles
_GEOMETRY = """(panel) => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            width: r.width, height: r.height}; };
  const view = panel.querySelector('.dato-graph-view');
  const drawing = view && view.querySelector('svg g.graph');
  const tiles = [...panel.querySelectorAll('[data-tile]')].map((t) => box(t));
  return {view: view && box(view), drawing: drawing && box(drawing),
          zoom: view && Number(view.dataset.zoom), panel: box(panel),
          editor: box(panel.querySelector('.dato-editor')), tiles,
          sidebar: (() => { const s = document.querySelector('#jp-left-stack');
                            return s ? s.getBoundingClientRect().width : 0; })()};
}"""


def _open_at_1280_with_the_sidebar(page, server):
    page.set_viewport_size({"width": 1280, "height": 1000})
    write_notebook(server, RELPATH, "%load_ext datobench", SYSTOLIC, WIDE)
    open_notebook(page, server, RELPATH)
    page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    page.wait_for_timeout(300)
    run_all_cells(page)
    assert error_outputs(page) == []


def _panel(page, region):
    """The panel whose header names ``region``."""
    panel = notebook(page).locator("[data-dato-panel]").filter(has_text=f"{region} on")
    panel.wait_for(state="visible")
    panel.scroll_into_view_if_needed()
    return panel


def _assert_fits(g):
    """The whole drawing inside its view, which it fills in one direction."""
    view, drawing = g["view"], g["drawing"]
    assert view["height"] <= 460, view
    for side in ("left", "top"):
        assert drawing[side] >= view[side] - 1, (drawing, view)
    for side in ("right", "bottom"):
        assert drawing[side] <= view[side] + 1, (drawing, view)
    assert drawing["width"] > 0.9 * view["width"] or drawing["height"] > 0.9 * view["height"]


def test_the_systolic_graph_fits_its_box_and_zooms(lab_page, jupyter_server):
    page = lab_page
    _open_at_1280_with_the_sidebar(page, jupyter_server)
    panel = _panel(page, "systolic")
    page.wait_for_function("() => document.querySelector('.dato-graph-view[data-zoom]') !== null")
    g = panel.evaluate(_GEOMETRY)
    assert g["sidebar"] > 150, g["sidebar"]  # the file browser is open
    _assert_fits(g)
    assert g["view"]["right"] <= g["panel"]["right"]
    screenshot(panel, "layout-systolic-1280-sidebar")

    # in the 497 px the graph had beside the array before, it fits too, and refits by itself
    panel.locator(".dato-graph").evaluate("el => { el.style.width = '497px'; }")
    page.wait_for_function(
        "() => document.querySelector('.dato-graph-view').getBoundingClientRect().width < 500"
    )
    page.wait_for_timeout(200)
    g = panel.evaluate(_GEOMETRY)
    _assert_fits(g)
    view = g["view"]
    assert view["width"] <= 497 and view["height"] <= 460, view
    fitted = g["zoom"]
    assert 0.4 < fitted <= 1

    panel.locator(".dato-zoom-in").click()
    panel.locator(".dato-zoom-in").click()
    zoomed = panel.evaluate(_GEOMETRY)
    assert zoomed["zoom"] > 1.5 * fitted and zoomed["view"] == view  # the box did not grow
    centre = (view["left"] + view["width"] / 2, view["top"] + view["height"] / 2)
    page.mouse.move(*centre)
    page.mouse.down()
    page.mouse.move(centre[0] + 120, centre[1] + 60, steps=4)
    page.mouse.up()
    panned = panel.evaluate(_GEOMETRY)
    assert abs(panned["drawing"]["left"] - zoomed["drawing"]["left"] - 120) < 2
    page.mouse.wheel(0, 300)  # zoom out about the pointer
    page.wait_for_timeout(100)
    assert panel.evaluate(_GEOMETRY)["zoom"] < panned["zoom"]
    panel.locator(".dato-fit").click()
    assert abs(panel.evaluate(_GEOMETRY)["zoom"] - fitted) < 1e-3


def _placement_becomes(server, state: str, tile: list, seconds: float = 30.0) -> bool:
    """Whether the kernel's placement of shift_1 becomes ``tile`` within ``seconds``: a drop
    is applied once the kernel has re-mapped and re-timed it, later on a loaded machine."""
    deadline = time.monotonic() + seconds
    while True:
        now = kernel_eval(server, RELPATH, f'{state}.editor.placement["shift_1"]')
        if now == tile or time.monotonic() > deadline:
            return now == tile
        time.sleep(0.2)


def test_npu2_shows_all_8_columns_and_column_7_takes_and_gives_chips(lab_page, jupyter_server):
    page = lab_page
    _open_at_1280_with_the_sidebar(page, jupyter_server)
    panel = _panel(page, "two_stage")
    g = panel.evaluate(_GEOMETRY)
    assert g["sidebar"] > 150, g["sidebar"]
    assert len(g["tiles"]) == 8 * 6
    right = min(g["panel"]["right"], 1280)
    assert all(t["left"] >= g["panel"]["left"] and t["right"] <= right for t in g["tiles"]), g
    screenshot(panel, "layout-npu2-1280-sidebar")

    state = '_dato["two_stage"]'
    before = kernel_eval(jupyter_server, RELPATH, f'{state}.editor.placement["shift_1"]')
    panel.locator('[data-task="shift_1"]').drag_to(panel.locator('[data-tile="7,5"]'))
    page.wait_for_function(
        '() => document.querySelector(\'[data-tile="7,5"] [data-task="shift_1"]\') !== null'
    )
    assert _placement_becomes(jupyter_server, state, [7, 5])  # the kernel re-times it first
    chip = panel.locator('[data-tile="7,5"] [data-task="shift_1"]')
    chip.drag_to(panel.locator(f'[data-tile="{before[0]},{before[1]}"]'))
    assert _placement_becomes(jupyter_server, state, before)
    assert panel.locator(".dato-error").count() == 0
