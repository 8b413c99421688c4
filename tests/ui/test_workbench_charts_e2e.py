"""A long systolic GEMM's panel in a real JupyterLab at 1280 px with the sidebar open: the
charts stay small whatever the run's length, every lane is there (the chart scrolls and says
how many), and dragging the cycle scrubber moves the charts' cursors in the browser, telling
the kernel the cycle only on release."""

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

RELPATH = "charts/long_gemm.ipynb"
GEMM_RELPATH = "charts/gemm.ipynb"
# 80 tiles, 128 streams, 2.1M cycles and half a million fill changes
CELL = """from datobench import int16, int32
from datobench.programs import systolic_gemm
from datobench.widgets import Workbench

wb = Workbench(systolic_gemm(8, 8, 32, 8, 32, 16384, int16, int32), target="u280")
wb"""
# 16 cores each busy about half the time, stalled on DDR the rest, far below a pixel column
GEMM_CELL = """from datobench import int8
from datobench.programs import whole_array_gemm
from datobench.widgets import Workbench

gemm = Workbench(whole_array_gemm(1024, 1024, 1024, 64, 64, 64, int8, int8), target="npu1_4col")
gemm"""
PANEL_BYTES = 2_000_000


def _cursor_xs(panel) -> list[float]:
    return panel.evaluate(
        "(p) => [...p.querySelectorAll('line[data-dato-cursor]')]"
        ".map((l) => Number(l.getAttribute('x1')))"
    )


def test_a_long_gemm_panel_stays_small_and_the_scrubber_moves_its_cursors(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")  # sidebar open
    write_notebook(jupyter_server, RELPATH, CELL)
    open_notebook(page, jupyter_server, RELPATH)
    run_all_cells(page)
    assert error_outputs(page) == []
    cycles = kernel_eval(jupyter_server, RELPATH, "wb.perf.cycles")
    assert cycles > 2_000_000

    panel = notebook(page).locator("[data-dato-panel]").last
    panel.wait_for(state="visible")
    text = panel.text_content()
    assert "Tiles over time" in text and "busy" in text
    assert "80 tiles (scroll for all 80)" in text and "128 streams (scroll for all 128)" in text
    size = panel.evaluate("(p) => p.outerHTML.length")
    assert size < PANEL_BYTES, f"the panel's DOM is {size:,} bytes"
    # the timeline scrolls inside the panel rather than being cut
    timeline = panel.locator("svg", has_text="80 tiles")
    scrolls = timeline.evaluate(
        "(svg) => { const box = svg.closest('.widget-html-content') || svg.parentElement;"
        " const s = box.parentElement; return [s.scrollHeight, s.clientHeight]; }"
    )
    assert scrolls[0] > scrolls[1] + 100, scrolls
    # a tooltip on every lane, and on every band painted in it
    assert timeline.locator("rect > title").count() == 80
    busy = kernel_eval(jupyter_server, RELPATH, "sum(t.busy > 0 for t in wb.perf.tiles.values())")
    assert timeline.locator("path[data-state='busy'] > title").count() == busy > 0
    assert _cursor_xs(panel) == [150.0, 150.0]  # both charts, at cycle 0

    # drag the scrubber's thumb to the middle; hold it there
    slider = panel.locator(".dato-scrubber input[type=range]")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 6, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(box["x"] + 6 + (box["width"] / 2 - 6) * k / 10, y)
    held = _cursor_xs(panel)
    assert all(400 < x < 540 for x in held) and held[0] == held[1], held
    readout = panel.locator(".dato-scrubber-cycle").inner_text()
    assert kernel_eval(jupyter_server, RELPATH, "wb.scrubber.value") == 0  # not told yet
    screenshot(panel, "workbench-long-gemm-scrubbing")
    page.mouse.up()

    # on release the kernel hears the cycle and answers with what depends on it
    page.wait_for_function(
        "(p) => [...p.querySelectorAll('text[data-dato-fill]')]"
        ".some((t) => !t.textContent.startsWith('0/'))",
        arg=panel.element_handle(),
        timeout=30_000,
    )
    value = kernel_eval(jupyter_server, RELPATH, "wb.scrubber.value")
    assert f"{value:,}" == readout and abs(value - cycles / 2) < cycles * 0.1
    assert kernel_eval(jupyter_server, RELPATH, 'wb.editor.model["cycle"]') == value
    fills = kernel_eval(jupyter_server, RELPATH, "wb.scrubber.fills")
    shown = panel.evaluate(
        "(p) => Object.fromEntries([...p.querySelectorAll('text[data-dato-fill]')]"
        ".map((t) => [t.dataset.datoFill, t.textContent]))"
    )
    assert shown == fills
    assert _cursor_xs(panel) == held
    screenshot(panel, "workbench-long-gemm")
    panel.locator("svg", has_text="80 tiles").scroll_into_view_if_needed()
    screenshot(page, "workbench-long-gemm-1280")


def test_a_gemm_busy_half_the_time_says_so_on_every_lane(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
    write_notebook(jupyter_server, GEMM_RELPATH, GEMM_CELL)
    open_notebook(page, jupyter_server, GEMM_RELPATH)
    run_all_cells(page)
    assert error_outputs(page) == []
    panel = notebook(page).locator("[data-dato-panel]").last
    timeline = panel.locator("svg", has_text="16 tiles")
    shares = kernel_eval(
        jupyter_server,
        GEMM_RELPATH,
        "{k: f'{t.busy / gemm.perf.cycles:.1%}' for k, t in gemm.perf.tiles.items()}",
    )
    tips = timeline.locator("path[data-state='busy'] > title").all_text_contents()
    assert len(tips) == 16
    for tip in tips:
        key = tip.split(":")[0].removeprefix("tile ")
        assert f"cycles ({shares[key]})" in tip, tip
    timeline.scroll_into_view_if_needed()
    screenshot(page, "workbench-gemm-timeline-1280")
