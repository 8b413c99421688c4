"""Issue 13, "Bugs found": each program as a user wrote it, through sim (against numpy), csim
(equal to sim) and, where the NPU path takes it, mlir-aie and aie-emu; the errors located."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import Stream, float32, int16, int32


def sim_and_csim(prog, *arrays: np.ndarray) -> list[np.ndarray]:
    """Run on sim and csim from the same inputs; csim must agree bit for bit. The sim's arrays."""
    ref = [a.copy() for a in arrays]
    got = [a.copy() for a in arrays]
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
    return ref


# -- a drained stream element -------------------------------------------------------------------
def test_a_drained_scalar_compiles_in_csim_and_is_still_read():
    @dato.region
    def top(A: int16[4], B: int16[2]):
        s: Stream[int16, 2]

        @dato.task(args=[A])
        def producer(a: int16[4]):
            for i in range(4):
                s.put(a[i])

        @dato.task(args=[B])
        def consumer(b: int16[2]):
            for i in range(2):
                x = s.get()  # noqa: F841 (drained: x is never used)
            for i in range(2):
                b[i] = s.get()

    A = np.array([1, 2, 3, 4], np.int16)
    _, B = sim_and_csim(dato.compile(top), A, np.zeros(2, np.int16))
    np.testing.assert_array_equal(B, A[2:])  # the first two were read and dropped


def test_a_drained_tile_and_a_bare_get_compile_in_csim():
    @dato.region
    def top(A: int16[12], B: int16[4]):
        s: Stream[int16[4], 2]

        @dato.task(args=[A])
        def producer(a: int16[12]):
            for i in range(3):
                s.put(a[i * 4 : i * 4 + 4])

        @dato.task(args=[B])
        def consumer(b: int16[4]):
            x = s.get()  # noqa: F841 (drained)
            s.get()
            b[:] = s.get()

    A = np.arange(12, dtype=np.int16)
    _, B = sim_and_csim(dato.compile(top), A, np.zeros(4, np.int16))
    np.testing.assert_array_equal(B, A[8:])


# -- a whole parameter put on a stream ----------------------------------------------------------
def whole_parameter_put():
    @dato.region
    def top(A: int16[4, 4], B: int16[4, 4]):
        s: Stream[int16[4, 4], 2]

        @dato.task(args=[A])
        def producer(a: int16[4, 4]):
            s.put(a)  # the whole parameter, not a[:, :]

        @dato.task(args=[B])
        def consumer(b: int16[4, 4]):
            b[:, :] = s.get() + 1

    return top


def test_a_whole_parameter_put_on_a_stream_runs_in_csim():
    A = np.arange(16, dtype=np.int16).reshape(4, 4)
    _, B = sim_and_csim(dato.compile(whole_parameter_put()), A, np.zeros_like(A))
    np.testing.assert_array_equal(B, A + 1)


def test_a_whole_parameter_put_on_a_stream_runs_on_the_npu_emulator():
    prog = dato.compile(whole_parameter_put(), target="npu1_4col")
    assert "aie.objectfifo" in prog.emit("mlir-aie")
    A = np.arange(16, dtype=np.int16).reshape(4, 4)
    ref, got = np.zeros_like(A), np.zeros_like(A)
    prog.run(A, ref, backend="sim")
    prog.run(A, got, backend="aie-emu")
    np.testing.assert_array_equal(ref, A + 1)
    np.testing.assert_array_equal(got, ref)


# -- per-instance branches type their own names -------------------------------------------------
def test_each_instance_types_the_names_of_its_own_branch():
    @dato.region
    def top(A: int16[4], B: int16[2, 4], C: int16[1]):
        s: Stream[int16, 2]

        @dato.task(mapping=[2], args=[A, B])
        def part(a: int16[4], b: int16[2, 4]):
            i = dato.pid()
            if i == 0:
                x = a[:]  # a tile in part_0
            else:
                x = a[0]  # a scalar in part_1
            b[i, :] = x + 1
            if i == 1:
                s.put(x)  # a scalar stream: only part_1 puts

        @dato.task(args=[C])
        def sink(c: int16[1]):
            c[0] = s.get()

    A = np.array([5, 6, 7, 8], np.int16)
    prog = dato.compile(top)
    _, B, C = sim_and_csim(prog, A, np.zeros((2, 4), np.int16), np.zeros(1, np.int16))
    np.testing.assert_array_equal(B, [A + 1, np.full(4, A[0] + 1)])
    np.testing.assert_array_equal(C, [A[0]])


def test_names_of_run_time_branches_with_two_types_are_an_error_at_the_assignment():
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.region
        def top(A: int16[4], B: int16[4]):
            @dato.task(args=[A, B])
            def t(a: int16[4], b: int16[4]):
                if a[0] > 0:
                    x = a[:]
                else:
                    x = a[0]  # E-branch-types
                b[:] = x

        dato.compile(top)
    check_error(
        info,
        "E-branch-types",
        "'x' is an int16 scalar here but int16[4] in the other branch (line",
        "a name has one type after an `if` on run-time values",
    )


def test_a_name_typed_per_instance_is_an_error_where_used_outside_its_block():
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.region
        def top(A: int16[4], B: int16[2, 4]):
            @dato.task(mapping=[2], args=[A, B])
            def t(a: int16[4], b: int16[2, 4]):
                i = dato.pid()
                for k in range(1):
                    if i == 0:
                        x = a[:]
                    else:
                        x = a[0]
                b[i, :] = x  # E-diverged

        dato.compile(top)
    check_error(
        info,
        "E-diverged",
        "'x' is int16[4] in some instances and an int16 scalar in others (the `if` on the pid",
        "use it inside that `if`'s block, or give it one type",
    )


# -- literals in builtins -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [int16, float32], ids=str)
def test_literals_adopt_the_other_operands_type_in_builtins(dtype):
    @dato.region
    def top(A: dtype[4], B: dtype[4, 6]):
        @dato.task(args=[A, B])
        def t(a: dtype[4], b: dtype[4, 6]):
            x = a[:]
            b[0, :4] = dato.maximum(0, x)
            b[1, :4] = dato.minimum(x, 0)
            b[2, :4] = dato.where(x > 0, x, 0)
            b[3, :4] = dato.maximum(0, a[1]) + dato.abs(-1) + dato.maximum(0, 2)
            b[:, 4:] = dato.where(x[0] > 0, 0, a[0])

    A = np.array([-2, -1, 1, 2], dtype.np)
    _, B = sim_and_csim(dato.compile(top), A, np.zeros((4, 6), dtype.np))
    np.testing.assert_array_equal(B[0, :4], np.maximum(0, A))
    np.testing.assert_array_equal(B[1, :4], np.minimum(A, 0))
    np.testing.assert_array_equal(B[2, :4], np.where(A > 0, A, 0))
    np.testing.assert_array_equal(B[3, :4], np.full(4, 0 + 1 + 2))
    np.testing.assert_array_equal(B[:, 4:], np.full((4, 2), A[0]))


def test_a_builtin_of_literals_only_needs_a_type_for_its_tile():
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.region
        def top(A: int16[4], B: int16[4]):
            @dato.task(args=[A, B])
            def t(a: int16[4], b: int16[4]):
                b[:] = dato.where(a[:] > 0, 1, 0)  # E-untyped-where

        dato.compile(top)
    check_error(
        info,
        "E-untyped-where",
        "dato.where: every value given is an untyped literal, so the tile's element type is "
        "unknown; give one of them a type, as in int32(1)",
    )


# -- instances whose body folds away ------------------------------------------------------------
def test_an_instance_with_an_empty_body_gets_no_hls_process(tmp_path):
    @dato.region
    def top(A: int16[4], B: int16[4]):
        s: Stream[int16[4], 2]

        @dato.task(mapping=[2], args=[A])
        def producer(a: int16[4]):
            i = dato.pid()
            if i == 0:
                s.put(a[:])

        @dato.task(args=[B])
        def consumer(b: int16[4]):
            b[:] = s.get() * 2

    prog = dato.compile(top)
    assert [i.body == () for i in prog.graph.instances] == [False, True, False]
    kernel = (Path(prog.write_hls(tmp_path)) / "kernel.cpp").read_text()
    assert "producer_0(" in kernel and "producer_1" not in kernel
    A = np.array([1, -2, 3, -4], np.int16)
    _, B = sim_and_csim(prog, A, np.zeros(4, np.int16))
    np.testing.assert_array_equal(B, A * 2)


def test_an_instance_with_an_empty_body_gets_no_npu_core():
    @dato.region
    def top(A: int32[4], B: int32[4]):
        s: Stream[int32[4], 2]

        @dato.task(mapping=[2], args=[A])
        def producer(a: int32[4]):
            i = dato.pid()
            if i == 0:
                s.put(a[:])

        @dato.task(args=[B])
        def consumer(b: int32[4]):
            b[:] = s.get() * 2

    prog = dato.compile(top, target="npu1_4col")
    assert prog.emit("mlir-aie").count("aie.core(") == 2  # producer_0 and consumer
    A = np.array([1, -2, 3, -4], np.int32)
    ref, got = np.zeros_like(A), np.zeros_like(A)
    prog.run(A, ref, backend="sim")
    prog.run(A, got, backend="aie-emu")
    np.testing.assert_array_equal(ref, A * 2)
    np.testing.assert_array_equal(got, ref)


def test_a_channel_only_an_empty_instance_would_feed_is_an_error_as_usual():
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.region
        def top(A: int16[4], B: int16[4]):
            s: Stream[int16[4], 2][2]  # E-no-producer

            @dato.task(mapping=[2], args=[A])
            def producer(a: int16[4]):
                i = dato.pid()
                if i == 0:
                    s[i].put(a[:])

            @dato.task(args=[B])
            def consumer(b: int16[4]):
                b[:] = s[0].get() + s[1].get()

        dato.compile(top)
    check_error(info, "E-no-producer", "stream channel 's[1]' has no producer; its consumer is")
