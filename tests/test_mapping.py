"""Mapping onto targets: virtual graph (chain, bundle, automatic merges), placement, routes,
DDR streams, per-tile accounting against capacity, every mapping error with its wording,
user placements, the JSON form and the report."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from helpers import check_error
from mapping_programs import (
    DMA_IN,
    DMA_OUT,
    KIB,
    assert_within_capacity,
    gemm_arrays,
    gemm_expected,
    make_elementwise_4x8,
    make_fan,
    make_fpga_systolic,
    make_gemm,
    make_replicated,
    make_two_stage_4x8,
    systolic_arrays,
    systolic_example,
    used_and_capacity,
    uses_of,
    who,
)

import datobench as dato
from datobench import R, S, float32, int8, int16, int32
from datobench.core.ir.mapping import Mapping
from datobench.programs import pipeline as make_pipeline

# -- no target ---------------------------------------------------------------------------------


def test_without_a_target_there_is_no_mapping():
    prog = dato.compile(make_pipeline())
    assert prog.mapping is None
    assert prog.report is None
    assert prog.target is None


def test_placement_without_a_target_is_refused():
    pipeline = make_pipeline()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(pipeline, placement={"producer": (0, 2)})  # E-notarget
    check_error(info, "# E-notarget", "placement and primitives need a target")


# -- the [4, 4] GEMM on npu1_4col ---------------------------------------------------------------


def test_gemm_maps_onto_sixteen_distinct_compute_tiles():
    prog = dato.compile(make_gemm(), target="npu1_4col")
    m = prog.mapping
    target = dato.load_target("npu1_4col")
    assert m.target == "npu1_4col"
    assert sorted(m.placement) == [f"block_{i}_{j}" for i in range(4) for j in range(4)]
    tiles = list(m.placement.values())
    assert len(set(tiles)) == 16
    assert set(tiles) == set(target.compute_tiles())
    assert len(m.nodes) == 16 and all(n.kind == "task" for n in m.nodes)
    assert m.merges == []
    assert m.routes == []  # no streams: every transfer is a DDR stream
    assert_within_capacity(m)


def test_gemm_shim_tiles_use_at_most_two_plus_two_dma_channels():
    m = dato.compile(make_gemm(), target="npu1_4col").mapping
    shims = uses_of(m, "shim")
    assert shims
    for use in shims:
        assert use.capacity[DMA_IN] == 2 and use.capacity[DMA_OUT] == 2
        assert use.used.get(DMA_IN, 0) <= 2
        assert use.used.get(DMA_OUT, 0) <= 2
        assert use.tile[1] == 0 and "memory" not in " ".join(use.used)  # shims hold no data
    for use in uses_of(m, "mem"):
        assert use.used.get(DMA_IN, 0) <= 6 and use.used.get(DMA_OUT, 0) <= 6
    for use in uses_of(m, "compute"):
        assert use.used.get(DMA_IN, 0) <= 2 and use.used.get(DMA_OUT, 0) <= 2


def test_gemm_ddr_streams_cover_every_read_and_write():
    m = dato.compile(make_gemm(), target="npu1_4col").mapping
    shim_columns = dato.load_target("npu1_4col").shim_dma_columns
    reads = [o for o in m.offchip if o.direction == "read"]
    writes = [o for o in m.offchip if o.direction == "write"]
    assert {o.buffer for o in reads} == {"A", "B"}
    assert {o.buffer for o in writes} == {"C"}
    # each instance reads its A window and its B window once, and writes its C block
    for name in m.placement:
        assert sum(name in o.instances for o in reads if o.buffer == "A") == 1
        assert sum(name in o.instances for o in reads if o.buffer == "B") == 1
        assert sum(name in o.instances for o in writes) == 1
    for o in m.offchip:
        assert o.column in shim_columns
        assert sorted(o.path_tiles) == sorted({m.placement[i] for i in o.instances})
    # int16 A: 64 rows x 64 columns x 2 bytes read once in all; int32 C written once
    assert sum(o.bytes for o in reads if o.buffer == "A") == 64 * 64 * 2 * 4  # 4 readers each
    assert sum(o.bytes for o in writes) == 64 * 64 * 4


def test_gemm_mapped_program_gives_numpys_results():
    prog = dato.compile(make_gemm(), target="npu1_4col")
    A, B, C = gemm_arrays()
    prog.run(A, B, C, backend="sim")
    assert np.array_equal(C, gemm_expected(A, B))


# -- the systolic example on npu1_4col ---------------------------------------------------------


def test_systolic_example_merges_24_instances_into_16_nodes():
    module = systolic_example()
    prog = dato.compile(module.systolic, target="npu1_4col")
    m = prog.mapping
    assert len(m.placement) == 24
    assert len(m.nodes) == 16
    assert len(set(m.placement.values())) == 16
    assert sorted(i for n in m.nodes for i in n.instances) == sorted(m.placement)
    assert len(m.merges) == 8
    for merge in m.merges:
        assert merge.kind == "chain"
        assert merge.automatic is True
        assert "only moves data" in merge.reason
        assert "16 compute tiles of npu1_4col" in merge.reason
    # every loader shares a core with the PE it feeds
    merged = {name for merge in m.merges for node in merge.instances for name in node.split("+")}
    assert {f"load_a_{i}" for i in range(4)} | {f"load_b_{j}" for j in range(4)} <= merged
    for i in range(4):
        assert m.placement[f"load_a_{i}"] == m.placement[f"pe_{i}_0"]
        assert m.placement[f"load_b_{i}"] == m.placement[f"pe_0_{i}"]
    text = str(prog.report)
    assert "merges:" in text
    assert text.count("(automatic: ") == 8
    assert_within_capacity(m)


def test_systolic_example_channels_are_shared_or_local():
    m = dato.compile(systolic_example().systolic, target="npu1_4col").mapping
    assert len(m.routes) == 32
    kinds = {r.channel: r.kind for r in m.routes}
    assert set(kinds.values()) <= {"shared", "local"}
    for r in m.routes:
        producer = m.node_of(_producer(r.channel))
        consumer = m.node_of(_consumer(r.channel))
        if producer is consumer:
            assert r.kind == "local" and r.path == [r.src] and r.hops == 0
        else:
            assert r.kind == "shared" and r.hops == 1
            assert r.buffer_tiles[0] in (r.src, r.dst)
    # PE to PE: A moves east, B moves south, always between neighbours
    for i in range(4):
        for j in range(1, 4):
            assert kinds[f"fa[{i}, {j}]"] == "shared"
            assert kinds[f"fb[{j}, {i}]"] == "shared"
        assert kinds[f"fa[{i}, 0]"] == "local"  # load_a_i chained with pe_i_0
        assert kinds[f"fb[0, {i}]"] == "local"  # load_b_i chained with pe_0_i
    assert m.route("fa[1, 2]").bytes == 8 * 8 * 2 * 8  # eight int16[8, 8] tiles


def _producer(channel: str) -> str:
    """The producing instance of a systolic channel fa[i, j] / fb[i, j]."""
    name, i, j = re.match(r"(f[ab])\[(\d+), (\d+)\]", channel).groups()
    i, j = int(i), int(j)
    if name == "fa":
        return f"load_a_{i}" if j == 0 else f"pe_{i}_{j - 1}"
    return f"load_b_{j}" if i == 0 else f"pe_{i - 1}_{j}"


def _consumer(channel: str) -> str:
    i, j = re.search(r"\[(\d+), (\d+)\]", channel).groups()
    return f"pe_{i}_{j}"


def test_systolic_placement_keeps_the_grid():
    m = dato.compile(systolic_example().systolic, target="npu1_4col").mapping
    c0, r0 = m.placement["pe_0_0"]
    for i in range(4):
        for j in range(4):
            c, r = m.placement[f"pe_{i}_{j}"]
            assert (c - c0, r - r0) == (j, i), (i, j, (c, r))


def test_systolic_mapped_program_gives_numpys_results():
    module = systolic_example()
    prog = dato.compile(module.systolic, target="npu1_4col")
    A, B, C = systolic_arrays(module)
    prog.run(A, B, C, backend="sim")
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


@pytest.mark.parametrize("target", ["npu1", "npu2"])
def test_systolic_example_maps_by_itself_on_larger_arrays(target):
    prog = dato.compile(systolic_example().systolic, target=target)
    assert_within_capacity(prog.mapping)


@pytest.mark.parametrize("target, shift", [("npu1", 1), ("npu2", 0), ("npu2", 4)])
def test_systolic_example_has_legal_mappings_on_larger_arrays(target, shift):
    """The npu1_4col mapping, moved to shim columns, is legal on npu1 and npu2."""
    module = systolic_example()
    base = dato.compile(module.systolic, target="npu1_4col").mapping.placement
    moved = {name: (c + shift, r) for name, (c, r) in base.items()}
    primitives = [dato.chain("load_a", "pe[:, 0]"), dato.chain("load_b", "pe[0, :]")]
    prog = dato.compile(module.systolic, target=target, placement=moved, primitives=primitives)
    assert prog.mapping.placement == moved
    assert_within_capacity(prog.mapping)


# -- 32 instances on npu2 ----------------------------------------------------------------------


def test_32_instances_on_npu2_use_32_distinct_tiles():
    prog = dato.compile(make_elementwise_4x8(), target="npu2")
    m = prog.mapping
    target = dato.load_target("npu2")
    assert len(m.placement) == 32
    assert set(m.placement.values()) == set(target.compute_tiles())
    assert m.merges == []
    assert_within_capacity(m)
    c0, r0 = m.placement["scale_0_0"]  # the [4, 8] grid lies along the 8 columns
    assert all(
        m.placement[f"scale_{i}_{j}"] == (c0 + j, r0 + i) for i in range(4) for j in range(8)
    )
    A = np.random.default_rng(1).standard_normal((32, 64)).astype(np.float32)
    B = np.zeros_like(A)
    prog.run(A, B, backend="sim")
    assert np.array_equal(B, A * 2 + 1)


def test_a_chained_two_stage_program_on_npu2_uses_32_distinct_tiles():
    prog = dato.compile(
        make_two_stage_4x8(), target="npu2", primitives=[dato.chain("scale", "shift")]
    )
    m = prog.mapping
    assert len(m.placement) == 64
    assert len(m.nodes) == 32
    assert len({n.tile for n in m.nodes}) == 32
    for i in range(4):
        for j in range(8):
            assert m.placement[f"scale_{i}_{j}"] == m.placement[f"shift_{i}_{j}"]
    assert {r.kind for r in m.routes} == {"local"}
    assert len(m.merges) == 32
    assert all(mg.kind == "chain" and not mg.automatic for mg in m.merges)
    assert_within_capacity(m)
    A = np.random.default_rng(2).standard_normal((32, 64)).astype(np.float32)
    B = np.zeros_like(A)
    prog.run(A, B, backend="sim")
    assert np.array_equal(B, A * 2 + 1)


# -- systolic arrays on an Alveo U280 ---------------------------------------------------------


@pytest.mark.parametrize("P, dt", [(16, int16), (32, int8)])
def test_systolic_arrays_fit_the_u280_dsp_budget(P, dt):
    prog = dato.compile(make_fpga_systolic(P, 4, dt, int32), target="u280")
    m = prog.mapping
    assert list(m.tiles) == ["device"]
    device = m.tiles["device"]
    assert device.kind == "device"
    assert device.capacity["DSP slices"] == 9024
    assert 0 < device.used["DSP slices"] < 9024
    assert_within_capacity(m)
    assert len(m.placement) == P * P + 2 * P
    assert len(set(m.placement.values())) == P * P + 2 * P  # one PE slot each
    for i in (0, 1, P - 1):
        for j in (0, 1, P - 1):
            assert m.placement[f"pe_{i}_{j}"] == (j, i)  # the grid as written
    assert {r.kind for r in m.routes} == {"stream"}  # hls::stream FIFOs
    assert len(m.routes) == 2 * P * P


def test_dsp_use_grows_with_the_number_of_pes():
    small = dato.compile(make_fpga_systolic(8, 4, int16, int32), target="u280")
    big = dato.compile(make_fpga_systolic(16, 4, int16, int32), target="u280")
    dsp_small = small.mapping.tiles["device"].used["DSP slices"]
    dsp_big = big.mapping.tiles["device"].used["DSP slices"]
    assert dsp_big == 4 * dsp_small  # four times the PEs, same PE


def test_u280_systolic_array_gives_numpys_results():
    prog = dato.compile(make_fpga_systolic(16, 4, int16, int32), target="u280")
    rng = np.random.default_rng(3)
    A = rng.integers(-50, 50, size=(64, 16)).astype(np.int16)
    B = rng.integers(-50, 50, size=(16, 64)).astype(np.int16)
    C = np.zeros((64, 64), np.int32)
    prog.run(A, B, C, backend="sim")
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


def test_a_systolic_array_too_big_for_the_u280_names_dsp_slices():
    # 144 float32 PEs with 16-wide tiles: 16 MACs x 5 DSPs = 80 each, 11,520 > 9,024
    region = make_fpga_systolic(12, 16, float32, float32)
    with pytest.raises(dato.MappingError) as info:
        dato.compile(region, target="u280")  # E-dsp
    error = check_error(
        info,
        "# E-dsp",
        "device u280: DSP slices:",
        "used of 9024",
        "pe_0_0",
        "hint: use fewer PEs or smaller tiles per PE",
    )
    used, capacity = used_and_capacity(str(error), "DSP slices")
    assert capacity == 9024 and used > capacity


def test_the_same_pes_fit_the_larger_u250():
    # float32 PEs 4 wide: 4 MACs x 5 DSPs = 20 each; 32 x 32 of them need 20,480 DSPs
    region = make_fpga_systolic(32, 4, float32, float32)
    with pytest.raises(dato.MappingError) as info:
        dato.compile(region, target="u280")
    used, capacity = used_and_capacity(str(info.value), "DSP slices")
    assert capacity == 9024 and used > 12_288
    region = make_fpga_systolic(24, 4, float32, float32)  # 576 x 20 = 11,520
    m = dato.compile(region, target="u250").mapping
    assert 9024 < m.tiles["device"].used["DSP slices"] <= 12_288


# -- user placements -----------------------------------------------------------------------------


def test_a_legal_user_placement_is_honoured_exactly():
    gemm = make_gemm()
    default = dato.compile(gemm, target="npu1_4col").mapping.placement
    pins = {
        "block_0_0": default["block_3_3"],
        "block_3_3": default["block_0_0"],
        "block_1_2": default["block_2_1"],
        "block_2_1": default["block_1_2"],
    }
    prog = dato.compile(gemm, target="npu1_4col", placement=pins)
    m = prog.mapping
    assert {k: m.placement[k] for k in pins} == pins
    assert len(set(m.placement.values())) == 16
    assert_within_capacity(m)
    A, B, C = gemm_arrays(5)
    prog.run(A, B, C, backend="sim")
    assert np.array_equal(C, gemm_expected(A, B))


def test_a_partial_placement_keeps_the_pins_and_places_the_rest():
    pins = {"pe_1_1": (2, 4), "pe_1_2": (3, 4)}
    prog = dato.compile(systolic_example().systolic, target="npu1_4col", placement=pins)
    m = prog.mapping
    assert m.placement["pe_1_1"] == (2, 4) and m.placement["pe_1_2"] == (3, 4)
    assert len({n.tile for n in m.nodes}) == len(m.nodes) == 16
    assert_within_capacity(m)
    module = systolic_example()
    A, B, C = systolic_arrays(module, 6)
    prog.run(A, B, C, backend="sim")
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


@pytest.mark.parametrize("program", ["gemm", "systolic", "fan", "replicated"])
def test_a_mapping_round_trips_through_its_placement(program):
    region = {
        "gemm": make_gemm,
        "systolic": lambda: systolic_example().systolic,
        "fan": make_fan,
        "replicated": make_replicated,
    }[program]()
    first = dato.compile(region, target="npu1_4col").mapping
    again = dato.compile(region, target="npu1_4col", placement=first.placement).mapping
    assert again.placement == first.placement
    assert again == first
    # the JSON form of a placement (lists for tiles) is accepted as well
    pins = json.loads(first.to_json())["placement"]
    assert all(isinstance(t, list) for t in pins.values())
    assert dato.compile(region, target="npu1_4col", placement=pins).mapping == first


# -- the JSON form --------------------------------------------------------------------------------


def _json_cases():
    return {
        "gemm npu1_4col": lambda: dato.compile(make_gemm(), target="npu1_4col"),
        "systolic npu1_4col": lambda: dato.compile(systolic_example().systolic, target="npu1_4col"),
        "pipeline far apart": lambda: dato.compile(
            make_pipeline(), target="npu1_4col", placement={"producer": (0, 2), "consumer": (2, 4)}
        ),
        "bundles npu2": lambda: dato.compile(
            make_replicated(), target="npu2", primitives=[dato.bundle(["scale[0:2]"])]
        ),
        "systolic u280": lambda: dato.compile(
            make_fpga_systolic(4, 4, int16, int32), target="u280"
        ),
    }


@pytest.mark.parametrize("case", list(_json_cases()))
def test_mapping_json_loads(case):
    m = _json_cases()[case]().mapping
    data = json.loads(m.to_json())
    assert data["target"] == m.target
    assert data["placement"] == {k: list(v) for k, v in m.placement.items()}
    assert len(data["nodes"]) == len(m.nodes)
    assert [r["channel"] for r in data["routes"]] == [r.channel for r in m.routes]
    assert set(data["tiles"]) == set(m.tiles)
    assert json.loads(m.to_json(indent=None)) == data


@pytest.mark.parametrize("case", list(_json_cases()))
def test_mapping_from_json_restores_the_placement_nodes_and_routes(case):
    m = _json_cases()[case]().mapping
    back = Mapping.from_json(m.to_json())
    assert back.placement == m.placement
    assert back.nodes == m.nodes
    assert back.routes == m.routes
    assert back.offchip == m.offchip
    assert back.merges == m.merges
    assert {k: (u.used, u.capacity, u.instances) for k, u in back.tiles.items()} == {
        k: (u.used, u.capacity, u.instances) for k, u in m.tiles.items()
    }


@pytest.mark.parametrize("case", list(_json_cases()))
def test_mapping_from_json_of_to_json_is_equal(case):
    m = _json_cases()[case]().mapping
    assert Mapping.from_json(m.to_json()) == m


# -- the report ---------------------------------------------------------------------------------


def test_report_table_has_a_header_and_one_row_per_used_tile():
    prog = dato.compile(make_gemm(), target="npu1_4col")
    m = prog.mapping
    text = str(prog.report)
    lines = text.splitlines()
    assert lines[0] == "target npu1_4col: " + dato.load_target("npu1_4col").description
    assert lines[1].startswith("16 nodes on 16 tiles; 0 channels")
    header = next(n for n, line in enumerate(lines) if line.startswith("tile "))
    for column in ("kind", "memory", "DMA in", "DMA out", "BDs", "locks", "instances"):
        assert column in lines[header]
    assert set(lines[header + 1]) <= {"-", " "}
    body = lines[header + 2 : header + 2 + len(m.tiles)]
    assert [line.split()[0] for line in body] == [r["tile"] for r in prog.report.rows()]
    assert sorted(line.split()[0] for line in body) == sorted(m.tiles)
    for line in body:
        use = m.tiles[line.split()[0]]
        cells = line.split()
        assert cells[1] == use.kind
        for resource in (DMA_IN, DMA_OUT, "buffer descriptors", "locks"):
            assert f"{use.used.get(resource, 0)}/{use.capacity[resource]}" in cells
        if "data memory" in use.capacity:
            used, cap = use.used.get("data memory", 0) / KIB, use.capacity["data memory"] / KIB
            assert f"{used:.1f} KiB/{cap:.1f} KiB" in line
        for instance in use.instances:
            assert instance in line
    assert "merges:" not in text  # no merges were made
    assert prog.report.diagnostics == []


def test_report_rows_give_used_over_capacity():
    prog = dato.compile(make_gemm(), target="npu1_4col")
    rows = {r["tile"]: r for r in prog.report.rows()}
    assert set(rows) == set(prog.mapping.tiles)
    compute = rows["1,3"]
    assert compute["kind"] == "compute"
    assert compute["instances"] == "block_1_1"
    assert compute["data memory"].endswith("/63.0 KiB")
    assert compute[DMA_IN] == "2/2"  # its A window and its B window
    assert compute[DMA_OUT] == "1/2"  # its C block
    assert rows["1,0"]["kind"] == "shim" and "data memory" not in rows["1,0"]
    assert rows["1,1"]["data memory"].endswith("/512.0 KiB")


def test_report_lists_merges_with_their_reasons():
    prog = dato.compile(
        make_replicated(), target="npu1_4col", primitives=[dato.bundle(["scale[0:2]"])]
    )
    text = str(prog.report)
    assert "merges:" in text
    assert "bundle scale_0 + scale_1 (requested" in text
    auto = str(dato.compile(systolic_example().systolic, target="npu1_4col").report)
    assert "chain load_a_0 + pe_0_0 (automatic: load_a_0 only moves data" in auto


def test_report_on_an_fpga_shows_the_device_budget():
    prog = dato.compile(make_fpga_systolic(16, 4, int16, int32), target="u280")
    rows = prog.report.rows()
    assert [r["tile"] for r in rows] == ["device"]
    used = prog.mapping.tiles["device"].used["DSP slices"]
    assert rows[0]["DSP slices"] == f"{used}/9024"
    text = str(prog.report)
    assert "DSP" in text and f"{used}/9024" in text


def test_report_diagnoses_channels_that_cross_the_array():
    prog = dato.compile(
        make_pipeline(), target="npu1_4col", placement={"producer": (0, 2), "consumer": (2, 4)}
    )
    assert prog.report.diagnostics == [
        "channel pipe crosses 4 stream-switch hops ((0, 2) -> (2, 4)); placed as neighbours "
        "its producer and consumer would share memory"
    ]
    assert "diagnostics:" in str(prog.report)


# -- chain and bundle ---------------------------------------------------------------------------


def test_chain_turns_a_channel_into_a_local_buffer():
    pipeline = make_pipeline()
    plain = dato.compile(pipeline, target="npu1_4col").mapping
    assert plain.route("pipe").kind == "shared"
    prog = dato.compile(
        pipeline, target="npu1_4col", primitives=[dato.chain("producer", "consumer")]
    )
    m = prog.mapping
    route = m.route("pipe")
    assert route.kind == "local" and route.src == route.dst and route.hops == 0
    assert m.placement["producer"] == m.placement["consumer"]
    assert len(m.nodes) == 1
    assert m.nodes[0].kind == "chain"
    assert m.nodes[0].instances == ["producer", "consumer"]
    assert [(mg.kind, mg.instances, mg.automatic) for mg in m.merges] == [
        ("chain", ["producer", "consumer"], False)
    ]
    tile = m.tiles[f"{route.src[0]},{route.src[1]}"]
    assert "pipe" in who(tile, "data memory")
    assert "pipe" not in who(tile, DMA_IN) + who(tile, DMA_OUT)
    A = np.arange(64, dtype=np.float32)
    B = np.zeros_like(A)
    prog.run(A, B, backend="sim")
    assert np.array_equal(B, A + 1)


def test_chain_by_task_selection_pairs_instances_in_order():
    prog = dato.compile(
        systolic_example().systolic,
        target="npu1_4col",
        primitives=[dato.chain("load_a", "pe[:, 0]")],
    )
    m = prog.mapping
    requested = [mg for mg in m.merges if not mg.automatic]
    assert [mg.instances for mg in requested] == [[f"load_a_{i}", f"pe_{i}_0"] for i in range(4)]
    assert all(mg.kind == "chain" and mg.reason == "requested" for mg in requested)
    for i in range(4):
        assert m.route(f"fa[{i}, 0]").kind == "local"
    assert len(m.nodes) == 16  # the loaders of B are still merged automatically
    assert sum(mg.automatic for mg in m.merges) == 4


def test_bundle_puts_instances_on_one_tile():
    prog = dato.compile(
        make_replicated(),
        target="npu1_4col",
        primitives=[dato.bundle(["scale[0:2]"]), dato.bundle(["scale_2", "scale_3"])],
    )
    m = prog.mapping
    assert m.placement["scale_0"] == m.placement["scale_1"]
    assert m.placement["scale_2"] == m.placement["scale_3"]
    assert m.placement["scale_0"] != m.placement["scale_2"]
    assert sorted((n.kind, tuple(n.instances)) for n in m.nodes) == [
        ("bundle", ("scale_0", "scale_1")),
        ("bundle", ("scale_2", "scale_3")),
    ]
    assert [(mg.kind, mg.instances, mg.automatic) for mg in m.merges] == [
        ("bundle", ["scale_0", "scale_1"], False),
        ("bundle", ["scale_2", "scale_3"], False),
    ]
    tile = m.tiles["{},{}".format(*m.placement["scale_0"])]
    assert tile.instances == ["scale_0", "scale_1"]
    assert_within_capacity(m)
    A = np.arange(64, dtype=np.float32)
    C = np.zeros(256, np.float32)
    prog.run(A, C, backend="sim")
    assert np.array_equal(C, np.tile(A * 2, 4))


def test_bundled_instances_may_be_pinned_together():
    pins = {"scale_0": (2, 3), "scale_1": (2, 3)}
    m = dato.compile(
        make_replicated(),
        target="npu1_4col",
        primitives=[dato.bundle(["scale[0:2]"])],
        placement=pins,
    ).mapping
    assert m.placement["scale_0"] == m.placement["scale_1"] == (2, 3)


def test_automatic_bundles_record_their_reason():
    @dato.region
    def wide(A: float32[64], C: float32[1280]):
        @dato.task(mapping=[20], args=[A, C])
        def scale(a: float32[64] @ [R], c: float32[1280] @ [S(0)]):
            c[:] = a[:] * 2.0

    prog = dato.compile(wide, target="npu1_4col")  # 20 instances, 16 compute tiles
    m = prog.mapping
    assert len(m.nodes) == 16
    assert len(set(m.placement.values())) == 16
    assert len(m.merges) == 4
    for merge in m.merges:
        assert (merge.kind, merge.automatic) == ("bundle", True)
        assert "the two lightest 'scale' nodes share one core" in merge.reason
    bundled = [n for n in m.nodes if n.kind == "bundle"]
    assert len(bundled) == 4 and all(len(n.instances) == 2 for n in bundled)
    assert_within_capacity(m)
    A = np.arange(64, dtype=np.float32)
    C = np.zeros(1280, np.float32)
    prog.run(A, C, backend="sim")
    assert np.array_equal(C, np.tile(A * 2, 20))


# -- routes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "producer, consumer",
    [((1, 2), (1, 3)), ((1, 3), (1, 2)), ((1, 2), (2, 2)), ((2, 2), (1, 2))],
)
def test_neighbours_share_memory(producer, consumer):
    m = dato.compile(
        make_pipeline(), target="npu1_4col", placement={"producer": producer, "consumer": consumer}
    ).mapping
    route = m.route("pipe")
    assert (route.kind, route.src, route.dst, route.hops) == ("shared", producer, consumer, 1)
    assert route.bytes == 4 * 16 * 4  # four float32[16] tiles
    (home,) = route.buffer_tiles
    assert home in (producer, consumer)
    assert "pipe" in who(m.tiles["{},{}".format(*home)], "data memory")
    for tile in (producer, consumer):
        use = m.tiles["{},{}".format(*tile)]
        assert "pipe" not in who(use, DMA_IN) + who(use, DMA_OUT)


@pytest.mark.parametrize(
    "producer, consumer",
    [((0, 2), (2, 4)), ((1, 2), (2, 3)), ((3, 5), (0, 2)), ((1, 2), (1, 4))],
)
def test_a_non_adjacent_channel_is_a_stream_route(producer, consumer):
    pipeline = make_pipeline()
    near = dato.compile(
        pipeline, target="npu1_4col", placement={"producer": (1, 2), "consumer": (1, 3)}
    ).mapping
    prog = dato.compile(
        pipeline, target="npu1_4col", placement={"producer": producer, "consumer": consumer}
    )
    m = prog.mapping
    route = m.route("pipe")
    distance = abs(producer[0] - consumer[0]) + abs(producer[1] - consumer[1])
    assert route.kind == "stream"
    assert (route.src, route.dst) == (producer, consumer)
    assert route.hops == distance
    assert route.path[0] == producer and route.path[-1] == consumer
    for a, b in zip(route.path, route.path[1:]):
        assert abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1
    assert sorted(route.buffer_tiles) == sorted([producer, consumer])
    src = m.tiles["{},{}".format(*producer)]
    dst = m.tiles["{},{}".format(*consumer)]
    assert "pipe" in who(src, DMA_OUT) and "pipe" not in who(src, DMA_IN)
    assert "pipe" in who(dst, DMA_IN) and "pipe" not in who(dst, DMA_OUT)
    # one output DMA channel more at the producer, one input more at the consumer
    near_src = near.tiles["1,2"]
    near_dst = near.tiles["1,3"]
    assert src.used.get(DMA_OUT, 0) == near_src.used.get(DMA_OUT, 0) + 1
    assert src.used.get(DMA_IN, 0) == near_src.used.get(DMA_IN, 0)
    assert dst.used.get(DMA_IN, 0) == near_dst.used.get(DMA_IN, 0) + 1
    assert dst.used.get(DMA_OUT, 0) == near_dst.used.get(DMA_OUT, 0)
    assert_within_capacity(m)
    A = np.arange(64, dtype=np.float32)
    B = np.zeros_like(A)
    prog.run(A, B, backend="sim")
    assert np.array_equal(B, A + 1)


def test_a_window_comes_from_another_column_when_the_readers_memory_tile_is_full():
    # three instances in one column read six windows and write one joined stream: seven
    # outputs for a memory tile with six, so one window comes in through column 1
    @dato.region
    def grid(A: float32[3, 2], B: float32[3, 2], C: float32[3, 2]):
        @dato.task(mapping=[3, 1], args=[A, B, C])
        def t(
            a: float32[3, 2] @ [S(0), R],
            b: float32[3, 2] @ [S(0), R],
            c: float32[3, 2] @ [S(0), R],
        ):
            c[:, :] = a[:, :] + b[:, :]

    prog = dato.compile(grid, target="npu1_4col")
    columns = sorted(s.column for s in prog.mapping.offchip if s.direction == "read")
    assert columns == [0, 0, 0, 0, 0, 1]
    assert prog.mapping.tiles["0,1"].used["output DMA channels"] == 6
    A = np.arange(6, dtype=np.float32).reshape(3, 2)
    C = np.zeros_like(A)
    prog.run(A, A * 2, C, backend="perf")
    assert np.array_equal(C, A * 3)
