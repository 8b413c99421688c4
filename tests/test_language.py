"""Language features of DESIGN.md section 1, each run by the functional simulator against numpy."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import datobench as dato
from datobench import R, S, Stream, bf16, float32, int8, int16, int32

P0, P1 = 2, 3


def test_element_types_map_to_numpy():
    assert dato.bf16.np == np.dtype(ml_dtypes.bfloat16)
    assert [t.np for t in (int8, int16, int32, float32)] == [
        np.dtype(np.int8),
        np.dtype(np.int16),
        np.dtype(np.int32),
        np.dtype(np.float32),
    ]
    assert str(int16[4, 8]) == "int16[4, 8]"
    assert str(float32[16] @ [S(0)]) == "float32[16] @ [S(0)]"
    assert str(Stream[int8[4, 4], 3][2, 2]) == "Stream[int8[4, 4], 3][2, 2]"


def test_type_constructors_refuse_nonsense():
    with pytest.raises(dato.DatoTypeError, match="tensor dimensions must be ints"):
        float32[1.5]
    with pytest.raises(
        dato.DatoTypeError, match="layout .* has 1 entries but float32\\[4, 4\\] has 2"
    ):
        float32[4, 4] @ [S(0)]
    with pytest.raises(dato.DatoTypeError, match="stream depth must be an int >= 1"):
        Stream[float32[4], 0]


def test_scalar_stream_and_typed_scalars():
    @dato.region
    def top(A: int32[8], B: int32[1]):
        s: Stream[int32, 4]

        @dato.task(args=[A])
        def prod(a: int32[8]):
            for i in range(8):
                s.put(a[i] * 2)

        @dato.task(args=[B])
        def cons(b: int32[1]):
            total = int32(0)
            for i in range(8):
                total += s.get()
            b[0] = total

    A = np.arange(8, dtype=np.int32)
    B = np.zeros(1, np.int32)
    top(A, B)
    assert B[0] == 2 * A.sum()


def test_symbolic_sizes_bind_from_arguments_and_from_compile():
    M = dato.symbol("M")

    @dato.region
    def scale(A: float32[M], B: float32[M]):
        @dato.task(mapping=[2], args=[A, B])
        def t(a: float32[M] @ [S(0)], b: float32[M] @ [S(0)]):
            for i in range(M // 2 // 4):
                b[i * 4 : i * 4 + 4] = a[i * 4 : i * 4 + 4] * 3.0

    for m in (8, 32):
        A = np.arange(m, dtype=np.float32)
        B = np.zeros(m, np.float32)
        scale(A, B)
        np.testing.assert_array_equal(B, 3 * A)
    prog = dato.compile(scale, sizes={"M": 16})
    assert prog.region.params[0].type == float32[16]


def test_pid_and_compile_time_if_on_a_2d_mapping():
    @dato.region
    def top(C: int32[P0, P1]):
        @dato.task(mapping=[P0, P1], args=[C])
        def t(c: int32[P0, P1] @ [S(0), S(1)]):
            i, j = dato.pid()
            if j < P1 - 1:
                c[0, 0] = int32(i * 10 + j)
            else:
                c[0, 0] = int32(-1)

    C = np.zeros((P0, P1), np.int32)
    top(C)
    np.testing.assert_array_equal(C, [[0, 1, -1], [10, 11, -1]])
    prog = dato.compile(top)
    assert [i.name for i in prog.graph.instances] == [
        "t_0_0",
        "t_0_1",
        "t_0_2",
        "t_1_0",
        "t_1_1",
        "t_1_2",
    ]
    assert all("if" not in line for line in prog.emit("graph").splitlines())  # folded


def test_pid_tuple_indexing_and_replicated_layout():
    @dato.region
    def top(A: float32[4, 6], B: float32[4, 6]):
        @dato.task(mapping=[2, 2], args=[A, B])
        def t(a: float32[4, 6] @ [S(0), R], b: float32[4, 6] @ [S(0), R]):
            p = dato.pid()
            if p[1] == 0:
                b[:, :] = a[:, :] + 1.0

    A = np.arange(24, dtype=np.float32).reshape(4, 6)
    B = np.zeros_like(A)
    top(A, B)
    np.testing.assert_array_equal(B, A + 1)


def test_int8_matmul_accumulates_in_int32_and_wraps_like_hardware():
    @dato.region
    def top(A: int8[16, 32], B: int8[32, 8], C: int32[16, 8], D: int8[16, 8]):
        @dato.task(args=[A, B, C, D])
        def t(a: int8[16, 32], b: int8[32, 8], c: int32[16, 8], d: int8[16, 8]):
            c[:, :] = dato.matmul(a[:, :], b[:, :], acc=int32)
            d[:, :] = a[:, 0:8] @ b[0:8, :]

    rng = np.random.default_rng(1)
    A = rng.integers(-128, 128, (16, 32)).astype(np.int8)
    B = rng.integers(-128, 128, (32, 8)).astype(np.int8)
    C = np.zeros((16, 8), np.int32)
    D = np.zeros((16, 8), np.int8)
    top(A, B, C, D)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    wrapped = (A[:, :8].astype(np.int64) @ B[:8].astype(np.int64)).astype(np.int8)
    np.testing.assert_array_equal(D, wrapped)


def test_reductions_exp_maximum_where_transpose_and_casts():
    @dato.region
    def top(A: float32[4, 8], O: float32[8, 4], M: float32[4, 1], T: float32[4], W: int32[4, 8]):
        @dato.task(args=[A, O, M, T, W])
        def t(a: float32[4, 8], o: float32[8, 4], m: float32[4, 1], s: float32[4], w: int32[4, 8]):
            x = a[:, :]
            o[:, :] = dato.exp(x - x.max(axis=1, keepdims=True)).T
            m[:, :] = dato.maximum(x, 0.5).max(axis=1, keepdims=True)
            s[:] = dato.minimum(x, 2.0).sum(axis=1)
            w[:, :] = dato.where(x > 3.0, x, dato.zeros((4, 8), float32)).astype(int32)

    A = np.random.default_rng(2).uniform(0, 6, (4, 8)).astype(np.float32)
    O, M, T = np.zeros((8, 4), np.float32), np.zeros((4, 1), np.float32), np.zeros(4, np.float32)
    W = np.zeros((4, 8), np.int32)
    top(A, O, M, T, W)
    np.testing.assert_allclose(O, np.exp(A - A.max(axis=1, keepdims=True)).T, rtol=1e-6)
    np.testing.assert_array_equal(M, np.maximum(A, 0.5).max(axis=1, keepdims=True))
    np.testing.assert_allclose(T, np.minimum(A, 2.0).sum(axis=1), rtol=1e-6)
    np.testing.assert_array_equal(W, np.where(A > 3, A, 0).astype(np.int32))


def test_bf16_arithmetic_rounds_to_bf16():
    @dato.region
    def top(A: bf16[8], B: bf16[8]):
        @dato.task(args=[A, B])
        def t(a: bf16[8], b: bf16[8]):
            b[:] = a[:] * 3.0 + 1.0

    A = np.linspace(0, 1, 8).astype(ml_dtypes.bfloat16)
    B = np.zeros(8, ml_dtypes.bfloat16)
    top(A, B)
    expected = (A * ml_dtypes.bfloat16(3.0)) + ml_dtypes.bfloat16(1.0)
    np.testing.assert_array_equal(B.astype(np.float32), expected.astype(np.float32))


def test_full_and_triangular_loops():
    @dato.region
    def top(L: float32[6, 6]):
        @dato.task(args=[L])
        def t(out: float32[6, 6]):
            ones = dato.full((1,), 1.0, float32)
            for i in range(6):
                for j in range(i, 6):
                    out[i, j : j + 1] = ones

    L = np.zeros((6, 6), np.float32)
    top(L)
    np.testing.assert_array_equal(L, np.triu(np.ones((6, 6), np.float32)))


def test_data_dependent_if_and_discarded_get():
    @dato.region
    def top(A: int32[8], B: int32[8]):
        s: Stream[int32, 2]

        @dato.task(args=[A])
        def prod(a: int32[8]):
            for i in range(8):
                s.put(a[i])
            s.put(int32(99))

        @dato.task(args=[B])
        def cons(b: int32[8]):
            for i in range(8):
                v = s.get()
                if v % 2 == 0:
                    b[i] = v
                else:
                    b[i] = -v
            s.get()

    A = np.arange(8, dtype=np.int32)
    B = np.zeros(8, np.int32)
    top(A, B)
    np.testing.assert_array_equal(B, np.where(A % 2 == 0, A, -A))


@dato.kernel
def relu(x: float32[16]) -> float32[16]:
    return np.maximum(x, np.float32(0))


def test_external_kernel_runs_its_numpy_reference():
    @dato.region
    def top(A: float32[32], B: float32[32]):
        @dato.task(args=[A, B])
        def t(a: float32[32], b: float32[32]):
            for i in range(2):
                b[i * 16 : i * 16 + 16] = relu(a[i * 16 : i * 16 + 16])

    A = np.linspace(-1, 1, 32).astype(np.float32)
    B = np.zeros_like(A)
    top(A, B)
    np.testing.assert_array_equal(B, np.maximum(A, 0))
    assert "kernel relu(float32[16]) -> float32[16]" in dato.compile(top).emit("ir")


def test_kernel_needs_a_typed_signature():
    with pytest.raises(dato.DatoTypeError, match="kernel 'k': parameter 'x' needs a static type"):

        @dato.kernel
        def k(x) -> float32[4]:
            return x


def test_builtins_work_eagerly_on_numpy():
    a = np.ones((2, 3), np.int8)
    b = np.ones((3, 2), np.int8)
    assert dato.matmul(a, b, acc=int32).dtype == np.int32
    assert dato.zeros((2, 2), bf16).dtype == ml_dtypes.bfloat16
    with pytest.raises(dato.DatoTypeError, match="only be used inside a @dato.task"):
        dato.pid()


def test_a_type_built_wrongly_is_a_located_error_at_the_users_line():
    from helpers import check_error, compiler_frames

    with pytest.raises(dato.DatoTypeError) as info:
        float32[2.5]  # E-dim
    check_error(info, "# E-dim", "tensor dimensions must be ints or symbols, not 2.5")
    assert compiler_frames(info.value) == []
    with pytest.raises(dato.DatoTypeError) as info:
        S("x")  # E-shard
    check_error(info, "# E-shard", "S(k) takes a mapping axis k >= 0, not 'x'")
    with pytest.raises(dato.DatoTypeError) as info:
        Stream[3]  # E-stream
    check_error(info, "# E-stream", "a stream carries an element or tile type, not 3")

    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4] @ [3]):  # E-layout
            a[0] = 1.0

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top)
    check_error(info, "# E-layout", "a layout entry must be", "S(k) or R")


def test_stream_declarations_built_wrongly_are_located_at_the_users_line():
    from helpers import check_error

    with pytest.raises(dato.DatoTypeError) as info:
        Stream[float32[4], 2][2][3]  # E-twice
    check_error(info, "# E-twice", "a stream array takes one shape: Stream[T, depth][P0, P1]")
    with pytest.raises(dato.DatoTypeError) as info:
        Stream[float32[4], 2][1.5]  # E-arraydim
    check_error(info, "# E-arraydim", "stream array dimensions must be ints, not 1.5")
    with pytest.raises(dato.DatoTypeError) as info:
        Stream(float32[4])  # E-call
    check_error(
        info, "# E-call", "streams are declared as annotations in a region: `pipe: Stream[T, 2]`"
    )
