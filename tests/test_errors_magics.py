"""Errors of the %%dato and %dato magics, through IPython's own shell: wrong options and cells
are reported on stderr with the magic's usage, with no location and no traceback."""

from __future__ import annotations

import os

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

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
    """What the magic prints on stderr for ``cell``; the cell itself succeeds."""
    capsys.readouterr()
    assert shell.run_cell(cell).success
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and "datobench/" not in err, err
    return err


def test_an_unknown_option_shows_the_usage(shell, capsys):
    err = _reported(shell, capsys, "%%dato --frobnicate\nx = 1")
    assert err.startswith("DatoError: %%dato: unrecognized arguments: --frobnicate; usage: %%dato ")
    assert "[--target TARGET]" in err


def test_a_cell_without_a_region(shell, capsys):
    err = _reported(shell, capsys, "%%dato\nx = 1")
    assert err == (
        "DatoError: %%dato: the cell must define exactly one @dato.region (it defines 0); "
        "or name one with --name"
    )


def test_a_placement_variable_that_does_not_exist(shell, capsys):
    err = _reported(shell, capsys, "%%dato --placement nothere" + REGION_CELL)
    assert err == "DatoError: %%dato --placement nothere: no variable named 'nothere'"


def test_an_unknown_line_magic_command(shell, capsys):
    err = _reported(shell, capsys, "%dato frobnicate")
    assert err == "DatoError: %dato takes `targets` or `show NAME [--target T]`"
