"""Errors in task-body expressions: literals, operators, conditions, indexing, streams and
stream-array expansion. Each case is a program below whose marked line the error must point
at (builtins and kernel calls: test_errors_builtins.py)."""

from __future__ import annotations

import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import Stream, float32, int8, int32


@dato.region
def float_in_int(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[:] = a[:] + 0.5  # E-floatint


@dato.region
def literal_too_big(A: int8[16]):
    @dato.task(args=[A])
    def t(a: int8[16]):
        a[:] = a[:] + 300  # E-fit


@dato.region
def number_as_bool(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = dato.where((a[0] > 0.0) == 1, a[0], a[1])  # E-numbool


@dato.region
def no_broadcast(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0:4] = a[0:4] + a[0:8]  # E-broadcast


@dato.region
def add_booleans(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        c = (a[0] > 0.0) + (a[1] > 0.0)  # E-boolplus  # noqa: F841


@dato.region
def int_division(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[:] = a[:] / a[:]  # E-intdiv


@dato.region
def and_of_numbers(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        if a[0] and a[1]:  # E-and
            a[2] = 1.0


@dato.region
def not_of_number(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        if not a[0]:  # E-notcond
            a[2] = 1.0


@dato.region
def negate_boolean(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        c = -(a[0] > 0.0)  # E-negbool  # noqa: F841


@dato.region
def number_as_condition(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        if a[0]:  # E-cond
            a[2] = 1.0


@dato.region
def float_index(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[a[0]] = 1.0  # E-floatindex


@dato.region
def index_a_scalar(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        x = a[0]
        a[1] = x[0]  # E-indexscalar


@dato.region
def too_many_indices(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0, 0] = 1.0  # E-rank


@dato.region
def index_out_of_range(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[16] = 1.0  # E-indexrange


@dato.region
def loop_bounds_at_run_time(A: float32[16]):
    fifo: Stream[float32, 2][2]

    @dato.task(args=[A])
    def t(a: float32[16]):
        for j in range(2):
            for i in range(j, 2):  # E-runtimebounds
                fifo[i].put(a[0])


@dato.region
def stream_index_from_a_copy(A: float32[16]):
    fifo: Stream[float32, 2][2]

    @dato.task(args=[A])
    def t(a: float32[16]):
        for i in range(2):
            k = i
            fifo[k].put(a[0])  # E-copyindex


@dato.region
def empty_slice(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[4:4] = 1.0  # E-empty


@dato.region
def slice_step(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0:16:2] = 1.0  # E-step


@dato.region
def store_a_tile_in_a_scalar(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = a[0:4]  # E-coerce


@dato.region
def store_into_a_scalar(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        x = a[0]
        x[0] = 1.0  # E-scalarstore


@dato.region
def index_an_expression(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = (a[:] + 1.0)[0]  # E-indexexpr


@dato.region
def module_as_value(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = dato  # E-module


@dato.region
def string_constant(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = "one"  # E-string


@dato.region
def missing_attribute(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.nothing(a[:])  # E-noattr


@dato.region
def tensor_attribute(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = a.shape  # E-tensorattr


@dato.region
def power(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[0] = a[1] ** 2  # E-power


@dato.region
def identity_comparison(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        if a[0] is a[1]:  # E-is
            a[2] = 1.0


@dato.region
def chained_comparison(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        if 0.0 < a[0] < 1.0:  # E-chaincmp
            a[2] = 1.0


@dato.region
def stream_method(A: float32[16]):
    s: Stream[float32[16], 2]

    @dato.task(args=[A])
    def t(a: float32[16]):
        s.peek()  # E-peek


@dato.region
def stream_array_without_index(A: float32[16]):
    fifo: Stream[float32[16], 2][2]

    @dato.task(args=[A])
    def t(a: float32[16]):
        fifo.put(a[:])  # E-pickchannel


@dato.region
def index_a_single_stream(A: float32[16]):
    s: Stream[float32[16], 2]

    @dato.task(args=[A])
    def t(a: float32[16]):
        s[0].put(a[:])  # E-singlestream


@dato.region
def stream_index_count(A: float32[16]):
    fifo: Stream[float32[16], 2][2]

    @dato.task(args=[A])
    def t(a: float32[16]):
        fifo[0, 0].put(a[:])  # E-streamindices


@dato.region
def unrolled_too_often(A: float32[16]):
    fifo: Stream[float32, 2][2]

    @dato.task(args=[A])
    def t(a: float32[16]):
        for i in range(2048):  # E-unroll
            fifo[i % 2].put(a[0])


@dato.region
def constant_division_by_zero(A: int32[16]):
    @dato.task(mapping=[2], args=[A])
    def t(a: int32[16]):
        i = dato.pid()
        a[0] = a[i // 0]  # E-divzero


CASES = [
    (float_in_int, "# E-floatint", "the float literal 0.5 cannot be used with int32 values"),
    (literal_too_big, "# E-fit", "300 does not fit in int8 (-128..127)"),
    (number_as_bool, "# E-numbool", "a number cannot be used as bool"),
    (no_broadcast, "# E-broadcast", "shapes [4] and [8] do not broadcast in '+'"),
    (add_booleans, "# E-boolplus", "'+' is not defined on booleans"),
    (int_division, "# E-intdiv", "'/' is not defined on integers; use '//' for integer division"),
    (and_of_numbers, "# E-and", "'and' takes conditions, not a float32 scalar"),
    (not_of_number, "# E-notcond", "'not' takes a condition, not a float32 scalar"),
    (negate_boolean, "# E-negbool", "unary '-' is not defined on booleans"),
    (
        number_as_condition,
        "# E-cond",
        "a condition must be a comparison or a boolean, not a float32 scalar",
    ),
    (float_index, "# E-floatindex", "an index must be an integer index, not a float32 scalar"),
    (index_a_scalar, "# E-indexscalar", "'x' is a float32 scalar and cannot be indexed"),
    (too_many_indices, "# E-rank", "'a' has 1 dimensions but is indexed with 2"),
    (
        index_out_of_range,
        "# E-indexrange",
        "index 16 is out of range for dimension 0 of 'a' (size 16)",
    ),
    (
        loop_bounds_at_run_time,
        "# E-runtimebounds",
        "in instance 't', loop variable 'i' picks stream channels, so the loop is unrolled, "
        "but its bounds are not compile-time constants",
    ),
    (
        stream_index_from_a_copy,
        "# E-copyindex",
        "in instance 't', the index of stream array 'fifo' is not a compile-time constant; stream "
        "indices may use pid and constants only",
    ),
    (empty_slice, "# E-empty", "slice of dimension 0 of 'a' is empty"),
    (slice_step, "# E-step", "slices take step 1 only"),
    (
        store_a_tile_in_a_scalar,
        "# E-coerce",
        "storing into `a[0]`: expected a float32 scalar, got float32[4]",
    ),
    (store_into_a_scalar, "# E-scalarstore", "'x' is a float32 scalar, not a tensor"),
    (index_an_expression, "# E-indexexpr", "only named tensors can be indexed"),
    (module_as_value, "# E-module", "`dato` is not a value"),
    (string_constant, "# E-string", "constant 'one' is not supported in a task body"),
    (missing_attribute, "# E-noattr", "`dato` has no attribute 'nothing'"),
    (tensor_attribute, "# E-tensorattr", "'shape' is not supported on float32[16]"),
    (power, "# E-power", "operator `**` is not supported"),
    (identity_comparison, "# E-is", "only == != < <= > >= comparisons are supported"),
    (chained_comparison, "# E-chaincmp", "chained comparisons are not supported; use `and`"),
    (stream_method, "# E-peek", "streams have put() and get(), not 'peek'"),
    (
        stream_array_without_index,
        "# E-pickchannel",
        "'fifo' is a stream array of shape [2]; pick a channel: fifo[...].put(...)",
    ),
    (index_a_single_stream, "# E-singlestream", "'s' is a single stream and cannot be indexed"),
    (
        stream_index_count,
        "# E-streamindices",
        "stream array 'fifo' has shape [2] and takes 1 indices, not 2",
    ),
    (
        unrolled_too_often,
        "# E-unroll",
        "loop variable 'i' picks stream channels, so the loop is unrolled, but it runs 2048 times "
        "(at most 1024)",
    ),
]
SYNTAX = {"# E-string", "# E-power", "# E-is", "# E-chaincmp", "# E-indexexpr"}


@pytest.mark.parametrize(("region", "marker", "fragment"), CASES, ids=[c[1][4:] for c in CASES])
def test_expression_error(region, marker, fragment):
    error = dato.DatoSyntaxError if marker in SYNTAX else dato.DatoTypeError
    with pytest.raises(error) as info:
        dato.compile(region)
    check_error(info, marker, fragment)
    assert compiler_frames(info.value) == []


def test_division_by_zero_in_a_constant_index():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(constant_division_by_zero)
    assert "division by zero in a constant expression" in str(info.value)
    assert compiler_frames(info.value) == []


def test_division_by_zero_in_a_constant_index_is_located():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(constant_division_by_zero)
    check_error(info, "# E-divzero", "division by zero in a constant expression")


@dato.region
def literal_division_by_zero(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[0] = a[4 // 0]  # E-literaldivzero


def test_division_of_literals_by_zero_is_a_dato_error():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(literal_division_by_zero)
    check_error(info, "# E-literaldivzero", "division by zero in a constant expression")
