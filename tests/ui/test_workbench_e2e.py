"""End to end: the placement-editor tutorial in a real JupyterLab in headless Chromium. Run
every cell, then drag task chips with the mouse and check from the kernel what happened."""

from __future__ import annotations

import pytest

from .lab import (
    error_outputs,
    kernel_eval,
    notebook,
    open_notebook,
    run_all_cells,
    screenshot,
)

TUTORIAL = "tutorials/03_placement_editor.ipynb"
STATE = '_dato["two_stage"]'


@pytest.fixture(scope="module")
def tutorial(module_lab_page, jupyter_server):
    """The tutorial run once; the tests below read it and edit its panel in turn (the drag
    moves shift_1, the refused drop leaves scale_0 where it was)."""
    open_notebook(module_lab_page, jupyter_server, TUTORIAL)
    run_all_cells(module_lab_page)
    return module_lab_page


def live_panel(page):
    """The panel of the last %%dato cell: the one _dato["two_stage"] refers to."""
    return notebook(page).locator("[data-dato-panel]").last


def test_the_tutorial_runs_without_errors_and_shows_the_panel(tutorial):
    page = tutorial
    assert error_outputs(page) == []
    panel = live_panel(page)
    panel.scroll_into_view_if_needed()
    assert panel.locator("[data-task]").count() == 4
    assert panel.locator("[data-tile]").count() == 24  # npu1_4col: 4 columns x 6 rows
    assert panel.locator(".dato-graph svg").count() == 1
    screenshot(panel, "workbench-panel")


def test_dragging_a_chip_to_a_free_tile_moves_it_and_changes_the_cycles(tutorial, jupyter_server):
    page = tutorial
    before = kernel_eval(jupyter_server, TUTORIAL, f"{STATE}.perf.cycles")
    assert kernel_eval(jupyter_server, TUTORIAL, f'{STATE}.editor.placement["shift_1"]') == [2, 2]
    panel = live_panel(page)
    panel.scroll_into_view_if_needed()
    panel.locator('[data-task="shift_1"]').drag_to(panel.locator('[data-tile="3,4"]'))
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-dato-panel]')].pop()"
        '.querySelector(\'[data-tile="3,4"] [data-task="shift_1"]\') !== null'
    )
    page.wait_for_timeout(500)  # let the kernel finish re-timing
    after = kernel_eval(jupyter_server, TUTORIAL, f"{STATE}.perf.cycles")
    assert kernel_eval(jupyter_server, TUTORIAL, f'{STATE}.editor.placement["shift_1"]') == [3, 4]
    assert kernel_eval(
        jupyter_server, TUTORIAL, f'list({STATE}.program.mapping.placement["shift_1"])'
    ) == [3, 4]
    assert after != before  # no longer beside scale_1: a stream route instead of shared memory
    assert f"was {before:,}" in panel.locator(".dato-status").inner_text()
    screenshot(panel, "workbench-after-drag")


def test_dragging_a_chip_onto_a_shim_tile_snaps_back_with_the_reason(tutorial, jupyter_server):
    page = tutorial
    panel = live_panel(page)
    panel.scroll_into_view_if_needed()
    cycles = kernel_eval(jupyter_server, TUTORIAL, f"{STATE}.perf.cycles")
    panel.locator('[data-task="scale_0"]').drag_to(panel.locator('[data-tile="1,0"]'))
    alert = panel.locator(".dato-error")
    alert.wait_for(state="visible")
    assert (
        "tile (1, 0) is a shim tile: 'scale_0' can only run on a compute tile" in alert.inner_text()
    )
    home = panel.locator('[data-tile="0,2"] [data-task="scale_0"]')
    home.wait_for(state="visible")  # snapped back
    assert kernel_eval(jupyter_server, TUTORIAL, f'{STATE}.editor.placement["scale_0"]') == [0, 2]
    assert kernel_eval(jupyter_server, TUTORIAL, f"{STATE}.perf.cycles") == cycles
    screenshot(panel, "workbench-refused")
