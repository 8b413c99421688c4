"""Narrow and wide integers: int4, uint8/16/32, Int(n) / UInt(n) up to 512 bits, their
wrap-around arithmetic, bit slices of scalars, packing tiles into words; the simulators
against exact Python integers, the C simulation against the simulator, the NPU's refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import Int, Stream, UInt, int4, int8, int16, int32, uint8, uint16, uint32
from datobench.core.ir import bits
from datobench.core.ir.effects import nbytes
from datobench.core.ir.types import DTYPES
from datobench.programs import packed_systolic_gemm

TARGETS = Path(dato.__file__).parent / "core" / "targets"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="csim needs g++ on PATH")


def exact(values, t) -> np.ndarray:
    """Python ints (any size) wrapped to ``t`` as two's complement, in ``t``'s storage."""
    mask, top = (1 << t.bits) - 1, 1 << t.bits
    out = [(v & mask) - top if t.signed and (v & mask) > t.max else v & mask for v in values]
    return np.array(out, t.np if t.bits <= 64 else object)


def integers(t, n: int, seed: int = 0) -> np.ndarray:
    """``n`` values spread over the whole range of ``t``, its ends included."""
    rng = np.random.default_rng(seed)
    span = t.max - t.min
    picks = [t.min, t.max, 0, t.min + 1] + [
        t.min + int(rng.integers(0, 1 << 62)) * span // (1 << 62) for _ in range(n - 4)
    ]
    return exact(picks, t)


# -- the types --------------------------------------------------------------------------------
def test_the_integer_types_and_their_names():
    assert UInt(8) == uint8 and Int(8) == int8 and Int(4) == int4 and UInt(32) == uint32
    assert str(UInt(12)) == "uint12" and str(Int(100)) == "int100"
    assert DTYPES["uint12"] == UInt(12) and DTYPES["int512"] == Int(512)
    assert (int4.np, UInt(12).np, Int(33).np, UInt(64).np) == (
        np.dtype(np.int8),
        np.dtype(np.uint16),
        np.dtype(np.int64),
        np.dtype(np.uint64),
    )
    assert UInt(65).np == np.dtype(object) and (UInt(512).min, UInt(512).max) == (0, 2**512 - 1)
    assert (Int(4).min, Int(4).max, int4(9), uint8(-1)) == (-8, 7, -7, 255)
    assert dato.int4 is int4 and dato.UInt is UInt and dato.uint16 is uint16


def test_int4_is_packed_two_to_a_byte_other_widths_take_whole_bytes():
    assert int4[64].nbytes == 32 and int4[3].nbytes == 2 and UInt(2)[8].nbytes == 2
    assert UInt(12)[4].nbytes == 8 and UInt(512)[2].nbytes == 128 and UInt(1)[16].nbytes == 2
    assert nbytes(int4[16, 16]) == 128


def test_a_width_outside_1_to_512_is_refused_at_the_call():
    with pytest.raises(dato.DatoTypeError) as info:
        UInt(513)  # E-width
    check_error(info, "# E-width", "UInt(n) takes a width n from 1 to 512 bits, not 513")
    with pytest.raises(dato.DatoTypeError, match=r"Int\(n\) takes a width n from 1 to 512"):
        Int(0)


def test_a_width_outside_1_to_512_in_a_task_body_is_located():
    @dato.region
    def top(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[0] = UInt(600)(1).astype(int32)  # E-body-width

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-body-width", "UInt(n) takes a width n from 1 to 512 bits, not 600")

    @dato.region
    def two(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[0] = Int(8, 2)(1).astype(int32)  # E-body-two

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(two)
    check_error(info, "# E-body-two", "Int(n) takes one width n")


# -- wrap-around arithmetic -------------------------------------------------------------------
WIDTHS = [int4, uint8, uint16, UInt(12), Int(12), Int(33), UInt(64), UInt(100), Int(100)]
WIDTHS += [UInt(512)]


def arithmetic(t):
    @dato.region
    def top(A: t[16], B: t[16], S: t[16], D: t[16], P: t[16], Q: t[16], R: t[16], N: t[16]):
        @dato.task(args=[A, B, S, D, P, Q, R, N])
        def t_(a: t[16], b: t[16], s: t[16], d: t[16], p: t[16], q: t[16], r: t[16], n: t[16]):
            x = a[:]
            y = b[:]
            s[:] = x + y
            d[:] = x - y
            p[:] = x * y
            q[:] = x // y
            r[:] = x % y
            n[:] = -x

    return top


@pytest.mark.parametrize("t", WIDTHS, ids=str)
def test_arithmetic_wraps_at_the_width_in_sim_and_perf(t):
    a, b = integers(t, 16, 1), integers(t, 16, 2)
    b[b == 0] = 3  # x // 0 is covered on its own below
    xs, ys = [int(v) for v in a], [int(v) for v in b]
    expected = [
        exact([x + y for x, y in zip(xs, ys)], t),
        exact([x - y for x, y in zip(xs, ys)], t),
        exact([x * y for x, y in zip(xs, ys)], t),
        exact([x // y for x, y in zip(xs, ys)], t),
        exact([x % y for x, y in zip(xs, ys)], t),
        exact([-x for x in xs], t),
    ]
    for target, backend in ((None, "sim"), ("u280", "perf")):
        outs = [
            np.zeros(16, t.np) if t.bits <= 64 else np.array([0] * 16, object) for _ in range(6)
        ]
        dato.compile(arithmetic(t), target=target).run(a, b, *outs, backend=backend)
        for got, want in zip(outs, expected):
            assert got.dtype == want.dtype
            assert [int(v) for v in got] == [int(v) for v in want], (t, backend)


def test_scalar_arithmetic_and_conversions_wrap():
    @dato.region
    def top(A: int4[4], B: UInt(100)[2], C: int32[3]):
        @dato.task(args=[A, B, C])
        def t(a: int4[4], b: UInt(100)[2], c: int32[3]):
            x = a[0] + a[1]  # 7 + 7 wraps to -2
            a[2] = x
            a[3] = int32(100).astype(int4)  # 100 = 0b1100100: the low 4 bits, 4
            w = b[0] * b[1]
            b[0] = w  # (2**99 * 3) mod 2**100 = 2**99
            c[0] = x.astype(int32)
            c[1] = (b[1] + 1).astype(int32)  # 4
            c[2] = uint8(200).astype(int32) + int32(uint8(100) + uint8(100))  # 200 + 200

    A = np.array([7, 7, 0, 0], np.int8)
    B = np.array([2**99, 3], object)
    C = np.zeros(3, np.int32)
    dato.compile(top).run(A, B, C)
    assert A.tolist() == [7, 7, -2, 4] and B.tolist() == [2**99, 3] and C.tolist() == [-2, 4, 400]


def test_mixing_widths_or_signedness_is_refused_with_the_rule():
    @dato.region
    def top(A: uint8[4], B: uint16[4]):
        @dato.task(args=[A, B])
        def t(a: uint8[4], b: uint16[4]):
            b[:] = a[:] + b[:]  # E-mix

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info,
        "# E-mix",
        "operands of '+' have different element types: uint8[4] and uint16[4]",
        ".astype(uint16)",
        "integers of different widths or signedness never mix implicitly",
    )


def test_a_literal_must_fit_the_width():
    @dato.region
    def top(A: UInt(12)[4]):
        @dato.task(args=[A])
        def t(a: UInt(12)[4]):
            a[:] = a[:] + 4096  # E-fit

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-fit", "4096 does not fit in uint12 (0..4095)")


# -- region arguments -----------------------------------------------------------------------
def test_region_arguments_are_checked_against_the_range():
    @dato.region
    def top(A: int4[4], B: UInt(100)[2]):
        @dato.task(args=[A, B])
        def t(a: int4[4], b: UInt(100)[2]):
            a[0] = a[1]

    prog = dato.compile(top)
    wide = np.array([1, 2], object)
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(np.array([0, 8, 0, 0], np.int8), wide)  # E-range
    check_error(info, "# E-range", "argument 1 ('A') of top holds 8, outside int4's range -8..7")
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(np.zeros(4, np.int8), np.array([1.5, 2], object))  # E-objects
    check_error(info, "# E-objects", "holds float values; uint100 values are Python ints")
    with pytest.raises(dato.DatoTypeError, match="expected uint100"):
        prog.run(np.zeros(4, np.int8), np.zeros(2, np.uint64))
    with pytest.raises(dato.DatoTypeError, match=r"holds -1, outside uint100's range"):
        prog.run(np.zeros(4, np.int8), np.array([-1, 2], object))


# -- bit slices -------------------------------------------------------------------------------
def bit_program():
    @dato.region
    def top(A: int32[4], W: uint32[2], R: int32[6]):
        @dato.task(args=[A, W, R])
        def t(a: int32[4], w: uint32[2], r: int32[6]):
            x = a[0]
            r[0] = x[0:8].astype(int32)  # the low byte, unsigned
            r[1] = x[28:32].astype(int32)  # the top nibble
            r[2] = x[31].astype(int32)  # the sign bit
            word = UInt(32)(0)
            for k in range(4):
                word[8 * k : 8 * k + 8] = a[k]  # the low byte of each element
            w[0] = word
            word[0:4] = 15
            word[31] = 0
            w[1] = word
            y = x
            y[4:8] += 1  # read, add, write back, wrapping in the 4 bits
            r[3] = y
            r[4] = a[1][0:16].astype(int32)
            r[5] = x[:].astype(int32)

    return top


def bit_reference(A):
    x = int(A[0]) & 0xFFFFFFFF
    word = sum((int(v) & 0xFF) << (8 * k) for k, v in enumerate(A))
    w1 = ((word & ~0xF) | 0xF) & ~(1 << 31)
    nib = ((x >> 4) + 1) & 0xF
    y = (x & ~0xF0) | (nib << 4)
    signed = y - (1 << 32) if y >> 31 else y
    r = [x & 0xFF, x >> 28, x >> 31, signed, int(A[1]) & 0xFFFF, int(A[0])]
    return [word, w1], r


def test_bit_slices_read_and_write_in_sim_and_perf():
    A = np.array([-0x1234567, 0x7FF0F, 0x12, -2], np.int32)
    w_ref, r_ref = bit_reference(A)
    for target, backend in ((None, "sim"), ("npu1_4col", "perf"), ("u280", "perf")):
        W, R = np.zeros(2, np.uint32), np.zeros(6, np.int32)
        dato.compile(bit_program(), target=target).run(A, W, R, backend=backend)
        assert W.tolist() == w_ref and R.tolist() == r_ref, backend


def test_bit_slices_of_wide_integers():
    @dato.region
    def top(A: UInt(512)[1], B: UInt(512)[1], C: uint32[2]):
        @dato.task(args=[A, B, C])
        def t(a: UInt(512)[1], b: UInt(512)[1], c: uint32[2]):
            x = a[0]
            c[0] = x[480:512].astype(uint32)
            c[1] = x[250:282].astype(uint32)
            x[0:64] = x[448:512]
            b[0] = x

    v = (0xDEADBEEF << 480) | (0xCAFEF00D << 250) | 7
    A, B, C = np.array([v], object), np.array([0], object), np.zeros(2, np.uint32)
    dato.compile(top).run(A, B, C)
    assert C.tolist() == [0xDEADBEEF, 0xCAFEF00D]
    assert B[0] == (v & ~((1 << 64) - 1)) | (v >> 448)


def test_a_computed_bit_position_out_of_range_fails_at_run_time():
    @dato.region
    def top(A: int32[2]):
        @dato.task(args=[A])
        def t(a: int32[2]):
            for k in range(5):
                a[1] = a[0][8 * k : 8 * k + 8].astype(int32)  # E-run

    with pytest.raises(dato.DatoRuntimeError) as info:
        dato.compile(top).run(np.zeros(2, np.int32))
    check_error(info, "# E-run", "bits 32:40 are outside the 32 bits of int32")


BIT_ERRORS = [
    ("x[0:i]", "a bit slice's width (hi - lo) must be a compile-time constant"),
    ("x[4:4]", "the bit slice is empty (0 bits wide)"),
    ("x[30:34]", "bits 30:34 are outside the 32 bits of an int32 scalar"),
    ("x[0:8:2]", "a bit slice takes no step"),
    ("x[0, 1]", "an int32 scalar has one dimension of bits, not several"),
    ("x[i:i + 40]", "a 40-bit slice of an int32 scalar is too wide"),
    ("x[n]", "a bit position must be an integer index, not an int32 scalar"),
    ("x[1.5]", "the float literal 1.5 cannot be used with index values"),
]


@pytest.mark.parametrize("expr, message", BIT_ERRORS, ids=[e for e, _ in BIT_ERRORS])
def test_bad_bit_slices_are_located_and_worded(tmp_path, expr, message):
    source = tmp_path / "bits_program.py"
    source.write_text(
        "import datobench as dato\n"
        "from datobench import int32\n\n"
        "@dato.region\n"
        "def top(A: int32[4]):\n"
        "    @dato.task(args=[A])\n"
        "    def t(a: int32[4]):\n"
        "        x = a[0]\n"
        "        n = a[1].astype(int32)\n"
        "        for i in range(2):\n"
        f"            a[2] = {expr}.astype(int32)  # E-bits\n"
    )
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(namespace["top"])
    error = info.value
    assert error.loc.file == str(source) and error.loc.line == 11, error
    assert message in str(error), str(error)


def test_bits_are_set_from_an_integer():
    @dato.region
    def top(A: int32[4], F: dato.float32[1]):
        @dato.task(args=[A, F])
        def t(a: int32[4], f: dato.float32[1]):
            x = a[0]
            x[0:8] = f[0]  # E-setfloat
            a[1] = x

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-setfloat", "bits of an integer are set from an integer scalar, not")

    @dato.region
    def wide(A: uint8[1]):
        @dato.task(args=[A])
        def t(a: uint8[1]):
            x = a[0]
            x[0:4] = 16  # E-setfit
            a[0] = x

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(wide)
    check_error(info, "# E-setfit", "16 does not fit in uint4 (0..15)")


# -- packing tiles into words -----------------------------------------------------------------
def test_pack_and_unpack_are_inverse_and_put_element_0_in_the_low_bits():
    weights = np.array([[1, -1, 2, -8, 0, 3, -4, 7], [7, 6, 5, 4, 3, 2, 1, 0]], np.int8)

    @dato.region
    def top(Wt: int4[2, 8], P: uint32[2, 1], U: int4[2, 8], S: UInt(64)[1], V: int4[16]):
        @dato.task(args=[Wt, P, U, S, V])
        def t(w: int4[2, 8], p: uint32[2, 1], u: int4[2, 8], s: UInt(64)[1], v: int4[16]):
            packed = dato.pack(w[:, :], uint32)
            p[:, :] = packed
            u[:, :] = dato.unpack(packed, int4)
            s[0] = dato.pack(v[:], UInt(64))  # a 1-D tile filling one word: the word
            v[:] = dato.unpack(s[0], int4)

    V = np.arange(-8, 8, dtype=np.int8)
    P, U, S = np.zeros((2, 1), np.uint32), np.zeros((2, 8), np.int8), np.zeros(1, np.uint64)
    V2 = V.copy()
    dato.compile(top).run(weights, P, U, S, V2)
    rows = [sum((int(x) & 15) << (4 * k) for k, x in enumerate(r)) for r in weights]
    assert P[:, 0].tolist() == rows and np.array_equal(U, weights)
    assert int(S[0]) == sum((int(x) & 15) << (4 * k) for k, x in enumerate(V))
    assert np.array_equal(V2, V)


def test_dato_pack_works_eagerly_on_numpy_integers():
    words = dato.pack(np.array([[1, 2, 3, 4]], np.uint8), uint32)
    assert words.tolist() == [[0x04030201]] and words.dtype == np.uint32
    assert dato.unpack(words, uint8).tolist() == [[1, 2, 3, 4]]
    with pytest.raises(TypeError, match="dato.pack and dato.unpack take integer arrays"):
        dato.pack(np.zeros(4, np.float32), uint32)


PACK_ERRORS = [
    ("dato.pack(a[:], 3)", "dato.pack packs into an integer type such as UInt(32), not 3"),
    ("dato.pack(a[:], dato.float32)", "dato.pack packs into an integer type"),
    ("dato.pack(a[0:3], UInt(32))", "the last dimension of int4[3] (3) is not a multiple of"),
    ("dato.pack(a[:], UInt(6))", "a uint6 word does not hold a whole number of int4 elements"),
    ("dato.pack(f[:], UInt(32))", "dato.pack takes integers, not float32[8]"),
    ("dato.pack(a[0], UInt(32))", "dato.pack takes a tensor, not an int4 scalar"),
    ("dato.unpack(f[:], int4)", "dato.unpack takes integers, not float32[8]"),
    ("dato.unpack(a[:], dato.bf16)", "dato.unpack unpacks into an integer type such as int4"),
]


@pytest.mark.parametrize("expr, message", PACK_ERRORS, ids=[e for e, _ in PACK_ERRORS])
def test_bad_packing_is_located_and_worded(tmp_path, expr, message):
    source = tmp_path / "pack_program.py"
    source.write_text(
        "import datobench as dato\n"
        "from datobench import UInt, int4, int32\n\n"
        "@dato.region\n"
        "def top(A: int4[8], F: dato.float32[8]):\n"
        "    @dato.task(args=[A, F])\n"
        "    def t(a: int4[8], f: dato.float32[8]):\n"
        f"        x = {expr}  # E-pack\n"
        "        a[0] = a[1]\n"
    )
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(namespace["top"])
    assert info.value.loc.file == str(source) and info.value.loc.line == 8, info.value
    assert message in str(info.value), str(info.value)


# -- matmul of int8 and int4, and the NPU's int8 x int4 MAC rate -------------------------------
def mixed_gemm(ta, tb, n: int = 64):
    @dato.region
    def mm(A: ta[n, n], B: tb[n, n], C: int32[n, n]):
        @dato.task(args=[A, B, C])
        def t(a: ta[n, n], b: tb[n, n], c: int32[n, n]):
            c[:, :] = dato.matmul(a[:, :], b[:, :], acc=int32)

    return mm


def test_int8_by_int4_matmul_is_exact_and_timed_at_the_int8xint4_rate():
    rng = np.random.default_rng(3)
    A = rng.integers(-128, 128, (64, 64)).astype(np.int8)
    B = rng.integers(-8, 8, (64, 64)).astype(np.int8)
    C = np.zeros((64, 64), np.int32)
    mixed = dato.compile(mixed_gemm(int8, int4), target="npu1_4col").run(A, B, C, backend="perf")
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    plain = dato.compile(mixed_gemm(int8, int8), target="npu1_4col").run(A, B, C, backend="perf")
    assert mixed.cycles < plain.cycles  # 512 MACs per cycle instead of 256, half the B bytes
    dato.compile(mixed_gemm(int8, int4), target="u280").run(A, B, C, backend="perf")
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


def test_a_target_without_the_int8xint4_mode_multiplies_at_the_int8_rate(tmp_path):
    text = (TARGETS / "npu1_4col.toml").read_text()
    text = text.replace(", int8xint4 = 512", "").replace('name = "npu1_4col"', 'name = "no_i4"')
    path = tmp_path / "no_i4.toml"
    path.write_text(text)
    A, C = np.ones((64, 64), np.int8), np.zeros((64, 64), np.int32)
    widened = dato.compile(mixed_gemm(int8, int4), target=str(path)).run(A, A, C, backend="perf")
    native = dato.compile(mixed_gemm(int8, int4), target="npu1_4col").run(A, A, C, backend="perf")
    assert widened.cycles > native.cycles and np.all(C == 64)


def test_other_mixed_matmuls_need_a_conversion():
    with pytest.raises(dato.DatoTypeError, match="matmul operands have different element types"):
        dato.compile(mixed_gemm(int4, int16, 8))


def test_int4_moves_half_the_bytes_of_int8():
    def copy(t):
        @dato.region
        def top(A: t[64], B: t[64]):
            @dato.task(args=[A, B])
            def c(a: t[64], b: t[64]):
                b[:] = a[:]

        return top

    A, B = np.ones(64, np.int8), np.zeros(64, np.int8)
    packed = dato.compile(copy(int4)).run(A, B)
    plain = dato.compile(copy(int8)).run(A, B)
    assert packed.ddr_bytes == {("A", "read"): 32, ("B", "write"): 32}
    assert plain.ddr_bytes == {("A", "read"): 64, ("B", "write"): 64}
    timed = dato.compile(copy(int4), target="npu1_4col").run(A, B, backend="perf")
    assert timed.dram_bytes == 64
    assert "32 B" in str(dato.compile(copy(int4), target="npu1_4col").mapping)


# -- the NPU backend --------------------------------------------------------------------------
def test_the_npu_backend_refuses_integer_types_mlir_aie_does_not_take():
    @dato.region
    def top(A: int8[16], B: uint16[16]):  # E-npu
        s: Stream[int8[16], 2]

        @dato.task(args=[A])
        def p(a: int8[16]):
            s.put(a[:])

        @dato.task(args=[B])
        def q(b: uint16[16]):
            b[:] = s.get().astype(uint16)

    prog = dato.compile(top, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    check_error(
        info,
        "# E-npu",
        "the NPU backend builds int8, int16, int32, bf16 and float32 values; parameter 'B' is "
        "uint16",
    )
    A, B = np.arange(16, dtype=np.int8), np.zeros(16, np.uint16)
    prog.run(A, B, backend="perf")  # timing needs no NPU code
    assert B.tolist() == list(range(16))


def test_the_npu_backend_refuses_a_narrow_value_inside_a_task():
    @dato.region
    def top(A: int8[16]):
        @dato.task(args=[A])
        def t(a: int8[16]):
            a[0] = a[1][0:4].astype(int8)  # E-narrow-value

    with pytest.raises(dato.CapabilityError) as info:
        dato.compile(top, target="npu1_4col").emit("mlir-aie")
    check_error(info, "# E-narrow-value", "this value is uint4, which its mlir-aie cores")


def test_the_npu_backend_has_no_kernels_for_packing_or_bit_slices_yet():
    @dato.region
    def top(A: int8[16], B: int32[4]):
        @dato.task(args=[A, B])
        def t(a: int8[16], b: int32[4]):
            b[:] = dato.pack(a[:], int32)  # E-kernel-pack

    with pytest.raises(dato.CapabilityError) as info:
        dato.compile(top, target="npu1_4col").emit("mlir-aie")
    check_error(info, "# E-kernel-pack", "the NPU backend has no AIE kernel for dato.pack yet")

    @dato.region
    def bits_only(B: int32[4]):
        @dato.task(args=[B])
        def t(b: int32[4]):
            x = b[0]
            x[0:8] = b[1]  # E-kernel-set
            b[2] = x

    with pytest.raises(dato.CapabilityError) as info:
        dato.compile(bits_only, target="npu1_4col").emit("mlir-aie")
    check_error(info, "# E-kernel-set", "no AIE kernel for bit slices yet")


# -- HLS and C simulation ---------------------------------------------------------------------
def everything_arrays(seed: int):
    rng = np.random.default_rng(seed)
    wide = [int(rng.integers(0, 1 << 62)) << (64 * k) for k in range(8)]
    return [
        rng.integers(-8, 8, 16).astype(np.int8),
        np.array([sum(wide), sum(wide) >> 7], object),
        rng.integers(-2048, 2048, 8).astype(np.int16),
        np.array([int(rng.integers(1, 1 << 62)) << 37 for _ in range(4)], object),
        rng.integers(0, 1 << 32, (2, 1), dtype=np.uint64).astype(np.uint32),
        np.zeros(4, np.int32),
    ]


@needs_gxx
def test_csim_equals_sim_for_every_width():
    prog = dato.compile(_everything)
    code = prog.emit("hls")
    assert "ap_int<4>" in code and "ap_uint<512>" in code and "ap_int<12>" in code
    assert "dato::get_bits<32>" in code and "dato::set_bits<12>" in code
    for seed in range(2):
        ref, got = everything_arrays(seed), everything_arrays(seed)
        prog.run(*ref, backend="sim")
        prog.run(*got, backend="csim")
        for r, g in zip(ref, got):
            assert [int(v) for v in r.flat] == [int(v) for v in g.flat]


@dato.region
def _everything(
    A: int4[16], W: UInt(512)[2], X: Int(12)[8], Y: UInt(100)[4], P: uint32[2, 1], R: int32[4]
):
    @dato.task(args=[A, W, X, Y, P, R])
    def t(
        a: int4[16],
        w: UInt(512)[2],
        x: Int(12)[8],
        y: UInt(100)[4],
        p: uint32[2, 1],
        r: int32[4],
    ):
        a[0:8] = a[0:8] * a[8:16] + int4(3)
        x[:] = x[:] * x[:] - Int(12)(2047)
        x[0] = x[1] // x[2] + x[3] % x[4]
        y[:] = y[:] * y[:] + (-y[:])
        y[1] = y[2] // y[3]
        word = w[0]
        word[500:512] = x[5]
        word[3] = 1
        w[1] = word + w[0] * w[0]
        p[0, 0] = dato.pack(a[0:8], uint32)
        a[8:16] = dato.unpack(p[1, 0], int4)
        r[0] = word[250:282].astype(int32)
        r[1] = a[:].astype(int32).sum()
        r[2] = dato.maximum(x[:], x[0]).astype(int32).sum()
        r[3] = dato.abs(a[:]).astype(int32).max()


@needs_gxx
def test_the_packed_systolic_array_in_csim_equals_sim():
    region = packed_systolic_gemm(2, 2, 8, 8, 16, 16, UInt(64))  # 16 weights to a word
    rng = np.random.default_rng(5)
    A = rng.integers(-128, 128, (16, 16)).astype(np.int8)
    B = rng.integers(-8, 8, (16, 32)).astype(np.int8)
    prog = dato.compile(region)
    C_sim, C_csim = np.zeros((16, 32), np.int32), np.zeros((16, 32), np.int32)
    prog.run(A, B, C_sim, backend="sim")
    prog.run(A, B, C_csim, backend="csim")
    assert np.array_equal(C_sim, A.astype(np.int32) @ B.astype(np.int32))
    assert np.array_equal(C_csim, C_sim)


def test_the_wrap_helper_matches_python_integers():
    for t in [t for t in WIDTHS if not t.native]:
        values = [t.min - 5, t.max + 9, 3 * t.max, -(t.max // 2)]
        given = np.array(values, object) if t.bits > 64 else np.array(values, np.int64)
        assert [int(v) for v in bits.wrap(given, t)] == [int(v) for v in exact(values, t)], t


@dato.region
def wide_tiles(A: UInt(100)[2, 2], B: UInt(100)[2, 2], C: int32[2], F: dato.float32[2]):
    @dato.task(args=[A, B, C, F])
    def t(a: UInt(100)[2, 2], b: UInt(100)[2, 2], c: int32[2], f: dato.float32[2]):
        b[:, :] = dato.matmul(a[:, :], a[:, :])
        c[:] = a[0, :].astype(int32)
        c[0] = a[:, :].sum().astype(int32)
        f[:] = a[1, :].astype(dato.float32)
        b[1, :] = f[:].astype(UInt(100))


def wide_arrays():
    A = np.array([[2**99 + 5, 3], [7, 2**64 + 1]], object)
    return [A, np.array([[0, 0], [0, 0]], object), np.zeros(2, np.int32), np.zeros(2, np.float32)]


def test_matmul_sums_and_conversions_of_integers_wider_than_64_bits_are_exact():
    A, B, C, F = wide_arrays()
    dato.compile(wide_tiles).run(A, B, C, F)
    m = (1 << 100) - 1
    assert B[0].tolist() == [sum(int(A[0, k]) * int(A[k, j]) for k in range(2)) & m for j in (0, 1)]
    assert C.tolist() == [(2**99 + 5 + 3 + 7 + 2**64 + 1) & 0xFFFFFFFF, 3]
    assert F.tolist() == [7.0, float(np.float32(2**64))] and B[1].tolist() == [7, 2**64]


@needs_gxx
def test_wide_tiles_in_csim_equal_sim():
    prog = dato.compile(wide_tiles)
    ref, got = wide_arrays(), wide_arrays()
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for r, g in zip(ref, got):
        assert [int(v) for v in r.flat] == [int(v) for v in g.flat]
