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
