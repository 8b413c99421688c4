"""The functional simulator's scheduler: FIFO depths, deadlock, step budget, run-time errors,
value semantics."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, line_of

import datobench as dato
from datobench import Stream, float32, int32


def test_depth_one_ping_pong_runs_and_counts_transfers():
    @dato.region
    def top(A: float32[64], B: float32[64]):
        s: Stream[float32[16], 1]

        @dato.task(args=[A])
        def prod(a: float32[64]):
            for i in range(4):
                s.put(a[i * 16 : (i + 1) * 16])

        @dato.task(args=[B])
        def cons(b: float32[64]):
            for i in range(4):
                b[i * 16 : (i + 1) * 16] = s.get()

    A = np.arange(64, dtype=np.float32)
    B = np.zeros(64, np.float32)
    result = top(A, B)
    np.testing.assert_array_equal(A, B)
    assert result.transfers == {"s": 4}
    assert result.leftover == {}
    assert result.resumes >= 8  # depth 1 forces the two instances to alternate


def test_deadlock_names_instances_streams_lines_and_fill_levels():
    @dato.region
    def top(A: float32[32], B: float32[32]):
        x: Stream[float32[16], 1]
        y: Stream[float32[16], 1]

        @dato.task(args=[A])
        def left(a: float32[32]):
            x.put(a[0:16])
            x.put(a[16:32])  # D-put
            y.put(a[0:16])

        @dato.task(args=[B])
        def right(b: float32[32]):
            b[0:16] = y.get()  # D-get
            b[16:32] = x.get()
            b[0:16] = x.get()

    with pytest.raises(dato.DeadlockError) as info:
        top(np.zeros(32, np.float32), np.zeros(32, np.float32))
    text = str(info.value)
    check_error(info, "# D-put", "every live task instance is blocked ('left', 'right')")
    assert f"'left' waits to put on 'x' (full: 1 of 1) at {__file__}:{line_of('# D-put')}" in text
    assert (
        f"'right' waits to get from 'y' (empty: 0 of 1) at {__file__}:{line_of('# D-get')}" in text
    )


def test_consumer_waiting_on_a_finished_producer_is_a_deadlock():
    @dato.region
    def top(A: int32[4], B: int32[4]):
        s: Stream[int32, 2]

        @dato.task(args=[A])
        def prod(a: int32[4]):
            for i in range(4):
                if a[i] > 0:
                    s.put(a[i])

        @dato.task(args=[B])
        def cons(b: int32[4]):
            for i in range(4):
                b[i] = s.get()  # D-starve

    A = np.array([1, 2, 0, 3], np.int32)
    with pytest.raises(dato.DeadlockError) as info:
        top(A, np.zeros(4, np.int32))
    check_error(info, "# D-starve", "('cons')", "'cons' waits to get from 's' (empty: 0 of 2)")


def test_step_budget_turns_a_runaway_program_into_an_error():
    @dato.region
    def top(A: int32[1]):
        @dato.task(args=[A])
        def t(a: int32[1]):
            for i in range(100_000):
                for j in range(100_000):  # R-budget
                    a[0] = a[0] + 1

    with pytest.raises(dato.DatoRuntimeError) as info:
        top(np.zeros(1, np.int32), max_steps=1_000_000)
    check_error(info, "# R-budget", "exceeded its budget of 1,000,000 loop iterations")


def test_out_of_range_index_at_run_time_is_located():
    @dato.region
    def top(A: float32[8]):
        @dato.task(args=[A])
        def t(a: float32[8]):
            for i in range(4):
                k = i * 3
                a[k : k + 2] = 1.0  # R-oob

    with pytest.raises(dato.DatoRuntimeError) as info:
        top(np.zeros(8, np.float32))
    check_error(
        info, "# R-oob", "in instance 't': slice 9:11 is out of range", "'a' dimension 0 (size 8)"
    )


def test_proven_in_range_slices_need_no_runtime_check():
    @dato.region
    def top(A: float32[64]):
        @dato.task(args=[A])
        def t(a: float32[64]):
            for i in range(4):
                a[i * 16 : i * 16 + 16] = 2.0

    from datobench.core.sim.lower import lower_instance

    graph = dato.compile(top).graph
    lowered = lower_instance(graph.instances[0], {}, set())
    assert lowered.checks == []
    assert "fail(" not in lowered.source


@dato.kernel
def broken(x: float32[4]) -> float32[4]:
    return np.concatenate([x, x])  # the wrong shape


def test_runtime_failure_is_reported_at_the_users_line():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            for i in range(2):
                a[:] = broken(a[:])  # R-kernel

    with pytest.raises(dato.DatoRuntimeError) as info:
        top(np.zeros(4, np.float32))
    check_error(
        info,
        "# R-kernel",
        "in instance 't'",
        "kernel 'broken' returned float32[8]",
        "declared to return float32[4]",
    )


def test_put_copies_so_later_writes_do_not_leak_through_the_fifo():
    @dato.region
    def top(B: float32[2, 4]):
        s: Stream[float32[4], 2]

        @dato.task()
        def prod():
            x = dato.zeros((4,), float32)
            s.put(x)
            x[0:4] = 7.0
            s.put(x)

        @dato.task(args=[B])
        def cons(b: float32[2, 4]):
            b[0, :] = s.get()
            b[1, :] = s.get()

    B = np.zeros((2, 4), np.float32)
    top(B)
    np.testing.assert_array_equal(B, [[0, 0, 0, 0], [7, 7, 7, 7]])


def test_binding_a_slice_copies_when_the_source_is_written_later():
    @dato.region
    def top(A: float32[4], B: float32[4]):
        @dato.task(args=[A, B])
        def t(a: float32[4], b: float32[4]):
            old = a[:]
            a[:] = 5.0
            b[:] = old

    A = np.arange(4, dtype=np.float32)
    B = np.zeros(4, np.float32)
    top(A, B)
    np.testing.assert_array_equal(B, [0, 1, 2, 3])
    np.testing.assert_array_equal(A, 5)


def test_wrong_number_of_arrays():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = 1.0

    with pytest.raises(dato.DatoTypeError, match="top takes 1 arrays \\(A\\), got 2"):
        top(np.zeros(4, np.float32), np.zeros(4, np.float32))


def test_the_compiled_program_runs_again_with_new_arrays():
    @dato.region
    def top(A: float32[4], B: float32[4]):
        @dato.task(args=[A, B])
        def t(a: float32[4], b: float32[4]):
            b[:] = a[:] * a[:]

    prog = dato.compile(top)
    for k in range(3):
        A = np.full(4, k, np.float32)
        B = np.zeros(4, np.float32)
        prog.run(A, B, backend="sim")
        np.testing.assert_array_equal(B, k * k)
    with pytest.raises(dato.DatoError, match="unknown backend 'nope'; available: sim, perf, csim"):
        prog.run(A, B, backend="nope")
