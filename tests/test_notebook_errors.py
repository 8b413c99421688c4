"""A notebook with a failing ``%%dato`` cell, run in a real kernel as Run All, nbval and
papermill run it (nbclient): the run stops at that cell, whose error output carries the message
at the cell's line and no traceback, and nbval's own run reports the cell as failed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent

FAILING = """%%dato --target npu1_4col
import datobench as dato
from datobench import Stream, float32

@dato.region
def broken(A: float32[64], B: float32[64]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A])
    def producer(a: float32[64]):
        for i in range(4):
            pipe.put(a[0:8])

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        for i in range(4):
            b[i * 16 : (i + 1) * 16] = pipe.get()
"""


def notebook(path: Path, failing: str = FAILING) -> Path:
    """A three-cell notebook: load the extension, the failing cell, one after it."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext datobench"),
        nbformat.v4.new_code_cell(failing),
        nbformat.v4.new_code_cell("after = 'ran'"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def worktree_kernel(monkeypatch):
    """Kernels started from here import this checkout's datobench."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def test_run_all_stops_at_a_failing_dato_cell(tmp_path, worktree_kernel):
    nb = nbformat.read(notebook(tmp_path / "failing.ipynb"), as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="DatoTypeError"):
        client.execute(cwd=str(tmp_path))
    (error,) = nb.cells[1].outputs
    assert error.output_type == "error" and error.ename == "DatoTypeError"
    assert error.traceback == [
        "DatoTypeError: cell line 12, column 13: cannot put float32[8] on stream 'pipe', which "
        "carries float32[16] tiles\n    pipe.put(a[0:8])\n    ^"
    ]
    assert error.evalue.startswith("cell line 12, column 13: cannot put float32[8]")
    assert nb.cells[2].get("execution_count") is None and not nb.cells[2].outputs  # not run


def test_nbval_reports_the_failing_cell(tmp_path, worktree_kernel):
    path = notebook(tmp_path / "failing.ipynb")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", str(path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout
    assert "1 failed" in done.stdout and "DatoTypeError" in done.stdout


def test_run_all_stops_at_a_dato_cell_whose_python_raises(tmp_path, worktree_kernel):
    cell = "%%dato\nx = 1\nraise ValueError('from the cell')"
    nb = nbformat.read(notebook(tmp_path / "raising.ipynb", cell), as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    with pytest.raises(CellExecutionError, match="from the cell"):
        client.execute(cwd=str(tmp_path))
    (error,) = nb.cells[1].outputs
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "".join(error.traceback))
    assert error.ename == "ValueError" and "----> 3 raise ValueError" in shown  # the cell's line
    assert "datobench" not in shown and "run_cell_magic" not in shown
    assert nb.cells[2].get("execution_count") is None
