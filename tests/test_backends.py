"""The backend and emitter registries, ``dato.backends()``, and the calling convention of the
generated simulator code."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass

import numpy as np
import pytest
from helpers import check_error
from test_xrt import RecordingPyxrt

import datobench as dato
from datobench.core import perf
from datobench.core.backends import REGISTRY, Backend, BackendResult, backend
from datobench.core.backends.perf import NEEDS_MAPPING
from datobench.core.codegen.emitters import EMITTERS
from datobench.core.codegen.hls import csim
from datobench.core.perf.lower import TimedArgs
from datobench.core.runtime import find_pyxrt
from datobench.core.sim.calling import InstanceArgs
from datobench.core.sim.scheduler import compile_graph, start
from datobench.programs import pipeline as make_pipeline

pipeline = make_pipeline()  # B = A + 1 over 64 float32 elements


def arrays():
    return np.arange(64, dtype=np.float32), np.zeros(64, np.float32)


# --------------------------------------------------------------------------------------------
# The backend registry


def test_backends_are_found_by_name():
    assert list(REGISTRY) == ["sim", "perf", "csim", "aie-emu", "xrt"]
    for name, found in REGISTRY.items():
        assert isinstance(found, Backend) and found.name == name
        assert backend(name) is found
    assert backend("perf").option_names() == ("values", "max_steps", "progress")
    assert backend("xrt").option_names() == (
        "xclbin", "insts", "kernel", "device", "outputs", "timeout_ms"
    )  # fmt: skip


def test_an_unknown_backend_is_located_and_lists_the_registered_ones():
    prog = dato.compile(pipeline)
    with pytest.raises(dato.DatoError) as info:
        prog.run(*arrays(), backend="hls-emu")  # E-unknown-backend
    check_error(
        info,
        "# E-unknown-backend",
        "unknown backend 'hls-emu'; available: sim, perf, csim, aie-emu, xrt",
    )


def test_a_wrong_option_is_located_and_lists_the_backends_options():
    prog = dato.compile(pipeline, target="npu1_4col")
    with pytest.raises(dato.DatoError) as info:
        prog.run(*arrays(), backend="perf", value=False)  # E-perf-option
    check_error(
        info,
        "# E-perf-option",
        "backend 'perf' has no option 'value'; its options: values, max_steps, progress",
    )
    with pytest.raises(dato.DatoError) as info:
        pipeline(*arrays(), steps=10, verbose=True)  # E-sim-options
    check_error(
        info,
        "# E-sim-options",
        "backend 'sim' has no options 'steps', 'verbose'; its options: max_steps",
    )


def test_every_result_names_its_backend_and_has_a_one_line_summary():
    prog = dato.compile(pipeline, target="u280")
    results = [prog.run(*arrays(), backend=name) for name in ("sim", "perf")]
    if shutil.which("g++"):
        results.append(prog.run(*arrays(), backend="csim"))
    for name, result in zip(("sim", "perf", "csim"), results):
        assert isinstance(result, BackendResult)
        assert result.backend == name
        assert "\n" not in result.summary() and result.summary()
    functional, timed = results[:2]
    assert repr(functional) == functional.summary()
    assert functional.summary() == "SimResult(1 channels, 4 transfers, 4 resumes)"
    assert timed.summary().startswith(f"PerfResult({timed.cycles:,} cycles = ")
    assert f"{timed.utilization:.1%} of peak" in timed.summary()


def test_options_reach_the_backend():
    prog = dato.compile(pipeline, target="npu1_4col")
    with pytest.raises(dato.DatoRuntimeError, match="budget of 2 loop iterations"):
        prog.run(*arrays(), backend="sim", max_steps=2)
    seen = []
    timed = prog.run(backend="perf", values=False, progress=seen.append)
    assert timed.cycles > 0 and seen[-1] == 1.0


@dataclass(frozen=True)
class EchoOptions:
    times: int = 1


class EchoBackend(Backend):
    """A backend made in a test: runs the functional simulator ``times`` times."""

    name = "echo"
    about = "the functional simulator, repeated"
    Options = EchoOptions

    def __init__(self):
        self.prepared = 0

    def prepare(self, program, options):
        self.prepared += 1
        return compile_graph(program.graph)

    def run(self, program, prepared, arrays, options):
        for _ in range(options.times):
            result = REGISTRY["sim"].run(program, prepared, arrays, REGISTRY["sim"].Options())
        return result


def test_a_new_backend_is_one_registration(monkeypatch):
    echo = EchoBackend()
    monkeypatch.setitem(REGISTRY, "echo", echo)
    prog = dato.compile(pipeline)
    A, B = arrays()
    prog.run(A, B, backend="echo", times=2)
    prog.run(A, B, backend="echo")
    np.testing.assert_array_equal(B, A + 1)
    assert echo.prepared == 1  # prepared once per program
    assert [s.name for s in dato.backends()][-1] == "echo"
    with pytest.raises(dato.DatoError, match="available: sim, perf, csim, aie-emu, xrt, echo"):
        prog.run(A, B, backend="nope")


# --------------------------------------------------------------------------------------------
# dato.backends(): what runs here


def test_backends_here():
    table = dato.backends()
    by_name = {s.name: s for s in table}
    assert list(by_name) == ["sim", "perf", "csim", "aie-emu", "xrt"]
    assert by_name["sim"].available and by_name["sim"].reason is None
    assert by_name["perf"].available
    if shutil.which("g++"):
        assert by_name["csim"].available and by_name["csim"].reason is None
    else:
        with pytest.raises(dato.BackendUnavailable) as info:
            csim.compiler()
        assert by_name["csim"].reason == info.value.message
    text = str(table)
    assert text.splitlines()[0].split() == ["backend", "available", "what", "it", "is", "/",
                                            "why", "not"]  # fmt: skip
    assert len(text.splitlines()) == 1 + len(table)


def test_xrt_is_unavailable_here_with_the_reason_a_run_gives():
    try:
        find_pyxrt()
    except dato.BackendUnavailable as error:
        missing = error.message
    else:
        pytest.skip("pyxrt is installed here")
    [xrt] = [s for s in dato.backends() if s.name == "xrt"]
    assert not xrt.available and xrt.reason == missing
    assert "pyxrt (the Python binding of AMD XRT) cannot be imported" in xrt.reason
    line = next(row for row in str(dato.backends()).splitlines() if row.startswith("xrt"))
    assert line.split()[:2] == ["xrt", "no"] and "pyxrt" in line


def test_xrt_without_a_device_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(n_devices=0))
    [xrt] = [s for s in dato.backends() if s.name == "xrt"]
    assert not xrt.available and xrt.reason.startswith("no XRT device at index 0")
    monkeypatch.setitem(sys.modules, "pyxrt", RecordingPyxrt(n_devices=1))
    assert [s.available for s in dato.backends() if s.name == "xrt"] == [True]


def test_xrt_runs_through_the_registry(monkeypatch, tmp_path):
    stand_in = RecordingPyxrt(kernels=("pipeline",))
    monkeypatch.setitem(sys.modules, "pyxrt", stand_in)
    xclbin = tmp_path / "pipeline.xclbin"
    xclbin.write_bytes(b"xclbin2\0 stand-in contents")
    prog = dato.compile(pipeline, target="u280")
    A, B = arrays()
    stand_in.results[1] = (A + 1).tobytes()
    result = prog.run(A, B, backend="xrt", xclbin=str(xclbin), outputs={1})
    np.testing.assert_array_equal(B, A + 1)
    assert result.backend == "xrt" and result.kernel == "pipeline" and result.device == 0
    assert result.summary().startswith("XrtResult(kernel 'pipeline' from pipeline.xclbin")
    prog.run(A, B, backend="xrt", xclbin=str(xclbin))
    assert stand_in.names().count("xclbin") == 1  # loaded once per program and xclbin


def test_perf_needs_a_mapped_program_and_the_probe_says_so():
    prog = dato.compile(pipeline)
    [perf] = [s for s in dato.backends(prog) if s.name == "perf"]
    assert not perf.available and perf.reason == NEEDS_MAPPING
    with pytest.raises(dato.CapabilityError) as info:
        prog.run(*arrays(), backend="perf")  # E-perf-unmapped
    check_error(info, "# E-perf-unmapped", NEEDS_MAPPING)
    mapped = dato.compile(pipeline, target="npu1_4col")
    assert all(s.available for s in dato.backends(mapped) if s.name == "perf")


# --------------------------------------------------------------------------------------------
# The emitter registry


def test_emitters_are_found_by_kind():
    prog = dato.compile(pipeline, target="u280")
    assert list(EMITTERS) == ["ir", "graph", "json", "dot", "hls", "mlir-aie"]
    assert prog.emit("ir") == str(prog.region) and prog.emit() == prog.emit("ir")
    assert prog.emit("graph") == str(prog.graph)
    assert prog.emit("dot").startswith('digraph "pipeline" {')
    assert "void pipeline(" in prog.emit("hls")
    assert [e.name for e in EMITTERS.values() if e.write is not None] == ["hls", "mlir-aie"]


def test_an_unknown_emit_kind_lists_the_kinds():
    prog = dato.compile(pipeline)
    with pytest.raises(dato.DatoError) as info:
        prog.emit("verilog")  # E-unknown-emit
    check_error(
        info,
        "# E-unknown-emit",
        "unknown emit kind 'verilog'; available: ir, graph, json, dot, hls, mlir-aie",
    )


def test_only_a_project_emitter_takes_a_directory(tmp_path):
    prog = dato.compile(pipeline, target="u280")
    with pytest.raises(dato.DatoError) as info:
        prog.emit("dot", directory=tmp_path)  # E-emit-directory
    check_error(info, "# E-emit-directory", "emit('dot') gives text; directory= is for: hls")
    assert prog.write_hls(tmp_path / "p") == str(tmp_path / "p")
    assert (tmp_path / "p" / "kernel.cpp").read_text() == prog.emit("hls")


# --------------------------------------------------------------------------------------------
# The calling convention of the generated simulator code


def test_the_generated_header_comes_from_the_convention():
    assert InstanceArgs.names() == ("P", "Q", "C", "K", "S", "W", "fail", "budget", "V")
    assert InstanceArgs.header() == "def run(P, Q, C, K, S, W, fail, budget, V):"
    units, _, _ = compile_graph(dato.compile(pipeline).graph)
    for unit in units:
        assert unit.lowered.calling is InstanceArgs
        assert unit.lowered.source.splitlines()[0] == InstanceArgs.header()


def test_the_perf_simulator_extends_the_convention_with_its_timing_hooks():
    assert issubclass(TimedArgs, InstanceArgs)
    assert TimedArgs.names() == InstanceArgs.names() + (
        "A", "tput", "tget", "D", "dwrite", "dwait", "E", "sread",
    )  # fmt: skip
    prog = dato.compile(pipeline, target="npu1_4col")
    for values in (True, False):
        *_, (units, _, _) = perf.prepare(prog, values)
        for unit in units:
            assert unit.lowered.calling is TimedArgs
            assert unit.lowered.source.splitlines()[0] == TimedArgs.header()
            assert "tput(" in unit.lowered.source or "tget(" in unit.lowered.source


def test_start_fills_the_convention_by_name():
    prog = dato.compile(pipeline, target="npu1_4col")
    compiled = perf.prepare(prog, False)[-1]
    missing = "'A', 'tput', 'tget', 'D', 'dwrite', 'dwait', 'E', and 'sread'"
    with pytest.raises(TypeError, match=f"missing 8 required positional arguments: {missing}"):
        start(compiled, None, prog.kernels, 100)  # a timed lowering without its hooks
