"""bfp16, block floating point: the emulation against hand-worked blocks and a per-element
reference, conversions and matmul in task bodies, storage in the ledger, the MAC rate, and the
refusals (typing, arguments, npu1, the NPU and HLS backends)."""

from __future__ import annotations

import re
import struct

import numpy as np
import pytest
from helpers import check_error, region_of

import datobench as dato
from datobench import bf16, bfp16, float32
from datobench.core.ir import bfp
from datobench.core.ir.types import TensorType

HERE = __file__


# -- the format, by hand -----------------------------------------------------------------------


def block(*values):
    return np.array(values, np.float32)


def test_the_shared_exponent_is_the_largest_and_mantissas_count_its_steps():
    exponents, mantissas = bfp.encode(block(1.0, 0.5, 0.25, -0.75, 1.5, 0, 0.125, -1.0))
    assert exponents.tolist() == [127]  # 1.5's exponent field, the block's largest
    assert mantissas.tolist() == [[64, 32, 16, -48, 96, 0, 8, -64]]  # steps of 2**-6


def test_mantissas_are_truncated_toward_minus_infinity_not_rounded_to_nearest():
    # 1 + 3/128 is 65.5 steps of 2**-6: nearest-even would give 66, truncation gives 65
    x = block(1 + 3 / 128, -(1 + 3 / 128), 1 + 1 / 128, 0, 0, 0, 0, 0)
    assert bfp.encode(x)[1][0, :3].tolist() == [65, -66, 64]
    assert bfp.quantise(x)[:3].tolist() == [1.015625, -1.03125, 1.0]


def test_a_block_of_zeros_has_exponent_zero():
    exponents, mantissas = bfp.encode(np.zeros(8, np.float32))
    assert exponents.tolist() == [0] and not mantissas.any()
    assert not bfp.quantise(np.zeros(8, np.float32)).any()


def test_small_values_lose_bits_beside_a_large_one():
    x = block(4.0, 0.03, -0.03, 0.1, 0.0625, 3.99, -4.0, 0.001)
    # exponent 129: steps of 2**-4; 0.03 is under one step, -0.03 truncates to -1 step
    assert bfp.encode(x)[0].tolist() == [129]
    assert bfp.quantise(x).tolist() == [4.0, 0.0, -0.0625, 0.0625, 0.0625, 3.9375, -4.0, 0.0]


def test_a_negative_value_may_truncate_into_the_next_exponent():
    q = bfp.quantise(block(1.99, -1.99, 0, 0, 0, 0, 0, 0))
    assert q[:2].tolist() == [1.984375, -2.0]  # -128 steps: still one block of exponent 127
    assert bfp.representable(q).all()  # so it is a bfp16 block, though quantising again moves it


def test_infinities_and_nan_make_their_block_nan_and_subnormals_alone_are_zero():
    x = np.zeros(16, np.float32)
    x[0], x[9] = np.inf, 1.0
    q = bfp.quantise(x)
    assert np.isnan(q[:8]).all() and q[9] == 1.0
    tiny = np.full(8, 1e-40, np.float32)  # subnormal float32
    assert not bfp.quantise(tiny).any()


def _reference_block(values: list[float]) -> list[float]:
    """AMD's quantiser one element at a time, on the bits: two's-complement significand at
    the element's exponent, shifted down arithmetically to the block's."""
    fields = [struct.unpack("<I", struct.pack("<f", v))[0] for v in values]
    largest = max((f >> 23) & 0xFF for f in fields)
    out = []
    for f in fields:
        field, fraction = (f >> 23) & 0xFF, f & 0x7FFFFF
        significand = fraction | 0x800000 if field else fraction
        signed = -significand if f >> 31 else significand
        mantissa = signed >> (17 + largest - max(field, 1)) if field else 0
        out.append(mantissa * 2.0 ** (largest - 133) if largest else 0.0)
    return out


def test_quantise_equals_a_per_element_reference_on_mixed_magnitudes():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((64, 24)) * 2.0 ** rng.integers(-12, 12, (64, 24))).astype(np.float32)
    got = bfp.quantise(x, axis=0)
    for j in range(x.shape[1]):
        for b in range(0, 64, 8):
            assert got[b : b + 8, j].tolist() == _reference_block(x[b : b + 8, j].tolist())
    assert np.array_equal(bfp.quantise(x.T, axis=1), got.T)  # the axis is the blocked one


def test_storage_is_nine_bytes_per_eight_values():
    assert TensorType(bfp16, (64, 128)).nbytes == 64 * 128 * 9 // 8
    assert bfp16[64, 128].nbytes == 9216


# -- in task bodies ----------------------------------------------------------------------------


@dato.region
def mixed(A: bf16[16, 32], B: bfp16[32, 8], C: bf16[16, 8], F: float32[16, 8]):
    @dato.task(args=[A, B, C, F])
    def t(a: bf16[16, 32], b: bfp16[32, 8], c: bf16[16, 8], f: float32[16, 8]):
        c[:, :] = dato.matmul(a[:, :], b[:, :], acc=bf16)  # mixed
        f[:, :] = dato.matmul(a[:, :], b[:, :], acc=float32)


@dato.region
def both_blocked(AT: bfp16[32, 16], B: bfp16[32, 8], C: float32[16, 8]):
    @dato.task(args=[AT, B, C])
    def t(at: bfp16[32, 16], b: bfp16[32, 8], c: float32[16, 8]):
        c[:, :] = dato.matmul(at[:, :].T, b[:, :], acc=float32)


@dato.region
def converts(X: float32[16, 8], Y: bf16[16, 8]):
    @dato.task(args=[X, Y])
    def t(x: float32[16, 8], y: bf16[16, 8]):
        y[:, :] = x[:, :].astype(bfp16).astype(bf16)


def _operands(rng, m=16, k=32, n=8):
    A = rng.standard_normal((m, k)).astype(bf16.np)
    B = dato.quantise_bfp16(rng.standard_normal((k, n)).astype(np.float32))
    return A, B


def test_matmul_quantises_a_along_k_sums_in_float32_and_rounds_once():
    A, B = _operands(np.random.default_rng(2))
    C, F = np.zeros((16, 8), bf16.np), np.zeros((16, 8), np.float32)
    mixed(A, B, C, F)
    exact = bfp.quantise(A, axis=1).astype(np.float64) @ B.astype(np.float64)
    assert np.array_equal(F, exact.astype(np.float32))
    assert np.array_equal(C, exact.astype(np.float32).astype(bf16.np))  # one rounding to bf16
    assert not np.array_equal(F, A.astype(np.float32) @ B)  # A lost bits on the way in


def test_bfp16_times_bfp16_multiplies_the_values_as_stored():
    rng = np.random.default_rng(3)
    AT = dato.quantise_bfp16(rng.standard_normal((32, 16)).astype(np.float32))
    B = dato.quantise_bfp16(rng.standard_normal((32, 8)).astype(np.float32))
    C = np.zeros((16, 8), np.float32)
    both_blocked(AT, B, C)
    assert np.array_equal(C, (AT.T.astype(np.float64) @ B).astype(np.float32))


def test_conversions_into_bfp16_block_down_axis_0_and_out_are_exact():
    X = np.random.default_rng(4).standard_normal((16, 8)).astype(np.float32)
    Y = np.zeros((16, 8), bf16.np)
    converts(X, Y)
    assert np.array_equal(Y.astype(np.float32), bfp.quantise(X, axis=0))


def test_a_region_argument_must_hold_bfp16_values():
    A, B = _operands(np.random.default_rng(5))
    B[3, 1] = 0.1  # not on the grid of its block
    C, F = np.zeros((16, 8), bf16.np), np.zeros((16, 8), np.float32)
    with pytest.raises(dato.DatoTypeError, match=r"holds 0\.1\d* at \[3, 1\], in a block of 8"):
        mixed(A, B, C, F)
    with pytest.raises(dato.DatoTypeError, match="that bfp16 does not represent: quantise it"):
        mixed(A, B, C, F)


def test_quantise_bfp16_checks_its_input():
    with pytest.raises(dato.DatoTypeError, match="dato.quantise_bfp16 takes floats") as e:
        dato.quantise_bfp16(np.zeros(8, np.int32))
    assert e.value.loc.file == HERE
    with pytest.raises(dato.DatoTypeError, match=r"axis 0 of a \[12\] array is of size 12, not a"):
        dato.quantise_bfp16(np.zeros(12, np.float32))
    with pytest.raises(dato.DatoTypeError, match="not a multiple of the bfp16 block"):
        dato.quantise_bfp16(np.zeros((8, 8), np.float32), axis=2)


# -- the typing rules --------------------------------------------------------------------------


def test_a_bfp16_shape_blocks_axis_0_in_eights():
    with pytest.raises(dato.DatoTypeError, match="bfp16 stores blocks of 8 values along axis 0"):
        bfp16[12, 8]
    with pytest.raises(dato.DatoTypeError, match="has no axis to block"):
        bfp16[()]


def _compile_error(source: str, tmp_path):
    """Compile the region of a file (the front end reads sources) and return its error."""
    path = tmp_path / "prog.py"
    path.write_text("import datobench as dato\nfrom datobench import *\n" + source)
    with pytest.raises(dato.DatoError) as e:
        dato.compile(region_of(path))
    return e.value


BODY = """
@dato.region
def r(A: {a}, B: {b}, C: {c}):
    @dato.task(args=[A, B, C])
    def t(a: {a}, b: {b}, c: {c}):
        {line}
"""


@pytest.mark.parametrize(
    "a, b, c, line, message",
    [
        (
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "c[:, :] = a[:, :] + b[:, :]",
            r"'\+' is not defined on bfp16 \(bfp16\[8, 8\]\): bfp16 values go into dato\.matmul",
        ),
        (
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "bfp16[8]",
            "c[:] = a[:, :].sum(axis=0)",
            r"\.sum\(\) is not defined on bfp16",
        ),
        (
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "boolean[8, 8]",
            "c[:, :] = a[:, :] < b[:, :]",
            "'<' is not defined on bfp16",
        ),
        (
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "c[:, :] = -a[:, :]",
            "unary '-' is not defined on bfp16",
        ),
        (
            "bfp16[8, 8]",
            "bf16[8, 8]",
            "float32[8, 8]",
            "c[:, :] = dato.matmul(a[:, :], b[:, :], acc=float32)",
            "a bfp16 matmul takes a bf16 or bfp16 A and a bfp16 B",
        ),
        (
            "bf16[8, 4]",
            "bfp16[8, 8]",
            "float32[8, 8]",
            "c[:, :] = dato.matmul(a[:, :], b[0:4, :], acc=float32)",
            r"a bfp16 matmul reduces K in blocks of 8, and bf16\[8, 4\] @ bfp16\[4, 8\] has K = 4",
        ),
        (
            "bf16[8, 8]",
            "bfp16[8, 8]",
            "int32[8, 8]",
            "c[:, :] = dato.matmul(a[:, :], b[:, :], acc=int32)",
            "a bfp16 matmul accumulates in float32 and gives bf16 or float32, not int32",
        ),
        (
            "int8[8, 8]",
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "c[:, :] = a[:, :].astype(bfp16)",
            r"bfp16 converts from and to bf16 or float32, not int8\[8, 8\] to bfp16",
        ),
        (
            "bf16[8, 8]",
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "c[0, 0] = a[0, 0].astype(bfp16)",
            "bfp16 holds blocks of 8 values: convert a tile, not a bf16 scalar",
        ),
        (
            "bf16[8, 8]",
            "bfp16[8, 8]",
            "bfp16[8, 8]",
            "c[0:4, :] = a[0:4, :].astype(bfp16)",
            r"bfp16\[4, 8\]: bfp16 stores blocks of 8 values along axis 0, and 4 is not",
        ),
    ],
)
def test_typing_errors_are_located(tmp_path, a, b, c, line, message):
    error = _compile_error(BODY.format(a=a, b=b, c=c, line=line), tmp_path)
    assert isinstance(error, dato.DatoTypeError)
    assert "prog.py:8:" in str(error), str(error)  # the body's line
    assert re.search(message, str(error)), str(error)


# -- the layers below --------------------------------------------------------------------------


def test_the_ledger_and_the_transfers_count_nine_bytes_per_eight_values():
    prog = dato.compile(mixed, target="npu2")
    items = dict(prog.mapping.tiles["0,2"].items["data memory"])
    b_buffer = next(v for k, v in items.items() if k.startswith("B["))
    assert b_buffer == 2 * 32 * 8 * 9 // 8  # ping-pong
    moved = {s.buffer: s.bytes for s in prog.mapping.offchip}
    assert moved["B"] == 2 * 32 * 8 * 9 // 8  # read by both matmuls


def test_perf_runs_the_matmul_at_the_bfp16_rate():
    A, B = _operands(np.random.default_rng(6))
    prog = dato.compile(mixed, target="npu2")
    result = prog.run(
        A, B, np.zeros((16, 8), bf16.np), np.zeros((16, 8), np.float32), backend="perf"
    )
    assert result.peak_macs_per_cycle == 32 * 512  # npu2's cores at the bfp16 rate


def test_npu1_has_no_bfp16_datapath():
    prog = dato.compile(mixed, target="npu1")
    with pytest.raises(dato.CapabilityError, match="target 'npu1' has no bfp16 datapath") as e:
        prog.run(backend="perf", values=False)
    check_error(e, "acc=bf16)  # mixed", "or compile for npu2")


def test_the_npu_and_hls_backends_refuse_bfp16_at_first_use():
    with pytest.raises(dato.CapabilityError, match="the NPU backend has no bfp16 kernels yet"):
        dato.compile(mixed, target="npu2").emit("mlir-aie")
    with pytest.raises(dato.CapabilityError, match="build with AMD's chess compiler, not Peano"):
        dato.compile(mixed, target="npu1").emit("mlir-aie")
    with pytest.raises(dato.CapabilityError, match="the HLS backend has no bfp16 type") as e:
        dato.compile(mixed, target="u250").emit("hls")
    assert "parameter 'B' is bfp16" in str(e.value)


@dato.region
def plain(A: bf16[64, 64], B: bf16[64, 64], C: bf16[64, 64]):
    @dato.task(args=[A, B, C])
    def t(a: bf16[64, 64], b: bf16[64, 64], c: bf16[64, 64]):
        c[:, :] = dato.matmul(a[:, :], b[:, :], acc=bf16)  # bf16 B


@dato.region
def blocked(A: bf16[64, 64], B: bfp16[64, 64], C: bf16[64, 64]):
    @dato.task(args=[A, B, C])
    def t(a: bf16[64, 64], b: bfp16[64, 64], c: bf16[64, 64]):
        c[:, :] = dato.matmul(a[:, :], b[:, :], acc=bf16)  # bfp16 B


def test_a_bfp16_b_makes_the_matmul_faster_than_bf16_on_npu2():
    tiles = [
        dato.compile(r, target="npu2").run(backend="perf", values=False).tiles
        for r in (plain, blocked)
    ]
    # bf16 is capped by its measured kernel rate (158 MACs/cycle); bfp16 runs at up to 512
    assert tiles[1]["0,2"].busy < 0.7 * tiles[0]["0,2"].busy
