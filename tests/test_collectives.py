"""Collectives over stream-array slices: ``dato.gather(pipe[sel])`` gets one element from each
selected channel and stacks them along new leading axes shaped like the selection;
``dato.scatter(x, pipe[sel])`` puts ``x[k]`` on channel ``k``. The front end expands them into
per-channel gets and puts, so each program runs the same on sim, perf, csim and the NPU
emulator; misuse is a located, worded error."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, random_arrays

import datobench as dato
from datobench import Stream, int16, int32
from datobench.programs.collective import cooperative_gemv


def run_both(prog, backend):
    """``backend`` gives what ``sim`` gives, on the same random inputs."""
    ref, got = random_arrays(prog, 3), random_arrays(prog, 3)
    prog.run(*ref, backend="sim")
    prog.run(*got, backend=backend)
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)


# -- gather, scatter and the selections --------------------------------------------------------


def gather_tiles(P: int = 4, N: int = 16):
    @dato.region
    def top(A: int16[P, N], B: int16[P, N]):
        pipe: Stream[int16[N], 2][P]

        @dato.task(mapping=[P], args=[A])
        def src(a: int16[P, N] @ [dato.S(0), dato.R]):
            i = dato.pid()
            pipe[i].put(a[0] + 1)

        @dato.task(args=[B])
        def dst(b: int16[P, N]):
            b[:, :] = dato.gather(pipe[:])

    return top


def test_gather_stacks_one_tile_per_channel_along_a_new_leading_axis():
    prog = dato.compile(gather_tiles())
    body = str(prog.region).split("task dst")[1]
    assert "_gather1: int16[4, 16] = zeros(shape=(4, 16), dtype=int16)" in body
    assert [line.strip() for line in body.splitlines() if "get" in line] == [
        f"_gather1[{k}, 0:+16] = get pipe[{k}]" for k in range(4)
    ]
    A, B = random_arrays(prog)
    prog.run(A, B)
    np.testing.assert_array_equal(B, A + 1)


def grid_pipeline(P0: int = 2, P1: int = 3, N: int = 8):
    """Row i's feeder scatters its block over grid[i, :]; worker (i, j) doubles its tile and
    puts it on out[i, j]; column j's collector gathers out[:, j]."""

    @dato.region
    def top(A: int32[P0, P1, N], B: int32[P1, P0, N]):
        grid: Stream[int32[N], 2][P0, P1]
        out: Stream[int32[N], 2][P0, P1]

        @dato.task(mapping=[P0], args=[A])
        def feeder(a: int32[P0, P1, N] @ [dato.S(0), dato.R, dato.R]):
            i = dato.pid()
            dato.scatter(a[0], grid[i, :])  # a[0]: int32[P1, N]

        @dato.task(mapping=[P0, P1])
        def worker():
            i, j = dato.pid()
            out[i, j].put(grid[i, j].get() * 2)

        @dato.task(mapping=[P1], args=[B])
        def collector(b: int32[P1, P0, N] @ [dato.S(0), dato.R, dato.R]):
            j = dato.pid()
            b[0, :, :] = dato.gather(out[:, j])  # int32[P0, N]

    return top


def test_per_instance_rows_and_columns_scatter_and_gather_like_numpy():
    prog = dato.compile(grid_pipeline())
    A, B = random_arrays(prog)
    prog.run(A, B)
    np.testing.assert_array_equal(B, (A * 2).transpose(1, 0, 2))
    feeder_1 = next(i for i in prog.graph.instances if i.name == "feeder_1")
    puts = [s.stream.channel() for s in feeder_1.body]
    assert puts == ["grid[1, 0]", "grid[1, 1]", "grid[1, 2]"]


def scalars_and_ranges():
    """Scalar elements, a sub-range per instance and a whole array as the selection."""

    @dato.region
    def top(A: int32[4], B: int32[2, 2], C: int32[4]):
        s: Stream[int32, 2][4]
        t: Stream[int32, 2][4]

        @dato.task(args=[A])
        def spread(a: int32[4]):
            dato.scatter(a * 3, s)  # the whole array; the tile is computed once

        @dato.task(mapping=[2], args=[B])
        def halves(b: int32[2, 2] @ [dato.S(0), dato.R]):
            h = dato.pid()
            g = dato.gather(s[2 * h : 2 * h + 2])  # int32[2]
            b[0, :] = g
            dato.scatter(g + 1, t[2 * h : 2 * h + 2])

        @dato.task(args=[C])
        def last(c: int32[4]):
            c[:] = dato.gather(t[:])

    return top


def test_scalar_elements_sub_ranges_and_whole_arrays():
    prog = dato.compile(scalars_and_ranges())
    A, B, C = random_arrays(prog)
    prog.run(A, B, C)
    np.testing.assert_array_equal(B, (A * 3).reshape(2, 2))
    np.testing.assert_array_equal(C, A * 3 + 1)
    spread = str(prog.region).split("task spread")[1].split("task halves")[0]
    assert spread.count("(a * int32(3))") == 1  # evaluated once, then sliced per channel
    assert "put s[3], _scatter1[3]" in spread


def gather_in_a_loop(rounds: int = 3):
    @dato.region
    def top(A: int32[3, 4, 8], B: int32[3, 8]):
        pipe: Stream[int32[8], 2][4]

        @dato.task(mapping=[4], args=[A])
        def part(a: int32[3, 4, 8] @ [dato.R, dato.S(0), dato.R]):
            k = dato.pid()
            for r in range(rounds):
                pipe[k].put(a[r, 0])

        @dato.task(args=[B])
        def reduce(b: int32[3, 8]):
            for r in range(rounds):
                b[r] = dato.gather(pipe[0:4]).sum(axis=0)

    return top


def test_a_gather_in_a_loop_gets_once_per_channel_per_iteration():
    prog = dato.compile(gather_in_a_loop())
    assert all((c.puts, c.gets) == (3, 3) for c in prog.graph.channels)
    A, B = random_arrays(prog)
    prog.run(A, B)
    np.testing.assert_array_equal(B, A.sum(axis=1))


PROGRAMS = [gather_tiles, grid_pipeline, scalars_and_ranges, gather_in_a_loop]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_csim_equals_sim(program):
    run_both(dato.compile(program()), "csim")


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("target", ["npu1_4col", "u280"])
def test_perf_times_the_collectives(program, target):
    prog = dato.compile(program(), target=target)
    result = prog.run(*random_arrays(prog), backend="perf")
    assert result.cycles > 0
    assert result.leftover == {}


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_the_npu_design_runs_the_collectives_as_sim_does(program):
    prog = dato.compile(program(), target="npu1_4col")
    run_both(prog, "aie-emu")


# -- the example program: a cooperative GEMV ---------------------------------------------------


def gemv_inputs(M=32, K=64, P=4, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-100, 100, (M, K)).astype(np.int16)
    x = rng.integers(-100, 100, K).astype(np.int16)
    return A, x.reshape(P, K // P), np.zeros(M, np.int32)


def test_cooperative_gemv_equals_numpy_on_every_backend():
    A, X, Y = gemv_inputs()
    want = A.astype(np.int32) @ X.reshape(-1).astype(np.int32)
    cooperative_gemv()(A, X, Y)
    np.testing.assert_array_equal(Y, want)
    for target, backend in ((None, "csim"), ("npu1_4col", "aie-emu")):
        got = np.zeros_like(Y)
        dato.compile(cooperative_gemv(), target=target).run(A, X, got, backend=backend)
        np.testing.assert_array_equal(got, want)
    for target in ("npu1_4col", "u280"):
        result = dato.compile(cooperative_gemv(), target=target).run(A, X, Y, backend="perf")
        assert result.critical_path[0] == "reducer"


# -- errors ----------------------------------------------------------------------------------


def misuse_count():
    @dato.region
    def r(A: int16[8, 16]):
        pipe: Stream[int16[16], 2][4]

        @dato.task(args=[A])
        def t(a: int16[8, 16]):
            dato.scatter(a, pipe[:])  # E-count

    return r


def misuse_dtype():
    @dato.region
    def r(A: int32[4, 16]):
        pipe: Stream[int16[16], 2][4]

        @dato.task(args=[A])
        def t(a: int32[4, 16]):
            dato.scatter(a, pipe[:])  # E-dtype

    return r


def misuse_rest():
    @dato.region
    def r(A: int16[4, 8]):
        pipe: Stream[int16[16], 2][4]

        @dato.task(args=[A])
        def t(a: int16[4, 8]):
            dato.scatter(a, pipe[:])  # E-rest

    return r


def misuse_scalar():
    @dato.region
    def r(A: int16[4]):
        pipe: Stream[int16[16], 2][4]

        @dato.task(args=[A])
        def t(a: int16[4]):
            dato.scatter(a[0], pipe[:])  # E-scalar

    return r


def misuse_gather_dtype():
    @dato.region
    def r(A: int32[4, 16]):
        pipe: Stream[int16[16], 2][4]

        @dato.task(args=[A])
        def t(a: int32[4, 16]):
            a[:, :] = dato.gather(pipe[:])  # E-gather-dtype

    return r


def selection(line: str):
    """A task whose one statement is ``line``, over pipe[4], grid[2, 3] and a single s."""
    source = f"""
@dato.region
def r(A: int16[4, 16]):
    pipe: Stream[int16[16], 2][4]
    grid: Stream[int16[16], 2][2, 3]
    s: Stream[int16[16], 2]

    @dato.task(args=[A])
    def t(a: int16[4, 16]):
        for k in range(2):
            {line}  # E-selection
"""
    return source


@pytest.mark.parametrize(
    "region, marker, message",
    [
        (
            misuse_count,
            "# E-count",
            "dato.scatter: `pipe[:]` selects 4 channels (shape [4]) but the tile's leading "
            "extent is [8]: it takes int16[4, 16], one int16[16] per channel, not int16[8, 16]",
        ),
        (
            misuse_dtype,
            "# E-dtype",
            "dato.scatter: `pipe[:]` carries int16[16] tiles, so the tile must be int16[4, 16], "
            "not int32[4, 16]",
        ),
        (
            misuse_rest,
            "# E-rest",
            "dato.scatter: each channel of `pipe[:]` carries int16[16], so the tile must be "
            "int16[4, 16], not int16[4, 8]",
        ),
        (misuse_scalar, "# E-scalar", "so the tile must be int16[4, 16], not an int16 scalar"),
        (
            misuse_gather_dtype,
            "# E-gather-dtype",
            "storing into `a[:, :]`: expected int32[4, 16], got int16[4, 16]",
        ),
    ],
    ids=lambda v: getattr(v, "__name__", "")[7:] or None,
)
def test_a_collective_of_the_wrong_type_or_shape_is_a_located_error(region, marker, message):
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(region())
    check_error(info, marker, message)


SELECTION_ERRORS = [
    ("dato.scatter(a, grid[:, :])", "selects 6 channels (shape [2, 3]) but the tile's leading ex"),
    ("a[0:4, :] = dato.gather(pipe[2:6])", "slice 2:6 is outside dimension 0 of stream array"),
    (
        "a[0:4, :] = dato.gather(pipe[2:2])",
        "the slice of dimension 0 of stream array 'pipe' selects no channel",
    ),
    (
        "a[0:4, :] = dato.gather(pipe[k:4])",
        "the slice of dimension 0 of stream array 'pipe' must select a compile-time constant",
    ),
    ("a[0:2, :] = dato.gather(pipe[0:4:2])", "slices of a stream array take step 1 only"),
    ("a[0:3, :] = dato.gather(grid[2, :])", "stream index 2 is outside dimension 0 of 'grid'"),
    ("a[0, :] = dato.gather(pipe[0])", "dato.gather works on several channels, and `pipe[0]` is"),
    ("a[0, :] = dato.gather(s)", "'s' is a single stream; use s.get()"),
    ("dato.scatter(a, s)", "'s' is a single stream; use s.put(x)"),
    ("a[0, :] = dato.gather(a)", "dato.gather takes a slice of a stream array such as pipe[:],"),
    ("a[0, :] = dato.gather()", "dato.gather takes 1 argument: dato.gather(pipe[:])"),
    ("dato.scatter(a)", "dato.scatter takes 2 arguments: dato.scatter(x, pipe[:])"),
    ("dato.scatter(a, pipe[:], axis=0)", "dato.scatter got an unexpected keyword 'axis'"),
    ("a[0, :] = pipe[:].get()", "`pipe[:]` selects several channels, which have no get(); use"),
    ("pipe[0:4].put(a[0])", "have no put(); use dato.scatter(x, ...) on them, or pick one"),
    ("a[0, :] = pipe[:][0].get()", "`pipe[:]` is a selection of channels and cannot be indexed"),
    ("x = dato.scatter(a, pipe[:])", "dato.scatter(...) puts on streams and returns nothing, so"),
    ("a[0, :] = grid[0, :] + 1", "`grid[0, :]` is not a value"),
]


@pytest.mark.parametrize("line, message", SELECTION_ERRORS, ids=[m for m, _ in SELECTION_ERRORS])
def test_a_bad_selection_is_a_located_error(tmp_path, line, message):
    path = tmp_path / "selection.py"
    path.write_text(
        "import datobench as dato\nfrom datobench import Stream, int16\n" + selection(line)
    )
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(namespace["r"])
    error = info.value
    marked = path.read_text().splitlines().index(f"            {line}  # E-selection") + 1
    assert (error.loc.file, error.loc.line) == (str(path), marked), str(error)
    assert message in str(error), str(error)
    assert line in str(error).splitlines()[1]


def test_a_per_instance_selection_past_the_end_is_an_error_in_that_instance():
    @dato.region
    def r(A: int16[4, 16]):
        pipe: Stream[int16[16], 2][4]

        @dato.task(mapping=[3], args=[A])
        def t(a: int16[4, 16]):
            i = dato.pid()
            a[0:2, :] = dato.gather(pipe[i + 1 : i + 3])  # E-past

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(r)
    check_error(
        info, "# E-past", "in instance 't_2', stream index pipe[4] is outside the stream array"
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dato.gather(None), "dato.gather() can only be used inside a @dato.task body"),
        (
            lambda: dato.scatter(None, None),
            "dato.scatter() can only be used inside a @dato.task body",
        ),
    ],
    ids=["gather", "scatter"],
)
def test_collectives_outside_a_task_are_errors(call, message):
    with pytest.raises(dato.DatoTypeError) as info:
        call()
    assert info.value.message == message
