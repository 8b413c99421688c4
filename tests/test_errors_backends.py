"""Errors of the API a user calls on a region or a compiled program, and of the backends behind
it (csim, xrt, the v++ build, Graphviz): each names what is wrong and points at the user's call.

External tools that are absent here (v++) or must misbehave (dot) are replaced by small scripts
put on PATH, which stand in for the tool and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, compiler_frames, line_of
from test_xrt import RecordingPyxrt  # the stand-in for the pyxrt module (not XRT)

import datobench as dato
from datobench import float32, visual
from datobench.core.runtime import XrtRunner

PLATFORM = "xilinx_u280_gen3x16_xdma_1_202211_1"


@dato.region
def doubler(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = a[:] * 2.0


@dato.kernel(
    source={
        "hls": "dato::tile<float, 16> crash(const dato::tile<float, 16>& x) {\n"
        "  __builtin_trap();\n  return x;\n}"
    }
)
def crash(x: float32[16]) -> float32[16]:
    return x


@dato.kernel
def no_hls(x: float32[16]) -> float32[16]:
    return x


@dato.region
def crashing(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = crash(a[:])


@dato.region
def without_hls_source(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = no_hls(a[:])


def _tool(directory: Path, name: str, body: str) -> Path:
    """A shell script called ``name`` in ``directory`` that does ``body``."""
    directory.mkdir(exist_ok=True)
    script = directory / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def test_compile_takes_a_region():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(print)  # E-notregion
    check_error(
        info,
        "# E-notregion",
        "dato.compile takes a @dato.region function, not <built-in function print>",
    )
    assert compiler_frames(info.value) == []


def test_run_takes_numpy_arrays():
    prog = dato.compile(doubler)
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run([1.0] * 16)  # E-list
    check_error(
        info,
        "# E-list",
        "argument 1 ('A') of doubler must be a numpy array of float32[16], not list",
    )
    assert compiler_frames(info.value) == []


def test_run_counts_the_arrays():
    prog = dato.compile(doubler)
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run()  # E-count
    check_error(info, "# E-count", "doubler takes 1 arrays (A), got 0")


def test_xrt_needs_a_built_kernel():
    prog = dato.compile(doubler, target="u280")
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.run(np.zeros(16, np.float32), backend="xrt")  # E-noxclbin
    check_error(
        info,
        "# E-noxclbin",
        "backend='xrt' runs a built kernel: pass xclbin=PATH (from prog.build(platform=",
    )
    assert compiler_frames(info.value) == []


def test_xrt_needs_a_target_of_a_device(tmp_path):
    prog = dato.compile(doubler)
    with pytest.raises(dato.CapabilityError) as info:
        prog.run(np.zeros(16, np.float32), backend="xrt", xclbin=tmp_path / "k.xclbin")  # E-npu
    check_error(
        info,
        "# E-npu",
        "backend 'xrt' runs a program on a device: compile doubler for the device's target",
        "target='npu1_4col' (a Ryzen AI NPU) or target='u280' (an Alveo card)",
    )


def test_a_crashing_c_simulation_reports_its_exit_code():
    prog = dato.compile(crashing)
    with pytest.raises(dato.DatoRuntimeError) as info:
        prog.run(np.zeros(16, np.float32), backend="csim")  # E-crash
    check_error(info, "# E-crash", "the C simulation failed (exit code -4)", "(project in ")
    assert compiler_frames(info.value) == []


def test_emitting_hls_needs_every_kernels_hls_source():
    prog = dato.compile(without_hls_source)
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("hls")
    assert (
        "kernel 'no_hls' has no HLS source: give it as @dato.kernel(source={'hls': '...'})"
        in str(info.value)
    )


def test_emitting_hls_without_a_kernel_source_points_at_the_call():
    prog = dato.compile(without_hls_source)
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("hls")  # E-emithls
    check_error(info, "# E-emithls", "kernel 'no_hls' has no HLS source")
    assert compiler_frames(info.value) == []


def test_a_vpp_that_writes_no_xclbin_names_the_logs(tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    _tool(tools, "v++", "exit 0")
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    prog = dato.compile(doubler, target="u280")
    with pytest.raises(dato.DatoError) as info:
        prog.build(PLATFORM, directory=tmp_path / "project")  # E-nothingbuilt
    check_error(info, "# E-nothingbuilt", "v++ finished without writing ", "its logs are in")
    assert compiler_frames(info.value) == []


def test_a_vpp_that_cannot_start_is_unavailable(tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "v++").write_bytes(b"\x7fELF not really")
    (tools / "v++").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    prog = dato.compile(doubler, target="u280")
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.build(PLATFORM, directory=tmp_path / "project")  # E-nostart
    check_error(info, "# E-nostart", f"could not start {tools / 'v++'}: ", "Exec format error")


def test_drawing_the_graph_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    with pytest.raises(dato.BackendUnavailable) as info:
        visual.render_svg("digraph { a -> b }")
    assert str(info.value) == (
        "the task graph is drawn by Graphviz's `dot`, which is not installed: "
        "apt-get install graphviz (or make sysdeps)"
    )


def test_a_failing_dot_shows_its_message(tmp_path, monkeypatch):
    _tool(tmp_path, "dot", "echo 'Error: syntax error in line 1' >&2; exit 1")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(dato.InternalError) as info:
        visual.render_svg("digraph {")
    assert str(info.value).startswith(
        "internal failure of datobench: dot failed: Error: syntax error in line 1\n"
    )


def test_an_unknown_backend_is_named_at_the_call():
    prog = dato.compile(doubler)
    with pytest.raises(dato.DatoError) as info:
        prog.run(np.zeros(16, np.float32), backend="gpu")  # E-backend
    check_error(info, "# E-backend", "unknown backend 'gpu'; available: sim, perf")
    assert compiler_frames(info.value) == []


def test_an_unknown_emit_kind_is_named_at_the_call():
    prog = dato.compile(doubler)
    with pytest.raises(dato.DatoError) as info:
        prog.emit("verilog")  # E-emitkind
    check_error(info, "# E-emitkind", "unknown emit kind 'verilog'; available: ir, graph")
    assert compiler_frames(info.value) == []


def test_a_read_only_argument_is_refused():
    A = np.zeros(16, np.float32)
    A.flags.writeable = False
    prog = dato.compile(doubler)
    with pytest.raises(dato.DatoTypeError) as info:
        prog.run(A)  # E-readonly
    check_error(info, "# E-readonly", "argument 1 ('A') is read-only")


def test_csim_needs_gxx(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no g++ there
    prog = dato.compile(doubler)
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.run(np.zeros(16, np.float32), backend="csim")  # E-nogxx
    check_error(
        info, "# E-nogxx", "backend='csim' compiles with g++, which is not on PATH: install it"
    )


def test_a_c_simulation_that_runs_too_long_is_stopped():
    prog = dato.compile(doubler)
    with pytest.raises(dato.DatoRuntimeError) as info:
        prog.run(np.zeros(16, np.float32), backend="csim", timeout=0)  # E-csimtime
    check_error(info, "# E-csimtime", "the C simulation did not finish within 0 s (project in ")


def test_xrt_needs_the_xclbin_to_exist(tmp_path):
    prog = dato.compile(doubler, target="u280")
    missing = tmp_path / "doubler.xclbin"
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.run(np.zeros(16, np.float32), backend="xrt", xclbin=missing)  # E-xclbinpath
    check_error(info, "# E-xclbinpath", f"no xclbin at {missing}: build it with prog.build(")


def test_an_npu_build_takes_no_platform():
    prog = dato.compile(doubler, target="npu1_4col")
    with pytest.raises(dato.DatoError) as info:
        prog.build(PLATFORM)  # E-buildnpu
    check_error(info, "# E-buildnpu", "platform= is for FPGA builds (v++); an NPU build")


BUILD_ERRORS = {
    "no platform": (dict(platform=""), "building for u280 needs platform=, the name of an "),
    "bad build target": (
        dict(platform=PLATFORM, build_target="hardware"),
        "build_target 'hardware' is not one of hw, hw_emu",
    ),
    "no v++": (dict(platform=PLATFORM), "v++ (AMD Vitis) is not on PATH: install Vitis"),
}


@pytest.mark.parametrize("case", BUILD_ERRORS, ids=list(BUILD_ERRORS))
def test_build_errors_point_at_the_call(case, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no v++ there
    options, fragment = BUILD_ERRORS[case]
    prog = dato.compile(doubler, target="u280")
    with pytest.raises(dato.DatoError) as info:
        prog.build(directory=tmp_path / "project", **options)  # E-buildcall
    check_error(info, "# E-buildcall", fragment)
    assert compiler_frames(info.value) == []


def test_a_failing_vpp_is_reported_at_the_build_call(tmp_path, monkeypatch):
    tools = tmp_path / "bin"
    _tool(tools, "v++", "echo 'ERROR: [v++ 200-70] Compilation failed'; exit 1")
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    prog = dato.compile(doubler, target="u280")
    with pytest.raises(dato.DatoError) as info:
        prog.build(PLATFORM, directory=tmp_path / "project")  # E-vppfails
    error = info.value  # a message of several lines: the source line comes after them all
    assert (error.loc.file, error.loc.line) == (__file__, line_of("# E-vppfails"))
    text = str(error)
    assert text.startswith(f"{__file__}:{error.loc.line}:1: v++ compile failed (exit status 1)")
    assert "\n    ERROR: [v++ 200-70] Compilation failed\n" in text
    assert text.splitlines()[-2].strip().endswith("# E-vppfails")


@pytest.fixture
def xclbin(tmp_path) -> Path:
    """A file that the pyxrt stand-in of test_xrt accepts as an xclbin holding kernel vadd."""
    path = tmp_path / "vadd.xclbin"
    path.write_bytes(b"xclbin2\0 stand-in contents")
    return path


def test_the_xrt_runner_takes_numpy_arrays(xclbin):
    runner = XrtRunner(xclbin, "vadd", pyxrt=RecordingPyxrt())
    with pytest.raises(dato.DatoTypeError) as info:
        runner.run([np.zeros(4, np.float32), [1, 2]])
    assert str(info.value) == "argument 1 of kernel 'vadd' must be a numpy array, not list"


def test_the_xrt_runner_names_a_kernel_the_xclbin_lacks(xclbin):
    with pytest.raises(dato.DatoError) as info:
        XrtRunner(xclbin, "pipeline", pyxrt=RecordingPyxrt())
    assert str(info.value) == (
        f"no kernel 'pipeline' in {xclbin} (No such compute unit 'pipeline'); it holds: vadd"
    )


def test_the_xrt_runner_names_the_step_that_failed(tmp_path):
    bogus = tmp_path / "bogus.xclbin"
    bogus.write_bytes(b"not an xclbin")
    with pytest.raises(dato.DatoError) as info:
        XrtRunner(bogus, "vadd", pyxrt=RecordingPyxrt())
    assert str(info.value) == f"reading the xclbin {bogus} failed: '{bogus}' is not a valid xclbin"


@dato.kernel
def refuses(x: float32[16]) -> float32[16]:
    raise ValueError("no negative input")


@dato.region
def refusing(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[:] = refuses(a[:])  # E-kernelraises


def test_a_kernel_that_raises_in_the_simulator_is_reported_at_its_call():
    with pytest.raises(dato.DatoRuntimeError) as info:
        refusing(np.zeros(16, np.float32))
    check_error(info, "# E-kernelraises", "in instance 't': ValueError: no negative input")
    assert compiler_frames(info.value) == []
