"""The example scripts: each runs as a script, and each compiles to the graph it describes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import load_example

import datobench as dato

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def line_containing(path: Path, text: str) -> int:
    """The 1-based number of the one line of ``path`` that contains ``text``."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0]


PRODUCER_PUT = "a.put(x[i * 16 : (i + 1) * 16])"
CONSUMER_GET = "y[(i + 2) * 16 : (i + 3) * 16] = b.get()"


def test_examples_are_found():
    assert [p.name for p in EXAMPLES] == [
        "01_producer_consumer.py",
        "02_vector_add.py",
        "03_gemm_output_stationary.py",
        "04_systolic_gemm.py",
        "05_deadlock.py",
        "06_flash_attention.py",
        "07_packed_systolic.py",
        "08_collective.py",
        "09_nested_region.py",
        "10_cannon_gemm.py",
        "11_asymmetric_gemm.py",
    ]


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_script_runs(script):
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's datobench, not another
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(rf"^{re.escape(script.stem)}: ok\b", proc.stdout, re.MULTILINE), proc.stdout
    assert "Traceback" not in proc.stderr
    if script.stem == "05_deadlock":
        out = proc.stdout
        # The DeadlockError text itself, printed by the example before its "ok" line.
        assert "deadlock: every live task instance is blocked ('producer', 'consumer')" in out
        assert "'producer' waits to put on 'a' (full: 1 of 1)" in out
        assert "'consumer' waits to get from 'b' (empty: 0 of 2)" in out
        put_line = line_containing(script, PRODUCER_PUT)
        get_line = line_containing(script, CONSUMER_GET)
        assert f"{script}:{put_line}:" in out  # the producer's blocked put, at the user's line
        assert f"{script}:{get_line}:" in out  # the consumer's blocked get
        assert PRODUCER_PUT in out and CONSUMER_GET in out  # with the source lines shown
        assert out.index("deadlock:") < out.index("05_deadlock: ok")


# -- structure of the compiled examples ------------------------------------------------------


def instance_names(prog) -> list[str]:
    return [inst.name for inst in prog.graph.instances]


def test_producer_consumer_graph():
    ex = load_example("01_producer_consumer")
    prog = dato.compile(ex.pipeline)
    # Single instances are named after the task alone.
    assert instance_names(prog) == ["producer", "consumer"]
    assert [i.pid for i in prog.graph.instances] == [(0,), (0,)]
    (pipe,) = prog.graph.channels
    assert (pipe.name, pipe.producer, pipe.consumer) == ("pipe", "producer", "consumer")
    assert (str(pipe.elem), pipe.depth, pipe.puts, pipe.gets) == ("float32[16]", 2, 4, 4)


def test_vector_add_graph():
    ex = load_example("02_vector_add")
    prog = dato.compile(ex.vector_add)
    assert instance_names(prog) == ["add_0", "add_1", "add_2", "add_3"]
    assert prog.graph.channels == ()
    for p, inst in enumerate(prog.graph.instances):
        windows = {a.param: a.window for a in inst.args}
        lo = p * ex.LOCAL
        assert windows == {"a": ((lo, lo + 256),), "b": ((lo, lo + 256),), "c": ((lo, lo + 256),)}
    (task,) = prog.region.tasks
    assert [str(p.type) for p in task.params] == ["float32[256]"] * 3


def test_gemm_output_stationary_graph():
    ex = load_example("03_gemm_output_stationary")
    prog = dato.compile(ex.gemm)
    assert instance_names(prog) == ["block_0_0", "block_0_1", "block_1_0", "block_1_1"]
    for inst in prog.graph.instances:
        i, j = inst.pid
        windows = {a.param: a.window for a in inst.args}
        assert windows["a"] == ((32 * i, 32 * i + 32), (0, 32))
        assert windows["b"] == ((0, 32), (32 * j, 32 * j + 32))
        assert windows["c"] == ((32 * i, 32 * i + 32), (32 * j, 32 * j + 32))


def test_systolic_graph():
    ex = load_example("04_systolic_gemm")
    P = ex.P
    prog = dato.compile(ex.systolic)
    graph = prog.graph
    names = instance_names(prog)
    pes = [n for n in names if n.startswith("pe_")]
    assert pes == [f"pe_{i}_{j}" for i in range(P) for j in range(P)]
    assert len(pes) == 16
    assert [n for n in names if n.startswith("load_a")] == [f"load_a_{i}" for i in range(P)]
    assert [n for n in names if n.startswith("load_b")] == [f"load_b_{j}" for j in range(P)]
    assert len(names) == 16 + 2 * P
    for name in names:
        assert re.fullmatch(r"(pe_\d_\d|load_[ab]_\d)", name), name

    # fa[i, P] and fb[P, j] leave the grid and are never used: 4x4 + 4x4 channels remain.
    channels = {c.name: c for c in graph.channels}
    assert len(channels) == 2 * P * P == 32
    assert set(channels) == {f"fa[{i}, {j}]" for i in range(P) for j in range(P)} | {
        f"fb[{i}, {j}]" for i in range(P) for j in range(P)
    }
    for i in range(P):
        assert channels[f"fa[{i}, 0]"].producer == f"load_a_{i}"
        assert channels[f"fb[0, {i}]"].producer == f"load_b_{i}"
        for j in range(P):
            assert channels[f"fa[{i}, {j}]"].consumer == f"pe_{i}_{j}"
            assert channels[f"fb[{i}, {j}]"].consumer == f"pe_{i}_{j}"
            if j > 0:
                assert channels[f"fa[{i}, {j}]"].producer == f"pe_{i}_{j - 1}"
            if i > 0:
                assert channels[f"fb[{i}, {j}]"].producer == f"pe_{i - 1}_{j}"
    for c in graph.channels:
        assert (str(c.elem), c.depth, c.puts, c.gets) == ("int16[8, 8]", 2, 8, 8)


def test_systolic_runs_in_process():
    ex = load_example("04_systolic_gemm")
    rng = np.random.default_rng(1)
    A = rng.integers(-100, 100, size=(ex.M, ex.K)).astype(np.int16)
    B = rng.integers(-100, 100, size=(ex.K, ex.N)).astype(np.int16)
    C = np.zeros((ex.M, ex.N), dtype=np.int32)
    result = ex.systolic(A, B, C)
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    assert sum(result.transfers.values()) == 32 * 8
    assert result.leftover == {}


def test_deadlock_example_raises_in_process():
    ex = load_example("05_deadlock")
    X = np.arange(64, dtype=np.float32)
    Y = np.zeros(64, dtype=np.float32)
    with pytest.raises(dato.DeadlockError) as info:
        ex.crossed(X, Y)
    err = info.value
    assert isinstance(err, dato.DatoError)
    path = ROOT / "examples" / "05_deadlock.py"
    assert err.loc is not None
    assert Path(err.loc.file) == path
    assert err.loc.line == line_containing(path, PRODUCER_PUT)
    assert len(err.notes) == 2


def test_flash_attention_graph():
    ex = load_example("06_flash_attention")
    prog = dato.compile(ex.attention)
    assert instance_names(prog) == [f"scores_{i}" for i in range(4)] + [
        f"softmax_v_{i}" for i in range(4)
    ]
    assert [(c.name, c.producer, c.consumer) for c in prog.graph.channels] == [
        (f"st[{i}]", f"scores_{i}", f"softmax_v_{i}") for i in range(4)
    ]
    assert all(str(c.elem) == "float32[16, 32]" for c in prog.graph.channels)


def test_collective_graph():
    ex = load_example("08_collective")
    prog = dato.compile(ex.gemv)
    assert instance_names(prog) == ["feeder", *(f"worker_{k}" for k in range(ex.P)), "reducer"]
    channels = {c.name: (c.producer, c.consumer) for c in prog.graph.channels}
    for k in range(ex.P):
        assert channels[f"xs[{k}]"] == ("feeder", f"worker_{k}")  # the scatter's puts
        assert channels[f"parts[{k}]"] == (f"worker_{k}", "reducer")  # the gather's gets
