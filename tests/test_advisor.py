"""The FIFO depth advisor: the largest fill it reports is the occupancy history's, the cycles a
deeper FIFO gains are those of compiling and timing the program with that depth, a depth that
no longer fits says why, and applying a row in the panel goes through the compiler's checks."""

from __future__ import annotations

from advisor_programs import big_tiles, burst, burst_literal

import datobench as dato
from datobench.core.advisor import NOT_TIMED, Recipe, advise_depths, depth_symbols, timing


def test_the_largest_fill_is_the_occupancy_historys_max():
    recipe = Recipe(burst, "u280", sizes={"D": 4})
    program = recipe.compile()
    perf, _ = timing(program)
    rows = advise_depths(program, recipe, perf)
    history = max(fill for _, fill in perf.channels["pipe"])
    assert rows and all(r.largest_fill == history and r.fullest == "pipe" for r in rows)
    assert all(r.depth == 4 for r in rows)


def test_a_deeper_fifo_gains_the_cycles_of_a_direct_rerun():
    recipe = Recipe(burst, "u280", sizes={"D": 1})
    program = recipe.compile()
    perf, _ = timing(program)
    (row,) = advise_depths(program, recipe, perf)  # depth 1: no shallower FIFO
    assert row.deeper and row.new_depth == 2 and row.edit == "sizes: D"
    direct, _ = timing(dato.compile(burst, target="u280", sizes={"D": 2}))
    assert row.cycles == direct.cycles and row.gain == perf.cycles - direct.cycles > 0
    assert row.bytes == 32 * 32 * 4  # one more 4 KiB slot


def test_a_literal_depth_is_edited_in_the_declaration_and_checked_like_a_compile():
    assert depth_symbols(burst) == {"pipe": "D"} and depth_symbols(burst_literal) == {}
    recipe = Recipe(burst_literal, "u280")
    program = recipe.compile()
    (row,) = advise_depths(program, recipe)
    assert "the depth declared for 'pipe' (line " in row.edit
    edited = recipe.with_depth("pipe", 2)
    assert edited.depths == {"pipe": 2} and edited.sizes is None
    deeper = edited.compile()
    assert [c.depth for c in deeper.graph.channels] == [2]
    direct, _ = timing(dato.compile(burst, target="u280", sizes={"D": 2}))
    assert row.cycles == timing(deeper)[0].cycles == direct.cycles


def test_a_shallower_fifo_saves_memory_and_says_what_it_costs():
    recipe = Recipe(burst, "u280", sizes={"D": 8})
    program = recipe.compile()
    perf, _ = timing(program)
    (row,) = advise_depths(program, recipe, perf)  # never full: only a shallower one
    assert not row.deeper and row.new_depth == row.largest_fill < 8
    assert row.bytes == -(8 - row.new_depth) * 32 * 32 * 4
    assert row.gain == perf.cycles - row.cycles


def test_a_depth_that_no_longer_fits_says_why():
    recipe = Recipe(big_tiles, "npu1_4col", sizes={"D": 1})
    program = recipe.compile()
    (row,) = advise_depths(program, recipe)
    assert row.new_depth == 2 and row.cycles is None
    assert row.problem.startswith("does not fit: tile (0, 2) (compute): data memory")


def test_no_rerun_starts_once_the_time_budget_is_spent():
    recipe = Recipe(burst, "u280", sizes={"D": 2})
    program = recipe.compile()
    heard = []
    rows = advise_depths(program, recipe, seconds=-1, on_row=heard.append)
    assert rows == heard and rows and all(r.problem == NOT_TIMED for r in rows)
    assert all(r.cycles is None for r in rows)
