"""A staged panel held in parts (``dato.stage(..., parts=P)``) in the MLIR-AIE design: hand
memory-tile DMA instead of the panel FIFO, its link and ``repeat_count`` (``parts.py``): P part
buffers with a lock pair each, refilled part by part; each reader's ping-pong buffers and
lock pair; the runtime sequence unchanged. The design verifies, its budgets are the ledger's,
and aie-emu gives sim's values; the forms the hand DMA cannot express are located refusals.
The verifier's rules for hand DMA are tested in ``test_aie_verify_handdma.py``, aie-emu's in
``test_aie_emu_hand.py``."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import random_arrays

import datobench as dato
from datobench import int8, int32
from datobench.core.codegen.aie.verify import verify
from datobench.programs import staged_gemm

TARGETS = ["npu1_4col", "npu2"]


def small(paired=False, parts=2, M=64):
    """C = A @ B on 2 x 2 cores, B's 64 x 16 panels in 16 x 16 slices, each panel read twice
    per visit (``M // 2 // (blocks * 16)`` passes)."""
    return staged_gemm(M, 64, 64, 16, 16, 16, int8, int32, 2, 2, paired=paired, parts=parts)


@pytest.mark.parametrize("paired", [False, True])
@pytest.mark.parametrize("target", TARGETS)
def test_a_parted_panel_is_hand_dma_with_a_lock_pair_per_part(target, paired):
    text = dato.compile(small(paired), target=target).emit("mlir-aie")
    passes = 1 if paired else 2
    assert "aie.objectfifo @B_panel" not in text and "repeat_count" not in text
    assert "aie.objectfifo.link [@B_panel" not in text
    assert "aie.shim_dma_allocation @B_panel_c0(MM2S, 1, 0)" in text
    assert "metadata = @B_panel_c0}" in text  # the runtime sequence drives it as before
    for col in (0, 1):
        for j in (0, 1):
            part = f"B_panel_c{col}_p{j}"
            assert f'= aie.buffer(%tile_{col}_1) {{sym_name = "{part}"}} : memref<512xi8>' in text
            assert re.search(
                rf"%{part}_prod = aie.lock\(%tile_{col}_1, \d+\) {{init = {passes} :", text
            )
            # the fill takes and gives r; each send one
            assert f"aie.use_lock(%{part}_prod, AcquireGreaterEqual, {passes})" in text
            assert f"aie.use_lock(%{part}_cons, Release, {passes})" in text
            assert f"aie.use_lock(%{part}_cons, AcquireGreaterEqual, 1)" in text
    # each reader: ping-pong, a lock pair, the buffer picked by the parity of its count
    assert text.count("aie.dma_start(S2MM, 1,") == 4
    assert text.count("arith.select") == 4  # one read site of B per core
    assert "aie.flow(%tile_0_1, DMA : 5, %tile_0_3, DMA : 1)" in text


@pytest.mark.parametrize("target", TARGETS)
def test_the_ledger_books_the_parts_locks_and_descriptors(target):
    prog = dato.compile(small(parts=4), target=target)
    mem = prog.mapping.tiles["0,1"]
    items = {r: dict((w, n) for w, n in v) for r, v in mem.items.items()}
    who = next(w for w in items["locks"] if "(4 parts)" in w)
    assert items["locks"][who] == 8 and items["buffer descriptors"][who] == 8
    shim = prog.mapping.tiles["0,0"]
    assert not any("B" in w for w, _ in shim.items.get("locks", []))  # no FIFO at the shim
    text = prog.emit("mlir-aie")
    assert text.count("aie.lock(%tile_0_1,") == 8
    assert len(re.findall(r"aie\.dma_bd\(%B_panel_c0_p\d", text)) == 8


@pytest.mark.parametrize("paired", [False, True])
@pytest.mark.parametrize("target", TARGETS)
def test_a_parted_design_verifies_books_its_ledger_and_aie_emu_equals_sim(target, paired):
    from test_aie_emit import assert_budgets_are_the_ledger
    from test_aie_emu_programs import assert_emu_equals_sim

    prog = dato.compile(small(paired), target=target)
    verify(prog.emit("mlir-aie"))
    assert_budgets_are_the_ledger(prog)
    assert_emu_equals_sim(prog)


@pytest.mark.parametrize(
    "program, message",
    [
        (lambda: small(M=2 * 16 * 64, parts=2), "read each panel 64 times, but a part's lock"),
        (lambda: small(parts=8), r"lies in parts \[0, 1\] of 8; every slice must lie in one part"),
    ],
)
def test_what_the_hand_dma_cannot_express_is_a_located_error(program, message):
    prog = dato.compile(program(), target="npu1_4col")
    with pytest.raises(dato.CapabilityError, match=message) as info:
        prog.emit("mlir-aie")
    assert info.value.loc is not None and info.value.loc.file.endswith("programs/gemm.py")


def big(parts):
    return staged_gemm(4032, 4032, 4032, 56, 112, 112, int8, int8, 4, 4, paired=True, parts=parts)


def test_the_4032_cube_paired_design_in_4_parts_fits_its_memory_tiles():
    prog = dato.compile(big(4), target="npu1_4col")
    text = prog.emit("mlir-aie")
    for col in range(4):
        mem = prog.mapping.tiles[f"{col},1"]
        assert all(n <= mem.capacity[r] for r, n in mem.used.items())
        assert len(re.findall(rf"aie\.dma_bd\(%B_panel_c{col}_p\d", text)) == 2 * 4
    assert "%B_panel_c0_p3_prod = aie.lock(%tile_0_1, 6) {init = 9 : i32" in text  # 9 passes


def test_8_parts_of_the_4032_panel_would_split_its_112_row_slices():
    prog = dato.compile(big(8), target="npu1_4col")
    with pytest.raises(dato.CapabilityError, match=r"\[112, 112\] of the panel \[4032, 112\]"):
        prog.emit("mlir-aie")


def test_on_an_fpga_parts_change_nothing_and_csim_equals_sim():
    one = dato.compile(staged_gemm(32, 32, 32, 4, 16, 8, int8, int32, 2, 2), target="u250")
    prog = dato.compile(
        staged_gemm(32, 32, 32, 4, 16, 8, int8, int32, 2, 2, parts=2), target="u250"
    )
    assert prog.emit("hls") == one.emit("hls")
    ref, got = random_arrays(prog), random_arrays(prog)
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)


@dato.region
def across(A: int8[16, 64], B: int8[64, 16], C: int32[16, 16]):
    """A's 16 x 64 panel read in 16 x 16 slices across it, held in two parts of 8 rows."""

    @dato.task(args=[A, B, C])
    def core(
        a: int8[16, 64] @ dato.stage("mem", panel=(16, 64), parts=2),
        b: int8[64, 16],
        c: int32[16, 16],
    ):
        acc = dato.zeros((16, 16), int32)
        for kk in range(4):
            acc += dato.matmul(
                a[0:16, kk * 16 : kk * 16 + 16], b[kk * 16 : kk * 16 + 16, 0:16], acc=int32
            )
        c[0:16, 0:16] = acc


def test_slices_across_a_panel_in_parts_along_its_rows_are_refused_at_the_task():
    prog = dato.compile(across, target="npu1_4col")
    with pytest.raises(dato.CapabilityError, match=r"lies in parts \[0, 1\] of 2") as info:
        prog.emit("mlir-aie")
    assert info.value.loc.file == __file__
