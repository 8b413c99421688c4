"""Staged windows in the HLS kernel (``dato.stage("mem", panel=...)``): each instance keeps the
panel its reads are in as an on-chip array bound to BRAM or URAM by size (``depth`` buffers),
refilled from the m_axi port only when a read moves to another panel; csim equals sim and the
project counts the arrays as on-chip memory."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_arrays

import datobench as dato
from datobench import R, S, float32, int8, int32
from datobench.core.codegen.hls.project import onchip_memory
from datobench.programs import staged_gemm, vector_add


def gemm(stage, M=32, K=32, N=32, m=8, k=16, n=8, t_in=int8):
    """C = A @ B on a 2 x 2 grid; each core walks its B shard one (K, n) panel after the
    other, reading every panel twice (once per block row of A)."""

    @dato.region
    def g(A: t_in[M, K], B: t_in[K, N], C: int32[M, N]):
        @dato.task(mapping=[2, 2], args=[A, B, C])
        def core(
            a: t_in[M, K] @ [S(0), R],
            b: t_in[K, N] @ [R, S(1)] @ stage,
            c: int32[M, N] @ [S(0), S(1)],
        ):
            for bj in range(N // 2 // n):
                for bi in range(M // 2 // m):
                    acc = dato.zeros((m, n), int32)
                    for kk in range(K // k):
                        acc += dato.matmul(
                            a[bi * m : bi * m + m, kk * k : kk * k + k],
                            b[kk * k : kk * k + k, bj * n : bj * n + n],
                            acc=int32,
                        )
                    c[bi * m : bi * m + m, bj * n : bj * n + n] = acc

    return g


@pytest.mark.parametrize("depth", [1, 2])
def test_a_staged_panel_is_an_on_chip_array_and_csim_equals_sim(depth):
    prog = dato.compile(gemm(dato.stage("mem", panel=(32, 8), depth=depth)), target="u250")
    src = prog.emit("hls")
    assert f"int8_t b_panel1[{depth}][256];  // staged panel [32, 8] of 'b', {depth} deep" in src
    assert "#pragma HLS BIND_STORAGE variable = b_panel1 type = ram_2p impl = bram" in src
    # every read of b refills the panel first (a no-op while it is resident), then indexes it
    assert src.count("dato::stage_panel(b_panel1") == 4  # one read site per instance
    assert "dato::load<3u>(tmp2, b_panel1[b_slot1], {32, 8}," in src
    assert onchip_memory(prog) == 4 * depth * 32 * 8  # four instances, depth panels each
    if depth == 1:
        return  # csim once, with the buffers taken in turn
    ref, got = random_arrays(prog), random_arrays(prog)
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)


def test_a_panel_of_a_uram_block_or_more_is_bound_to_uram():
    stage = dato.stage("mem", panel=(96, 96))  # 36 KiB of int32: one URAM block
    prog = dato.compile(gemm(stage, M=32, K=96, N=192, k=32, n=96, t_in=int32), target="u250")
    assert "type = ram_2p impl = uram" in prog.emit("hls")
    assert onchip_memory(prog) == 4 * 96 * 96 * 4


def test_the_on_chip_count_is_the_panels_and_nothing_without_a_stage():
    narrow = dato.compile(gemm(dato.stage("mem", panel=(32, 8))), target="u250")
    whole = dato.compile(gemm(dato.stage("mem", panel=(32, 16))), target="u250")  # the shard
    assert onchip_memory(whole) == 2 * onchip_memory(narrow)
    plain = dato.compile(vector_add(256, 2, 32), target="u250")
    assert onchip_memory(plain) == 0 and "stage_panel" not in plain.emit("hls")


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


def test_a_staged_window_that_is_also_written_is_refused_at_its_task():
    prog = dato.compile(in_place, target="u250")
    with pytest.raises(dato.CapabilityError, match="on-chip copy would keep values from") as e:
        prog.emit("hls")
    assert "staged 'A' is also written; a staged panel is read-only" in str(e.value)
    assert e.value.loc.file == __file__


def test_paired_blocks_read_each_slice_of_the_panel_once_and_csim_equals_sim():
    """``staged_gemm(paired=True)``: two accumulators per slice of the staged panel."""
    prog = dato.compile(
        staged_gemm(32, 32, 32, 4, 16, 8, int8, int32, 2, 2, depth=2, paired=True), target="u250"
    )
    src = prog.emit("hls")
    assert src.count("dato::stage_panel(b_panel1") == 4  # one read site per instance
    ref, got = random_arrays(prog), random_arrays(prog)
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
