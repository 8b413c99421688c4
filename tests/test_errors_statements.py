"""Errors in task-body statements: syntax outside the Dato subset, assignments, loops and
dato.pid(). Each case is a program below whose marked line the error must point at."""

from __future__ import annotations

import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import Stream, float32, int32


@dato.region
def nested_def(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        def helper():  # E-def
            pass


@dato.region
def with_block(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        with open("x"):  # E-with
            a[0] = 1.0


@dato.region
def try_block(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        try:  # E-try
            a[0] = 1.0
        except Exception:
            pass


@dato.region
def import_in_task(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        import math  # E-import  # noqa: F401


@dato.region
def from_import_in_task(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        from math import pi  # E-fromimport  # noqa: F401


@dato.region
def assert_in_task(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        assert a[0] > 0.0  # E-assert


@dato.region
def unused_value(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] + 1.0  # E-unused


@dato.region
def chained_assignment(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        x = y = a[0]  # E-chainassign  # noqa: F841


@dato.region
def annotated_assignment(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        x: float32 = a[0]  # E-annassign  # noqa: F841


@dato.region
def power_update(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        x = a[0]
        x **= 2.0  # E-augpow


@dato.region
def attribute_target(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a.first = a[0]  # E-attrtarget


@dato.region
def rebind_parameter(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a = a[0]  # E-rebindparam  # noqa: F841


@dato.region
def rebind_stream(A: float32[16]):
    s: Stream[float32, 2]  # noqa: F842

    @dato.task(args=[A])
    def t(a: float32[16]):
        s = a[0]  # E-rebindstream  # noqa: F841


@dato.region
def rebind_pid(A: float32[16]):
    @dato.task(mapping=[2], args=[A])
    def t(a: float32[16]):
        i = dato.pid()
        i = 3  # E-rebindpid  # noqa: F841


@dato.region
def pid_arity(A: float32[16]):
    @dato.task(mapping=[2], args=[A])
    def t(a: float32[16]):
        i, j = dato.pid()  # E-pidarity


@dato.region
def pid_into_subscript(A: float32[16]):
    @dato.task(mapping=[2, 2], args=[A])
    def t(a: float32[16]):
        i, a[0] = dato.pid()  # E-pidunpack


@dato.region
def pid_into_store(A: int32[16]):
    @dato.task(mapping=[2], args=[A])
    def t(a: int32[16]):
        a[0] = dato.pid()  # E-pidstore


@dato.region
def pid_coordinate(A: float32[16]):
    @dato.task(mapping=[2, 2], args=[A])
    def t(a: float32[16]):
        p = dato.pid()
        a[p[2]] = 1.0  # E-pidaxis


@dato.region
def for_else(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        for i in range(4):  # E-forelse
            a[i] = 1.0
        else:
            a[0] = 0.0


@dato.region
def loop_into_subscript(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        for a[0] in range(4):  # E-loopvar
            pass


@dato.region
def loop_over_list(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        for i in [0, 1]:  # E-looplist
            a[i] = 1.0


@dato.region
def range_arity(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        for i in range(0, 16, 1, 1):  # E-rangeargs
            a[i] = 1.0


@dato.region
def range_step_zero(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        for i in range(0, 16, 0):  # E-stepzero
            a[i] = 1.0


@dato.region
def loop_step_not_constant(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        for i in range(1, 4):
            for j in range(0, 16, i):  # E-stepconst
                a[j] = 1.0


@dato.region
def loop_variable_reused(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        x = a[0]
        for x in range(4):  # E-loopreuse
            a[x] = 1.0


CASES = [
    (
        nested_def,
        dato.DatoSyntaxError,
        "# E-def",
        "functions cannot be defined inside a task; register a @dato.kernel instead",
    ),
    (with_block, dato.DatoSyntaxError, "# E-with", "`with` is not supported in a task body"),
    (try_block, dato.DatoSyntaxError, "# E-try", "`try` is not supported in a task body"),
    (import_in_task, dato.DatoSyntaxError, "# E-import", "imports belong outside the region"),
    (
        from_import_in_task,
        dato.DatoSyntaxError,
        "# E-fromimport",
        "imports belong outside the region",
    ),
    (
        assert_in_task,
        dato.DatoSyntaxError,
        "# E-assert",
        "`assert a[0] > 0.0` is not supported in a task body",
    ),
    (unused_value, dato.DatoSyntaxError, "# E-unused", "this expression's value is not used"),
    (
        chained_assignment,
        dato.DatoSyntaxError,
        "# E-chainassign",
        "chained assignment (a = b = ...) is not supported",
    ),
    (
        annotated_assignment,
        dato.DatoSyntaxError,
        "# E-annassign",
        "annotated assignments are not supported in a task body",
    ),
    (power_update, dato.DatoSyntaxError, "# E-augpow", "augmented operator `**=` is not supported"),
    (
        attribute_target,
        dato.DatoSyntaxError,
        "# E-attrtarget",
        "only names and subscripts can be assigned to",
    ),
    (
        rebind_parameter,
        dato.DatoTypeError,
        "# E-rebindparam",
        "cannot rebind parameter 'a'; write into it with a[...] = ...",
    ),
    (rebind_stream, dato.DatoTypeError, "# E-rebindstream", "cannot rebind stream 's'"),
    (rebind_pid, dato.DatoTypeError, "# E-rebindpid", "cannot rebind 'i', which holds dato.pid()"),
    (
        pid_arity,
        dato.DatoTypeError,
        "# E-pidarity",
        "dato.pid() of task 't' has 1 coordinates (mapping [2]), not 2",
    ),
    (
        pid_into_subscript,
        dato.DatoSyntaxError,
        "# E-pidunpack",
        "unpack dato.pid() into plain names",
    ),
    (
        pid_into_store,
        dato.DatoSyntaxError,
        "# E-pidstore",
        "assign dato.pid() to names: `i, j = dato.pid()`",
    ),
    (pid_coordinate, dato.DatoTypeError, "# E-pidaxis", "dato.pid() has 2 coordinates"),
    (for_else, dato.DatoSyntaxError, "# E-forelse", "`for ... else` is not supported"),
    (
        loop_into_subscript,
        dato.DatoSyntaxError,
        "# E-loopvar",
        "a loop variable must be a plain name",
    ),
    (
        loop_over_list,
        dato.DatoSyntaxError,
        "# E-looplist",
        "a task loop must be `for x in range(...)`",
    ),
    (range_arity, dato.DatoSyntaxError, "# E-rangeargs", "range takes 1 to 3 positional arguments"),
    (range_step_zero, dato.DatoTypeError, "# E-stepzero", "range() step must not be zero"),
    (
        loop_step_not_constant,
        dato.DatoTypeError,
        "# E-stepconst",
        "a loop step must be a compile-time constant",
    ),
    (
        loop_variable_reused,
        dato.DatoTypeError,
        "# E-loopreuse",
        "loop variable 'x' is already float32",
    ),
]


@pytest.mark.parametrize(
    ("region", "error", "marker", "fragment"), CASES, ids=[c[2][4:] for c in CASES]
)
def test_statement_error(region, error, marker, fragment):
    with pytest.raises(error) as info:
        dato.compile(region)
    check_error(info, marker, fragment)
    assert compiler_frames(info.value) == []
