"""Errors of the %%dato and %dato magics, through IPython's own shell: wrong options and cells
fail the cell and are shown at the magic's line (line 1 of the cell) with the magic's usage and
no traceback; Python's own errors in the cell are shown as IPython shows them for any cell."""

from __future__ import annotations

import os
import re

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from datobench import DatoError

REGION_CELL = """
import datobench as dato
from datobench import float32

@dato.region
def doubler(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = a[:] * 2.0
"""


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    """A shell of its own for the module (cleared afterwards, so that the global test shell of
    other modules starts afresh), with the extension loaded and history kept in memory."""
    old = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=config)
    assert sh.run_cell("%load_ext datobench").success
    yield sh
    InteractiveShell.clear_instance()
    if old is None:
        os.environ.pop("IPYTHONDIR", None)
    else:
        os.environ["IPYTHONDIR"] = old


def _reported(shell, capsys, cell: str) -> str:
    """What the shell shows for ``cell``, which fails with a DatoError (no traceback)."""
    capsys.readouterr()
    result = shell.run_cell(cell, store_history=True)
    assert not result.success and isinstance(result.error_in_exec, DatoError)
    out = capsys.readouterr()
    err = (out.out + out.err).strip()
    assert "Traceback" not in err and "datobench/" not in err, err
    return err


def test_an_unknown_option_shows_the_usage(shell, capsys):
    err = _reported(shell, capsys, "%%dato --frobnicate\nx = 1")
    first, source, caret = err.splitlines()
    assert first.startswith(
        "DatoError: cell line 1, column 1: %%dato: unrecognized arguments: --frobnicate; "
        "usage: %%dato [--target TARGET] [--backend {perf,sim,xrt}] [--name NAME] "
    )
    assert (source, caret) == ("    %%dato --frobnicate", "    ^")


def test_a_cell_without_a_region(shell, capsys):
    err = _reported(shell, capsys, "%%dato\nx = 1")
    assert err.splitlines()[0] == (
        "DatoError: cell line 1, column 1: %%dato: the cell must define exactly one "
        "@dato.region (it defines 0); or name one with --name"
    )


def test_a_placement_variable_that_does_not_exist(shell, capsys):
    err = _reported(shell, capsys, "%%dato --placement nothere" + REGION_CELL)
    assert err.splitlines()[:2] == [
        "DatoError: cell line 1, column 1: %%dato --placement nothere: no variable named 'nothere'",
        "    %%dato --placement nothere",
    ]


def test_an_unknown_line_magic_command(shell, capsys):
    err = _reported(shell, capsys, "%dato frobnicate")
    assert err == (
        "DatoError: %dato takes `targets`, `devices`, `show NAME [options]` or `help` "
        "(%dato help lists the options)"
    )


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failed(shell, capsys, cell: str) -> str:
    """What IPython shows for ``cell``, which fails as a cell with a Python error does."""
    capsys.readouterr()
    result = shell.run_cell(cell)
    assert not result.success
    out = capsys.readouterr()
    text = ANSI.sub("", out.out + out.err)
    assert "datobench" not in text and "magics.py" not in text and "run_cell_magic" not in text
    return text


def test_an_unbalanced_quote_in_the_options(shell, capsys):
    err = _reported(shell, capsys, '%%dato --name "doubler' + REGION_CELL)
    assert err.splitlines() == [
        "DatoError: cell line 1, column 1: %%dato: cannot split the options: No closing quotation",
        '    %%dato --name "doubler',
        "    ^",
    ]


def test_an_unbalanced_quote_in_the_line_magic(shell, capsys):
    err = _reported(shell, capsys, "%dato show 'doubler")
    assert err == "DatoError: %%dato: cannot split the options: No closing quotation"


def test_a_syntax_error_in_the_cell_is_shown_at_the_cells_line(shell, capsys):
    text = _failed(shell, capsys, "%%dato\nx = 1\ndef f(:\n    pass")
    assert "line 3" in text and "def f(:" in text and "SyntaxError: " in text
    assert "Traceback" not in text  # as for any cell: the line and a caret, no stack


def test_the_users_exception_is_shown_with_the_users_frames(shell, capsys):
    cell = "%%dato\ndef helper():\n    raise ValueError('mine')\n\nhelper()"
    text = _failed(shell, capsys, cell)
    assert "ValueError: mine" in text
    assert "line 5" in text and "----> 5 helper()" in text  # the cell's own line numbers
    assert "line 3, in helper" in text and "raise ValueError('mine')" in text
    assert shell.run_cell("y = 2").success  # the shell carries on


def test_an_exception_at_the_cells_top_level(shell, capsys):
    text = _failed(shell, capsys, "%%dato\nraise KeyError('from the cell')")
    assert "KeyError: 'from the cell'" in text and "----> 2 raise KeyError" in text


STUCK_CELL = """%%dato --backend sim
import datobench as dato
from datobench import Stream, float32

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
"""


def test_a_deadlock_in_a_sim_cell_names_its_lines_as_the_notebook_does(shell, capsys):
    err = _reported(shell, capsys, STUCK_CELL)
    assert err.splitlines() == [  # the %%dato line is line 1, as JupyterLab numbers it
        "DeadlockError: cell line 13, column 9: deadlock: every live task instance is blocked "
        "('producer', 'consumer')",
        "    a.put(x[16:32])",
        "    ^",
        "  note: 'producer' waits to put on 'a' (full: 1 of 1) at cell line 13, column 9",
        "        a.put(x[16:32])",
        "  note: 'consumer' waits to get from 'b' (empty: 0 of 1) at cell line 18, column 19",
        "        y[0:16] = b.get()",
    ]


def test_a_deadlock_in_a_later_cell_names_the_defining_cell(shell, capsys):
    defining = shell.run_cell(STUCK_CELL.replace("%%dato --backend sim\n", ""), store_history=True)
    assert defining.success
    number = shell.execution_count - 1  # the defining cell's [N]
    call = "import numpy as np\nstuck(np.zeros(32, np.float32), np.zeros(32, np.float32))"
    err = _reported(shell, capsys, call)
    first, *_, last_note, _ = err.splitlines()
    assert first.startswith(f"DeadlockError: cell [{number}] line 12, column 9: deadlock: ")
    assert last_note.endswith(f"at cell [{number}] line 17, column 19")
    assert "ipykernel" not in err and "ipython-input" not in err


def test_a_sim_cell_runs_the_functional_simulator_and_says_so(shell):
    cell = "%%dato --backend sim" + REGION_CELL
    assert shell.run_cell(cell).success
    workbench = shell.user_ns["_dato"]["doubler"]
    assert workbench.perf is None and workbench.simulated.backend == "sim"
    assert "on generated inputs (seeded random values" in workbench.basis.value


def test_dato_help_lists_every_option_and_command(shell, capsys):
    capsys.readouterr()
    assert shell.run_cell("%dato help").success
    text = capsys.readouterr().out
    for option in ("--target", "--backend", "--name", "--placement", "--primitives"):
        assert f"\n  {option} " in text
    assert "--xclbin PATH" in text and "--insts PATH" in text
    assert "sim: run the functional simulator on generated inputs (no timing)" in " ".join(
        text.split()
    )
    for command in ("%dato targets", "%dato devices", "%dato show NAME", "%dato help"):
        assert f"\n{command}" in text


def test_a_printed_error_names_its_cell_as_the_notebook_numbers_it():
    """Without the magic: `print(error)` in a kernel reads "cell [K] line N", not the
    kernel's temporary file (datobench installs the namer when imported in a kernel)."""
    from IPython.core.interactiveshell import InteractiveShell

    from datobench import cells
    from datobench.core import errors

    shell = InteractiveShell.instance()
    saved = errors.place_namer
    try:
        cells.install_in_kernel()
        assert errors.place_namer is cells.cell_place
        define = (
            "import datobench as dato\n"
            "from datobench import int32\n"
            "@dato.region\n"
            "def bad(A: int32[4]):\n"
            "    @dato.task(args=[A])\n"
            "    def t(a: int32[4]):\n"
            "        a[0] = undefined_name\n"
        )
        number = shell.execution_count  # the prompt number of the cell that defines `bad`
        assert shell.run_cell(define, store_history=True).success
        text = "try:\n    dato.compile(bad)\nexcept dato.DatoError as e:\n    message = str(e)\n"
        assert shell.run_cell(text, store_history=True).success
        message = shell.user_ns["message"]
        assert message.startswith(f"cell [{number}] line 7, column"), message
        assert "ipykernel" not in message and "<ipython-input" not in message
    finally:
        errors.place_namer = saved
        InteractiveShell.clear_instance()
