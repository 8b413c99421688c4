"""The op table (datobench.core.ir.ops): each op declared once, and every part of the compiler
reading it: exports, signatures, the HLS header, the IR's dtype attributes, argument binding."""

from __future__ import annotations

import inspect
import re

import ml_dtypes
import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import DType, float32, int8, int32
from datobench.core.codegen.hls.project import INCLUDE
from datobench.core.ir import ops
from datobench.core.ir.nodes import Call, stmt_exprs, walk
from datobench.core.ir.program import region_text
from datobench.core.ir.serialize import from_json, to_json
from datobench.core.lang import builtins as lib


def calls(region) -> list[Call]:
    out = []

    def visit(e):
        if isinstance(e, Call):
            out.append(e)
        for c in getattr(e, "args", ()):
            visit(c)
        for side in ("lhs", "rhs"):
            if hasattr(e, side):
                visit(getattr(e, side))

    for task in region.tasks:
        for s in walk(task.body):
            for e in stmt_exprs(s):
                visit(e)
    return out


# -- declarations -----------------------------------------------------------------------------
def test_every_function_form_op_is_exported_by_datobench():
    assert ops.FUNCTIONS, "the table declares function-form ops"
    star: dict = {}
    exec("from datobench import *", star)
    for name in ops.FUNCTIONS:
        fn = getattr(dato, name)
        assert fn is lib.FUNCTIONS[name]
        assert name in dato.__all__ and name in dir(dato) and star[name] is fn
        assert lib.OP_OF_FUNCTION[fn] is ops.FUNCTIONS[name]
    with pytest.raises(AttributeError, match="has no attribute 'not_a_builtin'"):
        dato.not_a_builtin  # noqa: B018


def test_user_functions_carry_the_ops_signature_and_run_eagerly():
    assert str(inspect.signature(dato.full)) == "(shape, value, dtype)"
    assert str(inspect.signature(dato.matmul)) == "(a, b, *, acc=None)"
    a = np.full((2, 300), 127, np.int8)
    out = dato.matmul(a, a.T.copy(), acc=int32)  # accumulated exactly in int32
    assert out.dtype == np.int32 and (out == 127 * 127 * 300).all()
    x = np.array([0.1, 1.0], ml_dtypes.bfloat16)
    expected = np.exp(x.astype(np.float32)).astype(ml_dtypes.bfloat16)  # float32, rounded once
    np.testing.assert_array_equal(dato.exp(x), expected)
    assert dato.zeros((2, 3), int8).dtype == np.int8


def test_each_op_has_a_known_cost_class_and_distinct_spellings():
    spelled = set()
    for op in ops.OPS:
        assert op.cost in ("mac", "vector", "fill", "free")
        for way in ("function", "method", "attribute"):
            name = getattr(op, way)
            if name:
                assert (way, name) not in spelled
                spelled.add((way, name))
    assert ops.CALLS["matmul"].cost == "mac" and ops.OPERATORS[(2, "@")] is ops.CALLS["matmul"]
    assert ops.CALLS["transpose"].cost == "free" and not ops.CALLS["transpose"].work


def test_every_header_name_the_table_uses_is_defined_in_dato_hls_h():
    header = (INCLUDE / "dato_hls.h").read_text()
    used = {
        name
        for op in ops.OPS
        for template in (op.hls.scalar, op.hls.tile)
        if template
        for name in re.findall(r"dato::(\w+)", template)
    }
    assert {"op_exp", "op_max", "red_sum", "reduce", "fill", "matmul"} <= used
    for name in used:
        assert re.search(rf"(struct {name}\b|\b{name}\()", header), name


# -- the IR carries element types as DType objects ---------------------------------------------
@dato.region
def typed_attrs(A: int8[4, 8], B: int8[8, 4], C: int32[4, 4], D: float32[4, 4]):
    @dato.task(args=[A, B, C, D])
    def t(a: int8[4, 8], b: int8[8, 4], c: int32[4, 4], d: float32[4, 4]):
        acc = dato.zeros((4, 4), int32)
        acc += dato.matmul(a[:, :], b[:, :], acc=int32)
        c[:, :] = acc
        d[:, :] = acc.astype(float32) + dato.full((4, 4), 0.5, float32)


def test_dtype_attributes_are_dtype_objects_and_round_trip_through_json():
    prog = dato.compile(typed_attrs)
    dtypes = [v for c in calls(prog.region) for k, v in c.attrs if k in ("dtype", "acc")]
    assert len(dtypes) == 4 and all(isinstance(v, DType) for v in dtypes)
    back = from_json(to_json(prog.graph))
    assert back == prog.graph
    assert from_json(to_json(prog.region)) == prog.region
    text = region_text(prog.region)
    assert "matmul(a[0:+4, 0:+8], b[0:+8, 0:+4], acc=int32)" in text
    assert "zeros(shape=(4, 4), dtype=int32)" in text
    assert "full(shape=(4, 4), dtype=float32, value=0.5)" in text
    A = np.arange(32, dtype=np.int8).reshape(4, 8)
    B = np.ones((8, 4), np.int8)
    C, D = np.zeros((4, 4), np.int32), np.zeros((4, 4), np.float32)
    prog.run(A, B, C, D)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    C2, D2 = np.zeros_like(C), np.zeros_like(D)
    prog.run(A, B, C2, D2, backend="csim")
    np.testing.assert_array_equal(C2, C)
    np.testing.assert_array_equal(D2, D)


# -- binding a call to an op's signature --------------------------------------------------------
def _compile_error(body):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(body)
    return info


def test_too_many_positional_arguments_of_a_reduction():
    @dato.region
    def top(A: float32[4, 4], B: float32[4]):
        @dato.task(args=[A, B])
        def t(a: float32[4, 4], b: float32[4]):
            b[:] = a[:, :].sum(0, 1)  # E-sum-args

    check_error(
        _compile_error(top), "# E-sum-args", "sum takes at most 1 positional argument, got 2"
    )


def test_a_constructor_names_its_parameters():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = dato.zeros((4,), float32, 1)  # E-zeros-args

    check_error(_compile_error(top), "# E-zeros-args", "dato.zeros takes (shape, dtype)")


def test_an_elementwise_builtin_counts_its_operands():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = dato.exp(a[:], a[:])  # E-exp-args

    check_error(_compile_error(top), "# E-exp-args", "exp takes 1 positional argument, got 2")


def test_an_unknown_keyword_is_named():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = dato.maximum(a[:], 0.0, out=a)  # E-kw

    check_error(_compile_error(top), "# E-kw", "maximum got an unexpected keyword 'out'")


def test_matmul_checks_its_accumulator_type():
    @dato.region
    def top(A: int8[4, 4], B: int32[4, 4]):
        @dato.task(args=[A, B])
        def t(a: int8[4, 4], b: int32[4, 4]):
            b[:, :] = dato.matmul(a[:, :], a[:, :], acc=3)  # E-acc

    check_error(_compile_error(top), "# E-acc", "matmul's acc must be an element type, not 3")


def test_astype_needs_its_element_type():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = a[:].astype()  # E-astype

    check_error(_compile_error(top), "# E-astype", "astype takes 1 positional argument, got 0")


def test_full_fills_with_a_scalar():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = dato.full((4,), a[:], float32)  # E-fill

    check_error(_compile_error(top), "# E-fill", "dato.full fills with a scalar, not float32[4]")


def test_a_constant_division_by_zero_is_a_located_error():
    @dato.region
    def top(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[0] = int32(7 // 0)  # E-div0

    check_error(_compile_error(top), "# E-div0", "division by zero in a constant expression")


def test_a_literal_converted_with_astype_takes_the_type():
    @dato.region
    def top(A: int8[1]):
        @dato.task(args=[A])
        def t(a: int8[1]):
            a[0] = (5).astype(int8)

    assert "a[0] = int8(5)" in region_text(dato.compile(top).region)


# -- the HLS header compares values as the simulator does ----------------------------------------
def test_int32_comparisons_above_float_precision_agree_in_csim():
    @dato.region
    def top(A: int32[4], B: int32[4], C: int32[4]):
        @dato.task(args=[A, B, C])
        def t(a: int32[4], b: int32[4], c: int32[4]):
            x = a[:]
            y = b[:]
            c[:] = dato.where(x == y, 0, dato.maximum(x, y) - dato.minimum(x, y))

    prog = dato.compile(top)
    A = np.array([16777217, 16777216, 2**31 - 1, -(2**31)], np.int32)
    B = np.array([16777216, 16777217, 2**31 - 2, -(2**31) + 1], np.int32)
    ref, got = np.zeros(4, np.int32), np.zeros(4, np.int32)
    prog.run(A, B, ref)
    prog.run(A, B, got, backend="csim")
    np.testing.assert_array_equal(ref, [1, 1, 1, 1])
    np.testing.assert_array_equal(got, ref)


def test_a_whole_parameter_as_an_operand_runs_in_csim():
    @dato.region
    def top(A: float32[2, 4], B: float32[2, 4]):
        @dato.task(args=[A, B])
        def t(a: float32[2, 4], b: float32[2, 4]):
            b[:, :] = dato.exp(a) + a  # `a`, not `a[:, :]`

    prog = dato.compile(top)
    A = np.arange(8, dtype=np.float32).reshape(2, 4) / 4
    ref, got = np.zeros_like(A), np.zeros_like(A)
    prog.run(A, ref)
    prog.run(A, got, backend="csim")
    np.testing.assert_allclose(ref, np.exp(A) + A, rtol=1e-6)
    np.testing.assert_allclose(got, ref, rtol=1e-5)


def test_a_reduction_axis_that_is_not_an_int_is_a_located_error():
    @dato.region
    def top(A: float32[4, 4], B: float32[4]):
        @dato.task(args=[A, B])
        def t(a: float32[4, 4], b: float32[4]):
            b[:] = a[:, :].sum(axis=0.5)  # E-axis-float

    check_error(_compile_error(top), "# E-axis-float", ".sum(axis=0.5) is out of range")
