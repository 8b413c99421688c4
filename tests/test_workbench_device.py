"""``%%dato --backend xrt``: the cell runs on the device and the panel shows the measured time
beside the perf model's prediction; without a device, one line says what is missing and the
simulated views stay; the magic's device options are checked before the cell runs.

The device is ``RecordingPyxrt`` from tests/test_xrt.py, injected as the ``pyxrt`` module: it
is NOT XRT but a stand-in object with pyxrt's names that records every call, and its xclbin
is a tiny fake file. No test here touches a real device.
"""

from __future__ import annotations

import inspect
import sys

import pytest
from IPython.testing import globalipapp
from test_xrt import CmdState, RecordingPyxrt

import datobench as dato
from datobench import visual
from datobench.core.backends import backend
from datobench.core.codegen.hls.naming import kernel_name
from datobench.core.measure import Measurement, NotRun
from datobench.visual.device import STALE
from datobench.widgets import snapshot

REGION = """
import datobench as dato
from datobench import Stream, float32

@dato.region
def scaled(A: float32[64], B: float32[64]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A])
    def producer(a: float32[64]):
        for i in range(4):
            pipe.put(a[i * 16:(i + 1) * 16])

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        for i in range(4):
            b[i * 16:(i + 1) * 16] = pipe.get() * 2.0
"""
NO_PYXRT = "not run on the device: pyxrt (the Python binding of AMD XRT) cannot be imported"
SIMULATED = "; simulated views below"
NPU_RUNNER_MISSING = (
    "NPU runs (prog.run(..., backend='xrt', insts=...)) come with the `run` helper's branch"
)
NPU_BUILD_MISSING = "prog.build() for NPU targets comes with the `build` helper's branch"


@pytest.fixture(scope="module")
def shell():
    globalipapp.start_ipython()  # the one test shell, shared with the other test modules
    ip = globalipapp.get_ipython()
    ip.run_cell("%load_ext datobench")
    return ip


@pytest.fixture
def xclbin(tmp_path):
    path = tmp_path / "scaled.xclbin"
    path.write_bytes(b"xclbin2\0 stand-in contents")
    return path


def panel(shell, options: str):
    """The workbench of a %%dato cell with ``options``; the cell must succeed."""
    shell.user_ns.get("_dato", {}).pop("scaled", None)
    assert shell.run_cell(f"%%dato {options}" + REGION).success
    return shell.user_ns["_dato"]["scaled"]


def assert_simulated_views(workbench):
    """The perf model's views are there, whatever happened on the device."""
    assert workbench.perf.cycles > 0 and "cycles" in workbench.head.value
    assert "<svg" in workbench.timeline.value and "<svg" in workbench.streams.value


# -- without a device ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options", ["--target u280 --backend xrt --xclbin k.xclbin", "--target npu1_4col --backend xrt"]
)
def test_without_pyxrt_one_line_says_so_and_the_simulated_views_stay(
    shell, monkeypatch, capsys, options
):
    monkeypatch.setitem(sys.modules, "pyxrt", None)  # `import pyxrt` raises ImportError
    capsys.readouterr()
    wb = panel(shell, options)
    assert capsys.readouterr().err == ""  # nothing printed: no traceback, no error
    assert isinstance(wb.measured, NotRun)
    row = wb.device.value
    assert NO_PYXRT in row and row.count("<div") == 1  # one line
    assert row.endswith(f"{SIMULATED}</div>")
    assert "install AMD XRT" in row  # the whole message, in the row's tooltip
    assert wb.device in wb.widget.children
    assert_simulated_views(wb)
    assert NO_PYXRT in " ".join(snapshot.picture_lines(wb))  # saved notebooks keep it
    assert "not run on the device: pyxrt" in wb.summary()


def test_without_a_device_the_line_names_what_was_probed(shell, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(n_devices=0))
    wb = panel(shell, "--target u280 --backend xrt --xclbin k.xclbin")
    assert "not run on the device: no XRT device at index 0" in wb.device.value
    assert SIMULATED in wb.device.value
    assert_simulated_views(wb)


def test_an_fpga_target_without_an_xclbin_says_how_to_get_one(shell, monkeypatch):
    stand_in = RecordingPyxrt()
    monkeypatch.setitem(sys.modules, "pyxrt", stand_in)
    wb = panel(shell, "--target u280 --backend xrt")
    assert wb.measured.line == (
        "not run on the device: no xclbin for u280: pass --xclbin PATH, built with "
        "prog.build(platform=...) (v++, hours for a hardware build)"
    )
    assert "kernel()" not in stand_in.names()
    assert_simulated_views(wb)


def test_a_run_that_fails_on_the_device_is_one_line_too(shell, monkeypatch, xclbin):
    stand_in = RecordingPyxrt(kernels=("scaled",), state=CmdState.ERT_CMD_STATE_ERROR)
    monkeypatch.setitem(sys.modules, "pyxrt", stand_in)
    wb = panel(shell, f"--target u280 --backend xrt --xclbin {xclbin}")
    assert wb.measured.line == (
        "the device run failed: kernel 'scaled' (scaled.xclbin) ended in state "
        "ERT_CMD_STATE_ERROR, not ERT_CMD_STATE_COMPLETED; its outputs were not read back"
    )
    assert SIMULATED in wb.device.value
    assert_simulated_views(wb)


# -- measured beside predicted -------------------------------------------------------------


def test_u280_runs_on_the_device_and_shows_measured_predicted_and_ratio(shell, monkeypatch, xclbin):
    stand_in = RecordingPyxrt(kernels=("scaled",))
    monkeypatch.setitem(sys.modules, "pyxrt", stand_in)
    wb = panel(shell, f"--target u280 --backend xrt --xclbin {xclbin}")
    assert kernel_name(wb.program.region) == "scaled"

    # one warm-up run and three timed runs, on one loaded xclbin, with the perf run's inputs
    names = stand_in.names()
    assert names.count("kernel()") == 4 and names.count("run.wait") == 4
    assert names.count("xclbin") == 1 and names.count("device.register_xclbin") == 1
    assert [args for name, args in stand_in.calls if name == "xclbin"] == [(str(xclbin),)]
    written = [args[0] for name, args in stand_in.calls if name.endswith(".write")]
    assert written and set(written) == {bytes(64 * 4)}  # zero-filled float32[64] arrays

    measured = wb.measured
    assert isinstance(measured, Measurement)
    assert len(measured.seconds) == 3 and measured.warmup == 1
    assert measured.predicted == wb.perf.seconds
    assert measured.best == min(measured.seconds) <= measured.slowest == max(measured.seconds)
    assert measured.ratio == measured.best / measured.predicted

    row = wb.device.value
    assert (
        f"on the device: measured <b>{visual.duration(measured.best)}</b> (best of 3 after a "
        f"warm-up, slowest {visual.duration(measured.slowest)}) &middot; predicted "
        f"<b>{visual.duration(wb.perf.seconds)}</b> &middot; "
        f"ratio <b>{visual.factor(measured.ratio)}</b>"
    ) in row
    assert "dato-missing" not in row and STALE not in row
    assert "without the host's copies" in row  # what "measured" spans, on hover
    assert_simulated_views(wb)
    assert f"measured {visual.duration(measured.best)} on the device" in wb.summary()
    assert "ratio" in " ".join(snapshot.picture_lines(wb))


def test_a_new_placement_marks_the_measurement_as_the_cells(shell, monkeypatch, xclbin):
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(kernels=("scaled",)))
    wb = panel(shell, f"--target u280 --backend xrt --xclbin {xclbin}")
    measured = wb.measured
    home = dict(wb.program.mapping.placement)
    moved = {**home, "consumer": (home["consumer"][0] + 1, home["consumer"][1])}
    assert wb._apply(moved) is None
    assert wb.measured is measured  # the xclbin was built for the cell's placement
    assert STALE in wb.device.value and "measured" in wb.device.value
    assert wb._apply(home) is None
    assert STALE not in wb.device.value


def test_npu1_4col_runs_on_the_device_through_the_same_path(shell, monkeypatch, tmp_path):
    if "insts" not in backend("xrt").option_names():
        pytest.skip(NPU_RUNNER_MISSING)
    stand_in = RecordingPyxrt(kernels=("MLIR_AIE",))
    monkeypatch.setitem(sys.modules, "pyxrt", stand_in)
    xclbin = tmp_path / "final.xclbin"
    xclbin.write_bytes(b"xclbin2\0 stand-in contents")
    insts = tmp_path / "insts.bin"
    insts.write_bytes(bytes(range(16)))  # four little-endian uint32 words
    wb = panel(shell, f"--target npu1_4col --backend xrt --xclbin {xclbin} --insts {insts}")
    assert isinstance(wb.measured, Measurement), wb.measured
    assert stand_in.names().count("kernel()") == 4
    assert "on the device: measured <b>" in wb.device.value and "ratio <b>" in wb.device.value
    assert_simulated_views(wb)


def test_an_npu_target_without_artefacts_builds_them_or_names_the_missing_tools(
    shell, monkeypatch, tmp_path
):
    if "platform" in inspect.signature(dato.Program.build).parameters and (
        inspect.signature(dato.Program.build).parameters["platform"].default
        is inspect.Parameter.empty
    ):
        pytest.skip(NPU_BUILD_MISSING)
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(kernels=("MLIR_AIE",)))
    monkeypatch.setenv("PATH", str(tmp_path))  # no aiecc, no Peano
    monkeypatch.delenv("MLIR_AIE_INSTALL_DIR", raising=False)
    monkeypatch.delenv("PEANO_INSTALL_DIR", raising=False)
    wb = panel(shell, "--target npu1_4col --backend xrt")
    assert isinstance(wb.measured, NotRun)
    assert "aiecc" in wb.measured.detail  # the build's BackendUnavailable, each tool named
    assert wb.device.value.startswith('<div class="dato-device dato-missing"')
    assert SIMULATED in wb.device.value
    assert_simulated_views(wb)


# -- the magic's options -------------------------------------------------------------------


def reported(shell, capsys, cell: str) -> str:
    """The first line the shell shows for ``cell``, which fails before its code ran."""
    shell.user_ns.pop("scaled", None)
    capsys.readouterr()
    assert not shell.run_cell(cell).success
    err = capsys.readouterr().out
    assert "Traceback" not in err and "scaled" not in shell.user_ns  # the cell did not run
    return err.splitlines()[0]


def test_insts_on_an_fpga_target_is_refused(shell, capsys):
    assert reported(
        shell, capsys, "%%dato --target u280 --backend xrt --xclbin k --insts i" + REGION
    ) == (
        "DatoError: cell line 1, column 1: %%dato --insts: u280 is an FPGA target, whose xclbin "
        "holds the whole kernel: give --xclbin alone (--insts is an NPU's instruction stream)"
    )


def test_an_npu_target_needs_both_artefacts_or_neither(shell, capsys):
    assert reported(
        shell, capsys, "%%dato --target npu1_4col --backend xrt --xclbin k" + REGION
    ) == (
        "DatoError: cell line 1, column 1: %%dato --xclbin: an NPU target runs an xclbin with "
        "its instruction stream: give both --xclbin and --insts (or neither, and the cell "
        "builds them with prog.build())"
    )


def test_artefacts_without_the_xrt_backend_are_refused(shell, capsys):
    assert reported(shell, capsys, "%%dato --target u280 --xclbin k.xclbin" + REGION) == (
        "DatoError: cell line 1, column 1: %%dato --xclbin: built artefacts run only with "
        "--backend xrt"
    )


def test_xrt_with_an_unknown_target_names_the_targets(shell, capsys):
    assert reported(shell, capsys, "%%dato --target u9000 --backend xrt --xclbin k" + REGION) == (
        "TargetError: cell line 1, column 1: unknown target 'u9000'; available: generic, npu1, "
        "npu1_4col, npu2, u250, u280 (or pass the path of a .toml target file)"
    )


def test_dato_show_takes_the_device_options(shell, monkeypatch, xclbin):
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(kernels=("scaled",)))
    assert shell.run_cell(REGION).success
    shell.user_ns.get("_dato", {}).pop("scaled", None)
    assert shell.run_cell(
        f"%dato show scaled --target u280 --backend xrt --xclbin {xclbin}"
    ).success
    assert isinstance(shell.user_ns["_dato"]["scaled"].measured, Measurement)


# -- the row itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2.5, "2.5 s"),
        (0.00123, "1.23 ms"),
        (1.2345e-5, "12.3 µs"),
        (3e-9, "3 ns"),
        (9.9996e-4, "1 ms"),
    ],
)
def test_durations_read_in_their_unit(seconds, text):
    assert visual.duration(seconds) == text


def test_a_single_timed_run_shows_no_spread():
    row = visual.device_html(Measurement((2e-3,), 1e-3, 1))
    assert "(one run after a warm-up)" in row and "ratio <b>2.00×</b>" in row
    assert visual.factor(1026.75) == "1,027×"
    assert visual.device_html(None) == ""
