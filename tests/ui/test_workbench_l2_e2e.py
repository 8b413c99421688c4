"""The staged (L2) buffers in a real JupyterLab at 1280 px with the sidebar open, on the
benchmark's staged GEMM (4032^3 int8, B's 4032 x 112 panel in each column's memory tile): a
lane per buffer in the occupancy chart, the memory tiles marked with their panel's size and
the panel they hold at the scrubber's cycle (which moves when the cycle does), and every
chart label inside its chart (the DMA lanes' labels and the DDR roof's used to be clipped)."""

from __future__ import annotations

from .lab import (
    error_outputs,
    kernel_eval,
    kernel_execute,
    notebook,
    open_notebook,
    run_all_cells,
    screenshot,
    write_notebook,
)

RELPATH = "charts/staged_l2.ipynb"
CELL = """from datobench import int8
from datobench.programs import staged_gemm
from datobench.widgets import Workbench

l2 = Workbench(staged_gemm(4032, 4032, 4032, 56, 112, 112, int8, int8), target="npu1_4col")
l2"""

# the chart texts whose box leaves their SVG's (none should)
CLIPPED = """(panel) => [...panel.querySelectorAll('svg text')].filter((t) => {
    const svg = t.ownerSVGElement, box = t.getBBox();
    return box.x < 0 || box.x + box.width > svg.width.baseVal.value + 0.5;
  }).map((t) => t.textContent)"""

# the charts (those with a time axis) reaching past the panel, their right end cut off: none
WIDE = """(panel) => [...panel.querySelectorAll('svg')]
  .filter((svg) => svg.querySelector('rect[data-dato-axis]'))
  .filter((svg) => svg.getBoundingClientRect().right > panel.getBoundingClientRect().right)
  .map((svg) => svg.textContent.slice(0, 40))"""

TAG = "(panel) => panel.querySelector(\"[data-tile='0,1'] .dato-l2\").innerText"


def test_l2_buffers_on_the_charts_and_the_array(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")  # sidebar open
    write_notebook(jupyter_server, RELPATH, CELL)
    open_notebook(page, jupyter_server, RELPATH)
    run_all_cells(page)
    assert error_outputs(page) == []
    panel = notebook(page).locator("[data-dato-panel]").last
    panel.wait_for(state="visible")

    # a lane per column's buffer, above the streams; the report says the L2 traffic
    streams = panel.locator("svg", has_text="L2 0,1 B 4032x112 x1")
    assert streams.locator("rect[data-l2]").count() == 4
    assert streams.locator("rect[data-panel]").count() == 4 * 9  # nine panels per column
    assert "each byte read from DDR served 18.0 times" in panel.inner_text()
    assert panel.evaluate(CLIPPED) == []
    assert panel.evaluate(WIDE) == []

    # the memory tile: its buffer's size of the tile's 512 KiB, and the panel at the cycle
    assert panel.evaluate(TAG) == "B 441/512 KiB\npanel 1/9 filling"
    cycles = kernel_eval(jupyter_server, RELPATH, "l2.perf.cycles")
    kernel_execute(jupyter_server, RELPATH, f"l2.scrubber.value = {cycles // 2}")
    page.wait_for_function(f"(p) => ({TAG})(p).includes('panel 5/9')", arg=panel.element_handle())
    held = kernel_eval(jupyter_server, RELPATH, "l2.editor.model['tiles'][4]['staged'][0]")
    assert held["panel"] == 4 and panel.evaluate(TAG).endswith(f"panel 5/9 {held['state']}")
    fill = streams.locator("text[data-dato-fill='B[0:4032, 0:1008] in (0, 1)']")
    assert fill.text_content() == "p5/9"  # the lane's label at the cursor says the same
    screenshot(panel.locator(".dato-tile[data-tile='0,1']"), "workbench-l2-memory-tile")
    streams.scroll_into_view_if_needed()
    screenshot(page, "workbench-l2-lanes-1280")
    screenshot(panel, "workbench-l2-panel")
