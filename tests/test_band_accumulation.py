"""A product added into a band of rows of a local, ``acc[r0:r1, :] += dato.matmul(...)``, is
added in place: the rows of a row-major local lie contiguous, so the matmul kernel takes the
whole local and the band's first row and adds into those rows where they are. The mapper books
no scratch for it (only for operands that are not already in a buffer), the MLIR-AIE design
calls such a kernel, and every backend computes what the simulator does."""

from __future__ import annotations

import ctypes
import shutil

import numpy as np
import pytest
from test_aie_emit import assert_budgets_are_the_ledger
from test_aie_emu_programs import assert_emu_equals_sim
from test_aie_kernels import NUMPY, STANDIN, compile_kernels, memref

import datobench as dato
from datobench import R, S, bf16, int16
from datobench.core.codegen.aie import verify
from datobench.core.codegen.aie.kernel_source import kernel_source
from datobench.core.codegen.aie.kernels import op_kernel
from datobench.core.ir.nodes import Store, walk
from datobench.core.ir.ops import CALLS
from datobench.core.passes.scratch import accumulates_band, scratch_bytes
from datobench.core.targets import load_target

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++ on PATH")

M, K, N = 64, 32, 64  # a 2 x 2 grid of cores, each a 32 x 32 C tile in four bands of 8 rows
m, k, n, q = 32, 16, 32, 8


def banded_gemm(t, scaled_b: bool = False):
    """Each core accumulates its C tile over k-wide steps, A in four slices of q rows, each
    product added into its band of the one local ``acc``; ``scaled_b`` computes B's operand
    (it then needs a buffer of its own)."""

    @dato.region
    def gemm(A: t[M, K], B: t[K, N], C: t[M, N]):
        @dato.task(mapping=[2, 2], args=[A, B, C])
        def core(a: t[M, K] @ [S(0), R], b: t[K, N] @ [R, S(1)], c: t[M, N] @ [S(0), S(1)]):
            acc = dato.zeros((m, n), t)
            for kk in range(K // k):
                b_tile = b[kk * k : kk * k + k, 0:n]
                for s in range(4):
                    a_slice = a[s * q : s * q + q, kk * k : kk * k + k]
                    if scaled_b:
                        acc[s * q : s * q + q, :] += dato.matmul(a_slice, b_tile * 2)
                    else:
                        acc[s * q : s * q + q, :] += dato.matmul(a_slice, b_tile)
            c[0:m, 0:n] = acc

    return gemm


def core_body(prog):
    return prog.graph.instance("core_0_0").body


def test_the_band_update_is_recognised():
    stores = [s for s in walk(core_body(dato.compile(banded_gemm(int16)))) if isinstance(s, Store)]
    assert [accumulates_band(s) for s in stores] == [True, False]  # the band, then the C write


def test_a_band_accumulation_books_no_scratch():
    # in place: the slices of A and B are FIFO objects and the band is acc's own rows
    prog = dato.compile(banded_gemm(int16), target="npu2")
    assert scratch_bytes([core_body(prog)]) == 0
    use = prog.mapping.tiles[",".join(map(str, prog.mapping.placement["core_0_0"]))]
    assert not any("scratch" in who for who, _ in use.items["data memory"])


def test_an_operand_computed_for_it_is_the_only_scratch():
    prog = dato.compile(banded_gemm(int16, scaled_b=True), target="npu2")
    assert scratch_bytes([core_body(prog)]) == k * n * 2  # b_tile * 2: one 16 x 32 int16


@pytest.mark.parametrize("t", [int16, bf16], ids=str)
def test_sim_equals_numpy(t):
    rng = np.random.default_rng(3)
    A = (rng.standard_normal((M, K)) * 3).astype(t.np)
    B = (rng.standard_normal((K, N)) * 3).astype(t.np)
    C = np.zeros((M, N), t.np)
    banded_gemm(t)(A, B, C)
    want = np.zeros((M, N), t.np)
    for kk in range(0, K, k):  # rounded to t after every step, as each band adds its product
        step = (A[:, kk : kk + k].astype(np.float32) @ B[kk : kk + k].astype(np.float32)).astype(
            t.np
        )
        want = (want + step).astype(t.np)
    np.testing.assert_array_equal(C, want)


@pytest.mark.parametrize("t", [int16, bf16], ids=str)
def test_the_design_adds_into_the_band_in_place_and_aie_emu_equals_sim(t):
    prog = dato.compile(banded_gemm(t), target="npu2")
    text = prog.emit("mlir-aie")
    verify(text)
    assert_budgets_are_the_ledger(prog)
    calls = [line for line in str(text).splitlines() if "func.call" in line and "matmul" in line]
    elem = "i16" if t == int16 else "bf16"
    assert calls and all(
        f"(memref<8x16x{elem}>, memref<16x32x{elem}>, i32, memref<32x32x{elem}>)" in c
        for c in calls
    )
    assert "dato.band = 8 : i64" in str(text)
    assert_emu_equals_sim(prog)


@needs_gxx
def test_the_hls_kernel_adds_into_the_band_in_place_and_csim_equals_sim():
    prog = dato.compile(banded_gemm(int16))
    calls = [line.strip() for line in prog.emit("hls").splitlines() if "dato::matmul" in line]
    assert calls and all(c.startswith("dato::matmul<true>(acc, ") for c in calls)
    rng = np.random.default_rng(4)
    A = rng.integers(-9, 9, (M, K)).astype(np.int16)
    B = rng.integers(-9, 9, (K, N)).astype(np.int16)
    want, got = np.zeros((M, N), np.int16), np.zeros((M, N), np.int16)
    prog.run(A, B, want, backend="sim")
    prog.run(A, B, got, backend="csim")
    np.testing.assert_array_equal(got, want)


AIE_PATH = ["-std=c++20", "-D__AIENGINE__", "-D__AIE_ARCH__=21", "-I", str(STANDIN)]


@needs_gxx
@pytest.mark.parametrize("path", ["portable", "aie"])
@pytest.mark.parametrize("elem", ["i16", "bf16"])
def test_the_band_kernel_adds_into_its_rows_only(tmp_path, elem, path):
    """The generated C++ against numpy, on the host's portable path and on the AIE-API path
    (with the scalar stand-in for the AIE API): rows 8..15 of the 32 x 32 output gain the
    product, the others keep their values."""
    types = (memref((8, 16), elem), memref((16, 32), elem), "i32", memref((32, 32), elem))
    kernel = op_kernel(CALLS["matmul"], types, (("accumulate", True), ("band", 8)))
    source = kernel_source(kernel, load_target("npu2").param("compute.matmul_shape"))
    assert source.count("(in0, in1, out + in2 * 32)") == 2  # both paths write from row in2
    so = compile_kernels(tmp_path, [kernel], "npu2", AIE_PATH if path == "aie" else [])
    rng = np.random.default_rng(6)
    a, b = (rng.integers(-4, 4, s).astype(NUMPY[elem]) for s in [(8, 16), (16, 32)])
    out = rng.integers(-4, 4, (32, 32)).astype(NUMPY[elem])
    want = out.copy()
    product = a.astype(np.float32) @ b.astype(np.float32)  # small integers: exact
    want[8:16] = (want[8:16].astype(np.float32) + product).astype(NUMPY[elem])
    args = [v.ctypes.data_as(ctypes.c_void_p) for v in (a, b)]
    getattr(so, kernel.symbol)(*args, ctypes.c_int32(8), out.ctypes.data_as(ctypes.c_void_p))
    np.testing.assert_array_equal(out, want)
