"""The passes' small algorithms: static put/get counts, the resource ledger, and the placer's
local search."""

from __future__ import annotations

import random

import pytest

from datobench.core.errors import MappingError
from datobench.core.ir.nodes import Assign, Binary, Const, For, Get, If, Put, StreamRef, Var
from datobench.core.ir.types import boolean, float32, index
from datobench.core.passes.checks import count_ops
from datobench.core.passes.counts import ENUMERATION_LIMIT, exact_count, upper_count
from datobench.core.passes.place_npu import NpuPlacer, _apart
from datobench.core.passes.resources import DMA_IN, DSP, MEMORY, Ledger
from datobench.core.targets import load_target

# -- building bodies --------------------------------------------------------------------------


def const(n: int) -> Const:
    return Const(n, index)


def loop(var: str, start, stop, *body, step: int = 1) -> For:
    start = const(start) if isinstance(start, int) else start
    stop = const(stop) if isinstance(stop, int) else stop
    return For(var, start, stop, step, tuple(body))


def put(channel: str = "s", *idx: int) -> Put:
    return Put(StreamRef(channel, tuple(const(i) for i in idx)), Var("x", float32))


def get(channel: str = "s", *idx: int) -> Assign:
    return Assign("x", Get(StreamRef(channel, tuple(const(i) for i in idx)), float32))


def less(var: str, n: int) -> Binary:
    return Binary("<", Var(var, index), const(n), boolean)


DATA = Var("flag", boolean)  # a value known only at run time


def puts(s) -> int:
    return isinstance(s, Put)


# -- counts -----------------------------------------------------------------------------------


def test_a_loop_nest_counts_the_product_of_its_trips():
    body = (loop("i", 0, 4, loop("j", 0, 3, put())), put())
    assert exact_count(body, puts) == 13
    assert upper_count(body, puts) == 13


def test_a_loop_with_a_step_counts_its_trips():
    assert exact_count((loop("i", 0, 10, put(), step=3),), puts) == 4  # 0, 3, 6, 9


def test_a_triangular_loop_is_counted_by_enumerating_the_outer_loop():
    # for i in range(4): for j in range(i): put  ->  0 + 1 + 2 + 3
    body = (loop("i", 0, 4, loop("j", 0, Var("i", index), put())),)
    assert exact_count(body, puts) == 6


def test_an_if_on_a_loop_variable_is_decided_per_trip():
    body = (loop("i", 0, 4, If(less("i", 1), (put(), put()), ())),)
    assert exact_count(body, puts) == 2
    assert upper_count(body, puts) >= 2  # an upper bound, not necessarily exact


def test_a_data_dependent_if_with_equal_branches_is_still_exact():
    body = (loop("i", 0, 5, If(DATA, (put(),), (put(),))),)
    assert exact_count(body, puts) == 5


def test_a_data_dependent_if_with_unequal_branches_has_only_an_upper_count():
    body = (loop("i", 0, 5, If(DATA, (put(), put()), (put(),))),)
    assert exact_count(body, puts) is None
    assert upper_count(body, puts) == 10


def test_a_dependent_loop_under_too_many_trips_is_not_enumerated():
    body = (loop("i", 0, ENUMERATION_LIMIT + 1, loop("j", 0, Var("i", index), put())),)
    assert exact_count(body, puts) is None


def test_count_ops_counts_one_channel_of_a_stream_array():
    body = (
        loop("k", 0, 8, put("fa", 0, 1), put("fa", 0, 2), get("fb", 1, 0)),
        put("fa", 0, 1),
    )
    assert count_ops(body, "put", "fa[0, 1]") == 9
    assert count_ops(body, "put", "fa[0, 2]") == 8
    assert count_ops(body, "get", "fb[1, 0]") == 8
    assert count_ops(body, "get", "fa[0, 1]") == 0  # puts are not gets


def test_count_ops_gives_up_under_a_data_dependent_if():
    body = (loop("k", 0, 8, If(DATA, (put(),), ())),)
    assert count_ops(body, "put", "s") is None


# -- the ledger -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def npu():
    return load_target("npu1_4col")


def test_the_ledger_sums_uses_and_keeps_who_made_them(npu):
    ledger = Ledger(npu)
    ledger.host((0, 2), "p")
    ledger.host((0, 2), "p")  # hosting twice lists the instance once
    ledger.add((0, 2), MEMORY, 1000, "a buffer")
    ledger.add((0, 2), MEMORY, 24, "b buffer")
    use = ledger.uses["0,2"]
    assert (use.tile, use.kind, use.instances) == ((0, 2), "compute", ["p"])
    assert use.used[MEMORY] == 1024
    assert use.items[MEMORY] == [["a buffer", 1000], ["b buffer", 24]]
    assert use.capacity[MEMORY] == npu.tiles["compute"].usable_memory
    ledger.check()  # within every capacity


def test_a_use_at_capacity_passes_and_one_more_breaks_the_limit(npu):
    ledger = Ledger(npu)
    cap = npu.tiles["compute"].dma_in
    for n in range(cap):
        ledger.add((1, 3), DMA_IN, 1, f"c{n}")
    ledger.check()
    ledger.host((1, 3), "sink")
    ledger.add((1, 3), DMA_IN, 1, "c9")
    with pytest.raises(MappingError) as info:
        ledger.check()
    text = str(info.value)
    assert text.startswith(f"tile (1, 3) (compute): input DMA channels: {cap + 1} used of {cap}")
    assert "instances there: sink" in text
    assert "used by: c0 (1), c1 (1), c9 (1)" in text
    assert "hint: channels between neighbouring tiles use shared memory" in text


def test_the_violation_lists_the_largest_users_first_and_shortens_long_lists(npu):
    ledger = Ledger(npu)
    for n in range(10):
        ledger.add((0, 2), MEMORY, 1024 * (n + 1), f"t{n}")
    ledger.check()  # 55 KiB fits
    ledger.add((0, 2), MEMORY, 9 * 1024, "t10")
    with pytest.raises(MappingError) as info:
        ledger.check()
    text = str(info.value)
    assert "data memory: 64.0 KiB used of 63.0 KiB (64.0 KiB less a 1.0 KiB stack)" in text
    assert "used by: t9 (10.0 KiB), t8 (9.0 KiB), t10 (9.0 KiB), t7 (8.0 KiB)" in text
    assert "... (3 more)" in text


def test_the_first_broken_limit_in_tile_order_is_reported(npu):
    ledger = Ledger(npu)
    cap = npu.tiles["compute"].dma_in
    ledger.add((1, 2), DMA_IN, cap + 1, "late")
    ledger.add((0, 5), DMA_IN, cap + 1, "early")  # column 0 comes before column 1
    with pytest.raises(MappingError) as info:
        ledger.check()
    assert str(info.value).startswith("tile (0, 5) (compute)")


def test_an_fpga_ledger_books_the_whole_device():
    fpga = load_target("u280")
    ledger = Ledger(fpga)
    dsp = ledger._use(None).capacity[DSP]
    ledger.add(None, DSP, dsp, "pe_0_0")
    ledger.check()
    ledger.add(None, DSP, 1, "pe_0_1")
    with pytest.raises(MappingError) as info:
        ledger.check()
    assert str(info.value).startswith(f"device u280: DSP slices: {dsp + 1} used of {dsp}")
    assert "hint: use fewer PEs or smaller tiles per PE" in str(info.value)


# -- the placer's local search ----------------------------------------------------------------


def _cost(target, tiles, links, offchip) -> int:
    """What the local search minimises: traffic-weighted distance, and DDR users outside
    shim columns (counted once per pair of nodes, once per misplaced node)."""
    pairs = {tuple(sorted((a, b))): w for a, ns in links.items() for b, w in ns.items()}
    distance = sum(w * _apart(target, tiles[a], tiles[b]) for (a, b), w in pairs.items())
    misplaced = sum(1 for r in offchip if tiles[r][0] not in target.shim_dma_columns)
    return 10**9 * misplaced + distance


def _random_case(target, seed: int):
    rng = random.Random(seed)
    compute = target.compute_tiles()
    n = rng.randint(2, len(compute) - 1)
    roots = [f"n{k}" for k in range(n)]
    links: dict[str, dict[str, int]] = {r: {} for r in roots}
    for _ in range(rng.randint(1, 3 * n)):
        a, b = rng.sample(roots, 2)
        w = rng.randint(1, 64)
        links[a][b] = links[a].get(b, 0) + w
        links[b][a] = links[b].get(a, 0) + w
    shim = [t for t in compute if t[0] in target.shim_dma_columns]
    offchip = set(rng.sample(roots, rng.randint(0, min(n, len(shim)))))
    # DDR users start in shim columns (as the placer puts them), the rest anywhere
    spots = rng.sample(shim, len(offchip))
    rest = rng.sample([t for t in compute if t not in spots], n - len(offchip))
    tiles = dict(zip(sorted(offchip), spots)) | dict(
        zip([r for r in roots if r not in offchip], rest)
    )
    fixed = set(rng.sample(roots, rng.randint(0, n // 3)))
    free = set(compute) - set(tiles.values())
    return tiles, free, links, offchip, fixed


@pytest.mark.parametrize("target_name", ["npu1", "npu1_4col", "npu2"])
def test_the_local_search_never_increases_the_cost_and_keeps_its_constraints(target_name):
    target = load_target(target_name)
    compute = set(target.compute_tiles())
    for seed in range(25):
        tiles, free, links, offchip, fixed = _random_case(target, seed)
        before = dict(tiles)
        cost = _cost(target, tiles, links, offchip)
        NpuPlacer(target).improve(tiles, free, links, offchip, fixed)
        assert _cost(target, tiles, links, offchip) <= cost, seed
        assert all(tiles[r] == before[r] for r in fixed), seed  # pinned nodes stay
        assert all(tiles[r][0] in target.shim_dma_columns for r in offchip), seed
        assert len(set(tiles.values())) == len(tiles), seed  # one node per tile
        assert free == compute - set(tiles.values()), seed  # free tiles kept up to date


def test_the_local_search_brings_two_talking_nodes_next_to_each_other():
    target = load_target("npu1_4col")
    tiles = {"a": (0, 2), "b": (3, 5)}
    free = set(target.compute_tiles()) - set(tiles.values())
    links = {"a": {"b": 10}, "b": {"a": 10}}
    NpuPlacer(target).improve(tiles, free, links, set(), {"a"})
    assert tiles["a"] == (0, 2)
    assert _apart(target, tiles["a"], tiles["b"]) == 0  # b now shares a's memory


def test_a_ddr_user_is_not_moved_out_of_the_shim_columns_to_be_closer():
    target = load_target("npu1")  # column 0 has no shim DMA
    tiles = {"pinned": (0, 3), "reader": (2, 3)}
    free = set(target.compute_tiles()) - set(tiles.values())
    links = {"pinned": {"reader": 50}, "reader": {"pinned": 50}}
    NpuPlacer(target).improve(tiles, free, links, {"reader"}, {"pinned"})
    assert tiles["reader"][0] in target.shim_dma_columns
    assert _apart(target, tiles["pinned"], tiles["reader"]) == 0  # (1, 3) is a neighbour
