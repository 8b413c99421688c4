"""Staging (``dato.stage``) in the model layers: the read-inside-one-panel and read-only
checks, values unchanged in the simulator, the staged panel in the mapper's ledger, and the
timed simulator's DDR traffic and refill stalls."""

from __future__ import annotations

import numpy as np
import pytest

import datobench as dato
from datobench import R, S, int8, int32, visual
from datobench.programs import staged_gemm, whole_array_gemm


def gemm(stage, M=64, K=64, N=64, k=16, shift=0, grid=(2, 2)):
    """A small output-stationary GEMM whose B is staged (``stage`` None: not staged)."""
    P0, P1 = grid
    b_type = int8[K, N] @ [R, S(1)]
    if stage is not None:
        b_type = b_type @ stage

    @dato.region
    def g(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.task(mapping=[P0, P1], args=[A, B, C])
        def core(a: int8[M, K] @ [S(0), R], b: b_type, c: int32[M, N] @ [S(0), S(1)]):
            acc = dato.zeros((M // P0, N // P1), int32)
            for kk in range(K // k):
                acc += dato.matmul(
                    a[:, kk * k : kk * k + k],
                    b[kk * k + shift : kk * k + k + shift, :],
                    acc=int32,
                )
            c[:, :] = acc

    return g


def operands(M=64, K=64, N=64, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-8, 8, (M, K)).astype(np.int8)
    B = rng.integers(-8, 8, (K, N)).astype(np.int8)
    return A, B, np.zeros((M, N), np.int32)


@pytest.mark.parametrize(
    "stage", [None, dato.stage(panel=(16, 32)), dato.stage(panel=(64, 32), depth=2)]
)
def test_the_simulator_gives_numpys_values_with_or_without_staging(stage):
    A, B, C = operands()
    dato.compile(gemm(stage)).run(A, B, C)
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


def test_a_read_across_two_panels_is_refused_at_its_line_with_the_values_that_show_it():
    with pytest.raises(dato.DatoTypeError, match="straddles two panels with kk = 3") as info:
        dato.compile(gemm(dato.stage(panel=(32, 32)), k=8, shift=4))
    text = str(info.value)
    assert "the read b[" in text and "of staged 'b'" in text
    assert "dimension 0 reads 28:36, across the edge at 32 between panel 0 and panel 1" in text
    assert "of the panel (32, 32); each read of a staged parameter must lie inside one panel" in (
        text
    )
    assert info.value.loc.file == __file__ and "dato.matmul" in info.value.loc.source_line()


def test_a_write_to_a_staged_parameter_is_refused_at_the_write():
    @dato.region
    def copy(A: int8[16, 16], B: int8[16, 16]):
        @dato.task(args=[A, B])
        def t(a: int8[16, 16] @ dato.stage(panel=(8, 16)), b: int8[16, 16]):
            a[0:8, :] = b[0:8, :]

    with pytest.raises(dato.DatoTypeError, match="a staged parameter is read-only") as info:
        dato.compile(copy)
    assert "'a' is staged (dato.stage)" in str(info.value)
    assert info.value.loc.source_line().strip() == "a[0:8, :] = b[0:8, :]"


def test_a_read_the_front_end_cannot_place_is_checked_as_the_simulator_runs():
    @dato.region
    def pick(I: int32[4], A: int8[16, 16], B: int8[4, 16]):
        @dato.task(args=[I, A, B])
        def t(i: int32[4], a: int8[16, 16] @ dato.stage(panel=(8, 16)), b: int8[4, 16]):
            for q in range(4):
                j = i[q]
                x = a[j : j + 2, :]
                b[q : q + 1, :] = x[0:1, :]

    prog = dato.compile(pick)
    A = np.arange(256).reshape(16, 16).astype(np.int8)
    B = np.zeros((4, 16), np.int8)
    prog.run(np.array([0, 2, 8, 14], np.int32), A, B)
    assert np.array_equal(B, A[[0, 2, 8, 14]])
    with pytest.raises(dato.DatoRuntimeError, match="dimension 0 reads 7:9") as info:
        prog.run(np.array([0, 7, 8, 14], np.int32), A, B)
    assert "in instance 't': the read a[" in str(info.value)
    assert info.value.loc.source_line().strip() == "x = a[j : j + 2, :]"


def test_the_staged_panel_is_booked_in_the_memory_tile_of_its_readers_column():
    prog = dato.compile(gemm(dato.stage(panel=(32, 32), depth=2)), target="npu1_4col")
    for col, window in ((0, "B[0:64, 0:32]"), (1, "B[0:64, 32:64]")):
        mem = prog.mapping.tiles[f"{col},1"]
        assert [window + " staged panel x2 buffer", 2 * 32 * 32] in mem.items["data memory"]
        assert [window, 4] in mem.items["buffer descriptors"]  # 2 x depth
        assert [window, 1] in mem.items["output DMA channels"]
        readers = {prog.mapping.placement[f"core_{i}_{col}"] for i in range(2)}
        assert {t[0] for t in readers} == {col}


def test_a_group_of_readers_across_columns_shares_the_memory_tile_most_are_in():
    # b is replicated: all four instances share one shard, so one staged buffer
    stage = dato.stage(panel=(16, 16))
    placement = {"core_0_0": (0, 2), "core_0_1": (1, 2), "core_1_0": (1, 3), "core_1_1": (1, 4)}

    @dato.region
    def g(A: int8[64, 16], B: int8[16, 16], C: int32[64, 16]):
        @dato.task(mapping=[2, 2], args=[A, B, C])
        def core(
            a: int8[64, 16] @ [S(0), S(1)], b: int8[16, 16] @ stage, c: int32[64, 16] @ [S(0), S(1)]
        ):
            c[:, :] = dato.matmul(a[:, :], b[0:8, 0:8], acc=int32)

    mapping = dato.compile(g, target="npu1_4col", placement=placement).mapping
    held = [who for who, _ in mapping.tiles["1,1"].items["data memory"] if "staged" in who]
    assert held == [
        "B[0:16, 0:16] (readers in columns 0, 1; held in column 1's memory tile) "
        "staged panel x1 buffer"
    ]
    assert "held in column 1's memory tile" in mapping.text(("tiles",))


def test_a_panel_larger_than_a_memory_tile_is_refused_at_the_annotation():
    with pytest.raises(dato.MappingError, match=r"the staged panel \(4032, 112\)") as info:
        dato.compile(
            gemm(dato.stage(panel=(4032, 112), depth=2), M=64, K=4032, N=448, k=112, grid=(1, 4)),
            target="npu1_4col",
        )
    assert str(info.value.message) == (
        "the staged panel (4032, 112) of 'b' (B) takes 882.0 KiB at depth 2 (2 x 441.0 KiB), "
        "more than the 512.0 KiB of data memory a memory tile of npu1_4col has"
    )
    assert info.value.notes == ("hint: use depth=1, or stage a smaller panel",)
    assert info.value.loc.file == __file__


def test_on_an_fpga_the_staged_panel_is_on_chip_memory_of_the_device():
    prog = dato.compile(gemm(dato.stage(panel=(32, 32), depth=2)), target="u250")
    onchip = prog.mapping.tiles["device"].items["on-chip memory"]
    staged = [(who, n) for who, n in onchip if "staged" in who]
    assert staged == [
        ("B[0:64, 0:32] staged panel x2 buffer", 2048),
        ("B[0:64, 32:64] staged panel x2 buffer", 2048),
    ]
    assert not [who for who, _ in onchip if "B burst" in who]  # the PEs read the panel
    with pytest.raises(dato.MappingError, match="of on-chip memory device u250 has"):
        dato.compile(
            gemm(dato.stage(panel=(8192, 4096), depth=2), M=8, K=8192, N=8192, k=1024),
            target="u250",
        )


# -- the timed simulator -------------------------------------------------------------------

SMALL = dict(M=128, K=64, N=128, m=16, k=16, n=16, t_in=int8, t_out=int8, rows=2, cols=2)


def timed(region, target="npu1_4col", **run):
    return dato.compile(region, target=target).run(backend="perf", values=False, **run)


def test_a_staged_gemm_reads_each_panel_from_ddr_once_and_moves_fewer_bytes_than_unstaged():
    M, K, N, n, cols = SMALL["M"], SMALL["K"], SMALL["N"], SMALL["n"], SMALL["cols"]
    staged = timed(staged_gemm(**SMALL))
    panels = N // cols // n  # each column's panel changes this often
    assert {name: len(loads) for name, loads in staged.staged.items()} == {
        "B[0:64, 0:64] in (0, 1)": panels,
        "B[0:64, 64:128] in (1, 1)": panels,
    }
    # B once (the panels), A once per panel (broadcast along rows), C written once
    assert staged.dram_moved == cols * panels * (K * n) + panels * M * K + M * N
    # counted per instance as the simulator counts transfers, A goes to each of a row's cores
    assert staged.dram_bytes == cols * panels * (K * n) + cols * panels * M * K + M * N
    unstaged = timed(whole_array_gemm(**SMALL))
    assert unstaged.dram_moved > staged.dram_moved
    assert unstaged.dram_bytes > staged.dram_bytes


def staged_stall(result, param="b") -> int:
    """Cycles the cores spent waiting on the staged parameter's reads."""
    return sum(
        round(stop - start)
        for t in result.tiles.values()
        for (start, stop, _), why in zip(t.segments, t.waited_on)
        if why.endswith(f".{param}")
    )


def test_depth_two_loads_the_next_panel_while_the_cores_read_this_one():
    one = timed(staged_gemm(**SMALL, depth=1))
    two = timed(staged_gemm(**SMALL, depth=2))
    assert two.cycles < one.cycles
    assert staged_stall(two) < staged_stall(one)  # the refills are hidden
    first, second = next(iter(one.staged.values()))[:2]
    assert second[0] >= first[2]  # depth 1: a panel loads once the last was sent
    loads = next(iter(two.staged.values()))
    assert loads[1][0] < loads[0][2]  # depth 2: while the cores still read the first


def test_staged_values_and_timing_agree_with_and_without_values():
    prog = dato.compile(staged_gemm(**SMALL, depth=2), target="npu1_4col")
    rng = np.random.default_rng(1)
    A = rng.integers(-4, 4, (128, 64)).astype(np.int8)
    B = rng.integers(-4, 4, (64, 128)).astype(np.int8)
    C = np.zeros((128, 128), np.int8)
    with_values = prog.run(A, B, C, backend="perf")
    assert np.array_equal(C, (A.astype(np.int32) @ B.astype(np.int32)).astype(np.int8))
    assert with_values.cycles == prog.run(backend="perf", values=False).cycles


def test_on_an_fpga_the_pes_read_the_staged_panel_from_on_chip_ram():
    staged = timed(gemm(dato.stage(panel=(16, 32)), K=64), target="u250")
    assert {name: len(loads) for name, loads in staged.staged.items()} == {
        "B[0:64, 0:32]": 4,
        "B[0:64, 32:64]": 4,
    }
    assert staged.dram_moved == 64 * 64 + 64 * 64 + 64 * 64 * 4  # A, B and C once
    assert staged.dram_bytes == 2 * 64 * 64 + 64 * 64 + 64 * 64 * 4  # A to two PEs a row


def test_timing_without_values_refuses_a_staged_read_whose_panel_comes_from_data():
    @dato.region
    def pick(I: int32[4], A: int8[16, 16], B: int8[4, 16]):
        @dato.task(args=[I, A, B])
        def t(i: int32[4], a: int8[16, 16] @ dato.stage(panel=(8, 16)), b: int8[4, 16]):
            for q in range(4):
                j = i[q]
                x = a[j : j + 2, :]
                b[q : q + 1, :] = x[0:1, :]

    with pytest.raises(dato.CapabilityError, match="cannot follow which panel of staged 'a'"):
        timed(pick)


def test_the_tile_array_model_shows_the_staged_panel_of_a_memory_tile_and_its_fill():
    prog = dato.compile(staged_gemm(**SMALL), target="npu1_4col")
    perf = prog.run(backend="perf", values=False)
    (first, end, sent), second = perf.staged["B[0:64, 0:64] in (0, 1)"][:2]

    def staged_at(cycle):
        model = visual.tile_array_model(prog, perf, cycle)
        return next(t["staged"] for t in model["tiles"] if (t["col"], t["row"]) == (0, 1))

    assert staged_at(0) == [
        {"name": "B[0:64, 0:64]", "bytes": 64 * 16, "panel": 0, "panels": 4, "state": "filling"}
    ]
    assert staged_at(round(end) + 1)[0]["state"] == "held"
    assert staged_at(round(second[0]) + 1)[0]["panel"] == 1
    plain = visual.tile_array_model(prog)
    assert [t.get("staged") for t in plain["tiles"] if (t["col"], t["row"]) == (1, 1)] == [
        [{"name": "B[0:64, 64:128]", "bytes": 64 * 16}]
    ]


def test_paired_blocks_share_each_slice_of_the_panel_so_the_cores_wait_less_on_b():
    """With m small, a core's kernel outruns the 4-byte port B's slices arrive on; two blocks
    of C per slice halve the bytes that port carries per MAC, with values unchanged."""
    sizes = dict(M=256, K=128, N=256, m=16, k=64, n=64, t_in=int8, t_out=int8)
    single = dato.compile(staged_gemm(**sizes), target="npu1_4col")
    paired = dato.compile(staged_gemm(**sizes, paired=True), target="npu1_4col")
    one, two = (p.run(backend="perf", values=False) for p in (single, paired))
    assert two.cycles < one.cycles
    assert staged_stall(two) < staged_stall(one)
    assert two.dram_moved == one.dram_moved  # the same panels, A once per panel
    rng = np.random.default_rng(2)
    A = rng.integers(-4, 4, (256, 128)).astype(np.int8)
    B = rng.integers(-4, 4, (128, 256)).astype(np.int8)
    C = np.zeros((256, 256), np.int8)
    paired.run(A, B, C, backend="sim")
    assert np.array_equal(C, (A.astype(np.int32) @ B.astype(np.int32)).astype(np.int8))
