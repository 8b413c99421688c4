"""Issue 13, item 3: scalar region parameters, the bool element type, conditional expressions,
Python's int/min/max/abs and indices computed at run time. Each program runs on sim against
numpy, on csim equal to sim and on perf; each new error is located and worded."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, line_of

import datobench as dato
from datobench import Stream, float32, int8, int16, int32


def sim_and_csim(prog, *args) -> list:
    """Run on sim and csim from the same inputs (numbers are passed as they are); csim must
    agree bit for bit. The sim's arguments."""
    ref = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    got = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
    return ref


# -- scalar region parameters --------------------------------------------------------------------
@dato.region
def axpy(X: float32[16], alpha: float32, n: int32, flag: bool, Y: float32[16]):
    @dato.task(mapping=[2], args=[X, Y])
    def scale(x: float32[16] @ [dato.S(0)], y: float32[16] @ [dato.S(0)]):
        for i in range(8):
            v = x[i] * alpha + y[i]
            y[i] = v if flag else v + float32(n)


def axpy_reference(X, alpha, n, flag, Y):
    v = X * np.float32(alpha) + Y
    return v if flag else v + np.float32(n)


@pytest.mark.parametrize("flag", [True, False])
def test_scalar_parameters_are_passed_as_numbers_and_read_by_name(flag):
    X = np.arange(16, dtype=np.float32)
    Y = np.ones(16, np.float32)
    expected = axpy_reference(X, 0.5, 3, flag, Y)
    axpy(X, 0.5, 3, flag, Y)
    np.testing.assert_array_equal(Y, expected)


def test_scalar_parameters_appear_in_the_program_text():
    text = dato.compile(axpy).emit()
    assert "region axpy(X: float32[16], alpha: float32, n: int32, flag: bool, Y: float32[16])" in (
        text
    )
    assert "where(flag, v, (v + astype(n, dtype=float32)))" in text


def test_scalar_parameters_on_csim_equal_sim_and_become_s_axilite_arguments():
    prog = dato.compile(axpy)
    X = np.arange(16, dtype=np.float32)
    Y = np.ones(16, np.float32)
    for flag in (True, False):
        _, _, _, _, got = sim_and_csim(prog, X, -2.0, 7, flag, Y.copy())
        np.testing.assert_array_equal(got, axpy_reference(X, -2.0, 7, flag, Y))
    kernel = prog.emit("hls")
    assert 'extern "C" void axpy(const float* X, float alpha, int32_t n, bool flag, float* Y)' in (
        kernel
    )
    assert "#pragma HLS interface s_axilite port = alpha" in kernel
    assert "DATO_PROCESS(scale_0(X, Y, alpha, n, flag));" in kernel


@pytest.mark.parametrize("target", ["npu1_4col", "u280"])
def test_scalar_parameters_run_on_perf(target):
    prog = dato.compile(axpy, target=target)
    X = np.arange(16, dtype=np.float32)
    Y = np.ones(16, np.float32)
    result = prog.run(X, 2.0, 1, False, Y, backend="perf")
    assert result.cycles > 0
    np.testing.assert_array_equal(Y, axpy_reference(X, 2.0, 1, False, np.ones(16, np.float32)))
    assert prog.run(backend="perf", values=False).cycles == result.cycles


def test_a_scalar_parameter_may_set_a_fill_value_and_steer_an_if():
    @dato.region
    def top(A: int16[8], bias: int16, negate: bool, B: int16[8]):
        @dato.task(args=[A, B])
        def t(a: int16[8], b: int16[8]):
            x = a[:] + dato.full((8,), bias, int16)
            if negate and bias > 0:
                b[:] = -x
            else:
                b[:] = x

    A = np.arange(8, dtype=np.int16)
    for negate in (True, False):
        (_, _, _, B) = sim_and_csim(dato.compile(top), A, 5, negate, np.zeros(8, np.int16))
        np.testing.assert_array_equal(B, -(A + 5) if negate else A + 5)


@pytest.mark.parametrize(
    "value, message",
    [
        (np.zeros(1, np.float32), "argument 2 ('alpha') of axpy is a float32 scalar: pass a "
         "number, not an array of float32[1]"),
        ("2", "argument 2 ('alpha') of axpy is a float32 scalar: pass a number, not '2'"),
        (1e39, "argument 2 ('alpha') of axpy: 1e+39 is out of the range of float32"),
    ],
)  # fmt: skip
def test_a_float_parameter_takes_a_real_number(value, message):
    X, Y = np.zeros(16, np.float32), np.zeros(16, np.float32)
    with pytest.raises(dato.DatoTypeError, match=None) as e:
        axpy(X, value, 1, True, Y)  # mark: float argument
    check_error(e, "mark: float argument", message)


@pytest.mark.parametrize(
    "value, message",
    [
        (2.0, "argument 3 ('n') of axpy is an int32 scalar: pass a whole number, not 2.0"),
        (True, "argument 3 ('n') of axpy is an int32 scalar: pass a whole number, not True"),
        (
            2**31,
            "argument 3 ('n') of axpy: 2147483648 does not fit in int32 (-2147483648..2147483647)",
        ),
    ],
)
def test_an_integer_parameter_takes_a_whole_number_that_fits(value, message):
    X, Y = np.zeros(16, np.float32), np.zeros(16, np.float32)
    with pytest.raises(dato.DatoTypeError) as e:
        axpy(X, 1.0, value, True, Y)  # mark: int argument
    check_error(e, "mark: int argument", message)


def test_a_bool_parameter_takes_true_or_false():
    X, Y = np.zeros(16, np.float32), np.zeros(16, np.float32)
    with pytest.raises(dato.DatoTypeError) as e:
        axpy(X, 1.0, 1, 1, Y)  # mark: bool argument
    check_error(e, "mark: bool argument", "argument 4 ('flag') of axpy is a bool: pass True or "
                "False, not 1")  # fmt: skip
    axpy(X, 1.0, np.int64(1), np.bool_(True), Y)  # numpy numbers are welcome


def test_a_run_counts_scalars_among_its_arguments():
    X = np.zeros(16, np.float32)
    with pytest.raises(dato.DatoTypeError) as e:
        dato.compile(axpy).run(X, X)  # mark: too few
    check_error(e, "mark: too few", "axpy takes 5 arguments (X, alpha, n, flag, Y), got 2")


def test_a_region_parameter_names_its_width():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], n: int):  # mark: python int
            @dato.task(args=[A])
            def t(a: int32[4]):
                a[0] = 1

        dato.compile(top)
    check_error(e, "mark: python int", "must be a tensor type such as float32[64] or a scalar "
                "type with its width: `n: int32`, not int")  # fmt: skip


def test_a_region_parameter_is_a_tensor_or_a_scalar_type():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], s: Stream[int32, 2]):  # mark: stream parameter
            @dato.task(args=[A])
            def t(a: int32[4]):
                a[0] = 1

        dato.compile(top)
    check_error(e, "mark: stream parameter", "takes stream 's', so it is a part of another region")

    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], k: str):  # mark: str parameter
            @dato.task(args=[A])
            def t(a: int32[4]):
                a[0] = 1

        dato.compile(top)
    check_error(e, "mark: str parameter", "scalar type such as int32, float32 or bool, not")


def test_a_task_reads_a_scalar_by_name_not_through_args():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], n: int32):
            @dato.task(args=[A, n])  # mark: scalar in args
            def t(a: int32[4], k: int32):
                a[0] = k

        dato.compile(top)
    check_error(
        e,
        "mark: scalar in args",
        "'n' is a scalar parameter of the region: a task reads it by name, without listing it "
        "in args=",
    )


def test_a_task_cannot_rebind_a_scalar_parameter():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], n: int32):
            @dato.task(args=[A])
            def t(a: int32[4]):
                n = a[0]  # mark: rebind scalar  # noqa: F841
                a[1] = 0

        dato.compile(top)
    check_error(
        e,
        "mark: rebind scalar",
        "cannot rebind 'n', a scalar parameter of the region; give the new value another name",
    )


def test_a_stream_cannot_take_a_scalar_parameters_name():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], n: int32):
            n: Stream[int32, 2]  # mark: stream named n  # noqa: F842

            @dato.task(args=[A])
            def t(a: int32[4]):
                a[0] = 1

        dato.compile(top)
    check_error(e, "mark: stream named n", "'n' is declared twice")


def test_a_loop_bound_cannot_come_from_a_scalar_parameter():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], n: int32):
            @dato.task(args=[A])
            def t(a: int32[4]):
                for i in range(n):  # mark: data loop bound
                    a[i] = 0

        dato.compile(top)
    check_error(e, "mark: data loop bound", "a loop bound must be a compile-time constant")


def test_scalar_parameters_are_refused_on_the_npu_at_the_parameter():
    @dato.region
    def top(A: float32[16], alpha: float32, B: float32[16]):  # mark: npu scalar
        @dato.task(args=[A, B])
        def t(a: float32[16], b: float32[16]):
            b[:] = a[:] * alpha

    prog = dato.compile(top, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as e:
        prog.emit("mlir-aie")
    assert "scalar region parameters such as 'alpha: float32' are not supported on the NPU " in (
        str(e.value)
    )
    assert e.value.loc.line == line_of("mark: npu scalar")
    A, B = np.ones(16, np.float32), np.zeros(16, np.float32)
    with pytest.raises(dato.CapabilityError, match="not supported on the NPU yet"):
        prog.run(A, 2.0, B, backend="aie-emu")
    prog.run(A, 2.0, B, backend="perf")  # the cost model times it all the same
    np.testing.assert_array_equal(B, 2 * A)


def test_a_device_run_refuses_scalar_parameters():
    prog = dato.compile(axpy, target="u280")
    X = np.zeros(16, np.float32)
    with pytest.raises(dato.CapabilityError) as e:
        prog.run(X, 1.0, 1, True, X.copy(), backend="xrt")
    assert "backend='xrt' does not pass scalar region parameters such as 'alpha: float32'" in (
        str(e.value)
    )


# -- conditional expressions ---------------------------------------------------------------------
def test_a_scalar_conditional_evaluates_only_the_branch_taken():
    @dato.region
    def top(A: float32[8], I: int32[4], B: float32[4]):
        @dato.task(args=[A, I, B])
        def t(a: float32[8], idx: int32[4], b: float32[4]):
            for i in range(4):
                k = idx[i]
                b[i] = a[k] if k < 8 else -1.0  # a[k] is out of range when k >= 8

    A = np.arange(8, dtype=np.float32) * 10
    I = np.array([3, 8, 0, 100], np.int32)
    (_, _, B) = sim_and_csim(dato.compile(top), A, I, np.zeros(4, np.float32))
    np.testing.assert_array_equal(B, [30, -1, 0, -1])


def test_a_tile_conditional_is_elementwise_like_numpy_where():
    @dato.region
    def top(A: int32[16], lo: int32, B: int32[16]):
        @dato.task(args=[A, B])
        def t(a: int32[16], b: int32[16]):
            x = a[:]
            b[:] = x if x > lo else 0  # the literal adopts int32
            b[8:16] = x[0:8] if lo > 0 else -x[8:16]  # a scalar condition chooses a tile
            b[0] = 1 if x[0] > x[1] else 2

    A = np.array([5, -3, 8, 0, 2, 9, -1, 4, 7, 6, -8, 3, 1, 0, 2, 5], np.int32)
    (_, _, B) = sim_and_csim(dato.compile(top), A, 2, np.zeros(16, np.int32))
    expected = np.where(A > 2, A, 0)
    expected[8:16] = A[0:8]
    expected[0] = 1 if A[0] > A[1] else 2
    np.testing.assert_array_equal(B, expected)
    text = dato.compile(top).emit()
    assert "where((x > lo), x, int32(0))" in text


def test_a_conditional_on_a_pid_is_decided_per_instance():
    @dato.region
    def top(A: int16[4], B: int16[4]):
        @dato.task(mapping=[4], args=[A, B])
        def t(a: int16[4] @ [dato.S(0)], b: int16[4] @ [dato.S(0)]):
            i = dato.pid()
            b[0] = a[0] if i % 2 == 0 else -a[0]

    A = np.array([1, 2, 3, 4], np.int16)
    (_, B) = sim_and_csim(dato.compile(top), A, np.zeros(4, np.int16))
    np.testing.assert_array_equal(B, [1, -2, 3, -4])


def test_a_conditional_needs_a_boolean_condition():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], B: int32[4]):
            @dato.task(args=[A, B])
            def t(a: int32[4], b: int32[4]):
                b[0] = a[1] if a[0] else a[2]  # mark: int condition

        dato.compile(top)
    check_error(
        e,
        "mark: int condition",
        "the condition of `a if c else b` must be a comparison or a boolean (a scalar, or a "
        "tile of them for an elementwise choice), not an int32 scalar",
    )


def test_a_conditionals_branches_have_one_element_type():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], X: float32[4]):
            @dato.task(args=[A, X])
            def t(a: int32[4], x: float32[4]):
                x[0] = a[1] if a[0] > 0 else x[1]  # mark: mixed branches

        dato.compile(top)
    check_error(
        e,
        "mark: mixed branches",
        "the branches of `a if c else b` have different element types: an int32 scalar and a "
        "float32 scalar",
    )


def test_a_conditionals_shapes_must_broadcast():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[8], B: int32[4]):
            @dato.task(args=[A, B])
            def t(a: int32[8], b: int32[4]):
                x = a[:]
                y = b[:]
                b[:] = x if x > 0 else y  # mark: bad shapes

        dato.compile(top)
    check_error(
        e,
        "mark: bad shapes",
        "the condition and branches of `a if c else b` must have shapes that broadcast "
        "together; they have shapes [8], [8], [4] (condition, then, else)",
    )


def test_a_conditional_cannot_read_a_stream():
    with pytest.raises(dato.DatoTypeError) as e:

        @dato.region
        def top(A: int32[4], B: int32[4]):
            s: Stream[int32, 2]

            @dato.task(args=[A])
            def p(a: int32[4]):
                for i in range(4):
                    s.put(a[i])

            @dato.task(args=[B])
            def c(b: int32[4]):
                for i in range(4):
                    b[i] = s.get() if i < 2 else 0  # mark: get in branch

        dato.compile(top)
    check_error(
        e,
        "mark: get in branch",
        "`s.get()` reads a stream inside a conditional expression; take the element with an "
        "`if` statement",
    )


# -- Python's int, min, max and abs ---------------------------------------------------------------
def test_min_max_abs_and_int_on_scalars_match_python():
    @dato.region
    def top(A: float32[4], C: int8[4], lo: float32, B: float32[4], D: int8[3]):
        @dato.task(args=[A, C, B, D])
        def t(a: float32[4], c: int8[4], b: float32[4], d: int8[3]):
            b[0] = max(a[0], a[1], lo)
            b[1] = min(a[2], 0, a[3])  # the literal adopts float32
            b[2] = abs(a[1] - a[3])
            b[3] = float32(int(a[2]))  # toward zero, as Python's int
            d[0] = max(c[0], c[1])
            d[1] = abs(c[2])  # int8 wraps as numpy's does: abs(-128) is -128
            d[2] = min(c[3], 1)

    A = np.array([1.5, -2.25, -3.75, 0.5], np.float32)
    C = np.array([-7, 4, -128, 9], np.int8)
    B, D = np.zeros(4, np.float32), np.zeros(3, np.int8)
    (_, _, _, B, D) = sim_and_csim(dato.compile(top), A, C, 0.25, B, D)
    np.testing.assert_array_equal(B, [max(1.5, -2.25, 0.25), min(-3.75, 0, 0.5), 2.75, -3.0])
    np.testing.assert_array_equal(D, [4, -128, 1])


@pytest.mark.parametrize(
    "line, message",
    [
        ("b[0] = min(a[0])", "min() takes two or more scalars in a task body, not 1; for the "
         "minimum of a tile's elements write x.min()"),
        ("b[0] = max(a[:], a[:])", "max() takes scalars, not int32[4]: for tiles use "
         "dato.maximum(x, y) (elementwise) or x.max() (over the elements)"),
        ("b[0] = max(a[0], a[1], key=a[2])", "max() takes no keyword arguments in a task body"),
        ("b[0] = abs(a[0], a[1])", "abs(x) takes one value"),
        ("b[0] = int(a[0], 2)", "int(x) takes one value"),
        ("b[:] = int(a[:])", "int(x) converts a scalar; convert a tile with .astype(int32)"),
    ],
)  # fmt: skip
def test_python_builtins_check_their_arguments(line, message, tmp_path):
    source = tmp_path / "prog.py"
    source.write_text(
        "import datobench as dato\n"
        "from datobench import int32\n\n"
        "@dato.region\n"
        "def top(A: int32[4], B: int32[4]):\n"
        "    @dato.task(args=[A, B])\n"
        "    def t(a: int32[4], b: int32[4]):\n"
        f"        {line}\n"
    )
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    with pytest.raises(dato.DatoTypeError) as e:
        dato.compile(namespace["top"])
    assert e.value.loc.line == 8
    assert message in str(e.value)


# -- indices computed at run time ------------------------------------------------------------------
@dato.region
def lookup(T: float32[8], I: int32[4], O: float32[4]):
    s: Stream[int32, 2]

    @dato.task(args=[I])
    def reader(idx: int32[4]):
        for i in range(4):
            s.put(idx[i])

    @dato.task(args=[T, O])
    def gather(t: float32[8], o: float32[4]):
        table = t[:]
        for i in range(4):
            k = s.get()
            o[i] = table[k]  # mark: table lookup


def test_an_index_read_from_a_stream_selects_an_element():
    T = np.arange(8, dtype=np.float32) * 1.5
    I = np.array([7, 0, 3, 3], np.int32)
    (_, _, O) = sim_and_csim(dato.compile(lookup), T, I, np.zeros(4, np.float32))
    np.testing.assert_array_equal(O, T[I])
    prog = dato.compile(lookup, target="npu1_4col")  # a tile-memory index: fine on the NPU
    O = np.zeros(4, np.float32)
    prog.run(T, I, O, backend="aie-emu")
    np.testing.assert_array_equal(O, T[I])
    assert prog.run(T, I, O, backend="perf").cycles > 0


@pytest.mark.parametrize("bad", [8, -1])
def test_an_index_out_of_range_at_run_time_is_located_and_names_the_value(bad):
    T = np.zeros(8, np.float32)
    I = np.array([1, bad, 0, 0], np.int32)
    with pytest.raises(dato.DatoRuntimeError) as e:
        lookup(T, I, np.zeros(4, np.float32))
    check_error(
        e,
        "mark: table lookup",
        f"in instance 'gather': index {bad} is out of range for 'table' dimension 0 (size 8)",
    )


def test_a_slice_may_start_at_an_index_read_from_a_tensor():
    @dato.region
    def top(A: int16[16], S: int32[2], B: int16[8]):
        @dato.task(args=[A, S, B])
        def t(a: int16[16], starts: int32[2], b: int16[8]):
            x = a[:]
            for j in range(2):
                k = starts[j]
                b[j * 4 : j * 4 + 4] = x[k : k + 4]

    A = np.arange(16, dtype=np.int16) * 3
    S = np.array([9, 2], np.int32)
    (_, _, B) = sim_and_csim(dato.compile(top), A, S, np.zeros(8, np.int16))
    np.testing.assert_array_equal(B, np.concatenate([A[9:13], A[2:6]]))
    S[0] = 13
    with pytest.raises(dato.DatoRuntimeError, match=r"slice 13:17 is out of range for 'x'"):
        top(A, S, np.zeros(8, np.int16))


def test_a_ddr_index_read_at_run_time_runs_everywhere_but_the_npu():
    @dato.region
    def top(A: float32[8], I: int32[4], B: float32[4]):
        @dato.task(args=[A, I, B])
        def t(a: float32[8], idx: int32[4], b: float32[4]):
            for i in range(4):
                b[i] = a[idx[i]]  # mark: ddr gather

    A = np.arange(8, dtype=np.float32) + 0.5
    I = np.array([6, 1, 1, 0], np.int32)
    (_, _, B) = sim_and_csim(dato.compile(top), A, I, np.zeros(4, np.float32))
    np.testing.assert_array_equal(B, A[I])
    prog = dato.compile(top, target="u280")
    assert prog.run(A, I, B, backend="perf").cycles > 0
    npu = dato.compile(top, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as e:
        npu.emit("mlir-aie")
    check_error(e, "mark: ddr gather", "depends on a value computed in the task")


# -- the bool element type -------------------------------------------------------------------------
def test_bool_tensors_streams_and_logic():
    @dato.region
    def top(M: dato.boolean[8], A: int32[8], B: int32[8], F: dato.boolean[2]):
        s: Stream[dato.boolean[8], 1]

        @dato.task(args=[M])
        def p(m: dato.boolean[8]):
            s.put(m[:])

        @dato.task(args=[A, B, F])
        def c(a: int32[8], b: int32[8], f: dato.boolean[2]):
            mask = s.get()
            b[:] = a[:] if mask else -a[:]
            f[0] = mask[0] and not mask[1]
            f[1] = mask[2] or a[0] > 0
            z = dato.zeros((8,), dato.boolean)
            b[0] = 7 if z[3] else 8

    M = np.array([1, 0, 0, 1, 1, 0, 1, 0], bool)
    A = np.arange(8, dtype=np.int32) + 1
    (_, _, B, F) = sim_and_csim(dato.compile(top), M, A, np.zeros(8, np.int32), np.zeros(2, bool))
    expected = np.where(M, A, -A)
    expected[0] = 8
    np.testing.assert_array_equal(B, expected)
    np.testing.assert_array_equal(F, [True, True])


def test_scalar_conditionals_and_builtins_run_on_the_npu():
    @dato.region
    def top(A: int32[8], F: float32[8], B: int32[8], G: float32[8]):
        @dato.task(mapping=[4], args=[A, F, B, G])
        def t(
            a: int32[8] @ [dato.S(0)],
            f: float32[8] @ [dato.S(0)],
            b: int32[8] @ [dato.S(0)],
            g: float32[8] @ [dato.S(0)],
        ):
            i = dato.pid()
            x = a[0]
            y = f[0]
            b[0] = x if i % 2 == 0 else -x
            b[1] = max(abs(x), a[1], 2) if not x > 3 else min(x, a[1])  # a branch reads DDR
            g[0] = abs(y) if y < 0.0 else -y
            g[1] = max(y, f[1]) + min(y, 0.5)

    prog = dato.compile(top, target="npu1_4col")
    A = np.array([5, -3, -8, 1, 2, 9, -1, 4], np.int32)
    F = np.array([1.5, -2, -0.25, 3, 0.75, 0.5, -4, 8], np.float32)
    ref = [A, F, np.zeros(8, np.int32), np.zeros(8, np.float32)]
    got = [A, F, np.zeros(8, np.int32), np.zeros(8, np.float32)]
    prog.run(*ref)
    prog.run(*got, backend="aie-emu")
    np.testing.assert_array_equal(got[2], ref[2])
    np.testing.assert_array_equal(got[3], ref[3])
    np.testing.assert_array_equal(ref[2], [5, -3, 8, 8, 2, 9, 1, 4])
    text = prog.emit("mlir-aie")
    assert "scf.if" in text and "arith.select" in text and "arith.maximumf" in text
