"""FIFO state at exit: a producer may put up to ``depth`` elements more than its consumer gets.
They stay in the FIFO (sim and perf report them), the HLS and NPU designs drain them so that
the next invocation starts clean, and more than fit is a located error. Cannon's GEMM, which
leaves one block in every channel, runs on every backend that can express it."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import Stream, float32, int16, int32
from datobench.programs import cannon_gemm


def leaving(extra: int, depth: int = 2):
    """A producer that puts four tiles and a consumer that gets ``4 - extra`` of them."""
    kept = 4 - extra

    @dato.region
    def top(A: float32[64], B: float32[64]):
        s: Stream[float32[16], depth]  # E-leftover

        @dato.task(args=[A])
        def prod(a: float32[64]):
            for i in range(4):
                s.put(a[i * 16 : (i + 1) * 16])

        @dato.task(args=[B])
        def cons(b: float32[64]):
            for i in range(kept):
                b[i * 16 : (i + 1) * 16] = s.get()

    return top


def expected(extra: int) -> np.ndarray:
    out = np.arange(64, dtype=np.float32)
    out[(4 - extra) * 16 :] = 0
    return out


@pytest.mark.parametrize("extra", [1, 2])
def test_up_to_depth_elements_stay_in_the_fifo_and_the_run_says_so(extra):
    B = np.zeros(64, np.float32)
    result = dato.compile(leaving(extra)).run(np.arange(64, dtype=np.float32), B)
    np.testing.assert_array_equal(B, expected(extra))
    assert result.transfers == {"s": 4}
    assert result.leftover == {"s": extra}
    assert f"elements left in FIFOs at exit: {extra} in 's'" in result.summary()


def test_a_run_that_leaves_nothing_says_nothing_about_it():
    A = np.arange(64, dtype=np.float32)
    result = dato.compile(leaving(0)).run(A, np.zeros(64, np.float32))
    assert result.leftover == {}
    assert "left in FIFOs" not in result.summary()


def test_more_left_over_than_the_depth_holds_is_an_error_with_the_counts_and_depth():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(leaving(3))
    check_error(
        info,
        "# E-leftover",
        "stream channel 's': 'prod' puts 4 elements but 'cons' gets 1; the 3 left over do not "
        "fit in its depth of 2 (up to depth elements may stay in a FIFO at exit)",
    )
    assert any(note.startswith("put at ") for note in info.value.notes)


@pytest.mark.parametrize("target", ["npu1_4col", "u280"])
def test_perf_shows_the_leftovers_in_the_occupancy_at_the_end(target):
    prog = dato.compile(leaving(2), target=target)
    result = prog.run(np.arange(64, dtype=np.float32), np.zeros(64, np.float32), backend="perf")
    assert result.leftover == {"s": 2}
    assert result.channels["s"][-1][1] == 2  # the fill level once the run is over
    assert "elements left in FIFOs at exit: 2 in 's'" in result.summary()
    assert "elements left in FIFOs at exit: 2 in 's'" in str(result)


def test_the_hls_kernel_drains_the_leftovers_and_csim_equals_sim():
    prog = dato.compile(leaving(2))
    consumer = prog.emit("hls").split("void cons")[1].split("\n}\n")[0]
    assert consumer.count("s.read()") == 2  # one in the user's loop, one in the drain's
    B = np.zeros(64, np.float32)
    prog.run(np.arange(64, dtype=np.float32), B, backend="csim")
    np.testing.assert_array_equal(B, expected(2))


def test_the_npu_design_drains_the_leftovers_so_the_next_invocation_starts_clean():
    prog = dato.compile(leaving(2), target="npu1_4col")
    assert "@s(Consume" in prog.emit("mlir-aie")
    A = np.arange(64, dtype=np.float32)
    for _ in range(2):  # aie-emu checks that each invocation ends with the design at rest
        B = np.zeros(64, np.float32)
        prog.run(A, B, backend="aie-emu")
        np.testing.assert_array_equal(B, expected(2))


def test_a_leftover_in_one_channel_of_a_stream_array_is_named_by_its_index():
    @dato.region
    def top(A: int32[8], B: int32[8]):
        s: Stream[int32[4], 1][2]

        @dato.task(mapping=[2], args=[A])
        def prod(a: int32[8]):
            i = dato.pid()
            s[i].put(a[0:4])
            s[i].put(a[4:8])

        @dato.task(mapping=[2], args=[B])
        def cons(b: int32[8]):
            i = dato.pid()
            b[i * 4 : i * 4 + 4] = s[i].get()

    B = np.zeros(8, np.int32)
    result = top(np.arange(8, dtype=np.int32), B)
    np.testing.assert_array_equal(B, [0, 1, 2, 3, 0, 1, 2, 3])
    assert result.leftover == {"s[0]": 1, "s[1]": 1}


# -- Cannon's GEMM: one block left in every channel --------------------------------------------


def cannon_inputs(P: int, mt: int = 4, kt: int = 8, nt: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-20, 20, (P * mt, P * kt)).astype(np.int16)
    B = rng.integers(-20, 20, (P * kt, P * nt)).astype(np.int16)
    return A, B, np.zeros((P * mt, P * nt), np.int32)


@pytest.mark.parametrize("P", [2, 3, 4])
def test_cannon_equals_numpy_and_leaves_one_block_per_channel(P):
    A, B, C = cannon_inputs(P)
    result = cannon_gemm(P, 4, 8, 4, int16, int32)(A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    assert result.leftover == {c: 1 for c in result.transfers}
    assert len(result.leftover) == 2 * P * P
    assert f"elements left in FIFOs at exit: {2 * P * P} in {2 * P * P} channels" in str(result)


@pytest.mark.parametrize("target, P", [("npu1_4col", 2), ("u280", 2), ("u280", 4)])
def test_cannon_times_on_npu_and_fpga(target, P):
    prog = dato.compile(cannon_gemm(P, 4, 8, 4, int16, int32), target=target)
    result = prog.run(*cannon_inputs(P), backend="perf")
    assert result.cycles > 0
    assert result.macs == (P * 4) * (P * 8) * (P * 4)
    assert set(result.leftover.values()) == {1} and len(result.leftover) == 2 * P * P


def test_cannon_csim_equals_sim():
    prog = dato.compile(cannon_gemm(3, 4, 8, 4, int16, int32))
    A, B, C = cannon_inputs(3)
    got = C.copy()
    prog.run(A, B, C)
    prog.run(A, B, got, backend="csim")
    np.testing.assert_array_equal(got, C)


def test_cannon_on_the_npu_is_refused_at_the_skew_with_a_capability_error():
    # The NPU's DMA needs each PE's DDR offsets before the cores run; the skew computes them.
    prog = dato.compile(cannon_gemm(2, 4, 8, 4, int16, int32), target="npu1_4col")
    with pytest.raises(dato.CapabilityError, match="depends on a value computed in the task"):
        prog.emit("mlir-aie")
