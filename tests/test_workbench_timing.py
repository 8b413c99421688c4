"""What the workbench's timing was computed on, said in the panel: without input values when
no branch depends on data, on zero-filled inputs (and so not reflecting data-dependent
behaviour) when one does."""

from __future__ import annotations

import numpy as np
import pytest
from IPython.testing import globalipapp

import datobench as dato
from datobench import float32
from datobench.widgets import Workbench, snapshot

ZEROS = "timed on zero-filled inputs: branches that depend on data took the path zeros take"
NO_VALUES = "timed without input values: no branch depends on data"

DATA_DEPENDENT_CELL = """%%dato --target npu1_4col
import datobench as dato
from datobench import float32

@dato.region
def clip(A: float32[8], B: float32[8]):
    @dato.task(args=[A, B])
    def t(a: float32[8], b: float32[8]):
        for i in range(8):
            if a[i] > 0.0:
                b[i] = a[i]
"""


@dato.region
def clip(A: float32[8, 16], B: float32[8, 16]):
    @dato.task(args=[A, B])
    def t(a: float32[8, 16], b: float32[8, 16]):
        for i in range(8):
            row = a[i, :]
            if row[0] > 0.0:  # the rows computed depend on the data
                b[i, :] = dato.exp(row) * 3.0 + row


@dato.region
def scale(A: float32[8], B: float32[8]):
    @dato.task(args=[A, B])
    def t(a: float32[8], b: float32[8]):
        for i in range(8):
            if i % 2 == 0:  # a branch on an index, not on data
                b[i] = a[i] * 3.0


def test_a_data_dependent_program_is_timed_on_zeros_and_the_panel_says_so():
    wb = Workbench(clip, target="npu1_4col", progress=False)
    assert wb.timed_on == "zeros" and wb.perf.cycles > 0
    assert ZEROS in wb.basis.value and "data-dependent behaviour is not reflected" in wb.basis.value
    assert "dato-zeros" in wb.basis.value  # shown as a warning
    assert wb.basis in wb.widget.children  # under the header, above the views
    assert ZEROS in " ".join(snapshot.picture_lines(wb))  # saved notebooks keep it
    # the cycles are those of zero-filled inputs, where no row is computed; others differ
    shape = (8, 16)
    zeros = [np.zeros(shape, np.float32), np.zeros(shape, np.float32)]
    ones = [np.ones(shape, np.float32), np.zeros(shape, np.float32)]
    assert wb.perf.cycles == wb.program.run(*zeros, backend="perf").cycles
    assert wb.perf.cycles < wb.program.run(*ones, backend="perf").cycles


def test_a_program_without_data_dependent_branches_is_timed_without_values():
    wb = Workbench(scale, target="npu1_4col", progress=False)
    assert wb.timed_on == "values"
    assert NO_VALUES in wb.basis.value and ZEROS not in wb.basis.value
    assert "dato-zeros" not in wb.basis.value


def test_the_line_follows_a_new_placement():
    wb = Workbench(clip, target="npu1_4col", progress=False)
    (name,) = wb.editor.placement
    column, row = wb.editor.placement[name]
    assert wb._apply({name: (column + 1, row)}) is None
    assert wb.program.mapping.placement[name] == (column + 1, row)
    assert ZEROS in wb.basis.value


def test_a_functional_panel_claims_no_timing():
    wb = Workbench(clip, target="npu1_4col", backend="sim", progress=False)
    assert wb.perf is None and wb.timed_on is None
    assert "run by the functional simulator (--backend sim) on generated inputs" in wb.basis.value
    assert "not timed (--backend perf times the cell)" in wb.basis.value


@pytest.fixture(scope="module")
def shell():
    globalipapp.start_ipython()  # the one test shell, shared with the other test modules
    ip = globalipapp.get_ipython()
    ip.run_cell("%load_ext datobench")
    return ip


def test_the_magics_panel_says_it_timed_on_zeros(shell):
    assert shell.run_cell(DATA_DEPENDENT_CELL).success
    workbench = shell.user_ns["_dato"]["clip"]
    assert ZEROS in workbench.basis.value
    with pytest.raises(dato.CapabilityError, match="run with values=True"):
        workbench.program.run(backend="perf", values=False)
