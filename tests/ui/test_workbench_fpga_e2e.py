"""An FPGA design in a real JupyterLab at 1280 px with the file browser open: the u280
systolic panel draws its three SLRs, and the FIFO depths table, filled in the background,
applies a row with one click (the panel recompiles: the graph's channels carry the depth)."""

from __future__ import annotations

from .lab import error_outputs, notebook, open_notebook, run_all_cells, screenshot, write_notebook

RELPATH = "fpga/systolic_u280.ipynb"
SYSTOLIC = """%%dato --target u280
from datobench import int16, int32
from datobench.programs import systolic_gemm

systolic = systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32)
"""


def test_the_u280_panel_draws_its_slrs_and_applies_a_fifo_depth(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    write_notebook(jupyter_server, RELPATH, "%load_ext datobench", SYSTOLIC)
    open_notebook(page, jupyter_server, RELPATH)
    page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    run_all_cells(page)
    assert error_outputs(page) == []
    panel = notebook(page).locator("[data-dato-panel]").filter(has_text="systolic on u280")
    panel.wait_for(state="visible")
    assert panel.locator("svg[data-dato-view='slrs'] [data-slr]").count() == 3
    assert "HBM[0:31], DDR[0]" in panel.locator("[data-slr='SLR0']").text_content()

    panel.locator(".dato-advisor button", has_text="Advise").click()
    panel.locator(".dato-advisor", has_text="candidates timed").wait_for(timeout=30_000)
    apply = panel.locator(".dato-advisor button:not([disabled])", has_text="apply")
    assert apply.count() >= 1
    screenshot(panel, "fpga-u280-systolic-1280-sidebar")
    apply.first.click()  # fa at depth 4
    panel.locator(".dato-advisor", has_text="applied: fa at depth 4").wait_for(timeout=30_000)
    assert apply.count() == 0  # the advice was for the program before
    assert "int16[8, 8] x4" in panel.locator(".dato-graph").text_content()
