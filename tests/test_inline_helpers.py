"""Plain Python functions called from a task body are inlined: their bodies are read and checked
like task bodies, their parameters stand for the call's values and their `return` gives the
call's value. Each program runs the same on sim, perf, csim and the NPU emulator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import check_error, random_arrays

import datobench as dato
from datobench import Stream, float32, int32


def scaled(x, k):
    """A helper returning a value: a tile times a compile-time size."""
    return x * k + 1


def send_halves(s, a, n):
    """A helper called for its effect: it puts two slices of the caller's tensor."""
    s.put(a[0:n])
    s.put(a[n : 2 * n])


def accumulate(acc, x):
    """A helper that rebinds its scalar parameter and returns the new value."""
    for i in range(4):
        acc = acc + x[i]
    return acc


def write_into(b, i, v):
    """A helper writing into the caller's tensor."""
    b[i] = v


def outer(x):
    return twice(x) + scaled(x, 2)


def twice(x):
    return x + x


def helper_program():
    @dato.region
    def helpers(A: int32[16], B: int32[16], C: int32[4]):
        pipe: Stream[int32[4], 2]

        @dato.task(args=[A])
        def producer(a: int32[16]):
            send_halves(pipe, a, 4)
            send_halves(pipe, a[8:16], 4)

        @dato.task(args=[B, C])
        def consumer(b: int32[16], c: int32[4]):
            for i in range(4):
                t = pipe.get()
                b[i * 4 : i * 4 + 4] = outer(t)
                total = accumulate(int32(0), t)
                write_into(c, i, total * 2)

    return helpers


def numpy_reference(A):
    tiles = A.reshape(4, 4)
    B = (tiles + tiles + tiles * 2 + 1).reshape(16)
    C = tiles.sum(axis=1) * 2
    return B, C


def test_helpers_are_inlined_and_sim_matches_numpy():
    prog = dato.compile(helper_program())
    A, B, C = random_arrays(prog)
    prog.run(A, B, C, backend="sim")
    want_b, want_c = numpy_reference(A)
    np.testing.assert_array_equal(B, want_b)
    np.testing.assert_array_equal(C, want_c)


def run_both(prog, backend, **options):
    ref, got = random_arrays(prog, 2), random_arrays(prog, 2)
    prog.run(*ref, backend="sim")
    result = prog.run(*got, backend=backend, **options)
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
    return result


def test_inlined_helpers_run_in_perf():
    for target in ("npu1_4col", "u280"):
        prog = dato.compile(helper_program(), target=target)
        result = prog.run(*random_arrays(prog), backend="perf")
        assert result.cycles > 0


def test_inlined_helpers_in_csim_equal_sim():
    run_both(dato.compile(helper_program()), "csim")


def test_inlined_helpers_on_the_npu_emulator_equal_sim():
    prog = dato.compile(helper_program(), target="npu1_4col")
    assert prog.emit("mlir-aie").startswith("// mlir-aie release")
    run_both(prog, "aie-emu")


def test_a_scalar_local_stored_into_a_parameter_reaches_it_on_the_npu():
    # The NPU emitter once let a scalar "own" its output FIFO's object, and stored nothing.
    @dato.region
    def doubled(A: int32[4], C: int32[4]):
        pipe: Stream[int32, 2]

        @dato.task(args=[A])
        def producer(a: int32[4]):
            for i in range(4):
                pipe.put(a[i])

        @dato.task(args=[C])
        def consumer(c: int32[4]):
            for i in range(4):
                v = pipe.get() * 2
                c[i] = v

    run_both(dato.compile(doubled, target="npu1_4col"), "aie-emu")


# -- sizes, keywords, defaults, pids ----------------------------------------------------------


def ramp(n, step=1, dtype=int32):
    """Python ints bound to a helper stay compile-time: they size tiles and bound loops."""
    out = dato.zeros((n,), dtype)
    for i in range(n):
        out[i] = dtype(i * step)
    return out


def position():
    return dato.pid()


def test_sizes_keywords_defaults_and_the_pid_pass_through_helpers():
    @dato.region
    def ramps(A: int32[4, 8], B: float32[8]):
        @dato.task(mapping=[4], args=[A])
        def rows(a: int32[4, 8]):
            i = position()
            a[i, 0:8] = ramp(8, step=i + 1)

        @dato.task(args=[B])
        def floats(b: float32[8]):
            b[0:8] = ramp(8, dtype=float32) + ramp(n=8, step=2, dtype=float32)

    prog = dato.compile(ramps)
    A, B = np.zeros((4, 8), np.int32), np.zeros(8, np.float32)
    prog.run(A, B, backend="sim")
    np.testing.assert_array_equal(A, np.arange(8) * np.arange(1, 5)[:, None])
    np.testing.assert_array_equal(B, np.arange(8) * 3.0)
    run_both(prog, "csim")
    assert dato.compile(ramps, target="u280").run(A, B, backend="perf").cycles > 0


def window(a, row, n, offset=0):
    """A slice of the caller's tensor, sized by compile-time ints."""
    return a[row, offset : offset + n]


def halves(r):
    return r[0:4] + r[4:8]


def test_helpers_slice_the_callers_tensor_on_the_npu():
    @dato.region
    def windows(A: int32[4, 8], B: int32[4, 4]):
        @dato.task(args=[A, B])
        def rows(a: int32[4, 8], b: int32[4, 4]):
            for i in range(4):
                b[i, 0:4] = halves(window(a, i, n=8))

    prog = dato.compile(windows, target="npu1_4col")
    A, B = random_arrays(prog)
    prog.run(A, B, backend="sim")
    np.testing.assert_array_equal(B, A[:, :4] + A[:, 4:])
    run_both(prog, "aie-emu")
    run_both(dato.compile(windows), "csim")


def test_an_argument_is_evaluated_once_and_an_unused_result_is_dropped():
    @dato.region
    def once(A: int32[8], B: int32[8]):
        pipe: Stream[int32[4], 2]

        @dato.task(args=[A])
        def producer(a: int32[8]):
            send_halves(pipe, a, 4)

        @dato.task(args=[B])
        def consumer(b: int32[8]):
            b[0:4] = twice(pipe.get())  # one get, though `twice` reads its x twice
            t = pipe.get()
            scaled(t, 3)  # called for nothing: its value is dropped
            b[4:8] = t

    prog = dato.compile(once)
    A, B = random_arrays(prog)
    prog.run(A, B, backend="sim")
    np.testing.assert_array_equal(B, np.concatenate([A[:4] * 2, A[4:]]))
    run_both(prog, "csim")


# -- errors ------------------------------------------------------------------------------------


def countdown(x, n):
    return countdown(x, n - 1)  # E-recursive


def ping(x):
    return pong(x)


def pong(x):
    return ping(x)  # E-mutual


def test_recursion_direct_or_mutual_is_a_located_error():
    @dato.region
    def direct(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = countdown(a[0:4], 3)

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(direct)
    error = check_error(
        info,
        "# E-recursive",
        "helper 'countdown' calls itself (countdown -> countdown); helpers are inlined into the "
        "task, so they cannot be recursive: write the repetition as a loop",
    )
    assert error.notes[-1].startswith("in helper 'countdown', inlined at ")

    @dato.region
    def mutual(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = ping(a[0:4])

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(mutual)
    error = check_error(info, "# E-mutual", "helper 'ping' calls itself (ping -> pong -> ping)")
    assert [n.split(",")[0] for n in error.notes] == ["in helper 'pong'", "in helper 'ping'"]


def test_a_lambda_a_builtin_or_a_c_function_cannot_be_called():
    add_one = lambda x: x + 1  # noqa: E731

    @dato.region
    def with_lambda(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = add_one(a[0:4])  # E-lambda

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(with_lambda)
    check_error(
        info,
        "# E-lambda",
        "`add_one` is a lambda, which cannot be inlined in a task body; define the helper "
        "with `def`",
    )

    @dato.region
    def with_c_function(A: float32[4]):
        @dato.task(args=[A])
        def work(a: float32[4]):
            a[0] = math.floor(a[1])  # E-cfunc

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(with_c_function)
    check_error(info, "# E-cfunc", "`math.floor` cannot be called in a task body")

    @dato.region
    def with_numpy(A: float32[4]):
        @dato.task(args=[A])
        def work(a: float32[4]):
            a[0:4] = np.ones(4)  # E-numpy

    with pytest.raises(dato.DatoTypeError) as info:  # numpy's Python is not the user's helper
        dato.compile(with_numpy)
    check_error(info, "# E-numpy", "`np.ones` cannot be called in a task body")


namespace: dict = {}
exec("def unreadable(x):\n    return x\n", namespace)
unreadable = namespace["unreadable"]


def test_a_helper_without_source_is_a_located_error():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = unreadable(a[0:4])  # E-nosource

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(region)
    check_error(
        info,
        "# E-nosource",
        "cannot read the source of helper 'unreadable' (defined in <string>); helpers must be "
        "`def` functions in files, scripts or notebook cells",
    )


def nothing(x):
    x[0] = 1


def early(x, n):
    if n > 0:
        return x  # E-early
    return x + 1


def rebinding(x):
    x = x + 1  # E-rebind
    return x


def variadic(*xs):
    return xs[0]


def reads_task_name():
    return a[0]  # E-scope  # noqa: F821


def misuse_arity():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = scaled(a[0:4])  # E-arity

    return region


def misuse_novalue():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = nothing(a) + 1  # E-novalue

    return region


def misuse_early():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = early(a[0:4], 1)

    return region


def misuse_rebind():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = rebinding(a)

    return region


def misuse_variadic():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = variadic(a)  # E-variadic

    return region


def misuse_scope():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0] = reads_task_name()

    return region


def misuse_starred():
    @dato.region
    def region(A: int32[4]):
        @dato.task(args=[A])
        def work(a: int32[4]):
            a[0:4] = scaled(*a)  # E-starred

    return region


@pytest.mark.parametrize(
    "region, marker, message",
    [
        (misuse_arity, "# E-arity", "helper 'scaled': missing a required argument: 'k'"),
        (misuse_novalue, "# E-novalue", "helper 'nothing' returns nothing, so `nothing(a)` has no"),
        (misuse_early, "# E-early", "a helper returns only from its last statement; assign the"),
        (misuse_rebind, "# E-rebind", "cannot rebind helper parameter 'x': it stands for the"),
        (
            misuse_variadic,
            "# E-variadic",
            "helper 'variadic' takes *args or **kwargs, which cannot",
        ),
        (misuse_scope, "# E-scope", "name 'a' is not defined"),
        (misuse_starred, "# E-starred", "*args and **kwargs are not supported in a task body"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[7:] or None,
)
def test_helper_misuse_is_a_located_error(region, marker, message):
    with pytest.raises(dato.DatoError) as info:
        dato.compile(region())
    check_error(info, marker, message)


def test_a_helper_defined_in_a_notebook_cell_is_inlined(tmp_path, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    try:
        cells = [
            "import numpy as np\nimport datobench as dato\nfrom datobench import float32\n",
            "def affine(x, scale):\n    return x * scale + 1.0\n",
            "@dato.region\n"
            "def cell(A: float32[8]):\n"
            "    @dato.task(args=[A])\n"
            "    def work(a: float32[8]):\n"
            "        a[0:8] = affine(a[0:8], 3.0)\n",
            "A = np.arange(8, dtype=np.float32)\ncell(A)\n",
        ]
        for source in cells:
            result = shell.run_cell(source, store_history=True)
            assert result.success, result.error_in_exec or result.error_before_exec
        np.testing.assert_array_equal(shell.user_ns["A"], np.arange(8) * 3.0 + 1.0)
    finally:
        InteractiveShell.clear_instance()


def test_a_method_on_a_helpers_result_inlines_the_helper_once():
    # `twice(s.get()).sum()` once inlined `twice` (and its get) several times over.
    @dato.region
    def top(A: int32[8], B: int32[1]):
        s: Stream[int32[8], 2]

        @dato.task(args=[A])
        def p(a: int32[8]):
            s.put(a[:])

        @dato.task(args=[B])
        def c(b: int32[1]):
            b[0] = twice(s.get()).sum()

    prog = dato.compile(top)
    assert str(prog.region).count("get s") == 1
    A, B = np.arange(8, dtype=np.int32), np.zeros(1, np.int32)
    prog.run(A, B)
    assert B[0] == 2 * A.sum()
