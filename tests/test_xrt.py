"""The hardware runtime (datobench/core/runtime): the XRT runner's call sequence, checked against
a recording stand-in for the pyxrt module; probing; the v++ build commands.

``RecordingPyxrt`` (tests/pyxrt_standin.py) is NOT XRT: it is a stand-in object with pyxrt's
names that records every call. Only ``test_real_pyxrt_and_device`` (marked ``hw``) touches the
real pyxrt, and it skips when pyxrt or a device is absent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pyxrt_standin import (  # the stand-in for the pyxrt module (not XRT); others import it here
    FROM_DEVICE,
    TO_DEVICE,
    BoFlags,
    CmdState,
    RecordingPyxrt,
)

import datobench as dato
from datobench.core.errors import BackendUnavailable, DatoError
from datobench.core.runtime import (
    XrtRunner,
    build_fpga,
    find_pyxrt,
    open_device,
    program_runner,
    vpp_commands,
    xrt_devices,
)
from datobench.programs import pipeline as make_pipeline

U280_PLATFORM = "xilinx_u280_gen3x16_xdma_1_202211_1"


@pytest.fixture
def xclbin(tmp_path) -> Path:
    path = tmp_path / "vadd.xclbin"
    path.write_bytes(b"xclbin2\0 stand-in contents")
    return path


# --------------------------------------------------------------------------------------------
# The runner's call sequence


def test_runner_loads_allocates_syncs_runs_and_reads_back_in_order(xclbin):
    stand_in = RecordingPyxrt()
    a = np.arange(4, dtype=np.int32)
    b = np.full((2, 2), 0.5, dtype=np.float32)
    c = np.zeros((2, 2), dtype=np.float32)
    expected = np.array([[1.5, 2.5], [3.5, 4.5]], dtype=np.float32)
    stand_in.results[2] = expected.tobytes()
    view_of_c = c.reshape(4)

    runner = XrtRunner(xclbin, "vadd", pyxrt=stand_in)
    runner.run([a, b, c], outputs={2})

    assert stand_in.names() == [
        "device",
        "xclbin",
        "device.register_xclbin",
        "xclbin.get_uuid",
        "hw_context",
        "kernel",
        "kernel.group_id", "bo",
        "kernel.group_id", "bo",
        "kernel.group_id", "bo",
        "bo0.write", "bo0.sync",
        "bo1.write", "bo1.sync",
        "bo2.write", "bo2.sync",
        "kernel()",
        "run.wait",
        "bo2.sync",
        "bo2.read",
    ]  # fmt: skip
    calls = stand_in.calls
    device = runner.device
    assert calls[0] == ("device", (0,))
    assert calls[1] == ("xclbin", (str(xclbin),))
    assert calls[2] == ("device.register_xclbin", (runner.xclbin,))
    assert calls[4] == ("hw_context", (device, "uuid-of-vadd.xclbin"))
    assert calls[5] == ("kernel", (runner.context, "vadd"))
    # one buffer per argument, of its size, in the bank its argument is connected to
    assert [args for name, args in calls if name == "kernel.group_id"] == [(0,), (1,), (2,)]
    assert [args for name, args in calls if name == "bo"] == [
        (device, 16, BoFlags.normal, 10),
        (device, 16, BoFlags.normal, 11),
        (device, 16, BoFlags.normal, 12),
    ]
    assert ("bo0.write", (a.tobytes(), 0)) in calls
    assert ("bo1.write", (b.tobytes(), 0)) in calls
    assert [args for name, args in calls if name.endswith(".sync")] == [
        (TO_DEVICE,), (TO_DEVICE,), (TO_DEVICE,), (FROM_DEVICE,)
    ]  # fmt: skip
    assert calls[-4] == ("kernel()", tuple(stand_in.bos))
    assert calls[-3] == ("run.wait", ())
    assert calls[-1] == ("bo2.read", (16, 0))
    # the result landed in the caller's array, in place; the inputs are untouched
    np.testing.assert_array_equal(c, expected)
    np.testing.assert_array_equal(view_of_c, expected.reshape(4))
    np.testing.assert_array_equal(a, np.arange(4))
    np.testing.assert_array_equal(b, np.full((2, 2), 0.5))


def test_without_outputs_every_argument_is_read_back_in_place(xclbin):
    stand_in = RecordingPyxrt()
    x = np.array([1, 2, 3], dtype=np.int16)
    y = np.zeros((2, 3), dtype=np.uint8)
    stand_in.results = {0: np.array([7, 8, 9], dtype=np.int16).tobytes(), 1: bytes(range(6))}

    runner = XrtRunner(xclbin, "vadd", pyxrt=stand_in)
    runner.run([x, y])

    assert stand_in.names()[-4:] == ["bo0.sync", "bo0.read", "bo1.sync", "bo1.read"]
    np.testing.assert_array_equal(x, [7, 8, 9])
    np.testing.assert_array_equal(y, [[0, 1, 2], [3, 4, 5]])


def test_bf16_arrays_go_through_as_bytes(xclbin):
    bf16 = dato.bf16.np
    stand_in = RecordingPyxrt()
    out = np.zeros(4, dtype=bf16)
    stand_in.results[0] = np.array([1.5, -2.0, 0.25, 3.0], dtype=bf16).tobytes()

    XrtRunner(xclbin, "vadd", pyxrt=stand_in).run([out])

    assert [args[1] for name, args in stand_in.calls if name == "bo"] == [8]
    np.testing.assert_array_equal(out.astype(np.float32), [1.5, -2.0, 0.25, 3.0])


def test_a_run_that_does_not_complete_names_the_kernel_and_reads_nothing(xclbin):
    stand_in = RecordingPyxrt(state=CmdState.ERT_CMD_STATE_ERROR)
    out = np.zeros(4, dtype=np.float32)
    runner = XrtRunner(xclbin, "vadd", pyxrt=stand_in)

    with pytest.raises(DatoError) as info:
        runner.run([out])

    message = str(info.value)
    assert "kernel 'vadd' (vadd.xclbin) ended in state ERT_CMD_STATE_ERROR" in message
    assert "not ERT_CMD_STATE_COMPLETED" in message
    assert stand_in.names()[-1] == "run.wait"
    np.testing.assert_array_equal(out, 0)


def test_a_timed_out_run_suggests_a_stream_deadlock(xclbin):
    stand_in = RecordingPyxrt(state=CmdState.ERT_CMD_STATE_TIMEOUT)
    runner = XrtRunner(xclbin, "vadd", pyxrt=stand_in)

    with pytest.raises(DatoError) as info:
        runner.run([np.zeros(4, dtype=np.float32)], timeout_ms=5000)

    assert stand_in.calls[-1] == ("run.wait", (5000,))
    message = str(info.value)
    assert "ERT_CMD_STATE_TIMEOUT" in message
    assert "did not finish within 5000 ms" in message
    assert "deadlocks" in message


def test_output_indices_are_checked(xclbin):
    runner = XrtRunner(xclbin, "vadd", pyxrt=RecordingPyxrt())
    with pytest.raises(DatoError, match="output index 3 of kernel 'vadd' is not one of its 1"):
        runner.run([np.zeros(4, dtype=np.float32)], outputs={3})
    frozen = np.zeros(4, dtype=np.float32)
    frozen.flags.writeable = False
    with pytest.raises(DatoError, match="output 0 of kernel 'vadd' is read-only"):
        runner.run([frozen])


# --------------------------------------------------------------------------------------------
# What is missing, said


def test_a_missing_xclbin_names_the_path_and_how_to_build_it(tmp_path):
    stand_in = RecordingPyxrt()
    missing = tmp_path / "build" / "pipeline.xclbin"

    with pytest.raises(BackendUnavailable) as info:
        XrtRunner(missing, "pipeline", pyxrt=stand_in)

    message = str(info.value)
    assert f"no xclbin at {missing}" in message
    assert "prog.build(platform=...)" in message
    assert "v++" in message
    assert stand_in.calls == []  # no device was touched


def test_no_pyxrt_says_how_to_install_xrt(xclbin, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyxrt", None)  # `import pyxrt` raises ImportError
    monkeypatch.delenv("XILINX_XRT", raising=False)

    with pytest.raises(BackendUnavailable) as info:
        XrtRunner(xclbin, "vadd")

    message = str(info.value)
    assert "pyxrt (the Python binding of AMD XRT) cannot be imported" in message
    assert "install AMD XRT" in message
    assert "source /opt/xilinx/xrt/setup.sh" in message
    assert f"this is Python {sys.version_info.major}.{sys.version_info.minor}" in message


def test_no_pyxrt_with_xrt_installed_lists_the_python_builds_it_has(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyxrt", None)
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "pyxrt.cpython-310-x86_64-linux-gnu.so").write_bytes(b"")
    monkeypatch.setenv("XILINX_XRT", str(tmp_path))

    with pytest.raises(BackendUnavailable) as info:
        find_pyxrt()

    assert f"XILINX_XRT={tmp_path} holds pyxrt.cpython-310-x86_64-linux-gnu.so" in str(info.value)


def test_no_device_lists_what_was_probed(xclbin):
    stand_in = RecordingPyxrt(n_devices=0)

    with pytest.raises(BackendUnavailable) as info:
        XrtRunner(xclbin, "vadd", pyxrt=stand_in)

    message = str(info.value)
    assert "no XRT device at index 0 (No such device with index '0')" in message
    assert "devices XRT sees: none" in message
    assert "xbutil examine" in message
    assert "xclbin" not in stand_in.names()


def test_a_device_index_out_of_range_lists_the_devices(xclbin):
    stand_in = RecordingPyxrt(n_devices=1)

    with pytest.raises(BackendUnavailable) as info:
        XrtRunner(xclbin, "vadd", device_index=2, pyxrt=stand_in)

    message = str(info.value)
    assert "no XRT device at index 2" in message
    assert "[0] xilinx_u280_gen3x16_xdma_base_1 (0000:3b:00.1)" in message
    assert "choose device_index from [0]" in message


def test_a_kernel_not_in_the_xclbin_lists_the_ones_there(xclbin):
    stand_in = RecordingPyxrt(kernels=("mmult", "vadd"))

    with pytest.raises(DatoError) as info:
        XrtRunner(xclbin, "pipeline", pyxrt=stand_in)

    assert f"no kernel 'pipeline' in {xclbin}" in str(info.value)
    assert "it holds: mmult, vadd" in str(info.value)


def test_an_invalid_xclbin_file_is_named(tmp_path):
    bogus = tmp_path / "bogus.xclbin"
    bogus.write_text("not an xclbin")

    with pytest.raises(DatoError, match=f"reading the xclbin {re.escape(str(bogus))} failed"):
        XrtRunner(bogus, "vadd", pyxrt=RecordingPyxrt())


def test_devices_lists_what_xrt_sees():
    stand_in = RecordingPyxrt(n_devices=2)
    found = xrt_devices(stand_in)
    assert [(d.index, d.name, d.bdf) for d in found] == [
        (0, "xilinx_u280_gen3x16_xdma_base_1", "0000:3b:00.1"),
        (1, "xilinx_u280_gen3x16_xdma_base_1", "0000:3b:00.1"),
    ]
    assert stand_in.names()[0] == "enumerate_devices"


def test_devices_are_counted_by_opening_them_when_pyxrt_cannot_enumerate(monkeypatch):
    stand_in = RecordingPyxrt(n_devices=2)
    monkeypatch.delattr(RecordingPyxrt, "enumerate_devices")
    assert [d.index for d in xrt_devices(stand_in)] == [0, 1]
    assert open_device(stand_in, 1).index == 1


# --------------------------------------------------------------------------------------------
# A compiled program's runner


pipeline = make_pipeline(16, 2)


def test_a_programs_runner_runs_the_kernel_named_after_the_region(xclbin):
    prog = dato.compile(pipeline, target="u280")
    stand_in = RecordingPyxrt(kernels=("pipeline",))
    runner = program_runner(prog, xclbin, pyxrt=stand_in)
    A = np.arange(64, dtype=np.float32)
    B = np.zeros(64, dtype=np.float32)
    stand_in.results[1] = (A + 1).tobytes()

    runner.run([A, B], outputs={1})

    assert ("kernel", (runner.context, "pipeline")) in stand_in.calls
    np.testing.assert_array_equal(B, A + 1)


def test_a_program_for_an_npu_has_no_xrt_runner_here(xclbin):
    prog = dato.compile(pipeline, target="npu1_4col")
    with pytest.raises(
        dato.CapabilityError,
        match="backend 'xrt' runs HLS kernels on FPGA targets; pipeline is compiled for target "
        "'npu1_4col'",
    ):
        program_runner(prog, xclbin, pyxrt=RecordingPyxrt())
    with pytest.raises(dato.CapabilityError, match="compiled for no target"):
        program_runner(dato.compile(pipeline), xclbin, pyxrt=RecordingPyxrt())


# --------------------------------------------------------------------------------------------
# v++


def test_vpp_commands_for_the_u280(tmp_path):
    project, out = tmp_path / "proj", tmp_path / "out"
    compile_step, link_step = vpp_commands(
        project, U280_PLATFORM, "pipeline", out, link_config=project / "connectivity.cfg"
    )

    assert compile_step == [
        "v++", "-c", "-t", "hw", "--platform", U280_PLATFORM, "--log_dir", f"{out}/logs",
        "-k", "pipeline", "-I", str(project), "--temp_dir", f"{out}/_x.compile",
        "-o", f"{out}/pipeline.xo", f"{project}/kernel.cpp",
    ]  # fmt: skip
    assert link_step == [
        "v++", "-l", "-t", "hw", "--platform", U280_PLATFORM, "--log_dir", f"{out}/logs",
        "--config", f"{project}/connectivity.cfg", "--temp_dir", f"{out}/_x.link",
        "-o", f"{out}/pipeline.xclbin", f"{out}/pipeline.xo",
    ]  # fmt: skip


def test_vpp_commands_without_a_link_config_for_emulation(tmp_path):
    _, link_step = vpp_commands(tmp_path, U280_PLATFORM, "k", tmp_path, build_target="hw_emu")
    assert "--config" not in link_step
    assert link_step[2:4] == ["-t", "hw_emu"]


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "pipeline_hls"
    path.mkdir()
    (path / "kernel.cpp").write_text('extern "C" void pipeline(float *A, float *B) {}\n')
    (path / "connectivity.cfg").write_text("[connectivity]\nsp=pipeline_1.A:HBM[0]\n")
    return path


def test_build_without_vpp_names_the_project(project, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BackendUnavailable) as info:
        build_fpga(project, "u280", U280_PLATFORM, "pipeline")
    assert str(info.value) == (
        "v++ (AMD Vitis) is not on PATH: install Vitis and source settings64.sh; "
        f"the generated project is in {project}"
    )


def _install_vpp_stand_in(directory: Path, exit_status: int = 0) -> Path:
    """A stand-in ``v++`` (not Vitis): appends its arguments to calls.txt, writes the file
    named by ``-o``, prints a few lines and exits with ``exit_status``."""
    directory.mkdir()
    script = directory / "v++"
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, sys\n"
        "args = sys.argv[1:]\n"
        f"with open({str(directory / 'calls.txt')!r}, 'a') as f:\n"
        "    f.write(' '.join(args) + '\\n')\n"
        "for n in range(40):\n"
        "    print(f'INFO: [v++ 60-{n}] step {n}')\n"
        f"if {exit_status}:\n"
        "    print('ERROR: [v++ 200-70] Compilation failed for kernel pipeline')\n"
        f"    sys.exit({exit_status})\n"
        "pathlib.Path(args[args.index('-o') + 1]).write_text('built')\n"
    )
    script.chmod(0o755)
    return script


def test_build_runs_compile_then_link_and_returns_the_xclbin(project, monkeypatch, tmp_path):
    vpp = _install_vpp_stand_in(tmp_path / "vitis_bin")
    monkeypatch.setenv("PATH", f"{vpp.parent}{os.pathsep}{os.environ['PATH']}")

    xclbin = build_fpga(project, "u280", U280_PLATFORM, "pipeline")

    out = project / "build" / "u280.hw"
    assert xclbin == out / "pipeline.xclbin"
    assert xclbin.read_text() == "built"
    expected = vpp_commands(
        project, U280_PLATFORM, "pipeline", out, link_config=project / "connectivity.cfg"
    )
    recorded = (vpp.parent / "calls.txt").read_text().splitlines()
    assert recorded == [" ".join(command[1:]) for command in expected]
    assert (out / "vpp_compile.log").read_text().startswith("INFO: [v++ 60-0] step 0")


def test_build_takes_the_project_the_hls_generator_writes(monkeypatch, tmp_path):
    prog = dato.compile(pipeline, target="u280")
    project = Path(prog.write_hls(tmp_path / "pipeline_hls"))
    vpp = _install_vpp_stand_in(tmp_path / "vitis_bin")
    monkeypatch.setenv("PATH", f"{vpp.parent}{os.pathsep}{os.environ['PATH']}")

    xclbin = build_fpga(project, prog.target.name, U280_PLATFORM, "pipeline")

    compile_args, link_args = (vpp.parent / "calls.txt").read_text().splitlines()
    assert f"-k pipeline -I {project}" in compile_args
    assert compile_args.endswith(f"{project}/kernel.cpp")
    assert f"--config {project}/connectivity.cfg" in link_args
    assert "sp=pipeline_1.A:HBM[0]" in (project / "connectivity.cfg").read_text()
    assert xclbin.name == "pipeline.xclbin"


def test_a_failing_vpp_shows_its_last_lines(project, monkeypatch, tmp_path):
    vpp = _install_vpp_stand_in(tmp_path / "vitis_bin", exit_status=1)
    monkeypatch.setenv("PATH", f"{vpp.parent}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "out"

    with pytest.raises(DatoError) as info:
        build_fpga(project, "u280", U280_PLATFORM, "pipeline", output_dir=out)

    message = str(info.value)
    assert f"v++ compile failed (exit status 1); the last lines of {out}/vpp_compile.log" in message
    assert "    ERROR: [v++ 200-70] Compilation failed for kernel pipeline" in message
    assert "step 39" in message and "step 10\n" not in message  # only the tail
    assert f"command: {vpp} -c -t hw --platform {U280_PLATFORM}" in message


def test_build_needs_a_generated_project_and_a_platform(tmp_path, project):
    with pytest.raises(
        DatoError, match=r"no kernel.cpp in .*: prog.write_hls\(directory\) writes the HLS project"
    ):
        build_fpga(tmp_path / "nothing", "u280", U280_PLATFORM, "pipeline")
    with pytest.raises(DatoError, match="building for u280 needs platform="):
        build_fpga(project, "u280", "", "pipeline")
    with pytest.raises(DatoError, match="build_target 'hardware' is not one of hw, hw_emu"):
        build_fpga(project, "u280", U280_PLATFORM, "pipeline", build_target="hardware")


# --------------------------------------------------------------------------------------------
# pyxrt stays in one module


def test_pyxrt_is_imported_only_by_the_probe_and_only_on_demand():
    package = Path(dato.__file__).parent
    importers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if re.search(r"^\s*(import pyxrt|from pyxrt)|import_module\(\"pyxrt\"\)",
                     path.read_text(), re.M)
    )  # fmt: skip
    assert importers == ["core/runtime/probe.py"]
    code = "import sys, datobench, datobench.core.runtime; print('pyxrt' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


# --------------------------------------------------------------------------------------------
# The real thing

# Every pyxrt name the runner and the probe use; the stand-in and the real module must have all.
PYXRT_NAMES = [
    "device", "xclbin", "hw_context", "kernel", "bo", "bo.normal", "bo.cacheable", "bo.host_only",
    "xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE", "xclBOSyncDirection.XCL_BO_SYNC_BO_FROM_DEVICE",
    "ert_cmd_state.ERT_CMD_STATE_COMPLETED", "ert_cmd_state.ERT_CMD_STATE_TIMEOUT",
    "xrt_info_device.name", "xrt_info_device.bdf",
]  # fmt: skip


def _missing_names(module) -> list[str]:
    missing = []
    for dotted in PYXRT_NAMES:
        node = module
        for part in dotted.split("."):
            node = getattr(node, part, None)
        if node is None:
            missing.append(dotted)
    return missing


def test_the_stand_in_has_the_pyxrt_names_the_runtime_uses():
    assert _missing_names(RecordingPyxrt()) == []


@pytest.mark.hw
def test_real_pyxrt_and_device():
    try:
        pyxrt = find_pyxrt()
    except BackendUnavailable as error:
        pytest.skip(f"no pyxrt: {error}")
    found = xrt_devices(pyxrt)
    if not found:
        pytest.skip(f"pyxrt ({pyxrt.__file__}) sees no device")

    assert _missing_names(pyxrt) == []
    device = open_device(pyxrt, found[0].index)
    assert found[0].name not in ("", "?")
    assert device.get_info(pyxrt.xrt_info_device.bdf) == found[0].bdf
    with pytest.raises(BackendUnavailable, match=f"no XRT device at index {len(found)}"):
        open_device(pyxrt, len(found))
