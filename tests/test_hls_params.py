"""Whole task parameters as operands in generated HLS: put, store, binary, unary, call and
matmul operands, on a parameter seen whole or through a window (issue 10, group I); each is
checked csim == sim."""

from __future__ import annotations

import numpy as np
import pytest

import datobench as dato
from datobench import S, Stream, float32, int32

CSIM = next(b for b in dato.backends() if b.name == "csim")
pytestmark = pytest.mark.skipif(not CSIM.available, reason="csim needs g++")


def csim_equals_sim(region, *arrays):
    """Run ``region`` with sim and csim on copies of ``arrays``; both give the same arrays,
    which are returned."""
    prog = dato.compile(region)
    by_sim = [a.copy() for a in arrays]
    by_csim = [a.copy() for a in arrays]
    prog.run(*by_sim, backend="sim")
    prog.run(*by_csim, backend="csim")
    for s, c in zip(by_sim, by_csim):
        np.testing.assert_allclose(c, s, rtol=1e-6)
    return by_sim


def vectors(n=8):
    return np.arange(n, dtype=np.float32), np.zeros(n, np.float32)


def test_put_of_arithmetic_on_a_whole_parameter():
    @dato.region
    def put_whole(A: float32[8], B: float32[8]):
        s: Stream[float32[8], 2]

        @dato.task(args=[A])
        def p(a: float32[8]):
            s.put(a * 2.0)

        @dato.task(args=[B])
        def q(b: float32[8]):
            b[:] = s.get()

    A, B = csim_equals_sim(put_whole, *vectors())
    np.testing.assert_array_equal(B, A * 2.0)


def test_put_of_a_whole_parameter():
    @dato.region
    def put_plain(A: float32[8], B: float32[8]):
        s: Stream[float32[8], 2]

        @dato.task(args=[A])
        def p(a: float32[8]):
            s.put(a)

        @dato.task(args=[B])
        def q(b: float32[8]):
            b[:] = s.get()

    A, B = csim_equals_sim(put_plain, *vectors())
    np.testing.assert_array_equal(B, A)


def test_store_of_binary_and_unary_ops_on_whole_parameters():
    @dato.region
    def store_whole(A: float32[8], B: float32[8]):
        @dato.task(args=[A, B])
        def t(a: float32[8], b: float32[8]):
            b[:] = a + 1.0
            b[:] = -b + a * b

    A, B = csim_equals_sim(store_whole, *vectors())
    np.testing.assert_allclose(B, -(A + 1) + A * (A + 1))


def test_a_call_on_a_whole_parameter_and_a_local_bound_to_one():
    @dato.region
    def call_whole(A: float32[8], B: float32[8]):
        @dato.task(args=[A, B])
        def t(a: float32[8], b: float32[8]):
            x = a
            b[:] = dato.exp(a * 0.1) + dato.maximum(x, 3.0)

    A, B = csim_equals_sim(call_whole, *vectors())
    np.testing.assert_allclose(B, np.exp(A * 0.1) + np.maximum(A, 3.0), rtol=1e-6)


def test_matmul_of_whole_parameters():
    @dato.region
    def mm(A: int32[4, 4], B: int32[4, 4], C: int32[4, 4]):
        @dato.task(args=[A, B, C])
        def t(a: int32[4, 4], b: int32[4, 4], c: int32[4, 4]):
            c[:, :] = dato.matmul(a, b) + c

    A = np.arange(16, dtype=np.int32).reshape(4, 4)
    C = np.ones((4, 4), np.int32)
    _, _, got = csim_equals_sim(mm, A, A.T.copy(), C)
    np.testing.assert_array_equal(got, A @ A.T + 1)


def test_arithmetic_on_a_windowed_parameter():
    @dato.region
    def windows(A: float32[8], B: float32[8]):
        @dato.task(mapping=[2], args=[A, B])
        def t(a: float32[8] @ [S(0)], b: float32[8] @ [S(0)]):
            b[:] = a * 3.0 - 1.0

    A, B = csim_equals_sim(windows, *vectors())
    np.testing.assert_array_equal(B, A * 3.0 - 1.0)
