"""Builtins of the op table, each through every layer: front end (typing, located errors),
functional simulator against numpy, C simulation against the simulator, and the perf model
(vector work). A builtin added to the table gets its row here."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error
from perf_rules import tile_of, vector_cycles

import datobench as dato
from datobench import bf16, float32, int8, int16, int32
from datobench.core.ir.program import region_text
from datobench.core.passes.analysis import profiles


def _positive(rng, shape):
    return rng.uniform(0.05, 9.0, shape)


def _any(rng, shape):
    return rng.standard_normal(shape) * 3


# name -> (numpy reference on float32 values, inputs)
FLOAT_OPS = {
    "exp": (np.exp, _any),
    "sqrt": (np.sqrt, _positive),
    "rsqrt": (lambda x: np.float32(1) / np.sqrt(x), _positive),
    "tanh": (np.tanh, _any),
}


def unary_region(fn, T):
    """``fn`` of a tile and of one element."""

    @dato.region
    def top(A: T[4, 8], B: T[4, 8], C: T[1]):
        @dato.task(args=[A, B, C])
        def t(a: T[4, 8], b: T[4, 8], c: T[1]):
            b[:, :] = fn(a[:, :])
            c[0] = fn(a[1, 2])

    return top


def run_unary(name, dtype, backend, inputs):
    prog = dato.compile(unary_region(getattr(dato, name), dtype))
    A = inputs(np.random.default_rng(1), (4, 8)).astype(dtype.np)
    B, C = np.zeros((4, 8), dtype.np), np.zeros(1, dtype.np)
    prog.run(A, B, C, backend=backend)
    return A, B, C


def numpy_reference(fn, A):
    """The op computed in float32 and rounded once to A's type."""
    return fn(A.astype(np.float32)).astype(A.dtype)


# -- floating-point elementwise functions ------------------------------------------------------
@pytest.mark.parametrize("name", FLOAT_OPS)
def test_a_float_function_keeps_the_operands_type(name):
    for T in (float32, bf16):
        text = region_text(dato.compile(unary_region(getattr(dato, name), T)).region)
        assert f"b[0:+4, 0:+8] = {name}(a[0:+4, 0:+8])" in text
        assert f"c[0] = {name}(a[1, 2])" in text


@pytest.mark.parametrize("name", FLOAT_OPS)
def test_a_float_function_refuses_integers_at_the_users_line(name):
    fn = getattr(dato, name)

    @dato.region
    def top(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[:] = fn(a[:])  # E-float-int

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-float-int", f"{name} takes floating-point values, not int32[4]")


@pytest.mark.parametrize("dtype", [float32, bf16], ids=str)
@pytest.mark.parametrize("name", FLOAT_OPS)
def test_a_float_function_in_sim_is_numpy_in_float32(name, dtype):
    fn, inputs = FLOAT_OPS[name]
    A, B, C = run_unary(name, dtype, "sim", inputs)
    np.testing.assert_array_equal(B, numpy_reference(fn, A))
    np.testing.assert_array_equal(C, numpy_reference(fn, A[1, 2:3]))


@pytest.mark.parametrize("dtype", [float32, bf16], ids=str)
@pytest.mark.parametrize("name", FLOAT_OPS)
def test_a_float_function_in_csim_equals_sim(name, dtype):
    _, inputs = FLOAT_OPS[name]
    _, B, C = run_unary(name, dtype, "sim", inputs)
    _, B2, C2 = run_unary(name, dtype, "csim", inputs)
    tolerance = 1e-5 if dtype == float32 else 1e-2  # one bf16 rounding step
    for ref, got in ((B, B2), (C, C2)):
        np.testing.assert_allclose(got.astype(np.float64), ref.astype(np.float64), rtol=tolerance)


@pytest.mark.parametrize("name", FLOAT_OPS)
def test_a_float_function_is_vector_work(name):
    check_vector_work(name, unary_region(getattr(dato, name), float32), float32, FLOAT_OPS[name][1])


def check_vector_work(name, region, dtype, inputs, elements=4 * 8 + 1):
    """perf runs the program and charges the op as one vector operation per statement; the
    profile counts its elements as work."""
    target = dato.load_target("npu1")
    prog = dato.compile(region, target="npu1")
    assert profiles(prog.graph)["t"].elementwise == elements
    rng = np.random.default_rng(2)
    arrays = [inputs(rng, b.type.shape).astype(b.type.dtype.np) for b in prog.region.params]
    result = prog.run(*arrays, backend="perf")
    expected = vector_cycles(target, elements - 1, dtype, name) + vector_cycles(
        target, 1, dtype, name
    )
    assert tile_of(result, "t").busy == expected


# -- abs: integers (wrapping like numpy) and floats -------------------------------------------
NUMBER_TYPES = [int8, int16, int32, bf16, float32]


def _abs_inputs(dtype):
    def inputs(rng, shape):
        if dtype.kind == "float":
            return _any(rng, shape)
        info = np.iinfo(dtype.np)
        values = rng.integers(info.min, info.max, shape, endpoint=True)
        if values.size > 10:  # a[0, 0] and a[1, 2]: -min does not fit, it wraps
            values.flat[[0, 10]] = info.min
        return values

    return inputs


@pytest.mark.parametrize("dtype", NUMBER_TYPES, ids=str)
def test_abs_keeps_the_type_and_matches_numpy_in_sim_and_csim(dtype):
    inputs = _abs_inputs(dtype)
    text = region_text(dato.compile(unary_region(dato.abs, dtype)).region)
    assert "b[0:+4, 0:+8] = abs(a[0:+4, 0:+8])" in text
    A, B, C = run_unary("abs", dtype, "sim", inputs)
    np.testing.assert_array_equal(B, np.abs(A))
    np.testing.assert_array_equal(C, np.abs(A[1, 2:3]))
    if dtype.kind == "int":
        assert B[0, 0] == C[0] == np.iinfo(dtype.np).min  # abs(int8 -128) == -128
    _, B2, C2 = run_unary("abs", dtype, "csim", inputs)
    np.testing.assert_array_equal(B2, B)  # bit for bit
    np.testing.assert_array_equal(C2, C)


def test_abs_refuses_booleans_at_the_users_line():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = dato.abs(a[:] < 0.0)  # E-abs-bool

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-abs-bool", "abs takes numbers, not bool[4]")


@pytest.mark.parametrize("dtype", [int8, float32], ids=str)
def test_abs_is_vector_work(dtype):
    check_vector_work("abs", unary_region(dato.abs, dtype), dtype, _abs_inputs(dtype))


# -- x.min(axis=..., keepdims=...) -------------------------------------------------------------
def min_region(T):
    @dato.region
    def top(A: T[4, 8], B: T[8], C: T[4, 2]):
        @dato.task(args=[A, B, C])
        def t(a: T[4, 8], b: T[8], c: T[4, 2]):
            x = a[:, :]
            b[:] = x.min(axis=0)
            c[:, 0:1] = x.min(1, keepdims=True)
            c[0, 1] = x.min()  # every element: a scalar

    return top


def run_min(dtype, backend):
    prog = dato.compile(min_region(dtype))
    A = _abs_inputs(dtype)(np.random.default_rng(3), (4, 8)).astype(dtype.np)
    outs = [np.zeros(8, dtype.np), np.zeros((4, 2), dtype.np)]
    prog.run(A, *outs, backend=backend)
    return A, outs


def test_min_reduces_like_max():
    text = region_text(dato.compile(min_region(float32)).region)
    assert "b[0:+8] = min(x, axis=(0,), keepdims=False)" in text
    assert "c[0:+4, 0:+1] = min(x, axis=(1,), keepdims=True)" in text
    assert "c[0, 1] = min(x, axis=(0, 1), keepdims=False)" in text


@pytest.mark.parametrize("dtype", NUMBER_TYPES, ids=str)
def test_min_matches_numpy_in_sim_and_csim(dtype):
    A, (B, C) = run_min(dtype, "sim")
    np.testing.assert_array_equal(B, A.min(axis=0))
    np.testing.assert_array_equal(C[:, 0:1], A.min(axis=1, keepdims=True))
    assert C[0, 1] == A.min()
    _, got = run_min(dtype, "csim")
    for ref, out in zip((B, C), got):
        np.testing.assert_array_equal(out, ref)  # bit for bit


def test_min_checks_its_axis_at_the_users_line():
    @dato.region
    def top(A: float32[4, 8], B: float32[4]):
        @dato.task(args=[A, B])
        def t(a: float32[4, 8], b: float32[4]):
            b[:] = a[:, :].min(axis=2)  # E-min-axis

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-min-axis", ".min(axis=2) is out of range for float32[4, 8]")


def test_min_takes_a_tensor():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = a[0].min()  # E-min-scalar

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-min-scalar", ".min() takes a tensor, not a float32 scalar")


@pytest.mark.parametrize("dtype", [int16, bf16], ids=str)
def test_min_is_vector_work_over_its_source(dtype):
    target = dato.load_target("npu1")
    prog = dato.compile(min_region(dtype), target="npu1")
    assert profiles(prog.graph)["t"].elementwise == 8 + 4 + 1  # the results' elements
    A, outs = run_min(dtype, "sim")
    result = prog.run(A, *outs, backend="perf")
    assert tile_of(result, "t").busy == 3 * vector_cycles(target, 4 * 8, dtype, "min")
