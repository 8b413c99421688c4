"""Plain Python functions called from a task body are inlined: their bodies are read and checked
like task bodies, their parameters stand for the call's values and their `return` gives the
call's value. Each program runs the same on sim, perf, csim and the NPU emulator."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, random_arrays

import datobench as dato
from datobench import Stream, float32, int32


def scaled(x, k):
    """A helper returning a value: a tile times a compile-time size."""
    return x * k + 1


def send_halves(s, a, n):
    """A helper called for its effect: it puts two slices of the caller's tensor."""
    s.put(a[0:n])
    s.put(a[n : 2 * n])


def accumulate(acc, x):
    """A helper that rebinds its scalar parameter and returns the new value."""
    for i in range(4):
        acc = acc + x[i]
    return acc


def write_into(b, i, v):
    """A helper writing into the caller's tensor."""
    b[i] = v


def outer(x):
    return twice(x) + scaled(x, 2)


def twice(x):
    return x + x


def helper_program():
    @dato.region
    def helpers(A: int32[16], B: int32[16], C: int32[4]):
        pipe: Stream[int32[4], 2]

        @dato.task(args=[A])
        def producer(a: int32[16]):
            send_halves(pipe, a, 4)
            send_halves(pipe, a[8:16], 4)

        @dato.task(args=[B, C])
        def consumer(b: int32[16], c: int32[4]):
            for i in range(4):
                t = pipe.get()
                b[i * 4 : i * 4 + 4] = outer(t)
                total = accumulate(int32(0), t)
                write_into(c, i, total * 2)

    return helpers


def numpy_reference(A):
    tiles = A.reshape(4, 4)
    B = (tiles + tiles + tiles * 2 + 1).reshape(16)
    C = tiles.sum(axis=1) * 2
    return B, C


def test_helpers_are_inlined_and_sim_matches_numpy():
    prog = dato.compile(helper_program())
    A, B, C = random_arrays(prog)
    prog.run(A, B, C, backend="sim")
    want_b, want_c = numpy_reference(A)
    np.testing.assert_array_equal(B, want_b)
    np.testing.assert_array_equal(C, want_c)


def run_both(prog, backend, **options):
    ref, got = random_arrays(prog, 2), random_arrays(prog, 2)
    prog.run(*ref, backend="sim")
    result = prog.run(*got, backend=backend, **options)
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
    return result


def test_inlined_helpers_run_in_perf():
    for target in ("npu1_4col", "u280"):
        prog = dato.compile(helper_program(), target=target)
        result = prog.run(*random_arrays(prog), backend="perf")
        assert result.cycles > 0


def test_inlined_helpers_in_csim_equal_sim():
    run_both(dato.compile(helper_program()), "csim")


def test_inlined_helpers_on_the_npu_emulator_equal_sim():
    prog = dato.compile(helper_program(), target="npu1_4col")
    assert prog.emit("mlir-aie").startswith("// mlir-aie release")
    run_both(prog, "aie-emu")


def test_a_scalar_local_stored_into_a_parameter_reaches_it_on_the_npu():
    # The NPU emitter once let a scalar "own" its output FIFO's object, and stored nothing.
    @dato.region
    def doubled(A: int32[4], C: int32[4]):
        pipe: Stream[int32, 2]

        @dato.task(args=[A])
        def producer(a: int32[4]):
            for i in range(4):
                pipe.put(a[i])

        @dato.task(args=[C])
        def consumer(c: int32[4]):
            for i in range(4):
                v = pipe.get() * 2
                c[i] = v

    run_both(dato.compile(doubled, target="npu1_4col"), "aie-emu")


# -- sizes, keywords, defaults, pids ----------------------------------------------------------


def ramp(n, step=1, dtype=int32):
    """Python ints bound to a helper stay compile-time: they size tiles and bound loops."""
    out = dato.zeros((n,), dtype)
    for i in range(n):
        out[i] = dtype(i * step)
    return out


def position():
    return dato.pid()


def test_sizes_keywords_defaults_and_the_pid_pass_through_helpers():
    @dato.region
    def ramps(A: int32[4, 8], B: float32[8]):
        @dato.task(mapping=[4], args=[A])
        def rows(a: int32[4, 8]):
            i = position()
            a[i, 0:8] = ramp(8, step=i + 1)

        @dato.task(args=[B])
        def floats(b: float32[8]):
            b[0:8] = ramp(8, dtype=float32) + ramp(n=8, step=2, dtype=float32)

    prog = dato.compile(ramps)
    A, B = np.zeros((4, 8), np.int32), np.zeros(8, np.float32)
    prog.run(A, B, backend="sim")
    np.testing.assert_array_equal(A, np.arange(8) * np.arange(1, 5)[:, None])
    np.testing.assert_array_equal(B, np.arange(8) * 3.0)
    run_both(prog, "csim")
    assert dato.compile(ramps, target="u280").run(A, B, backend="perf").cycles > 0


def window(a, row, n, offset=0):
    """A slice of the caller's tensor, sized by compile-time ints."""
    return a[row, offset : offset + n]


def halves(r):
    return r[0:4] + r[4:8]


def test_helpers_slice_the_callers_tensor_on_the_npu():
    @dato.region
    def windows(A: int32[4, 8], B: int32[4, 4]):
        @dato.task(args=[A, B])
        def rows(a: int32[4, 8], b: int32[4, 4]):
            for i in range(4):
                b[i, 0:4] = halves(window(a, i, n=8))

    prog = dato.compile(windows, target="npu1_4col")
    A, B = random_arrays(prog)
    prog.run(A, B, backend="sim")
    np.testing.assert_array_equal(B, A[:, :4] + A[:, 4:])
    run_both(prog, "aie-emu")
    run_both(dato.compile(windows), "csim")
