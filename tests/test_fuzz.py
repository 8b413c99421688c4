"""Fuzzing the front end and the API: random task bodies (statements and expressions of the
subset and of Python outside it, wrong arities and types, bad indices, bad stream use) written
to real files and imported, and random compile/run/emit calls. Each either succeeds or raises
a located DatoError (never an InternalError) in the generated file or at the call; none hangs.
Derandomized, so that CI sees the same examples every run."""

from __future__ import annotations

import importlib.util
import itertools
import signal
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from fuzz_grammar import CONS, HEADER, PROD, PROGRAM, mostly
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import datobench as dato

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,  # the machine is shared: the wall-clock limit is `_bounded`'s
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
SECONDS = 20  # an example that takes longer hangs
MAX_STEPS = 20_000

# -- the checks ---------------------------------------------------------------------------


class Hang(Exception):
    """An example ran past its wall-clock limit."""


@contextmanager
def _bounded(seconds: float):
    def expire(_signum, _frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _answers(stage: str, call, files: set[str]):
    """``call()``'s result, or None after a DatoError located in one of ``files``; any other
    exception, an InternalError or an error located elsewhere fails the example. How each
    stage ended shows in ``pytest --hypothesis-show-statistics``."""
    try:
        with _bounded(SECONDS):
            result = call()
    except dato.InternalError:
        raise
    except dato.DatoError as error:
        event(f"{stage}: {type(error).__name__}: {error.message[:60]}")
        assert error.loc is not None, f"unlocated: {error}"
        assert error.loc.file in files, f"located outside the program and the call: {error}"
        return None
    event(f"{stage}: done")
    return result


_COUNT = itertools.count()


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _module(directory, prod: list[str], cons: list[str]):
    indent = " " * 8
    source = HEADER.format(
        prod="\n".join(indent + ln for ln in prod), cons="\n".join(indent + ln for ln in cons)
    )
    return _module_of(directory, source)


def _module_of(directory, source: str):
    """``source`` written to a file of its own and imported (regions are read from files)."""
    name = f"fuzz_{next(_COUNT)}"
    path = directory / f"{name}.py"
    path.write_text(source)
    with warnings.catch_warnings():  # `1.0[0]` and the like are meant
        warnings.simplefilter("ignore", SyntaxWarning)
        compile(source, str(path), "exec")  # the grammar makes valid Python: fail loudly if not
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module, str(path)


def _arrays():
    return np.arange(16, dtype=np.float32), np.zeros(16, dtype=np.float32)


@FUZZ
@given(bodies=PROGRAM)
def test_random_task_bodies(directory, bodies):
    module, path = _module(directory, *bodies)
    files = {path, __file__}
    program = _answers("compile", lambda: dato.compile(module.fuzz), files)
    if program is None:
        return
    if _answers("sim", lambda: program.run(*_arrays(), backend="sim", max_steps=MAX_STEPS), files):
        _answers("hls", lambda: program.emit("hls"), files)
        mapped = _answers("map", lambda: dato.compile(module.fuzz, target="npu1_4col"), files)
        if mapped is not None:
            _answers(
                "perf", lambda: mapped.run(*_arrays(), backend="perf", max_steps=MAX_STEPS), files
            )


# -- random API calls on a correct program --------------------------------------------------

TARGET_NAMES = [None, "npu1", "npu1_4col", "npu2", "u280", "generic", "nope", "", 5, "a/b.toml"]
GOOD_ARRAYS = [np.zeros(16, np.float32), np.zeros(16, np.float32)]
INSTANCES = ["prod", "cons", "nobody", "", 3]
TILES = st.one_of(
    st.tuples(st.integers(-2, 8), st.integers(-2, 8)),
    st.sampled_from([(0,), (1, 2, 3), "far", None, (True, 2), (2.0, 3)]),
)


PLACEMENT = st.one_of(
    mostly(None, st.dictionaries(st.sampled_from(INSTANCES), TILES, max_size=3)),
    st.sampled_from([[], "prod", 5]),  # not a dict at all
)
NAMES = st.sampled_from(["prod", "cons", "nobody", "prod[0]", "cons[:, 1]", "["])
PRIMITIVES = mostly(
    (),
    st.one_of(
        st.lists(
            st.one_of(
                st.builds(dato.chain, NAMES, NAMES),
                st.builds(lambda n: dato.bundle([n]), NAMES),
            ),
            max_size=2,
        ),
        st.sampled_from([None, "prod", [5], dato.chain("prod", "cons")]),  # not a list of them
    ),
)
SHOW = st.sampled_from([(), "all", "frontend", ["expand", "place"], "nope"])
EMIT = st.sampled_from(["ir", "json", "dot", "graph", "hls", "mlir-aie", "nope", 3])
ARRAY = st.sampled_from(
    [
        np.zeros(16, np.float32),
        np.zeros(15, np.float32),
        np.zeros(16, np.float64),
        np.zeros((4, 4), np.float32),
        np.zeros(16, np.int32),
        [0.0] * 16,
        None,
        3,
    ]
)
RUN = st.fixed_dictionaries(
    {
        "backend": st.sampled_from(["sim", "perf", "nope", 5]),
        "arrays": mostly(GOOD_ARRAYS, st.lists(ARRAY, min_size=0, max_size=3)),
        "options": mostly(
            {},
            st.dictionaries(
                st.sampled_from(["max_steps", "values", "verbose"]),
                st.sampled_from([-5, 0, 10, 10**12, "100", 2.5, True, False, None]),
                max_size=2,
            ),
        ),
    }
)
SIZES = mostly(
    None,
    st.dictionaries(
        st.sampled_from(["M", "N", ""]), st.sampled_from([4, -4, 0, 10**12, "big", 2.5, True])
    ),
)


@FUZZ
@given(
    target=st.sampled_from(TARGET_NAMES),
    placement=PLACEMENT,
    primitives=PRIMITIVES,
    show=SHOW,
    sizes=SIZES,
    emit=EMIT,
    run=RUN,
)
def test_random_api_calls(directory, capsys, target, placement, primitives, show, sizes, emit, run):
    module, path = _module(directory, PROD, CONS)
    files = {path, __file__}
    options = {"placement": placement, "primitives": primitives, "show": show, "sizes": sizes}
    program = _answers(
        "compile", lambda: dato.compile(module.fuzz, target=target, **options), files
    )
    capsys.readouterr()  # what `show` printed
    if program is None:
        return
    _answers("emit", lambda: program.emit(emit), files)
    arrays, backend, options = run["arrays"], run["backend"], run["options"]
    _answers("run", lambda: program.run(*arrays, backend=backend, **options), files)


# -- well-formed programs with random sizes, counts and depths -----------------------------

SHAPES = """\
import datobench as dato
from datobench import Stream, float32


@dato.region
def fuzz(A: float32[{n}], B: float32[{n}]):
    s: Stream[float32[{tile}], {depth}]

    @dato.task(mapping=[{p}], args=[A])
    def prod(a: float32[{n}]):
        for i in range({puts}):
            s.put(a[i * {tile} : (i + 1) * {tile}] {op} 1.0)

    @dato.task(mapping=[{c}], args=[B])
    def cons(b: float32[{n}]):
        for i in range({gets}):
            b[i * {tile} : (i + 1) * {tile}] = s.get()
"""


@FUZZ
@given(
    n=mostly(16, st.sampled_from([0, 1, 8, 17])),
    tile=mostly(4, st.sampled_from([0, 1, 8, 32])),
    depth=mostly(2, st.sampled_from([0, 1, 1000])),
    p=mostly(1, st.sampled_from([0, 2])),
    c=mostly(1, st.just(2)),
    puts=st.sampled_from([0, 1, 2, 4, 5, 10**6]),
    gets=st.sampled_from([0, 1, 2, 4, 5]),
    op=st.sampled_from(["+", "*", "/", "-"]),
)
def test_random_sizes_counts_and_depths(directory, n, tile, depth, p, c, puts, gets, op):
    source = SHAPES.format(n=n, tile=tile, depth=depth, p=p, c=c, puts=puts, gets=gets, op=op)
    module, path = _module_of(directory, source)
    files = {path, __file__}
    program = _answers("compile", lambda: dato.compile(module.fuzz), files)
    if program is None:
        return
    arrays = np.arange(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    _answers("sim", lambda: program.run(*arrays, backend="sim", max_steps=MAX_STEPS), files)
    mapped = _answers("map", lambda: dato.compile(module.fuzz, target="npu1_4col"), files)
    if mapped is not None:
        _answers("perf", lambda: mapped.run(*arrays, backend="perf", max_steps=MAX_STEPS), files)
