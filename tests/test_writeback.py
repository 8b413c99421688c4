"""``dato.writeback(depth=2)``: a core's written blocks leave through a two-object output FIFO.

Checked through the layers: the annotation is refused where it means nothing, the mapper books
the second object in the core's memory (and refuses it when it does not fit), the timed
simulator lets the core compute its next block while the DMA drains the last (and without it
the core waits for its drain, as before), the MLIR-AIE design's FIFO is two deep at the core
with the verifier's budgets equal to the ledger, and values never change (sim, aie-emu)."""

from __future__ import annotations

import numpy as np
import pytest
from test_aie_emit import assert_budgets_are_the_ledger
from test_aie_emu_programs import assert_emu_equals_sim

import datobench as dato
from datobench import R, S, bf16, int8, int32
from datobench.core.codegen.aie.emu_kernels import EmulationError
from datobench.core.codegen.aie.emulate import emulate
from datobench.core.codegen.aie.objectfifo import ObjectFifoCreateOp
from datobench.core.codegen.aie.panel_order import stream_pattern
from datobench.core.codegen.aie.parse import read_design
from datobench.programs import overlapped_gemm, staged_gemm

TARGETS = ["npu1_4col", "npu2"]


def blocks(writeback=None, M=64, K=64, N=64, m=16, k=32, n=16):
    """A 2 x 2 grid of cores, each writing its 32 x 32 share of C in four m x n blocks, each
    accumulated in a local and written from it (``c[...] = acc``)."""
    c_type = int32[M, N] @ [S(0), S(1)]
    if writeback is not None:
        c_type = c_type @ writeback

    @dato.region
    def g(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.task(mapping=[2, 2], args=[A, B, C])
        def core(a: int8[M, K] @ [S(0), R], b: int8[K, N] @ [R, S(1)], c: c_type):
            for bi in range(M // 2 // m):
                for bj in range(N // 2 // n):
                    acc = dato.zeros((m, n), int32)
                    for kk in range(K // k):
                        acc += dato.matmul(
                            a[bi * m : bi * m + m, kk * k : kk * k + k],
                            b[kk * k : kk * k + k, bj * n : bj * n + n],
                            acc=int32,
                        )
                    c[bi * m : bi * m + m, bj * n : bj * n + n] = acc

    return g


def operands(M=64, K=64, N=64, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-8, 8, (M, K)).astype(np.int8)
    B = rng.integers(-8, 8, (K, N)).astype(np.int8)
    return A, B, np.zeros((M, N), np.int32)


def drain_waits(result) -> float:
    """Cycles the cores waited, in all, on C's DMA."""
    return sum(
        stop - start
        for t in result.tiles.values()
        for (start, stop, _), why in zip(t.segments, t.waited_on)
        if str(why).endswith(".c -> DDR")
    )


# -- the language -----------------------------------------------------------------------------


def test_the_writeback_depth_reaches_the_instances_and_prints():
    prog = dato.compile(blocks(dato.writeback(depth=2)), target="npu1_4col")
    (param,) = [p for p in prog.region.tasks[0].params if p.name == "c"]
    assert param.writeback == 2
    assert all(a.writeback == 2 for i in prog.graph.instances for a in i.args if a.param == "c")
    assert "@ writeback(depth=2)" in prog.emit("ir")
    assert (
        str(int32[4, 4] @ [R, R] @ dato.writeback()) == "int32[4, 4] @ [R, R] @ writeback(depth=2)"
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dato.writeback(3), "a writeback has depth 1 or 2"),
        (
            lambda: int32[4, 4] @ [R, R] @ dato.writeback() @ dato.writeback(),
            "already has a writeback depth",
        ),
    ],
)
def test_a_malformed_writeback_is_refused_at_the_users_line(call, message):
    with pytest.raises(dato.DatoTypeError, match=message) as info:
        call()
    assert info.value.loc.file == __file__


def test_a_writeback_on_a_parameter_the_task_never_writes_is_refused_at_the_parameter():
    @dato.region
    def g(A: int32[8], B: int32[8]):
        @dato.task(args=[A, B])
        def t(a: int32[8] @ [R] @ dato.writeback(), b: int32[8]):
            b[:] = a[:] + 1

    with pytest.raises(dato.DatoTypeError, match="never writes it") as info:
        dato.compile(g)
    assert "'a' has a writeback depth (dato.writeback) but task 't'" in str(info.value)
    assert info.value.loc.file == __file__


# -- the mapper ------------------------------------------------------------------------------


def core_memory(prog, tile=(0, 2)) -> dict[str, int]:
    use = prog.mapping.tiles[f"{tile[0]},{tile[1]}"]
    return {who: n for who, n in use.items["data memory"]}


@pytest.mark.parametrize("target", TARGETS)
def test_the_second_object_is_booked_in_the_cores_memory(target):
    once = dato.compile(blocks(), target=target)
    twice = dato.compile(blocks(dato.writeback(depth=2)), target=target)
    tile = once.mapping.placement["core_0_0"]
    added = {
        who: n for who, n in core_memory(twice, tile).items() if who not in core_memory(once, tile)
    }
    assert list(added.values()) == [16 * 16 * 4]  # one more m x n int32 block
    assert "second writeback" in next(iter(added))


def test_a_second_object_that_does_not_fit_is_refused_and_one_does():
    # 64 x 64 x 96 bf16: A's and B's ping-pong slices and the 12 KiB block take 52 KiB
    region = overlapped_gemm(512, 256, 384, 64, 64, 96, 256, bf16, bf16)
    with pytest.raises(dato.MappingError, match=r"data memory: 64\.0 KiB used of 63\.0 KiB") as e:
        dato.compile(region, target="npu1_4col")
    assert "second writeback buffer (12.0 KiB)" in str(e.value)
    dato.compile(overlapped_gemm(512, 256, 384, 64, 32, 96, 256, bf16, bf16), target="npu1_4col")


def test_an_fpga_refuses_the_writeback_depth_at_the_task():
    with pytest.raises(dato.CapabilityError, match="an NPU core's output FIFO") as info:
        dato.compile(blocks(dato.writeback(depth=2)), target="u250")
    assert "drop dato.writeback for u250" in str(info.value)


# -- the timed simulator -------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_at_depth_two_the_core_computes_its_next_block_while_the_last_drains(target):
    once = dato.compile(blocks(), target=target).run(backend="perf", values=False)
    twice = dato.compile(blocks(dato.writeback(depth=2)), target=target)
    result = twice.run(backend="perf", values=False)
    assert drain_waits(once) > 0
    assert drain_waits(result) < drain_waits(once) / 4
    assert result.cycles <= once.cycles  # this small one waits on A instead
    assert result.dram_moved == once.dram_moved  # the same bytes, sooner
    timed = twice.run(*operands(), backend="perf")
    assert timed.cycles == result.cycles  # values do not change the timing


def test_values_are_numpys_at_either_depth_in_sim_and_perf():
    for writeback in (None, dato.writeback(depth=1), dato.writeback(depth=2)):
        prog = dato.compile(blocks(writeback), target="npu1_4col")
        for backend in ("sim", "perf"):
            A, B, C = operands()
            prog.run(A, B, C, backend=backend)
            assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


# -- MLIR-AIE ---------------------------------------------------------------------------------


def c_fifos(text: str) -> list[ObjectFifoCreateOp]:
    design = read_design(text)
    return [
        op
        for op in design.module.walk()
        if isinstance(op, ObjectFifoCreateOp) and op.sym_name.data.startswith("C_core")
    ]


@pytest.mark.parametrize("target", TARGETS)
def test_the_output_fifo_is_two_deep_at_the_core_and_the_budgets_are_the_ledger(target):
    once = dato.compile(blocks(), target=target)
    twice = dato.compile(blocks(dato.writeback(depth=2)), target=target)
    assert {tuple(f.depths()) for f in c_fifos(once.emit("mlir-aie"))} == {(1, 2)}
    assert {tuple(f.depths()) for f in c_fifos(twice.emit("mlir-aie"))} == {(2, 2)}
    assert_budgets_are_the_ledger(twice)
    assert_emu_equals_sim(twice)


@pytest.mark.parametrize("target", TARGETS)
def test_the_overlapped_gemm_gives_the_staged_gemms_values_through_aie_emu(target):
    rows, cols = (4, 4) if target == "npu1_4col" else (4, 8)
    M, K, N = 4 * 16 * 2, 64, cols * 16
    prog = dato.compile(overlapped_gemm(M, K, N, 16, 16, 16, 32, int8, int32, rows, cols), target)
    assert_budgets_are_the_ledger(prog)
    result = assert_emu_equals_sim(prog)
    assert result is not None
    A = np.random.default_rng(1).integers(-8, 8, (M, K)).astype(np.int8)
    B = np.random.default_rng(2).integers(-8, 8, (K, N)).astype(np.int8)
    C, D = np.zeros((M, N), np.int32), np.zeros((M, N), np.int32)
    prog.run(A, B, C)
    dato.compile(staged_gemm(M, K, N, 16, 16, 16, int8, int32, rows, cols), target).run(A, B, D)
    assert np.array_equal(C, D) and np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


# -- A's panels sent across: the memory tile's toStream pattern --------------------------------


def test_slices_across_a_panel_are_sent_with_a_pattern_and_its_own_order_with_none():
    # a 4 x 8 panel read as two 4 x 4 slices, left then right
    order = [r * 8 + c0 + c for c0 in (0, 4) for r in range(4) for c in range(4)]
    assert stream_pattern(order, (4, 8), (4, 4), 1) == ((2, 4), (4, 8), (4, 1))
    assert stream_pattern(list(range(32)), (4, 8), (4, 8), 1) == ()
    assert stream_pattern(order[16:] + order[:16], (4, 8), (4, 4), 1) is None  # right first
    # three int8 elements a row are not a whole number of 32-bit words
    odd = [r * 6 + c0 + c for c0 in (0, 3) for r in range(2) for c in range(3)]
    assert stream_pattern(odd, (2, 6), (2, 3), 1) is None
    assert stream_pattern(odd, (2, 6), (2, 3), 4) == ((2, 3), (2, 6), (3, 1))


def test_without_its_pattern_the_emulated_design_reads_a_wrong_a():
    prog = dato.compile(overlapped_gemm(128, 64, 64, 16, 16, 16, 32, int8, int32), "npu1_4col")
    text = prog.emit("mlir-aie")
    pattern = (
        " toStream [<size = 2, stride = 16>, <size = 16, stride = 32>, <size = 16, stride = 1>]"
    )
    assert text.count(pattern) == 4  # A's row panels, one per row of cores
    arrays = operands(128, 64, 64)
    emulate(read_design(text.replace(pattern, "")), list(arrays), 1_000_000, prog.kernels)
    A, B, C = arrays
    assert not np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


def test_a_pattern_spanning_neither_its_element_nor_a_linked_input_is_refused():
    prog = dato.compile(overlapped_gemm(128, 64, 64, 16, 16, 16, 32, int8, int32), "npu1_4col")
    pattern = "[<size = 2, stride = 16>, <size = 16, stride = 32>, <size = 16, stride = 1>]"
    text = prog.emit("mlir-aie").replace(
        pattern, "[<size = 4, stride = 256>, <size = 256, stride = 1>]"
    )
    with pytest.raises(EmulationError, match="visits 1024 elements, neither its element's 256"):
        emulate(read_design(text), list(operands(128, 64, 64)), 1_000_000, prog.kernels)
