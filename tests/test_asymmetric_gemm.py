"""The asymmetric GEMM (bf16 A and C, bfp16 B, A in 32-row slices): it maps on npu2 at the
full size within a core's memory, equals the numpy emulation when small, and the same GEMM
with whole A tiles is refused for the memory it would need. B staged in the memory tiles is
refused at the full size (its panel does not fit), and where it fits it reads B once."""

from __future__ import annotations

import numpy as np
import pytest

import datobench as dato
from datobench.programs import asymmetric_gemm, unsliced_gemm
from datobench.programs.asymmetric import (
    FULL_SIZE,
    STAGED_SIZE,
    reference,
    staging_rows,
    timed,
    utilization_row,
)

KIB = 1024


@pytest.fixture(scope="module")
def full():
    return dato.compile(asymmetric_gemm(*FULL_SIZE), target="npu2")


def test_it_maps_on_npu2_at_full_size_on_every_core(full):
    assert len(full.mapping.placement) == 32
    for key, use in full.mapping.tiles.items():
        for resource, used in use.used.items():
            assert used <= use.capacity.get(resource, used), (key, resource)


def test_a_core_holds_the_c_tile_a_slices_and_b_tiles(full):
    use = full.mapping.tiles["0,2"]
    items = dict(use.items["data memory"])
    assert items["core_0_0 local tensors"] == 32 * KIB  # the 128 x 128 bf16 C tile
    a = next(v for k, v in items.items() if k.startswith("A["))
    b = next(v for k, v in items.items() if k.startswith("B["))
    assert a == 2 * 32 * 64 * 2  # two 32 x 64 bf16 slices
    assert b == 2 * 64 * 128 * 9 // 8  # two 64 x 128 bfp16 tiles: 9 bytes per 8 values
    assert use.used["data memory"] == sum(items.values()) <= use.capacity["data memory"]


def test_the_c_tile_is_one_local_that_takes_no_scratch(full):
    items = dict(full.mapping.tiles["0,2"].items["data memory"])
    assert not any("scratch" in who for who in items)  # each band's product added in place


@pytest.mark.parametrize("panel", [None, 128], ids=["unstaged", "staged"])
def test_sim_equals_numpy_small(panel):
    M, K, N = 256, 128, 256
    rng = np.random.default_rng(7)
    A = rng.standard_normal((M, K)).astype(dato.bf16.np)
    B = dato.quantise_bfp16(rng.standard_normal((K, N)).astype(np.float32))
    C = np.zeros((M, N), dato.bf16.np)
    asymmetric_gemm(M, K, N, rows=2, cols=2, panel=panel)(A, B, C)
    assert np.array_equal(C, reference(A, B))
    assert np.allclose(C.astype(np.float32), A.astype(np.float32) @ B, atol=1.0)


def test_whole_a_tiles_do_not_fit_a_core():
    with pytest.raises(dato.MappingError, match=r"data memory: 82\.0 KiB used of 63\.0 KiB") as e:
        dato.compile(unsliced_gemm(*FULL_SIZE), target="npu2")
    assert e.value.loc.file == __file__
    assert "A[0:1024, 0:4096] ping-pong buffer (32.0 KiB)" in str(e.value)


def test_the_benchmark_row_times_the_full_size():
    target, dtype, utilization, tile = utilization_row()
    assert (target, dtype) == ("npu2", "bf16 x bfp16")
    assert 0.2 < utilization <= 1.0
    assert tile.startswith("128x64x128")


def test_staged_b_does_not_fit_a_memory_tile_at_the_full_size():
    # a K x 128 panel of bfp16: 4096 * 128 * 9 / 8 bytes
    with pytest.raises(dato.MappingError, match=r"\(4096, 128\) of 'b' \(B\) takes 576\.0 KiB"):
        timed(panel=128)
    assert staging_rows()[0].startswith("B staged at 4096x4096x2048: refused: the staged panel")


def test_staged_b_is_read_from_ddr_once_where_its_panel_fits():
    M, K, N = STAGED_SIZE
    unstaged, staged = timed(STAGED_SIZE), timed(STAGED_SIZE, panel=128)
    b_bytes = K * N * 9 // 8
    block_rows = M // 4 // 128  # unstaged, each core row reads all of B once per block row
    assert unstaged.dram_moved - staged.dram_moved == (block_rows - 1) * b_bytes
    assert staged.cycles < unstaged.cycles
