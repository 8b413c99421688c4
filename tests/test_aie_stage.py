"""Staged windows in the MLIR-AIE design (``dato.stage("mem", panel=...)``): a panel FIFO from
the shim to the memory tile with the stage's depth, linked 1:1 to the FIFO of the slices the
cores read, which re-sends the panel (``repeat_count``) for every pass the cores make over it;
the runtime sequence reads each panel from DDR once per panel visit. The designs parse and
verify, aie-emu equals sim bit for bit, and planted bugs are caught."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_arrays
from test_aie_emit import assert_budgets_are_the_ledger
from test_aie_emu_programs import assert_emu_equals_sim

import datobench as dato
from datobench import R, S, float32, int8, int32
from datobench.core.codegen.aie import verify
from datobench.core.codegen.aie.aiex import NpuDmaMemcpyNdOp
from datobench.core.codegen.aie.emulate import emulate
from datobench.core.codegen.aie.model import AieVerifyError
from datobench.core.codegen.aie.objectfifo import ObjectFifoCreateOp
from datobench.core.codegen.aie.parse import read_design
from datobench.core.codegen.aie.verify import budgets
from datobench.programs import staged_gemm

TARGETS = ["npu1_4col", "npu2"]
M = K = N = 64
m, k, n = 16, 32, 16  # per-core blocks; each core's shard is 32 x 64 of A, 64 x 32 of B


def gemm(stage=None, panel_outer=True, bk=k):
    """C = A @ B on a 2 x 2 grid, B's shard (64 x 32) read in 32 x 16 slices, each slice twice
    (once per block row of A): with the block column loop outside (``panel_outer``) each
    (K, n) panel is visited once and read twice whole."""
    b_type = int8[K, N] @ [R, S(1)]
    if stage is not None:
        b_type = b_type @ stage
    po, pi = (1, 0) if panel_outer else (0, 1)  # the weights of the loops in bj (and bi)

    @dato.region
    def g(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.task(mapping=[2, 2], args=[A, B, C])
        def core(a: int8[M, K] @ [S(0), R], b: b_type, c: int32[M, N] @ [S(0), S(1)]):
            for o in range(2):
                for i in range(2):
                    acc = dato.zeros((m, n), int32)
                    for kk in range(K // bk):
                        acc += dato.matmul(
                            a[
                                (o * pi + i * po) * m : (o * pi + i * po) * m + m,
                                kk * bk : kk * bk + bk,
                            ],
                            b[
                                kk * bk : kk * bk + bk,
                                (o * po + i * pi) * n : (o * po + i * pi) * n + n,
                            ],
                            acc=int32,
                        )
                    c[
                        (o * pi + i * po) * m : (o * pi + i * po) * m + m,
                        (o * po + i * pi) * n : (o * po + i * pi) * n + n,
                    ] = acc

    return g


def fifos(text: str) -> dict[str, ObjectFifoCreateOp]:
    design = read_design(text)
    return {
        op.sym_name.data: op for op in design.module.walk() if isinstance(op, ObjectFifoCreateOp)
    }


def elements_read(text: str, prefix: str) -> int:
    """The elements the runtime sequence's transfers move on the FIFOs named ``prefix*``."""
    design = read_design(text)
    return sum(
        int(np.prod(op.sizes))
        for op in design.module.walk()
        if isinstance(op, NpuDmaMemcpyNdOp) and op.fifo.startswith(prefix)
    )


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("target", TARGETS)
def test_a_staged_designs_budgets_are_the_mappers_ledger(target, depth):
    """The staged panel's FIFO, link and lock pairs as the mapper booked them
    (passes/staging.py), tile by tile and resource by resource."""
    prog = dato.compile(gemm(dato.stage("mem", panel=(K, n), depth=depth)), target=target)
    assert_budgets_are_the_ledger(prog)


@pytest.mark.parametrize("depth", [1, 2])
@pytest.mark.parametrize("target", TARGETS)
def test_a_staged_panel_is_a_memory_tile_fifo_re_sent_to_the_cores(target, depth):
    prog = dato.compile(gemm(dato.stage("mem", panel=(K, n), depth=depth)), target=target)
    text = prog.emit("mlir-aie")
    verify(text)
    of = fifos(text)
    panel, window = of["B_panel_c0"], of["B_0_64_0_32"]
    assert panel.depths() == [depth, depth] and panel.repeat() == 1
    assert window.repeat() == 2  # each panel read whole twice, once per block row of A
    assert "aie.objectfifo.link [@B_panel_c0] -> [@B_0_64_0_32] ([] [])" in text
    assert "{repeat_count = 2 : i32} : !aie.objectfifo<memref<32x16xi8>>" in text
    assert_emu_equals_sim(prog)
    # the memory tile holds the panel, depth deep, as the wide side of its 1:1 link
    mem = budgets(text)[(0, 1)]
    unstaged = budgets(dato.compile(gemm(), target=target).emit("mlir-aie"))[(0, 1)]
    assert mem["data memory"] - unstaged["data memory"] == depth * K * n - 2 * k * n


@pytest.mark.parametrize("target", TARGETS)
def test_ddr_is_read_once_per_panel_visit(target):
    panel = dato.stage("mem", panel=(K, n))
    once = dato.compile(gemm(panel), target=target).emit("mlir-aie")
    unstaged = dato.compile(gemm(), target=target).emit("mlir-aie")
    # per column: 2 panels of K x n, each visited once; unstaged, every slice is read twice
    assert elements_read(once, "B_panel") == 2 * 2 * K * n
    assert elements_read(unstaged, "B_in") == 2 * elements_read(once, "B_panel")
    # with the panels visited in turn, each visit reads its panel again, and sends it once
    prog = dato.compile(gemm(panel, panel_outer=False), target=target)
    text = prog.emit("mlir-aie")
    assert elements_read(text, "B_panel") == 2 * 4 * K * n
    assert fifos(text)["B_0_64_0_32"].repeat() == 1
    assert_emu_equals_sim(prog)


def run_emitted(prog, text: str):
    arrays = random_arrays(prog)
    return emulate(read_design(text), arrays, 1_000_000, prog.kernels)


@pytest.mark.parametrize(
    "planted, error, message",
    [
        ("repeat_count = 1 : i32", dato.DeadlockError, "deadlock in the emitted design"),
        ("repeat_count = 3 : i32", dato.DatoRuntimeError, "did not come back to rest"),
    ],
)
def test_a_wrong_repeat_count_fails_in_aie_emu(planted, error, message):
    prog = dato.compile(gemm(dato.stage("mem", panel=(K, n))), target="npu1_4col")
    text = prog.emit("mlir-aie").replace("repeat_count = 2 : i32", planted)
    verify(text)  # legal, but it moves the panel the wrong number of times
    with pytest.raises(error, match=message):
        run_emitted(prog, text)


DESIGN = """\
module {{
  aie.device(npu1_4col) {{
    %t00 = aie.tile(0, 0)
    %t01 = aie.tile(0, 1)
    %t02 = aie.tile(0, 2)
    %t03 = aie.tile(0, 3)
    {body}
  }}
}}
"""


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "aie.objectfifo @a(%t00, {%t01}, 1 : i32) : !aie.objectfifo<memref<96xi32>>\n"
            "aie.objectfifo @b(%t01, {%t02}, 2 : i32) {repeat_count = 2 : i32} : "
            "!aie.objectfifo<memref<64xi32>>\n"
            "aie.objectfifo.link [@a] -> [@b] ([] [])",
            "the larger element must hold a whole number of the smaller",
        ),
        (
            "aie.objectfifo @a(%t00, {%t02}, 2 : i32) {repeat_count = 2 : i32} : "
            "!aie.objectfifo<memref<64xi32>>",
            "no repeat_count on a shim producer",
        ),
        (
            "aie.objectfifo @a(%t02, {%t03}, 2 : i32) {repeat_count = 2 : i32} : "
            "!aie.objectfifo<memref<64xi32>>",
            "repeat_count on a compute producer needs depth 1 there",
        ),
        (
            "aie.objectfifo @a(%t02, {%t03}, 1 : i32) {repeat_count = 0 : i32} : "
            "!aie.objectfifo<memref<64xi32>>",
            "repeat_count must be at least 1",
        ),
        (
            "aie.objectfifo @a(%t00, {%t01}, 1 : i32) : !aie.objectfifo<memref<128xi32>>\n"
            "aie.objectfifo @b(%t01, {%t02}, 2 : i32) {repeat_count = 2 : i32} : "
            "!aie.objectfifo<memref<64xi32>>\n"
            "aie.objectfifo @c(%t01, {%t03}, 2 : i32) {repeat_count = 3 : i32} : "
            "!aie.objectfifo<memref<64xi32>>\n"
            "aie.objectfifo.link [@a] -> [@b, @c] ([] [0, 64])",
            "repeat their objects equally often",
        ),
        (
            "aie.objectfifo @a(%t00, {%t01}, 2 : i32) : !aie.objectfifo<memref<128xi32>>\n"
            "aie.objectfifo @b(%t01, {%t02}, 2 : i32) {repeat_count = 32 : i32} : "
            "!aie.objectfifo<memref<64xi32>>\n"
            "aie.objectfifo.link [@a] -> [@b] ([] [])",
            "its lock would count 64 sends, past 63",
        ),
    ],
)
def test_the_verifier_checks_repeats_and_re_chunking_links(body, message):
    with pytest.raises(AieVerifyError, match=message):
        verify(DESIGN.format(body=body))


@pytest.mark.parametrize(
    "program, message",
    [
        (
            lambda: gemm(dato.stage("mem", panel=(K, n)), bk=16),
            None,  # slices of 16 rows still stream the panel row by row: accepted
        ),
        (
            lambda: gemm(dato.stage("mem", panel=(K, 2 * n))),
            "in an order the memory tile cannot send from its panel",
        ),
    ],
)
def test_staged_reads_the_memory_tile_cannot_send_are_refused(program, message):
    if message is None:
        assert_emu_equals_sim(dato.compile(program(), target="npu1_4col"))
        return
    prog = dato.compile(program(), target="npu1_4col")
    with pytest.raises(dato.CapabilityError, match=message) as info:
        prog.emit("mlir-aie")
    assert "each visit to a panel must read it whole, row by row" in str(info.value)


@dato.region
def staged_here_only(A: float32[64], C: float32[64], D: float32[64]):
    @dato.task(args=[A, C])
    def p(a: float32[64] @ dato.stage("mem", panel=(64,)), c: float32[64]):
        c[0:64] = a[0:64] * 2.0

    @dato.task(args=[A, D])
    def q(a: float32[64], d: float32[64]):
        d[0:64] = a[0:64] * 3.0


@dato.region
def in_place(A: float32[64], C: float32[64]):
    """A staged by the task that reads it and written by another (a task may not write its
    own staged parameter: the front end refuses that)."""

    @dato.task(args=[A, C])
    def p(a: float32[64] @ dato.stage("mem", panel=(32,)), c: float32[64]):
        c[0:32] = a[0:32] * 2.0

    @dato.task(args=[A])
    def q(a: float32[64]):
        a[32:64] = dato.zeros((32,), float32)


def vector(read):
    """C = f(A) on two instances that share A, staged in panels of 32."""

    @dato.region
    def v(A: float32[64], C: float32[64]):
        @dato.task(mapping=[2], args=[A, C])
        def p(a: float32[64] @ dato.stage("mem", panel=(32,)), c: float32[64] @ [S(0)]):
            read(a, c)

    return v


def in_turn(a, c):
    c[0:16] = a[0:16] * 2.0
    c[16:32] = a[16:32] * 2.0


def two_shapes(a, c):
    c[0:16] = a[0:16] * 2.0
    c[16:24] = a[16:24] * 2.0
    c[24:32] = a[24:32] * 2.0 + a[56:64]


def unequal_passes(a, c):
    c[0:16] = a[0:16] + a[16:32]
    c[16:32] = a[0:16] * a[16:32]  # the first panel read twice, the second once
    c[0:16] = a[32:48] + a[48:64]


def by_pid(a, c):
    c[0:32] = (
        a[dato.pid(0) * 32 : dato.pid(0) * 32 + 32]
        + a[32 - dato.pid(0) * 32 : 64 - dato.pid(0) * 32]
    )


@pytest.mark.parametrize(
    "program, primitives, message",
    [
        (staged_here_only, [], "is staged for some of its readers and not for others"),
        (in_place, [], "the memory tile would send the cores values from before the writes"),
        (vector(in_turn), [dato.bundle(["p[:]"])], "'A' is staged and read by a bundle"),
        (vector(two_shapes), [], "in slices of several shapes; a staged panel is sent"),
        (vector(unequal_passes), [], "reads the panels of staged 'A' 1 or 2 times per visit"),
        (vector(by_pid), [], "read the staged window of 'A' in different orders"),
    ],
)
def test_staged_windows_the_design_cannot_carry_are_located_errors(program, primitives, message):
    prog = dato.compile(program, target="npu1_4col", primitives=primitives)
    with pytest.raises(dato.CapabilityError, match=message) as info:
        prog.emit("mlir-aie")
    assert info.value.loc is not None and info.value.loc.file == __file__


@pytest.mark.parametrize("target", TARGETS)
def test_paired_blocks_own_two_objects_of_cs_fifo_and_the_panel_is_sent_half_as_often(target):
    """``staged_gemm(paired=True)``: each slice of the panel feeds two blocks of C, so the
    memory tile re-sends a panel once per pair of blocks; both accumulators live in objects of
    C's FIFO (two deep at the core), drained where they are, as the ledger books them."""
    sizes = (64, 64, 64, 8, 32, 16, int8, int32, 2, 2)
    prog = dato.compile(staged_gemm(*sizes, paired=True), target=target)
    text = prog.emit("mlir-aie")
    verify(text)
    assert_budgets_are_the_ledger(prog)
    assert_emu_equals_sim(prog)
    single = fifos(dato.compile(staged_gemm(*sizes), target=target).emit("mlir-aie"))
    assert fifos(text)["B_0_64_0_32"].repeat() * 2 == single["B_0_64_0_32"].repeat() == 4
    assert fifos(text)["C_core_0_0"].depths()[0] == 2  # an object per accumulator
    assert "core_0_0_acc = aie.buffer" not in text  # no copy: they live in the objects


@dato.region
def written_out_of_turn(A: int8[32, 32], C: int32[32, 32]):
    """Two accumulators written to C in the reverse of the order they were made in."""

    @dato.task(args=[A, C])
    def t(a: int8[32, 32], c: int32[32, 32]):
        for i in range(2):
            upper = dato.zeros((8, 32), int32)
            lower = dato.zeros((8, 32), int32)
            upper += dato.matmul(a[16 * i : 16 * i + 8, :], a[:, :], acc=int32)
            lower += dato.matmul(a[16 * i + 8 : 16 * i + 16, :], a[:, :], acc=int32)
            c[16 * i + 8 : 16 * i + 16, :] = lower
            c[16 * i : 16 * i + 8, :] = upper


def test_locals_written_out_of_turn_are_copied_as_a_core_releases_objects_oldest_first():
    prog = dato.compile(written_out_of_turn, target="npu1_4col")
    text = prog.emit("mlir-aie")
    assert "t_upper = aie.buffer" in text and "t_lower = aie.buffer" in text
    assert_emu_equals_sim(prog)
