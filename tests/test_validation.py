"""The validation layer (core/validate.py) on the numbers a program gives: mapping grids, sizes,
tensor dimensions, stream depths and stream arrays. Each bad number is a DatoTypeError at the
user's line (the decorator's mapping, the annotation, or the compile call) that says what the
number must be; numbers are taken as written, never coerced."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import Stream, float32
from datobench.core.validate import MAX_INSTANCES, Real, Whole, whole_number

M = dato.symbol("M")
P = dato.symbol("P")


def with_mapping(m):
    @dato.region
    def grid(A: float32[16]):
        @dato.task(mapping=m, args=[A])  # E-mapvalue
        def t(a: float32[16]):
            a[0] = 1.0

    return grid


@pytest.mark.parametrize("m", [[2.5], ["2"], [True], [10**12], [2.0], [0], [-1], [None]])
def test_a_mapping_entry_that_is_not_a_whole_number_in_range(m):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_mapping(m))
    check_error(
        info,
        "# E-mapvalue",
        f"axis 0 of the mapping {m!r} must be a whole number from 1 to 4096, not {m[0]!r}",
    )
    assert compiler_frames(info.value) == []


@pytest.mark.parametrize("m", [[], [1] * 9])
def test_a_mapping_without_axes_or_with_too_many(m):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_mapping(m))
    check_error(
        info,
        "# E-mapvalue",
        f"a mapping lists the grid's size along each of its 1 to 8 axes, such as [2, 4], not {m!r}",
    )


def test_a_mapping_of_too_many_instances():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_mapping([64, 128]))
    check_error(
        info,
        "# E-mapvalue",
        "the mapping [64, 128] makes 8192 instances, more than the 4096 a program may have",
    )


def test_a_symbolic_mapping_is_checked_once_bound():
    @dato.region
    def by_size(A: float32[16]):
        @dato.task(mapping=[P], args=[A])  # E-mapsymbol
        def t(a: float32[16]):
            a[0] = 1.0

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(by_size, sizes={"P": 100_000})
    check_error(
        info, "# E-mapsymbol", "axis 0 of the mapping [P] must be a whole number from 1 to 4096"
    )
    assert len(dato.compile(by_size, sizes={"P": 3}).graph.instances) == 3


def test_numpy_integers_and_a_single_number_are_mappings():
    assert len(dato.compile(with_mapping([np.int64(2), np.int32(3)])).graph.instances) == 6
    assert len(dato.compile(with_mapping(4)).graph.instances) == 4  # one axis


@dato.region
def two_big_tasks(A: float32[16]):
    @dato.task(mapping=[64, 48], args=[A])
    def first(a: float32[16]):
        a[0] = 1.0

    @dato.task(mapping=[64, 48], args=[A])
    def second(a: float32[16]):  # E-total
        a[1] = 1.0


def test_a_program_of_too_many_instances_is_refused_at_the_task_that_passes_the_limit():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(two_big_tasks)
    check_error(
        info,
        "# E-total",
        "with task 'second' the region has 6144 task instances, more than the 4096 a program "
        "may have",
    )
    assert 64 * 48 <= MAX_INSTANCES  # each task alone is within the limit


# -- sizes -------------------------------------------------------------------------------------
@dato.region
def by_m(A: float32[M]):  # E-paramdim
    @dato.task(args=[A])
    def t(a: float32[M]):
        a[0] = 1.0


@pytest.mark.parametrize("value", ["big", -4, 0, 2.5, True, 2**31, None])
def test_a_size_that_is_not_a_whole_number_in_range(value):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(by_m, sizes={"M": value})  # E-sizes
    check_error(
        info,
        "# E-sizes",
        f"size M must be a whole number from 1 to 2147483647, not {value!r}",
    )
    assert compiler_frames(info.value) == []


@pytest.mark.parametrize("sizes", ["M=4", [("M", 4)], 4])
def test_sizes_that_are_not_a_dict(sizes):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(by_m, sizes=sizes)  # E-notadict
    check_error(
        info,
        "# E-notadict",
        f"sizes= takes a dict of size names and whole numbers, e.g. sizes={{'M': 64}}, "
        f"not {sizes!r}",
    )


def test_a_size_named_by_something_else_than_a_string():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(by_m, sizes={M: 4})  # E-sizename
    check_error(info, "# E-sizename", "sizes= names each size by its name, a string such as 'M'")


def test_an_empty_array_binds_no_size():
    with pytest.raises(dato.DatoTypeError) as info:
        by_m(np.zeros(0, np.float32))
    check_error(info, "# E-paramdim", "dimension 0 of float32[M] must be a whole number from 1 to")


def test_sizes_as_numpy_integers_are_welcome():
    prog = dato.compile(by_m, sizes={"M": np.int64(8)})
    assert prog.region.params[0].type.shape == (8,)


# -- tensor dimensions and streams -----------------------------------------------------------
def with_dims(*dims):
    @dato.region
    def shaped(A: float32[dims]):  # E-dims
        @dato.task(args=[A])
        def t(a: float32[dims]):
            a[0] = 1.0

    return shaped


@pytest.mark.parametrize("dim", [0, -4, 2**31])
def test_a_tensor_dimension_out_of_range(dim):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_dims(dim))
    check_error(
        info,
        "# E-dims",
        f"dimension 0 of float32[{dim}] must be a whole number from 1 to 2147483647, not {dim}",
    )


def test_a_tensor_of_too_many_elements():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_dims(65536, 65536))
    check_error(
        info,
        "# E-dims",
        "float32[65536, 65536] has 4294967296 elements, more than the 2147483647 a tensor may hold",
    )


def with_stream(depth, shape):
    @dato.region
    def streamed(A: float32[16]):
        s: Stream[float32, depth][shape]  # E-stream

        @dato.task(args=[A])
        def p(a: float32[16]):
            s[0].put(a[0])

        @dato.task(args=[A])
        def c(a: float32[16]):
            a[1] = s[0].get()

    return streamed


def test_a_stream_deeper_than_the_limit():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_stream(10**6, 2))
    check_error(
        info,
        "# E-stream",
        "a stream depth must be an int >= 1 and <= 65536, not 1000000",
    )


@pytest.mark.parametrize("size", [0, 10**6])
def test_a_stream_array_dimension_out_of_range(size):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_stream(2, size))
    check_error(
        info,
        "# E-stream",
        f"dimension 0 of stream array 's' must be a whole number from 1 to 65536, not {size}",
    )


def test_a_stream_array_of_too_many_channels():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_stream(2, (300, 300)))
    check_error(
        info,
        "# E-stream",
        "stream array 's' of shape [300, 300] has 90000 channels, more than the 65536 a stream "
        "array may have",
    )


# -- the ranges themselves ---------------------------------------------------------------------
def test_whole_numbers_are_taken_as_written():
    whole = Whole(1, 8)
    assert whole.fits(1) and whole.fits(8) and whole.fits(np.int16(3))
    assert not any(whole.fits(v) for v in (0, 9, 2.0, "2", True, np.float32(2), None))
    assert whole.describe() == "a whole number from 1 to 8"
    assert whole_number(np.int64(5), "x", 1, 8) == 5
    assert type(whole_number(np.int64(5), "x", 1, 8)) is int
    with pytest.raises(dato.DatoTypeError, match=r"^x must be a whole number from 1 to 8, not 9"):
        whole_number(9, "x", 1, 8)


def test_real_numbers_are_finite_and_bounded():
    above_zero, from_one = Real(0, 10), Real(1, 10, low_included=True)
    assert above_zero.fits(0.5) and above_zero.fits(10) and not above_zero.fits(0)
    assert from_one.fits(1) and not from_one.fits(0.99)
    assert not any(above_zero.fits(v) for v in (float("inf"), float("nan"), "1", True, -1))
    assert above_zero.describe() == "a number more than 0 and at most 10"
    assert Real(1e9, 1e13, low_included=True).describe() == "a number from 1e9 to 1e13"
