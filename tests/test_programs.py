"""The program library: every builder, at sizes and types other than the examples', computes
what numpy computes, and is importable from ``datobench.programs``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ml_dtypes import bfloat16

import datobench as dato
from datobench import bf16, float32, int8, int16, int32, programs
from datobench.programs import (
    flash_attention,
    output_stationary_gemm,
    pipeline,
    single_core_gemm,
    systolic_gemm,
    vector_add,
    whole_array_gemm,
)


def ints(rng, shape, dtype):
    return rng.integers(-20, 20, size=shape).astype(dtype.np)


def test_every_builder_is_exported_and_documented():
    assert sorted(programs.__all__) == sorted(
        name for name in dir(programs) if callable(getattr(programs, name))
    )
    for name in programs.__all__:
        assert getattr(programs, name).__doc__, name


@pytest.mark.parametrize("n, depth", [(8, 1), (32, 3)])
def test_pipeline_adds_one(n, depth):
    region = pipeline(n, depth)
    A = np.arange(4 * n, dtype=np.float32)
    B = np.zeros(4 * n, np.float32)
    region(A, B)
    np.testing.assert_array_equal(B, A + 1)
    (channel,) = dato.compile(region).graph.channels
    assert (str(channel.elem), channel.depth) == (f"float32[{n}]", depth)


def test_vector_add_on_eight_instances():
    region = vector_add(N=512, P=8, CHUNK=16)
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((2, 512)).astype(np.float32)
    C = np.zeros(512, np.float32)
    region(A, B, C)
    np.testing.assert_array_equal(C, A + B)
    assert len(dato.compile(region).graph.instances) == 8


@pytest.mark.parametrize("t_in, t_acc", [(int8, int32), (int16, int32)])
def test_single_core_gemm(t_in, t_acc):
    rng = np.random.default_rng(1)
    A, B = ints(rng, (8, 16), t_in), ints(rng, (16, 4), t_in)
    C = np.zeros((8, 4), t_acc.np)
    single_core_gemm(8, 16, 4, t_in, t_acc)(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int64) @ B.astype(np.int64))


def test_output_stationary_gemm_on_a_non_square_grid():
    region = output_stationary_gemm(32, 16, 48, 2, 3, 4, int16, int32)
    rng = np.random.default_rng(2)
    A, B = ints(rng, (32, 16), int16), ints(rng, (16, 48), int16)
    C = np.zeros((32, 48), np.int32)
    region(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    names = [i.name for i in dato.compile(region).graph.instances]
    assert names == [f"block_{i}_{j}" for i in range(2) for j in range(3)]


def test_whole_array_gemm_walks_several_blocks_per_core():
    region = whole_array_gemm(32, 32, 64, 4, 8, 8, float32, float32, rows=2, cols=4)
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((32, 32)), rng.standard_normal((32, 64))
    A, B = A.astype(np.float32), B.astype(np.float32)
    C = np.zeros((32, 64), np.float32)
    region(A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-5, atol=1e-5)
    assert len(dato.compile(region).graph.instances) == 8


def test_systolic_gemm_on_a_rectangular_array_with_rectangular_tiles():
    region = systolic_gemm(2, 3, 4, 2, 8, 16, int16, int32)
    rng = np.random.default_rng(4)
    A, B = ints(rng, (8, 16), int16), ints(rng, (16, 24), int16)
    C = np.zeros((8, 24), np.int32)
    region(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    graph = dato.compile(region).graph
    assert len(graph.instances) == 2 * 3 + 2 + 3
    # the channels leaving the grid to the east and south are never used
    assert len(graph.channels) == 2 * 3 + 2 * 3


def test_flash_attention_at_other_sizes():
    LQ, LKV, D = 32, 64, 16
    region = flash_attention(LQ, LKV, D, P=2, BKV=16)
    rng = np.random.default_rng(5)
    Q, K, V = (rng.standard_normal((n, D)).astype(bfloat16) for n in (LQ, LKV, LKV))
    O = np.zeros((LQ, D), bfloat16)
    region(Q, K, V, O)
    q, k, v = (x.astype(np.float64) for x in (Q, K, V))
    s = q @ k.T / math.sqrt(D)
    p = np.exp(s - s.max(axis=1, keepdims=True))
    expected = p / p.sum(axis=1, keepdims=True) @ v
    np.testing.assert_allclose(O.astype(np.float64), expected, rtol=2e-2, atol=2e-2)
    assert {str(c.elem) for c in dato.compile(region).graph.channels} == {"float32[16, 16]"}
    assert region.param_types()[0] == ("Q", bf16[LQ, D])


def test_symbolic_sizes_bind_when_the_region_is_called():
    add = vector_add(dato.symbol("N"), P=4, CHUNK=16)
    gemm = whole_array_gemm(*(dato.symbol(s) for s in "MKN"), 4, 4, 4, float32, float32, 2, 2)
    for n in (128, 256):
        A, B, C = np.arange(n, dtype=np.float32), np.ones(n, np.float32), np.zeros(n, np.float32)
        add(A, B, C)
        np.testing.assert_array_equal(C, A + 1)
    rng = np.random.default_rng(6)
    A, B = rng.standard_normal((16, 8)).astype(np.float32), np.ones((8, 24), np.float32)
    C = np.zeros((16, 24), np.float32)
    gemm(A, B, C)
    np.testing.assert_allclose(C, A @ B, rtol=1e-5, atol=1e-5)
    prog = dato.compile(gemm, sizes={"M": 32, "K": 8, "N": 8})
    assert [str(p.type) for p in prog.region.params] == [
        "float32[32, 8]",
        "float32[8, 8]",
        "float32[32, 8]",
    ]


@pytest.mark.parametrize("M, K, P", [(16, 48, 3), (8, 16, 8)])
def test_cooperative_gemv_at_other_sizes(M, K, P):
    rng = np.random.default_rng(M)
    A, x = ints(rng, (M, K), int16), ints(rng, (K,), int16)
    Y = np.zeros(M, np.int32)
    programs.cooperative_gemv(M, K, P)(A, x.reshape(P, K // P), Y)
    np.testing.assert_array_equal(Y, A.astype(np.int32) @ x.astype(np.int32))
