"""The placement editor's ES module in headless Chromium with a stand-in model: drawing, drag
and drop, and the refusal path, with a real Python editor answering the messages."""

from __future__ import annotations

import pytest

import datobench as dato
from datobench import S, Stream, float32
from datobench.widgets import Workbench

from .lab import screenshot
from .stand_in import forward_to_python, open_widget, sent, update_from_python, widget_state


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


@pytest.fixture()
def workbench():
    return Workbench(two_stage, target="npu1_4col", progress=False)


def push_state(page, editor):
    """Send the Python editor's state to the page, as the kernel would after a change."""
    state = widget_state(editor)
    update_from_python(
        page,
        **{
            k: state[k]
            for k in (
                "model",
                "placement",
                "error",
                "status",
                "code",
                "can_undo",
                "can_redo",
                "revision",
            )
        },
    )


def chip_tile(page, task: str) -> str:
    return page.locator(f'[data-task="{task}"]').evaluate(
        "el => el.closest('[data-tile]').dataset.tile"
    )


def test_the_editor_draws_every_tile_and_chip(stand_in_page, workbench):
    page = stand_in_page
    open_widget(page, workbench.editor)
    model = workbench.editor.model
    assert page.locator("[data-tile]").count() == model["columns"] * model["rows"]
    for name, (col, row) in workbench.editor.placement.items():
        assert chip_tile(page, name) == f"{col},{row}"
    assert page.locator('[data-tile="1,0"]').get_attribute("data-kind") == "shim"
    assert page.locator("polyline[data-route]").count() == len(model["routes"])
    screenshot(page, "editor-stand-in")


def test_a_drop_sends_a_move_and_a_legal_one_is_kept(stand_in_page, workbench):
    page = stand_in_page
    open_widget(page, workbench.editor)
    page.locator('[data-task="shift_1"]').drag_to(page.locator('[data-tile="3,5"]'))
    moves = [m for m in sent(page) if m.get("kind") == "move"]
    assert moves == [{"kind": "move", "task": "shift_1", "tile": [3, 5]}]
    assert forward_to_python(page, workbench.editor) >= 1
    assert workbench.editor.placement["shift_1"] == [3, 5] and workbench.editor.error == ""
    push_state(page, workbench.editor)
    assert chip_tile(page, "shift_1") == "3,5"
    assert page.locator(".dato-undo").is_enabled()


def test_an_illegal_drop_snaps_back_with_the_reason(stand_in_page, workbench):
    page = stand_in_page
    open_widget(page, workbench.editor)
    home = chip_tile(page, "scale_0")
    page.locator('[data-task="scale_0"]').drag_to(page.locator('[data-tile="1,0"]'))
    assert chip_tile(page, "scale_0") == "1,0"  # shown where it was dropped, until Python answers
    forward_to_python(page, workbench.editor)
    assert "is a shim tile" in workbench.editor.error
    push_state(page, workbench.editor)
    assert chip_tile(page, "scale_0") == home  # back on its tile
    alert = page.locator(".dato-error")
    assert alert.is_visible() and "tile (1, 0) is a shim tile" in alert.inner_text()
    screenshot(page, "editor-refused")


def test_undo_and_copy_as_code(stand_in_page, workbench):
    page = stand_in_page
    editor = workbench.editor
    open_widget(page, editor)
    editor.move("shift_1", (3, 5))
    push_state(page, editor)
    page.locator(".dato-undo").click()
    forward_to_python(page, editor)
    assert editor.placement["shift_1"] != [3, 5]
    push_state(page, editor)
    page.locator(".dato-copy").click()
    code = page.locator(".dato-code")
    assert code.is_visible() and code.inner_text() == editor.code
    assert editor.code.startswith('placement={"scale_0": (')
