"""Bitwise operators on integers: ``& | ^ << >> ~`` and their augmented forms on scalars and
tiles, exact at every width in the simulator (against numpy and Python ints), the C simulation
and the NPU emulator against the simulator, and the refusals of floats, booleans and shifts
outside the width."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import UInt, bf16, float32, int4, int8, int16, int32, uint8, uint16, uint32

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="csim needs g++ on PATH")
NATIVE = (int8, int16, int32, uint8, uint16, uint32)


def bitwise(t):
    """Every operator on tiles of ``t``, a shift by a tile and by a scalar literal, and the
    augmented forms on a tile and on a scalar."""

    @dato.region
    def top(A: t[3, 16], R: t[8, 16], S: t[2]):
        @dato.task(args=[A, R, S])
        def k(a: t[3, 16], r: t[8, 16], s: t[2]):
            x = a[0, :]
            y = a[1, :]
            n = a[2, :]
            r[0, :] = x & y
            r[1, :] = x | y
            r[2, :] = x ^ y
            r[3, :] = x << n
            r[4, :] = x >> n
            r[5, :] = ~x
            z = x
            z &= y
            z |= 3
            z ^= x
            z <<= 1
            z >>= 2
            r[6, :] = z
            r[7, :] = (x >> 3) & 5
            v = a[0, 0]
            v ^= a[1, 0]
            v <<= 2
            s[0] = v
            s[1] = ~a[0, 1] >> 1

    return top


def integers(t, n: int, seed: int) -> np.ndarray:
    """``n`` values over the whole range of ``t`` (its ends included), in its storage."""
    rng = np.random.default_rng(seed)
    values = rng.integers(t.min, t.max, n, endpoint=True, dtype=np.int64)
    values[:2] = (t.min, t.max)
    return values.astype(t.np)


def expected(t, a, b, n):
    """What ``bitwise(t)`` computes, in numpy (which wraps at these native widths)."""
    x, y = a, b
    z = ((((x & y) | t.np.type(3)) ^ x) << t.np.type(1)) >> t.np.type(2)
    rows = [x & y, x | y, x ^ y, x << n, x >> n, ~x, z, (x >> t.np.type(3)) & t.np.type(5)]
    s = [((a[0] ^ b[0]) << t.np.type(2)), (~a[1]) >> t.np.type(1)]
    return np.stack(rows).astype(t.np), np.array(s, t.np)


def run(prog, a, b, n, r, s, **kwargs):
    """Run ``bitwise(t)`` with its three operands in the rows of one input."""
    return prog.run(np.stack([a, b, n]), r, s, **kwargs)


def arrays(t, seed: int):
    a, b = integers(t, 16, seed), integers(t, 16, seed + 1)
    n = np.arange(16, dtype=np.int64) % t.bits
    return a, b, n.astype(t.np), np.zeros((8, 16), t.np), np.zeros(2, t.np)


@pytest.mark.parametrize("t", NATIVE, ids=str)
def test_bitwise_operators_in_sim_equal_numpy(t):
    a, b, n, r, s = arrays(t, 1)
    run(dato.compile(bitwise(t)), a, b, n, r, s)
    rows, scalars = expected(t, a, b, n)
    np.testing.assert_array_equal(r, rows)
    np.testing.assert_array_equal(s, scalars)


def test_right_shift_is_arithmetic_on_signed_and_logical_on_unsigned():
    for t, want in ((int8, [-64, -1]), (uint8, [64, 127])):
        a = np.array([-128, -1] * 8, np.int64).astype(t.np)
        b = np.zeros(16, t.np)
        n = np.ones(16, t.np)
        r, s = np.zeros((8, 16), t.np), np.zeros(2, t.np)
        run(dato.compile(bitwise(t)), a, b, n, r, s)
        assert [int(v) for v in r[4, :2]] == want


def test_a_hundred_bit_unsigned_integer_against_python_ints():
    t = UInt(100)
    rng = np.random.default_rng(3)
    xs = [int(rng.integers(0, 1 << 62)) << 38 | int(rng.integers(0, 1 << 38)) for _ in range(16)]
    ys = [int(rng.integers(0, 1 << 62)) << 37 for _ in range(16)]
    xs[0], ys[0] = (1 << 100) - 1, 1 << 99
    ns = [k * 6 for k in range(16)]  # 0..90
    a, b, n = (np.array(v, object) for v in (xs, ys, ns))
    r, s = np.array([[0] * 16] * 8, object), np.array([0, 0], object)
    run(dato.compile(bitwise(t)), a, b, n, r, s)
    mask = (1 << 100) - 1
    zs = [(((((x & y) | 3) ^ x) << 1) & mask) >> 2 for x, y in zip(xs, ys)]
    want = [
        [x & y for x, y in zip(xs, ys)],
        [x | y for x, y in zip(xs, ys)],
        [x ^ y for x, y in zip(xs, ys)],
        [(x << k) & mask for x, k in zip(xs, ns)],
        [x >> k for x, k in zip(xs, ns)],
        [~x & mask for x in xs],
        zs,
        [(x >> 3) & 5 for x in xs],
    ]
    assert [[int(v) for v in row] for row in r] == want
    assert [int(v) for v in s] == [((xs[0] ^ ys[0]) << 2) & mask, (~xs[1] & mask) >> 1]


def test_int4_wraps_at_its_width():
    a = np.array([7, -8, 5, -3] * 4, np.int8)
    b = np.array([3] * 16, np.int8)
    n = np.array([0, 1, 2, 3] * 4, np.int8)
    r, s = np.zeros((8, 16), np.int8), np.zeros(2, np.int8)
    run(dato.compile(bitwise(int4)), a, b, n, r, s)
    assert r[3, :4].tolist() == [7, 0, 4, -8]  # 7, -16 -> 0, 20 -> 4, -24 -> -8
    assert r[4, :4].tolist() == [7, -4, 1, -1] and r[5, :4].tolist() == [-8, 7, -6, 2]


@needs_gxx
@pytest.mark.parametrize("t", (int8, uint16, int32, uint32, int4, UInt(100)), ids=str)
def test_csim_equals_sim(t):
    prog = dato.compile(bitwise(t))
    a, b, n, *outs = arrays(t, 5) if t.bits <= 64 else _wide_arrays(t)
    ref, got = [np.stack([a, b, n]), *outs], [np.stack([a, b, n]), *(x.copy() for x in outs)]
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for want, have in zip(ref, got):
        assert [int(v) for v in want.flat] == [int(v) for v in have.flat]


def _wide_arrays(t):
    rng = np.random.default_rng(9)
    a = np.array([int(rng.integers(0, 1 << 62)) << 38 for _ in range(16)], object)
    b = np.array([int(rng.integers(0, 1 << 62)) << 20 for _ in range(16)], object)
    n = np.array([k * 6 for k in range(16)], object)
    return a, b, n, np.array([[0] * 16] * 8, object), np.array([0, 0], object)


@pytest.mark.parametrize("target", ("npu1_4col", "u280"))
def test_perf_times_the_bitwise_operators(target):
    a, b, n, r, s = arrays(int32, 2)
    result = run(dato.compile(bitwise(int32), target=target), a, b, n, r, s, backend="perf")
    assert result.cycles > 0
    rows, scalars = expected(int32, a, b, n)
    np.testing.assert_array_equal(r, rows)


@dato.region
def npu_bits(A: int32[2, 16], R: int32[6, 16], S: int32[4]):
    """Every operator on tiles and scalars, within a compute tile's two input objects."""

    @dato.task(args=[A, R, S])
    def k(a: int32[2, 16], r: int32[6, 16], s: int32[4]):
        x = a[0, :]
        n = a[1, :]
        r[0, :] = x & n
        r[1, :] = x | n
        r[2, :] = x ^ n
        r[3, :] = x << n
        r[4, :] = x >> n
        r[5, :] = ~x
        v = a[0, 0]
        v &= a[0, 1]
        s[0] = v ^ a[0, 2]
        s[1] = (a[0, 3] << 3) | 1
        s[2] = a[0, 4] >> a[1, 4]
        s[3] = ~a[0, 5]


def test_the_npu_emulator_equals_sim_for_int32():
    prog = dato.compile(npu_bits, target="npu1_4col")
    text = prog.emit("mlir-aie")
    assert all(f"arith.{op} " in text for op in ("andi", "ori", "xori", "shli", "shrsi"))
    a = np.stack([integers(int32, 16, 4), np.arange(16, dtype=np.int32) * 2 % 32])
    ref = [a, np.zeros((6, 16), np.int32), np.zeros(4, np.int32)]
    got = [a.copy(), *(np.zeros_like(x) for x in ref[1:])]
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="aie-emu")
    for want, have in zip(ref, got):
        np.testing.assert_array_equal(have, want)


# -- errors -----------------------------------------------------------------------------------
def test_floats_and_booleans_are_refused():
    @dato.region
    def floats(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = a[:] & a[:]  # E-float

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(floats)
    check_error(info, "# E-float", "'&' takes integers, not float32[4]")

    @dato.region
    def bf(A: bf16[4]):
        @dato.task(args=[A])
        def t(a: bf16[4]):
            a[:] = ~a[:]  # E-invert

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(bf)
    check_error(info, "# E-invert", "'~' takes integers, not bf16[4]")

    @dato.region
    def masks(A: int32[4], B: int32[4]):
        @dato.task(args=[A, B])
        def t(a: int32[4], b: int32[4]):
            m = (a[0] > 0) | (b[0] > 0)  # E-bool
            b[0] = dato.full((), 1, int32) if m else 0

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(masks)
    check_error(info, "# E-bool", "'|' takes integers, not a bool scalar")


def test_mixed_types_are_refused():  # literals adopt the other side: bitwise()'s `z |= 3`
    @dato.region
    def top(A: uint8[4], B: int8[4]):
        @dato.task(args=[A, B])
        def t(a: uint8[4], b: int8[4]):
            a[:] = a[:] << b[:]  # E-mix

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-mix", "operands of '<<' have different element types")


@pytest.mark.parametrize("amount, text", ((-1, "a shift by -1"), (8, "a shift by 8")))
def test_a_shift_outside_the_width_is_a_located_runtime_error(amount, text):
    @dato.region
    def top(A: int8[4], N: int8[4]):
        @dato.task(args=[A, N])
        def t(a: int8[4], n: int8[4]):
            a[:] = a[:] << n[:]  # E-shift

    A, N = np.ones(4, np.int8), np.array([0, 1, amount, 2], np.int8)
    with pytest.raises(dato.DatoRuntimeError) as info:
        dato.compile(top).run(A, N)
    check_error(info, "# E-shift", text, "is outside 0..7, the bit positions of int8")


def test_a_scalar_shift_outside_the_width_is_located():
    @dato.region
    def top(A: UInt(100)[2]):
        @dato.task(args=[A])
        def t(a: UInt(100)[2]):
            a[0] = a[1] >> a[0]  # E-wide-shift

    with pytest.raises(dato.DatoRuntimeError) as info:
        dato.compile(top).run(np.array([100, 5], object))
    check_error(info, "# E-wide-shift", "a shift by 100 is outside 0..99, the bit positions of")


def test_constants_and_indices_take_the_operators():
    @dato.region
    def top(A: int32[8]):
        @dato.task(args=[A])
        def t(a: int32[8]):
            for i in range(4):
                a[i << 1] = a[i << 1] | ((1 << 4) - 1)

    A = np.zeros(8, np.int32)
    dato.compile(top).run(A)
    assert A.tolist() == [15, 0] * 4

    @dato.region
    def negative(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[0] = 1 << -1  # E-negative

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(negative)
    check_error(info, "# E-negative", "a shift by -1 is negative in a constant expression")
