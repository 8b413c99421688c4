"""The timeline's tools in a real JupyterLab at 1280 px with the sidebar open, on a GEMM
whose cores wait on DDR: a drag on the time axis zooms the charts into that window (the kernel
hears the window once, on release) and a double-click returns to the whole run; the play
button runs the cursor through the run in the browser, recolouring the array's tiles, and
the kernel hears the cycle only on pause."""

from __future__ import annotations

from .lab import (
    error_outputs,
    kernel_eval,
    notebook,
    open_notebook,
    run_all_cells,
    screenshot,
    write_notebook,
)

RELPATH = "charts/timeline_tools.ipynb"
CELL = """from datobench import int8
from datobench.programs import whole_array_gemm
from datobench.widgets import Workbench

tools = Workbench(whole_array_gemm(1024, 1024, 1024, 64, 64, 64, int8, int8), target="npu1_4col")
tools"""

# whether every chart's axis shows a window (Python draws the charts anew: ask the panel)
ZOOMED = """([panel, zoomed]) => [...panel.querySelectorAll('rect[data-dato-axis]')]
    .every((band) => (band.dataset.start !== '0') === zoomed)"""


def _band(timeline):
    """The timeline's time axis band: its box on the page and the window it shows."""
    band = timeline.locator("rect[data-dato-axis]")
    return (
        band,
        band.bounding_box(),
        (int(band.get_attribute("data-start")), int(band.get_attribute("data-stop"))),
    )


def test_zoom_on_the_axis_and_play_through_the_run(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")  # sidebar open
    write_notebook(jupyter_server, RELPATH, CELL)
    open_notebook(page, jupyter_server, RELPATH)
    run_all_cells(page)
    assert error_outputs(page) == []
    cycles = kernel_eval(jupyter_server, RELPATH, "tools.perf.cycles")
    panel = notebook(page).locator("[data-dato-panel]").last
    panel.wait_for(state="visible")
    assert "tiles wait on DDR for" in panel.locator(".dato-bottleneck").inner_text()
    assert panel.locator("circle[data-bound='DDR-bound']").count() == 16
    timeline = panel.locator("svg", has_text="16 tiles")
    timeline.scroll_into_view_if_needed()
    screenshot(page, "workbench-gemm-bottleneck-1280")

    # drag along the axis from a quarter to a half of the run: the charts show that window
    band, box, window = _band(timeline)
    assert window == (0, cycles)
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 4, y)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(box["x"] + box["width"] * (1 + k / 8) / 4, y)
    assert kernel_eval(jupyter_server, RELPATH, "tools.scrubber.window") == []  # not told yet
    page.mouse.up()
    page.wait_for_function(ZOOMED, arg=[panel.element_handle(), True])
    start, stop = kernel_eval(jupyter_server, RELPATH, "tools.scrubber.window")
    assert abs(start - cycles / 4) < cycles * 0.02 and abs(stop - cycles / 2) < cycles * 0.02
    assert _band(timeline)[2] == (start, stop)
    assert f">{start:,}</text>" in timeline.evaluate("(svg) => svg.outerHTML")
    screenshot(panel, "workbench-timeline-zoomed")

    # a double-click on the axis: the whole run again
    band.dblclick()
    page.wait_for_function(ZOOMED, arg=[panel.element_handle(), False])
    assert kernel_eval(jupyter_server, RELPATH, "tools.scrubber.window") == []

    # play: the read-out and the cursors advance in the browser, the tiles take their states
    play = panel.locator(".dato-play")
    play.scroll_into_view_if_needed()
    play.click()
    page.wait_for_timeout(1500)
    moving = panel.locator(".dato-scrubber-cycle").inner_text()
    assert int(moving.replace(",", "")) > 0
    assert kernel_eval(jupyter_server, RELPATH, "tools.scrubber.value") == 0  # not told yet
    states = panel.evaluate(
        "(p) => [...p.querySelectorAll('.dato-compute[data-tile]')].map((t) => t.dataset.state)"
    )
    assert len(states) == 16 and set(states) <= {"busy", "in", "out", "idle"}
    play.click()  # pause: the kernel hears the cycle, and the array shows each tile's state
    paused = int(panel.locator(".dato-scrubber-cycle").inner_text().replace(",", ""))
    value = 0
    for _ in range(60):
        value = kernel_eval(jupyter_server, RELPATH, "tools.scrubber.value")
        if value:
            break
        page.wait_for_timeout(250)
    assert value == paused and 0 < value < cycles
    exact = kernel_eval(
        jupyter_server,
        RELPATH,
        "{f'{t[\"col\"]},{t[\"row\"]}': t['state'] for t in tools.editor.model['tiles']"
        " if 'state' in t}",
    )
    page.wait_for_function(
        "([p, want]) => Object.entries(want).every(([k, s]) =>"
        " p.querySelector(`[data-tile='${k}']`).dataset.state === s)",
        arg=[panel.element_handle(), exact],
    )
    screenshot(panel, "workbench-paused")
