"""The FPGA backend: Vitis HLS C++ generation and C simulation with g++ (bounded FIFOs, one
thread per process), checked against the functional simulator."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, random_arrays, region_of
from hypothesis import given, settings
from hypothesis import strategies as st

import datobench as dato
from datobench import Stream, float32, int32
from datobench.core.codegen.hls.csim import CXXFLAGS, compiler
from datobench.core.codegen.hls.project import INCLUDE

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("0*.py"))


@pytest.mark.parametrize(
    "path", [p for p in EXAMPLES if p.stem != "05_deadlock"], ids=lambda p: p.stem
)
def test_every_example_through_csim_equals_sim(path):
    prog = dato.compile(region_of(path))
    ref, got = random_arrays(prog), random_arrays(prog)
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="csim")
    for r, g in zip(ref, got):
        if r.dtype.kind in "iu":
            np.testing.assert_array_equal(g, r)  # bit for bit
        else:
            np.testing.assert_allclose(
                g.astype(np.float64), r.astype(np.float64), rtol=1e-5, atol=1e-5
            )


def test_the_depth_deadlock_example_deadlocks_in_csim_too():
    prog = dato.compile(region_of(EXAMPLES[4]))
    arrays = random_arrays(prog)
    with pytest.raises(dato.DeadlockError) as info:
        prog.run(*arrays, backend="csim")
    text = str(info.value)
    assert "deadlock in the C simulation" in text
    assert "'producer' waits to write 'a' (full: 1 of 1)" in text
    assert "'consumer' waits to read 'b' (empty: 0 of 2)" in text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_emitted_code_compiles_with_wall_werror(path, tmp_path):
    prog = dato.compile(region_of(path))
    root = Path(prog.write_hls(tmp_path))
    assert {"kernel.cpp", "dato_hls.h", "connectivity.cfg", "host.cpp", "csim_main.cpp"} <= {
        p.name for p in root.iterdir()
    }
    done = subprocess.run(
        [
            compiler(),
            *CXXFLAGS,
            "-I",
            str(INCLUDE),
            "-I",
            str(root),
            "-fsyntax-only",
            str(root / "kernel.cpp"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_kernel_is_readable_and_structured_as_vitis_expects():
    prog = dato.compile(region_of(EXAMPLES[3]))  # the systolic GEMM
    code = prog.emit("hls")
    assert "#pragma HLS dataflow" in code
    assert 'hls::stream<dato::tile<int16_t, 8, 8>, 2> fa_0_1("fa[0, 1]");' in code
    assert (
        "static void pe_1_2(int32_t* C, hls::stream<dato::tile<int16_t, 8, 8>, 2>& fa_1_2" in code
    )
    assert "#pragma HLS interface m_axi port = C offset = slave bundle = gmem2" in code
    pe = code[code.index("static void pe_1_2(") : code.index("static void pe_1_3(")]
    # the PE's k loop is pipelined; its operands come from streams and the accumulation is a
    # single multiply-accumulate into acc: no loop-carried dependence through a stream
    assert "#pragma HLS pipeline II = 1" in pe
    assert "dato::matmul<true>(acc, a_tile, b_tile);" in pe
    assert pe.count(".read()") == 2 and pe.count(".write(") == 2
    assert "if (" not in pe  # pid-dependent edges were folded for this instance
    assert len(re.findall(r"DATO_PROCESS\(", code)) == len(prog.graph.instances)


def test_bf16_is_a_proper_type_in_the_kernel():
    prog = dato.compile(region_of(EXAMPLES[5]))  # flash attention in bf16
    code = prog.emit("hls")
    assert "dato::bf16" in code and "uint16_t" not in code


@dato.kernel(
    source={
        "hls": "dato::tile<float, 4> twice(const dato::tile<float, 4>& x) {\n"
        "  dato::tile<float, 4> y;\n"
        "  for (int i = 0; i < 4; i++) y.v[i] = 2 * x.v[i];\n"
        "  return y;\n}"
    }
)
def twice(x: float32[4]) -> float32[4]:
    return 2 * x


@dato.kernel
def no_source(x: float32[4]) -> float32[4]:
    return x


@dato.kernel(source={"hls": "this is not C++"})
def broken(x: float32[4]) -> float32[4]:
    return x


def test_external_kernels_with_hls_source_run_in_csim():
    @dato.region
    def top(A: float32[8]):
        @dato.task(args=[A])
        def t(a: float32[8]):
            for i in range(2):
                a[i * 4 : i * 4 + 4] = twice(a[i * 4 : i * 4 + 4])

    A = np.arange(8, dtype=np.float32)
    dato.compile(top).run(A, backend="csim")
    np.testing.assert_array_equal(A, 2 * np.arange(8, dtype=np.float32))


def test_a_kernel_without_hls_source_is_reported():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = no_source(a[:])

    prog = dato.compile(top)
    with pytest.raises(dato.CapabilityError) as info:
        prog.run(np.zeros(4, np.float32), backend="csim")  # E-nosource
    check_error(info, "# E-nosource", "kernel 'no_source' has no HLS source")


def test_compiler_errors_show_the_message_and_the_generated_line():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[:] = broken(a[:])

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top).run(np.zeros(4, np.float32), backend="csim")
    text = str(info.value)
    assert "g++ could not compile the generated kernel.cpp (line" in text
    assert "this is not C++" in text and "project kept in" in text


# -- differential: random pipelines through csim and sim --------------------------------------

OPS = {"add": lambda x: f"{x} + 3", "mul": lambda x: f"{x} * 2", "neg": lambda x: f"-{x}"}


@settings(max_examples=6, deadline=None)
@given(
    stages=st.lists(st.sampled_from(sorted(OPS)), min_size=1, max_size=3),
    depth=st.integers(1, 3),
    tiles=st.integers(1, 4),
)
def test_random_pipelines_agree_between_csim_and_sim(tmp_path_factory, stages, depth, tiles):
    directory = tmp_path_factory.mktemp("pipes")
    n = len(stages)
    lines = [
        "import datobench as dato",
        "from datobench import Stream, int32",
        "",
        "@dato.region",
        f"def pipe(A: int32[{8 * tiles}], B: int32[{8 * tiles}]):",
        f"    s: Stream[int32[8], {depth}][{n + 1}]",
        "",
        "    @dato.task(args=[A])",
        f"    def src(a: int32[{8 * tiles}]):",
        f"        for t in range({tiles}):",
        "            s[0].put(a[t * 8 : t * 8 + 8])",
    ]
    for k, op in enumerate(stages):
        lines += [
            "",
            "    @dato.task()",
            f"    def stage{k}():",
            f"        for t in range({tiles}):",
            f"            s[{k + 1}].put({OPS[op](f's[{k}].get()')})",
        ]
    lines += [
        "",
        "    @dato.task(args=[B])",
        f"    def sink(b: int32[{8 * tiles}]):",
        f"        for t in range({tiles}):",
        f"            b[t * 8 : t * 8 + 8] = s[{n}].get()",
    ]
    path = directory / "pipeline.py"
    path.write_text("\n".join(lines) + "\n")
    prog = dato.compile(region_of(path))
    A = np.arange(8 * tiles, dtype=np.int32) - 10
    ref, got = np.zeros_like(A), np.zeros_like(A)
    prog.run(A.copy(), ref, backend="sim")
    prog.run(A.copy(), got, backend="csim")
    np.testing.assert_array_equal(got, ref)


def test_a_region_named_like_a_c_library_function_still_builds():
    code = dato.compile(region_of(EXAMPLES[0])).emit("hls")
    assert 'extern "C" void pipeline(' in code  # ordinary names are kept

    @dato.region
    def pipe(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[:] = a[:] + 1

    prog = dato.compile(pipe)
    assert 'extern "C" void pipe_(' in prog.emit("hls")  # the one mangling scheme
    A = np.arange(4, dtype=np.int32)
    prog.run(A, backend="csim")
    np.testing.assert_array_equal(A, np.arange(1, 5))


def test_stream_depths_are_the_declared_ones():
    @dato.region
    def deep(A: int32[4], B: int32[4]):
        s: Stream[int32, 7]

        @dato.task(args=[A])
        def p(a: int32[4]):
            for i in range(4):
                s.put(a[i])

        @dato.task(args=[B])
        def c(b: int32[4]):
            for i in range(4):
                b[i] = s.get()

    code = dato.compile(deep).emit("hls")
    assert 'hls::stream<int32_t, 7> s("s");' in code
    A, B = np.arange(4, dtype=np.int32), np.zeros(4, np.int32)
    dato.compile(deep).run(A, B, backend="csim")
    np.testing.assert_array_equal(A, B)


def test_xrt_backend_and_build_say_what_is_missing(tmp_path, monkeypatch):
    prog = dato.compile(region_of(EXAMPLES[0]), target="u280")
    A, B = np.zeros(64, np.float32), np.zeros(64, np.float32)
    with pytest.raises(dato.BackendUnavailable, match="pass xclbin=PATH"):
        prog.run(A, B, backend="xrt")
    with pytest.raises(dato.BackendUnavailable, match="xclbin"):
        prog.run(A, B, backend="xrt", xclbin=str(tmp_path / "missing.xclbin"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no v++ here
    with pytest.raises(dato.BackendUnavailable) as info:
        prog.build(platform="xilinx_u280_gen3x16_xdma_1_202211_1", directory=tmp_path / "proj")
    assert "v++" in str(info.value) and str(tmp_path / "proj") in str(info.value)
    assert (tmp_path / "proj" / "kernel.cpp").exists()
    with pytest.raises(dato.DatoError, match="platform= is for FPGA builds"):
        dato.compile(region_of(EXAMPLES[0]), target="npu1_4col").build(platform="x")


def test_emit_hls_into_a_directory_writes_the_project(tmp_path):
    prog = dato.compile(region_of(EXAMPLES[2]), target="u280")
    root = Path(prog.emit("hls", directory=tmp_path / "gemm"))
    assert (root / "kernel.cpp").read_text() == prog.emit("hls")
    config = (root / "connectivity.cfg").read_text()
    assert "kernel_frequency=300" in config and "sp=gemm_1.C:HBM[2]" in config
    assert 'xrt::kernel kernel(device, uuid, "gemm");' in (root / "host.cpp").read_text()
