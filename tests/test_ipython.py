"""Regions written in IPython cells, as a notebook user writes them."""

from __future__ import annotations

import os

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

import datobench as dato
from datobench import cells
from datobench.core import errors


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """One interactive shell for the module, with its history kept in memory."""
    old = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=config)
    ok(sh, "import numpy as np\nimport datobench as dato\nfrom datobench import Stream, float32\n")
    yield sh
    InteractiveShell.clear_instance()
    if old is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = old


def ok(sh, source: str):
    result = sh.run_cell(source, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec
    return result


PIPELINE_CELL = """\
@dato.region
def pipeline(A: float32[64], B: float32[64]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A])
    def producer(a: float32[64]):
        for i in range(4):
            pipe.put(a[i * 16 : (i + 1) * 16])

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        for i in range(4):
            b[i * 16 : (i + 1) * 16] = pipe.get() * 3.0 + 1.0
"""


def test_region_defined_in_one_cell_runs_in_another(shell):
    ok(shell, PIPELINE_CELL)
    ok(
        shell,
        "A = np.arange(64, dtype=np.float32)\n"
        "B = np.zeros(64, dtype=np.float32)\n"
        "res = pipeline(A, B)\n",
    )
    ns = shell.user_ns
    np.testing.assert_array_equal(ns["B"], np.arange(64, dtype=np.float32) * 3 + 1)
    assert ns["res"].transfers == {"pipe": 4}
    # Compiling from yet another cell sees the same program, read from the first cell.
    ok(shell, "prog = dato.compile(pipeline)\ntext = prog.emit('graph')\n")
    assert "channel pipe: producer -> consumer, float32[16], depth 2" in ns["text"]
    assert ns["prog"].region.loc.file.startswith("<ipython-input-")


def test_redefining_a_region_in_a_later_cell_uses_the_new_body(shell):
    ok(shell, PIPELINE_CELL)
    ok(shell, PIPELINE_CELL.replace("* 3.0 + 1.0", "- 5.0"))
    ok(
        shell,
        "A2 = np.linspace(-1, 1, 64, dtype=np.float32)\n"
        "B2 = np.zeros(64, dtype=np.float32)\n"
        "pipeline(A2, B2)\n",
    )
    ns = shell.user_ns
    np.testing.assert_array_equal(ns["B2"], ns["A2"] - np.float32(5.0))


def test_module_level_constant_from_an_earlier_cell(shell):
    ok(shell, "N = 16\nTILES = 4\n")
    ok(
        shell,
        """\
@dato.region
def scaled(A: float32[N * TILES], B: float32[N * TILES]):
    pipe: Stream[float32[N], 1]

    @dato.task(args=[A])
    def producer(a: float32[N * TILES]):
        for t in range(TILES):
            pipe.put(a[t * N : (t + 1) * N])

    @dato.task(args=[B])
    def consumer(b: float32[N * TILES]):
        for t in range(TILES):
            b[t * N : (t + 1) * N] = -pipe.get()
""",
    )
    ok(
        shell,
        "A3 = np.arange(N * TILES, dtype=np.float32)\n"
        "B3 = np.zeros(N * TILES, dtype=np.float32)\n"
        "scaled(A3, B3)\n"
        "graph3 = dato.compile(scaled).graph\n",
    )
    ns = shell.user_ns
    np.testing.assert_array_equal(ns["B3"], -np.arange(64, dtype=np.float32))
    (channel,) = ns["graph3"].channels
    assert (str(channel.elem), channel.depth, channel.puts) == ("float32[16]", 1, 4)


BAD_CELL = """\
@dato.region
def bad(A: float32[64], B: float32[64]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A])
    def producer(a: float32[64]):
        for i in range(8):
            pipe.put(a[i * 8 : (i + 1) * 8])

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        for i in range(4):
            b[i * 16 : (i + 1) * 16] = pipe.get()

prog_bad = dato.compile(bad)
"""
BAD_LINE = "            pipe.put(a[i * 8 : (i + 1) * 8])"


def test_type_error_in_a_cell_points_at_the_cell_line(shell, capsys):
    result = shell.run_cell(BAD_CELL, store_history=True)
    assert not result.success
    err = result.error_in_exec
    assert isinstance(err, dato.DatoTypeError)
    assert "cannot put float32[8] on stream 'pipe'" in err.message
    assert "float32[16]" in err.message

    # The location is the line of the put within the cell (1-based), in the cell's file.
    assert err.loc is not None
    assert err.loc.line == BAD_CELL.splitlines().index(BAD_LINE) + 1 == 8
    assert err.loc.file.startswith("<ipython-input-")
    assert err.loc.source_line() == BAD_LINE

    # str() shows the place as the notebook numbers it (the cell's prompt number, once
    # datobench runs in a kernel), the line's text and a caret under the put.
    number = shell.execution_count - 1
    saved = errors.place_namer
    try:
        cells.install()
        text = str(err)
    finally:
        errors.place_namer = saved
    lines = text.splitlines()
    assert lines[0].startswith(f"cell [{number}] line 8, column "), lines[0]
    assert lines[1] == "    " + BAD_LINE.strip()
    caret = lines[2]
    assert caret.strip() == "^"
    column = len(caret) - len("    ") + len(BAD_LINE) - len(BAD_LINE.lstrip())
    assert BAD_LINE.index("pipe.put") <= column < len(BAD_LINE)
    assert "prog_bad" not in shell.user_ns

    # The shell shows the error and keeps working.
    shown = capsys.readouterr()
    assert "DatoTypeError" in shown.out + shown.err
    after = ok(shell, "after = 6 * 7\n")
    assert after.success and shell.user_ns["after"] == 42
    ok(shell, PIPELINE_CELL)
    ok(
        shell,
        "A4 = np.ones(64, dtype=np.float32)\nB4 = np.zeros(64, dtype=np.float32)\n"
        "pipeline(A4, B4)\n",
    )
    np.testing.assert_array_equal(shell.user_ns["B4"], np.full(64, 4.0, np.float32))


def test_deadlock_in_a_cell_names_the_cell_lines(shell):
    ok(
        shell,
        """\
@dato.region
def stuck(X: float32[32], Y: float32[32]):
    a: Stream[float32[16], 1]
    b: Stream[float32[16], 1]

    @dato.task(args=[X])
    def producer(x: float32[32]):
        a.put(x[0:16])
        a.put(x[16:32])
        b.put(x[0:16])

    @dato.task(args=[Y])
    def consumer(y: float32[32]):
        y[0:16] = b.get()
        y[16:32] = a.get()
        y[0:16] = a.get()
""",
    )
    result = shell.run_cell(
        "X = np.zeros(32, np.float32)\nY = np.zeros(32, np.float32)\nstuck(X, Y)\n",
        store_history=True,
    )
    err = result.error_in_exec
    assert isinstance(err, dato.DeadlockError)
    assert err.loc.line == 9  # the second put on `a`, line 9 of the defining cell
    assert err.loc.source_line().strip() == "a.put(x[16:32])"
    assert "'producer' waits to put on 'a' (full: 1 of 1)" in str(err)
    assert "'consumer' waits to get from 'b' (empty: 0 of 1)" in str(err)
    assert ok(shell, "z = 1\n").success
