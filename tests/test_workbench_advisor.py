"""The panel's parts for FPGAs and FIFO depths, in Python: the advisor's table with an
"apply" per row that recompiles, re-times and redraws as a drop does (and refuses what does
not fit, keeping the last good state), and the SLR view of an FPGA target."""

from __future__ import annotations

from advisor_programs import big_tiles, burst, burst_literal

from datobench import int16, int32
from datobench.programs import systolic_gemm
from datobench.widgets.advisor import HEADINGS
from datobench.widgets.panel import Workbench


def advised(wb: Workbench):
    wb.advisor.advise(background=False)
    return wb.advisor.rows


def buttons(wb: Workbench):
    return [c for c in wb.advisor.table.children if getattr(c, "description", "") == "apply"]


def test_the_table_has_a_row_per_candidate_and_apply_makes_the_edit():
    wb = Workbench(burst, target="u280", sizes={"D": 1}, progress=False)
    before = wb.perf.cycles
    (row,) = advised(wb)
    cells = [c.value for c in wb.advisor.table.children[len(HEADINGS) : -1]]
    assert cells[:4] == ["pipe", "1", "1", "2"] and cells[5].endswith("cycles faster")
    assert "1 candidates timed" in wb.advisor.status.value
    (button,) = buttons(wb)
    button.click()
    assert wb.recipe.sizes == {"D": 2}  # a symbolic depth is edited through sizes
    assert [c.depth for c in wb.program.graph.channels] == [2]
    assert wb.perf.cycles == row.cycles == before - row.gain
    assert f"(was {before:,})" in wb.head.value
    assert "applied: pipe at depth 2" in wb.advisor.status.value
    assert wb.advisor.table.children == ()  # the advice was for the program before


def test_a_literal_depth_stays_applied_across_a_drop():
    wb = Workbench(burst_literal, target="u280", progress=False)
    assert wb.apply_depth("pipe", 4) is None
    assert wb.recipe.depths == {"pipe": 4}
    assert wb.editor.move("consumer", [3, 3])
    assert [c.depth for c in wb.program.graph.channels] == [4]
    assert tuple(wb.program.mapping.placement["consumer"]) == (3, 3)


def test_a_depth_that_does_not_fit_is_refused_and_the_last_good_state_kept():
    wb = Workbench(big_tiles, target="npu1_4col", sizes={"D": 1}, progress=False)
    program, perf = wb.program, wb.perf
    (row,) = advised(wb)
    assert row.problem.startswith("does not fit: tile (0, 2) (compute): data memory")
    assert buttons(wb)[0].disabled
    assert not wb.advisor.apply(row)  # a click that went through anyway
    assert "refused: tile (0, 2) (compute): data memory: 64.0 KiB used of 63.0 KiB" in (
        wb.advisor.status.value
    )
    assert wb.program is program and wb.perf is perf and wb.recipe.sizes == {"D": 1}


def test_an_fpga_panel_draws_its_slrs_and_an_npu_panel_none():
    fpga = Workbench(systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32), target="u280", progress=False)
    svg = fpga.slrs.value
    assert "FPGA device: SLRs" in svg and svg.count("data-slr=") == 3
    assert "HBM[0:31], DDR[0]" in svg and "LUTs estimated from each PE" in svg
    assert svg.count("data-pe=") == len(fpga.program.mapping.placement)
    model = fpga.editor.model
    assert [s["slr"] for s in model["slrs"]] == ["SLR0", "SLR1", "SLR2"]
    assert model["slrs"][0]["rows"] == [0, 5] and model["slrs"][1]["rows"] is None
    npu = Workbench(big_tiles, target="npu1_4col", sizes={"D": 1}, progress=False)
    assert npu.slrs.value == "" and "slrs" not in npu.editor.model
