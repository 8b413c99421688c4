"""The placement editor's ES module with a stand-in model, at the widths real designs meet:
npu2's 8 columns in a 560 px window all fit and take drops in column 7; an FPGA's PE grid
shows the device's budget and the memory bank of each port."""

from __future__ import annotations

from datobench import int16, int32
from datobench.programs import systolic_gemm
from datobench.widgets import Workbench

from .lab import screenshot
from .stand_in import open_widget, sent
from .test_editor_frontend import two_stage


def test_npu2s_8_columns_fit_a_narrow_editor_and_column_7_takes_a_drop(stand_in_page):
    page = stand_in_page
    page.set_viewport_size({"width": 560, "height": 800})
    wb = Workbench(two_stage, target="npu2", progress=False)
    open_widget(page, wb.editor)
    tiles = page.locator("[data-tile]").evaluate_all(
        "ts => ts.map((t) => t.getBoundingClientRect().right)"
    )
    assert len(tiles) == 48 and max(tiles) <= 560, max(tiles)
    assert page.locator(".dato-grid.dato-compact").count() == 1  # smaller tiles, smaller chips
    page.locator('[data-task="shift_1"]').drag_to(page.locator('[data-tile="7,5"]'))
    assert [m for m in sent(page) if m.get("kind") == "move"] == [
        {"kind": "move", "task": "shift_1", "tile": [7, 5]}
    ]
    screenshot(page, "editor-npu2-560px")


def test_an_fpga_editor_shows_the_device_budget_and_each_ports_bank(stand_in_page):
    page = stand_in_page
    wb = Workbench(systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32), target="u280", progress=False)
    open_widget(page, wb.editor)
    budget = page.locator("[data-budget]")
    texts = budget.all_inner_texts()
    assert len(texts) == 3, texts  # DSP slices, LUTs (estimate), on-chip memory
    assert texts[0].startswith("DSP slices 128 / 9,024 (1.4%)")
    assert any(t.startswith("LUTs (estimate) ") and "/ 1,303,680" in t for t in texts), texts
    ports = page.locator("[data-port]").all_inner_texts()
    assert ports == ["A → HBM[0]", "B → HBM[1]", "C → HBM[2]"]
    assert "read by load_a" in page.locator('[data-port="A"]').get_attribute("title")
    pe = page.locator('[data-tile="1,1"]')
    assert pe.get_attribute("title") == "PE slot 1,1: 8 DSP slices"
    assert "PE 1,1" in pe.inner_text()
    screenshot(page, "editor-u280-device")
