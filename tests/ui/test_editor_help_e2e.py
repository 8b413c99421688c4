"""The placement help in a real JupyterLab at 1280 px with the file browser open: a chip picked
up marks the tiles it may go to and those it may not (with the kernel's reason under the
pointer, before the drop), the kernel's background predictions arrive on the tiles with the
best one starred, and a focused chip moves with the arrow keys; the placements tried are
listed under the timelines, and two of them ticked are compared."""

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

RELPATH = "help/placement_help.ipynb"
CELL = """%%dato --target npu1_4col
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
EDITOR = '_dato["two_stage"].editor'


def _centre(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_held_chip_shows_where_it_may_go_and_moves_with_the_keyboard(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    write_notebook(jupyter_server, RELPATH, "%load_ext datobench", CELL)
    open_notebook(page, jupyter_server, RELPATH)
    page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")
    run_all_cells(page)
    assert error_outputs(page) == []
    panel = notebook(page).locator("[data-dato-panel]")
    panel.wait_for(state="visible")
    panel.locator(".dato-editor").scroll_into_view_if_needed()

    # pick shift_1 up and hold it over the shim tile (1, 0)
    chip = panel.locator('[data-task="shift_1"]')
    start = _centre(chip)
    page.mouse.move(*start)
    page.mouse.down()
    shim = panel.locator('[data-tile="1,0"]')
    page.mouse.move(*_centre(shim), steps=5)
    page.wait_for_function("() => document.querySelectorAll('.dato-tile.dato-illegal').length > 0")
    page.wait_for_function("() => document.querySelector('.dato-tile.dato-best') !== null")
    page.mouse.move(*_centre(shim), steps=1)  # the hint reads the tile under the pointer
    reasons = kernel_eval(jupyter_server, RELPATH, f"{EDITOR}.held['tiles']")
    assert shim.get_attribute("data-reason") == reasons["1,0"]
    assert "is a shim tile" in reasons["1,0"]
    hint = panel.locator(".dato-hint")
    assert hint.inner_text().startswith("shift_1 cannot go to 1,0: tile (1, 0) is a shim tile")
    legal = panel.locator(".dato-tile.dato-legal")
    assert legal.count() == sum(1 for r in reasons.values() if not r)
    assert panel.locator(".dato-tile.dato-illegal").count() == sum(1 for r in reasons if reasons[r])
    screenshot(page, "editor-help-1280-sidebar-dragging")
    best = panel.locator(".dato-tile.dato-best .dato-predicted")
    assert best.inner_text().startswith("★ ")

    # put it down where it came from (a click's worth of movement): nothing changes
    page.mouse.move(*start, steps=3)
    page.mouse.up()
    page.wait_for_function("() => document.querySelectorAll('.dato-tile.dato-legal').length === 0")

    # the keyboard: focus the chip, Enter shows the help, an arrow moves it up one row
    home = kernel_eval(jupyter_server, RELPATH, f'{EDITOR}.placement["shift_1"]')
    chip.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.dato-tile.dato-legal').length > 0")
    page.keyboard.press("ArrowUp")
    target = f'[data-tile="{home[0]},{home[1] + 1}"] [data-task="shift_1"]'
    page.wait_for_function(f"() => document.querySelector('{target}') !== null")
    assert kernel_eval(jupyter_server, RELPATH, f'{EDITOR}.placement["shift_1"]') == [
        home[0],
        home[1] + 1,
    ]
    focused = page.evaluate("() => document.activeElement && document.activeElement.dataset.task")
    assert focused == "shift_1"  # still in hand: the help follows it
    page.wait_for_function(
        f"() => document.querySelector('[data-tile=\"{home[0]},{home[1] + 1}\"].dato-home')"
    )
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelectorAll('.dato-tile.dato-legal').length === 0")
    entries = panel.locator("[data-entry]")
    assert entries.count() == 2 and "shift_1 → " in entries.nth(1).inner_text()

    # tick both to compare them: two timelines on one axis, the report lines that differ marked
    entries.nth(0).locator(".dato-pick").check()
    entries.nth(1).locator(".dato-pick").check()
    comparison = panel.locator(".dato-comparison")
    comparison.wait_for(state="visible")
    assert comparison.locator("svg").count() == 2
    assert comparison.locator("li.dato-differs").count() > 0
    comparison.scroll_into_view_if_needed()
    screenshot(panel.locator(".dato-history"), "history-compared-1280-sidebar")
