"""Property tests: random programs run on the functional simulator, compared with numpy.

datobench reads regions from source with ``inspect``, so every generated program is written
as a real module file (one per example) and imported from there.
"""

from __future__ import annotations

import importlib.util
import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datobench as dato

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run, so CI is reproducible
    suppress_health_check=[HealthCheck.too_slow],
)

HEADER = """\
import datobench as dato
from datobench import R, S, Stream, float32, int32
"""

_counter = itertools.count()


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("generated")


def load_region(directory, source: str, name: str):
    """Write ``source`` to a fresh .py file, import it and return its region ``name``."""
    stem = f"gen_{next(_counter)}"
    path = directory / f"{stem}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    region = getattr(module, name)
    assert isinstance(region, dato.RegionFunction)
    return region


# -- linear stream pipelines -------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    kind: str  # "add", "mul", "neg"
    const: float | int = 0

    def source(self, operand: str, literal) -> str:
        if self.kind == "neg":
            return f"-{operand}"
        sign = "+" if self.kind == "add" else "*"
        return f"{operand} {sign} {literal(self.const)}"

    def numpy(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "neg":
            return -x
        c = x.dtype.type(self.const)
        return x + c if self.kind == "add" else x * c


def op_strategy(dtype: str):
    if dtype == "float32":
        consts = st.floats(-8.0, 8.0, width=32, allow_subnormal=False)
    else:
        consts = st.integers(-5, 5)
    return st.one_of(
        st.just(Op("neg")),
        st.builds(Op, st.just("add"), consts),
        st.builds(Op, st.just("mul"), consts),
    )


@st.composite
def pipelines(draw):
    dtype = draw(st.sampled_from(["float32", "int32"]))
    stages = draw(st.integers(2, 5))
    return {
        "dtype": dtype,
        "tile": draw(st.sampled_from([4, 8, 16])),
        "tiles": draw(st.integers(1, 6)),
        "depths": draw(st.lists(st.integers(1, 4), min_size=stages - 1, max_size=stages - 1)),
        "ops": draw(st.lists(op_strategy(dtype), min_size=stages, max_size=stages)),
        # Middle stages either bind the tile to a name first or transform it inline.
        "named": draw(st.lists(st.booleans(), min_size=stages, max_size=stages)),
    }


def pipeline_source(p) -> str:
    dt, tile, tiles = p["dtype"], p["tile"], p["tiles"]
    n = tile * tiles
    stages = len(p["ops"])

    def literal(c):
        return repr(float(c)) if dt == "float32" else repr(int(c))

    def window(var):
        return f"[{var} * {tile} : ({var} + 1) * {tile}]"

    lines = [HEADER, "", "@dato.region", f"def pipeline(A: {dt}[{n}], B: {dt}[{n}]):"]
    for k, depth in enumerate(p["depths"]):
        lines.append(f"    s{k}: Stream[{dt}[{tile}], {depth}]")
    for k, op in enumerate(p["ops"]):
        lines.append("")
        if k == 0:
            lines += [
                "    @dato.task(args=[A])",
                f"    def stage0(a: {dt}[{n}]):",
                f"        for i in range({tiles}):",
                f"            s0.put({op.source('a' + window('i'), literal)})",
            ]
        elif k == stages - 1:
            lines += [
                "    @dato.task(args=[B])",
                f"    def stage{k}(b: {dt}[{n}]):",
                f"        for i in range({tiles}):",
            ]
            if p["named"][k]:
                lines += [
                    f"            t = s{k - 1}.get()",
                    f"            b{window('i')} = {op.source('t', literal)}",
                ]
            else:
                value = op.source(f"s{k - 1}.get()", literal)
                lines.append(f"            b{window('i')} = {value}")
        else:
            lines += [
                "    @dato.task()",
                f"    def stage{k}():",
                f"        for i in range({tiles}):",
            ]
            if p["named"][k]:
                lines += [
                    f"            t = s{k - 1}.get()",
                    f"            s{k}.put({op.source('t', literal)})",
                ]
            else:
                lines.append(f"            s{k}.put({op.source(f's{k - 1}.get()', literal)})")
    return "\n".join(lines) + "\n"


def input_array(dtype: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "float32":
        return rng.uniform(-100, 100, n).astype(np.float32)
    return rng.integers(-1000, 1000, n).astype(np.int32)


@SETTINGS
@given(p=pipelines(), seed=st.integers(0, 2**16))
def test_linear_pipeline_matches_numpy(gen_dir, p, seed):
    region = load_region(gen_dir, pipeline_source(p), "pipeline")
    n = p["tile"] * p["tiles"]
    A = input_array(p["dtype"], n, seed)
    A_before = A.copy()
    B = np.full(n, 7, dtype=A.dtype)

    result = region(A, B)

    expected = A_before.copy()
    for op in p["ops"]:
        expected = op.numpy(expected)
    assert expected.dtype == B.dtype
    np.testing.assert_array_equal(B, expected)
    np.testing.assert_array_equal(A, A_before)  # inputs are only read
    # Every stream carried exactly `tiles` tiles, and nothing was left behind.
    assert result.transfers == {f"s{k}": p["tiles"] for k in range(len(p["depths"]))}
    assert result.leftover == {}

    prog = dato.compile(region)
    assert [c.depth for c in prog.graph.channels] == p["depths"]
    assert [c.puts for c in prog.graph.channels] == [p["tiles"]] * len(p["depths"])


# -- sharded elementwise ops on 1-D and 2-D mapping grids --------------------------------------

ELEMENTWISE = {
    "add": ("a_ + b_", np.add),
    "sub": ("a_ - b_", np.subtract),
    "mul": ("a_ * b_", np.multiply),
    "max": ("dato.maximum(a_, b_)", np.maximum),
}


@st.composite
def grids(draw):
    mapping = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    shape = draw(st.lists(st.sampled_from([2, 3, 4, 6, 8, 12]), min_size=2, max_size=2))
    # One layout entry per tensor dimension; each mapping axis shards at most one dimension,
    # and only where it divides that dimension.
    layout = []
    used: set[int] = set()
    for size in shape:
        options = ["R"] + [
            f"S({axis})"
            for axis, parts in enumerate(mapping)
            if axis not in used and size % parts == 0
        ]
        entry = draw(st.sampled_from(options))
        if entry != "R":
            used.add(int(entry[2]))
        layout.append(entry)
    return {
        "dtype": draw(st.sampled_from(["float32", "int32"])),
        "mapping": mapping,
        "shape": shape,
        "layout": layout,
        "op": draw(st.sampled_from(sorted(ELEMENTWISE))),
        # How each input reaches the instance: through the layout (its shard), or whole
        # (replicated) and cut by the task itself from pid-dependent offsets.
        "sharded_inputs": draw(st.lists(st.booleans(), min_size=2, max_size=2)),
    }


def local_shape(g) -> list[int]:
    out = []
    for size, entry in zip(g["shape"], g["layout"]):
        out.append(size if entry == "R" else size // g["mapping"][int(entry[2])])
    return out


def grid_source(g) -> str:
    dt = g["dtype"]
    mapping = g["mapping"]
    shape = ", ".join(map(str, g["shape"]))
    layout = ", ".join(g["layout"])
    local = local_shape(g)
    pids = ["i", "j"][: len(mapping)]

    def replicated_window() -> str:
        parts = []
        for dim, entry in enumerate(g["layout"]):
            if entry == "R":
                parts.append(":")
            else:
                v, n = pids[int(entry[2])], local[dim]
                parts.append(f"{v} * {n} : ({v} + 1) * {n}")
        return ", ".join(parts)

    params, reads = [], []
    for name, sharded in zip("ab", g["sharded_inputs"]):
        if sharded:
            params.append(f"{name}: {dt}[{shape}] @ [{layout}]")
            reads.append(f"        {name}_ = {name}[:, :]")
        else:
            params.append(f"{name}: {dt}[{shape}]")
            reads.append(f"        {name}_ = {name}[{replicated_window()}]")
    params.append(f"c: {dt}[{shape}] @ [{layout}]")
    unpack = "i" if len(mapping) == 1 else "i, j"
    lines = [
        HEADER,
        "",
        "@dato.region",
        f"def grid(A: {dt}[{shape}], B: {dt}[{shape}], C: {dt}[{shape}]):",
        f"    @dato.task(mapping={mapping}, args=[A, B, C])",
        f"    def work({', '.join(params)}):",
        f"        {unpack} = dato.pid()",
        *reads,
        f"        c[:, :] = {ELEMENTWISE[g['op']][0]}",
    ]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(g=grids(), seed=st.integers(0, 2**16))
def test_sharded_elementwise_matches_numpy(gen_dir, g, seed):
    region = load_region(gen_dir, grid_source(g), "grid")
    shape = tuple(g["shape"])
    rng = np.random.default_rng(seed)
    if g["dtype"] == "float32":
        A, B = (rng.uniform(-50, 50, shape).astype(np.float32) for _ in range(2))
    else:
        A, B = (rng.integers(-500, 500, shape).astype(np.int32) for _ in range(2))
    C = np.zeros(shape, dtype=A.dtype)

    prog = dato.compile(region)
    prog.run(A, B, C, backend="sim")

    np.testing.assert_array_equal(C, ELEMENTWISE[g["op"]][1](A, B))

    # One instance per grid point, named after its coordinates, and shard windows that
    # tile the output exactly as the layout says.
    mapping = g["mapping"]
    points = list(itertools.product(*(range(m) for m in mapping)))
    names = [inst.name for inst in prog.graph.instances]
    if all(m == 1 for m in mapping):
        assert names == ["work"]
    else:
        assert names == ["_".join(["work", *map(str, p)]) for p in points]
    local = local_shape(g)
    for inst in prog.graph.instances:
        window = dict((a.param, a.window) for a in inst.args)["c"]
        for dim, entry in enumerate(g["layout"]):
            if entry == "R":
                assert window[dim] == (0, g["shape"][dim])
            else:
                lo = inst.pid[int(entry[2])] * local[dim]
                assert window[dim] == (lo, lo + local[dim])


# -- the emitted MLIR-AIE design, executed (backend="aie-emu"), against sim --------------------


def run_both(prog, arrays):
    """Run ``arrays`` through sim and aie-emu; both must give the same bits."""
    ref = [a.copy() for a in arrays]
    got = [a.copy() for a in arrays]
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="aie-emu")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g.view(np.uint8), r.view(np.uint8))  # bit for bit


@SETTINGS
@given(p=pipelines(), seed=st.integers(0, 2**16), target=st.sampled_from(["npu1_4col", "npu2"]))
def test_linear_pipeline_in_aie_emu_equals_sim(gen_dir, p, seed, target):
    region = load_region(gen_dir, pipeline_source(p), "pipeline")
    n = p["tile"] * p["tiles"]
    prog = dato.compile(region, target=target)
    run_both(prog, [input_array(p["dtype"], n, seed), np.full(n, 7, dtype=p["dtype"])])


# The emitter reads a replicated window as one broadcast FIFO, so every input goes through its
# layout here (the emitter refuses instances that cut one window in different orders).
@SETTINGS
@given(g=grids().filter(lambda g: all(g["sharded_inputs"])), seed=st.integers(0, 2**16))
def test_sharded_elementwise_in_aie_emu_equals_sim(gen_dir, g, seed):
    region = load_region(gen_dir, grid_source(g), "grid")
    shape = tuple(g["shape"])
    rng = np.random.default_rng(seed)
    if g["dtype"] == "float32":
        A, B = (rng.uniform(-50, 50, shape).astype(np.float32) for _ in range(2))
    else:
        A, B = (rng.integers(-500, 500, shape).astype(np.int32) for _ in range(2))
    prog = dato.compile(region, target="npu1_4col")
    run_both(prog, [A, B, np.zeros(shape, dtype=A.dtype)])
