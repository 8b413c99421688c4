"""Every user-facing compile-time error: its class, its location and its wording."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, compiler_frames, line_of

import datobench as dato
from datobench import R, S, Stream, float32, int16, int32

N = 16
P = 4


def test_unsupported_syntax_points_at_the_statement():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            while True:  # E-while
                a[0] = 1.0

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(top)
    check_error(info, "# E-while", "`while` loops are not supported", "for ... in range")
    assert compiler_frames(info.value) == []


def test_lambda_is_refused():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            f = lambda x: x  # E-lambda  # noqa: E731, F841

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(top)
    check_error(info, "# E-lambda", "lambdas are not supported")


def test_comprehension_is_refused():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            g = [x for x in range(3)]  # E-comp  # noqa: F841

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(top)
    check_error(info, "# E-comp", "comprehensions are not supported")


def test_return_is_refused():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            return a  # E-ret

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(top)
    check_error(info, "# E-ret", "a task returns nothing")


def test_undefined_name():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            a[0:4] = undefined_thing  # E-undef  # noqa: F821

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-undef", "name 'undefined_thing' is not defined")


def test_put_of_wrong_shape():
    @dato.region
    def top(A: float32[64]):
        s: Stream[float32[16], 2]

        @dato.task(args=[A])
        def prod(a: float32[64]):
            s.put(a[0:8])  # E-shape

        @dato.task()
        def cons():
            x = s.get()  # noqa: F841

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-shape", "cannot put float32[8] on stream 's'", "float32[16] tiles")


def test_put_of_wrong_element_type():
    @dato.region
    def top(A: int16[64]):
        s: Stream[float32[16], 2]

        @dato.task(args=[A])
        def prod(a: int16[64]):
            s.put(a[0:16])  # E-dtype

        @dato.task()
        def cons():
            x = s.get()  # noqa: F841

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-dtype", "cannot put int16[16]", "float32[16]")


def test_channel_without_consumer():
    @dato.region
    def top(A: float32[16]):
        s: Stream[float32[16], 2]  # E-nocons

        @dato.task(args=[A])
        def prod(a: float32[16]):
            s.put(a[:])  # the-put

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    error = check_error(
        info, "# E-nocons", "stream channel 's' has no consumer", "its producer is 'prod'"
    )
    assert f":{line_of('# the-put')}:" in str(error)  # a note points at the put


def test_channel_without_producer():
    @dato.region
    def top(A: float32[16]):
        s: Stream[float32[16], 2]  # E-noprod

        @dato.task(args=[A])
        def cons(a: float32[16]):
            a[:] = s.get()

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-noprod", "stream channel 's' has no producer", "its consumer is 'cons'")


def test_channel_with_two_producers():
    @dato.region
    def top(A: float32[64]):
        s: Stream[float32[16], 2]  # E-twoprod

        @dato.task(mapping=[2], args=[A])
        def prod(a: float32[64]):
            s.put(a[0:16])

        @dato.task(args=[A])
        def cons(a: float32[64]):
            a[0:16] = s.get()
            a[16:32] = s.get()

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info,
        "# E-twoprod",
        "stream channel 's' has 2 producers ('prod_0', 'prod_1')",
        "exactly one producer instance to one consumer instance",
    )


def test_channel_with_two_consumers():
    @dato.region
    def top(A: float32[64]):
        s: Stream[float32[16], 2]  # E-twocons

        @dato.task(args=[A])
        def prod(a: float32[64]):
            s.put(a[0:16])
            s.put(a[16:32])

        @dato.task(mapping=[2], args=[A])
        def cons(a: float32[64]):
            x = s.get()  # noqa: F841

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-twocons", "has 2 consumers ('cons_0', 'cons_1')")


def test_a_consumer_may_not_get_more_than_is_put():
    @dato.region
    def top(A: float32[64]):
        s: Stream[float32[16], 2]  # E-count

        @dato.task(args=[A])
        def prod(a: float32[64]):
            for i in range(3):
                s.put(a[i * 16 : (i + 1) * 16])

        @dato.task(args=[A])
        def cons(a: float32[64]):
            for i in range(4):
                a[i * 16 : (i + 1) * 16] = s.get()

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info, "# E-count", "'prod' puts 3 elements but 'cons' gets 4; 'cons' would wait forever"
    )


def test_stream_index_outside_the_array_for_some_instance():
    @dato.region
    def top(A: float32[64]):
        fifo: Stream[float32[16], 2][P]

        @dato.task(mapping=[P], args=[A])
        def stage(a: float32[64] @ [S(0)]):
            i = dato.pid()
            fifo[i + 1].put(a[:])  # E-index

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info,
        "# E-index",
        "in instance 'stage_3'",
        "fifo[4] is outside the stream array",
        "shape [4]",
    )


def test_constant_stream_index_outside_the_array():
    @dato.region
    def top(A: float32[16]):
        fifo: Stream[float32[16], 2][2]

        @dato.task(args=[A])
        def t(a: float32[16]):
            fifo[2].put(a[:])  # E-cindex

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-cindex", "stream index 2 is outside dimension 0 of 'fifo'")


def test_shard_that_does_not_divide():
    @dato.region
    def top(A: float32[10]):
        @dato.task(mapping=[4], args=[A])
        def t(a: float32[10] @ [S(0)]):  # E-divide
            a[0] = 1.0

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info,
        "# E-divide",
        "dimension 0 of 'a' (size 10) does not divide evenly",
        "mapping axis 0 (size 4)",
    )


def test_shard_axis_beyond_the_mapping():
    @dato.region
    def top(A: float32[16, 16]):
        @dato.task(mapping=[4], args=[A])
        def t(a: float32[16, 16] @ [S(0), S(1)]):  # E-axis
            a[0, 0] = 1.0

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-axis", "S(1) names mapping axis 1", "mapping [4] has 1 axis")


def test_non_constant_loop_bound():
    @dato.region
    def top(A: int32[16]):
        @dato.task(args=[A])
        def t(a: int32[16]):
            n = a[0]
            for i in range(n):  # E-bound
                a[1] = a[1] + 1

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info,
        "# E-bound",
        "a loop bound must be a compile-time constant",
        "int32 scalar known only at run time",
    )


def test_non_constant_slice_length():
    @dato.region
    def top(A: float32[64]):
        @dato.task(args=[A])
        def t(a: float32[64]):
            for i in range(4):
                a[0 : i * 16] = 0.0  # E-slicelen

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-slicelen", "slice's length (stop - start) must be a compile-time")


def test_task_writing_a_tensor_it_was_not_given():
    @dato.region
    def top(A: float32[16], B: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            B[0:16] = a[:]  # E-notgiven

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info,
        "# E-notgiven",
        "task 't' writes global tensor 'B', which it was not given",
        "args=[..., B]",
    )


def test_task_reading_a_tensor_it_was_not_given():
    @dato.region
    def top(A: float32[16], B: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            a[:] = B[:]  # E-read-notgiven

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-read-notgiven", "task 't' reads global tensor 'B'")


def test_mixed_element_types_need_a_cast():
    @dato.region
    def top(A: int16[16], B: int32[16]):
        @dato.task(args=[A, B])
        def t(a: int16[16], b: int32[16]):
            b[:] = a[:] + b[:]  # E-mixed

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(
        info,
        "# E-mixed",
        "operands of '+' have different element types",
        "int16[16] and int32[16]",
        ".astype(int32)",
    )


def test_parameter_type_must_match_the_global():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[32]):  # E-param
            a[0] = 1.0

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-param", "declared float32[32] but receives 'A' of type float32[16]")


def test_literal_out_of_range_for_its_type():
    @dato.region
    def top(A: dato.int8[16]):
        @dato.task(args=[A])
        def t(a: dato.int8[16]):
            a[:] = a[:] + 300  # E-range

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-range", "300 does not fit in int8")


def test_constant_slice_out_of_range():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            a[8:24] = 0.0  # E-oob

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-oob", "slice 8:24 is out of range for dimension 0 of 'a' (size 16)")


def test_region_body_holds_only_streams_and_tasks():
    @dato.region
    def top(A: float32[16]):
        x = 3  # E-regionbody  # noqa: F841

        @dato.task(args=[A])
        def t(a: float32[16]):
            a[0] = 1.0

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(top)
    check_error(info, "# E-regionbody", "a region body holds only stream declarations")


def test_wrong_argument_is_reported_at_the_call():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            a[0] = 1.0

    with pytest.raises(dato.DatoTypeError) as info:
        top(np.zeros(16, np.float64))  # E-call
    check_error(
        info,
        "# E-call",
        "argument 1 ('A') of top: expected float32[16]",
        "got an array of float64[16]",
    )
    assert compiler_frames(info.value) == []


def test_unbound_symbolic_size():
    M = dato.symbol("M")

    @dato.region
    def top(A: float32[M]):  # E-unbound
        @dato.task(args=[A])
        def t(a: float32[M]):
            a[0] = 1.0

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-unbound", "size M is not bound", "sizes={'M': ...}")


def test_errors_hide_compiler_frames_and_chains():
    @dato.region
    def top(A: float32[16]):
        @dato.task(args=[A])
        def t(a: float32[16]):
            a[:] = a[:] @ a[:]  # E-matmul

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-matmul", "matmul takes two 2-D tiles")
    assert compiler_frames(info.value) == []
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "datobench/core" not in str(info.value)


def test_all_errors_share_the_base_class():
    for cls in (
        dato.DatoSyntaxError,
        dato.DatoTypeError,
        dato.DeadlockError,
        dato.MappingError,
        dato.BackendUnavailable,
        dato.DatoRuntimeError,
    ):
        assert issubclass(cls, dato.DatoError)


def test_r_layout_is_accepted():
    @dato.region
    def top(A: float32[8, 4]):
        @dato.task(mapping=[2], args=[A])
        def t(a: float32[8, 4] @ [S(0), R]):
            a[:, :] = a[:, :] * 2.0

    A = np.ones((8, 4), np.float32)
    top(A)
    assert (A == 2).all()


def test_unsupported_operator_is_named_by_its_symbol():
    @dato.region
    def top(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[:] = a[:] ** 2  # E-pow

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(top)
    check_error(info, "# E-pow", "operator `**` is not supported")
