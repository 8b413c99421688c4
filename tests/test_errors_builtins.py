"""Errors in calls inside task bodies: Python functions, casts, .astype/.T/reductions,
dato.matmul/zeros/full/exp/where and @dato.kernel calls. Each case is a program below whose
marked line the error must point at."""

from __future__ import annotations

import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import float32, int8, int16, int32


@dato.kernel
def double(x: float32[16]) -> float32[16]:
    return x * 2


def _kernel_named_double():
    @dato.kernel
    def double(x: float32[16]) -> float32[16]:
        return x * 3

    return double


other_double = _kernel_named_double()


@dato.region
def matmul_mixed_types(A: int16[4, 4], B: int32[4, 4]):
    @dato.task(args=[A, B])
    def t(a: int16[4, 4], b: int32[4, 4]):
        b[:, :] = a[:, :] @ b[:, :]  # E-mmtypes


@dato.region
def reduction_axis(A: float32[4, 4]):
    @dato.task(args=[A])
    def t(a: float32[4, 4]):
        a[0, :] = a[:, :].sum(axis=2)  # E-axis


@dato.region
def call_a_value(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = a[0](1)  # E-notcallable


@dato.region
def python_function(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        print(a[0])  # E-print


@dato.region
def cast_of_two(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[0] = int32(a[0], a[1])  # E-casttwo


@dato.region
def cast_a_tile(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[:] = int32(a[:])  # E-casttile


@dato.region
def astype_python_type(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[:] = a[:].astype(int)  # E-astype


@dato.region
def transpose_1d(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = a[:].T  # E-transpose


@dato.region
def matmul_of_scalars(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = dato.matmul(a[0], a[1])  # E-mmscalar


@dato.region
def matmul_inner(A: float32[4, 4]):
    @dato.task(args=[A])
    def t(a: float32[4, 4]):
        a[0:2, 0:2] = a[0:2, :] @ a[0:2, :]  # E-inner


@dato.region
def matmul_narrow_acc(A: int16[4, 4]):
    @dato.task(args=[A])
    def t(a: int16[4, 4]):
        c = dato.matmul(a[:, :], a[:, :], acc=int8)  # E-narrowacc  # noqa: F841


@dato.region
def matmul_acc_number(A: int16[4, 4]):
    @dato.task(args=[A])
    def t(a: int16[4, 4]):
        c = dato.matmul(a[:, :], a[:, :], acc=32)  # E-accnumber  # noqa: F841


@dato.region
def zeros_python_type(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.zeros((16,), float)  # E-zerostype


@dato.region
def zeros_empty(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.zeros((0,), float32)  # E-zerosshape


@dato.region
def zeros_no_dtype(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.zeros((16,))  # E-zerosargs


@dato.region
def zeros_shape_at_run_time(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[:] = dato.zeros((a[0],), int32)  # E-zerosstatic


@dato.region
def full_of_a_tile(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.full((16,), a[:], float32)  # E-fulltile


@dato.region
def exp_of_ints(A: int32[16]):
    @dato.task(args=[A])
    def t(a: int32[16]):
        a[:] = dato.exp(a[:])  # E-expint


@dato.region
def exp_of_two(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.exp(a[:], a[:])  # E-exptwo


@dato.region
def exp_keyword(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.exp(a[:], out=a)  # E-expkw


@dato.region
def where_of_numbers(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = dato.where(a[:], a[:], a[:])  # E-where


@dato.region
def kernel_arity(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = double(a[:], a[:])  # E-kernelarity


@dato.region
def two_kernels_in_a_task(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = double(a[:])
        a[:] = other_double(a[:])  # E-kernelname


@dato.region
def two_kernels_in_a_region(A: float32[16], B: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = double(a[:])

    @dato.task(args=[B])
    def u(b: float32[16]):  # E-regionkernels
        b[:] = other_double(b[:])


CASES = [
    (
        matmul_mixed_types,
        "# E-mmtypes",
        "matmul operands have different element types: int16[4, 4] and int32[4, 4]; convert one "
        "with .astype(int32)",
    ),
    (reduction_axis, "# E-axis", ".sum(axis=2) is out of range for float32[4, 4]"),
    (call_a_value, "# E-notcallable", "`a[0]` is not callable"),
    (
        python_function,
        "# E-print",
        "`print` cannot be called in a task body; use dato builtins or a registered @dato.kernel",
    ),
    (cast_of_two, "# E-casttwo", "int32(x) takes one value"),
    (cast_a_tile, "# E-casttile", "int32(...) makes a scalar; convert a tile with .astype(int32)"),
    (
        astype_python_type,
        "# E-astype",
        ".astype() takes an element type such as int32, not <class 'int'>",
    ),
    (transpose_1d, "# E-transpose", ".T transposes 2-D tiles, not float32[16]"),
    (matmul_of_scalars, "# E-mmscalar", "matmul takes a tensor, not a float32 scalar"),
    (matmul_inner, "# E-inner", "matmul: inner dimensions differ in float32[2, 4] @ float32[2, 4]"),
    (matmul_narrow_acc, "# E-narrowacc", "cannot accumulate int16 products in int8"),
    (matmul_acc_number, "# E-accnumber", "matmul's acc must be an element type, not 32"),
    (
        zeros_python_type,
        "# E-zerostype",
        "zeros needs an element type such as float32, not <class 'float'>",
    ),
    (zeros_empty, "# E-zerosshape", "zeros: shape entries must be positive constants, not 0"),
    (zeros_no_dtype, "# E-zerosargs", "dato.zeros takes (shape, dtype)"),
    (zeros_shape_at_run_time, "# E-zerosstatic", "`a[0]` must be a compile-time constant here"),
    (full_of_a_tile, "# E-fulltile", "dato.full fills with a scalar, not float32[16]"),
    (exp_of_ints, "# E-expint", "exp takes floating-point values, not int32[16]"),
    (exp_of_two, "# E-exptwo", "exp takes 1 positional argument, got 2"),
    (exp_keyword, "# E-expkw", "exp got an unexpected keyword 'out'"),
    (where_of_numbers, "# E-where", "where takes a condition first, not float32[16]"),
    (kernel_arity, "# E-kernelarity", "kernel 'double' takes 1 arguments, got 2"),
    (two_kernels_in_a_task, "# E-kernelname", "two different kernels are named 'double'"),
    (two_kernels_in_a_region, "# E-regionkernels", "two different kernels are named 'double'"),
]


@pytest.mark.parametrize(("region", "marker", "fragment"), CASES, ids=[c[1][4:] for c in CASES])
def test_builtin_call_error(region, marker, fragment):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(region)
    check_error(info, marker, fragment)
    assert compiler_frames(info.value) == []
