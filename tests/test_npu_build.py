"""``prog.build()`` for NPU targets (datobench/core/runtime/npu_build.py): the commands it
spells, how it finds the toolchain, what it runs and in what order, and what it says when a
tool fails or is missing.

The tools here are RECORDING STAND-INS, NOT AMD's tools: small Python scripts this file writes
into a temporary directory under the real tools' names (``clang++``, ``xchesscc_wrapper``,
``aiecc.py``, ``aiecc``, ``xclbinutil``, ``xchesscc``). Each appends its arguments and working
directory to a JSON-lines record and writes the files its real counterpart would (an object
for ``-o``, the xclbin and instruction file aiecc is asked for); they compile nothing. Only
``test_a_real_build_of_vector_add`` (marked ``toolchain``) runs the real toolchain, and it
skips when aiecc or Peano is absent.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
from helpers import check_error, compiler_frames, line_of

import datobench as dato
from datobench.core.runtime import NpuBuild, NpuToolchain, build_npu, npu_commands
from datobench.core.runtime import npu_build as npu_build_module
from datobench.core.runtime.npu_build import CHESS, GET, find_npu_toolchain
from datobench.programs import vector_add

STANDIN = """#!{python}
# A RECORDING STAND-IN for {name}, written by tests/test_npu_build.py: NOT the real tool.
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
with open({record!r}, "a") as f:
    f.write(json.dumps({{"tool": {name!r}, "path": sys.argv[0], "args": args,
                        "cwd": os.getcwd()}}) + "\\n")
{behaviour}
"""

COMPILER = """
print("stand-in compiling", args[args.index("-c") + 1])
{failure}
Path(args[args.index("-o") + 1]).write_text("stand-in object")
"""

FAILING = """
print("dato_kernels.cc:3:5: error: use of undeclared identifier 'aie'")
print("1 error generated.")
sys.exit(1)
"""

AIECC = """
HELP = {help!r}
if args == ["--help"]:
    print(HELP)
    sys.exit(0)
missing = [s.stem + ".o" for s in Path().glob("*.cc") if not Path(s.stem + ".o").exists()]
if missing:
    print("error: link_with object not found:", *missing)
    sys.exit(1)
{failure}
for arg in args:
    for flag in ("--xclbin-name=", "--npu-insts-name="):
        if arg.startswith(flag):
            Path(arg[len(flag):]).write_text("stand-in output")
"""

HELP_GENERATE = "  --aie-generate-xclbin  Generate xclbin\n  --peano=<string>"
HELP_GET = "  --get=<name>  Request graph output(s); --get-<name> shorthands (e.g. --get-xclbin)"


class Tools:
    """Writes recording stand-ins and reads back what they were run with."""

    def __init__(self, root: Path):
        self.root = root
        self.record = root / "record.jsonl"

    def add(self, where: str, name: str, behaviour: str = "") -> Path:
        folder = self.root / where
        folder.mkdir(parents=True, exist_ok=True)
        script = folder / name
        script.write_text(
            STANDIN.format(
                python=sys.executable, name=name, record=str(self.record), behaviour=behaviour
            )
        )
        script.chmod(0o755)
        return script

    def compiler(self, where: str, name: str = "clang++", fails: bool = False) -> Path:
        return self.add(where, name, COMPILER.format(failure=FAILING if fails else ""))

    def aiecc(self, where: str, name: str = "aiecc.py", help: str = HELP_GENERATE, failure=""):
        return self.add(where, name, AIECC.format(help=help, failure=failure))

    def runs(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def builds(self) -> list[dict]:
        """The runs of the build's steps (aiecc's --help probe left out)."""
        return [r for r in self.runs() if r["args"] != ["--help"]]


@pytest.fixture
def tools(tmp_path, monkeypatch) -> Tools:
    """Stand-ins in place of an installed toolchain: mlir-aie and Peano where their
    environment variables point, xclbinutil on PATH (and nothing else of AMD's)."""
    found = Tools(tmp_path / "tools")
    found.aiecc("mlir-aie/bin")
    (found.root / "mlir-aie" / "include").mkdir()
    found.compiler("peano/bin")
    found.add("xrt/bin", "xclbinutil")
    for variable in ("MLIR_AIE_INSTALL_DIR", "PEANO_INSTALL_DIR", "XILINX_XRT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MLIR_AIE_INSTALL_DIR", str(found.root / "mlir-aie"))
    monkeypatch.setenv("PEANO_INSTALL_DIR", str(found.root / "peano"))
    monkeypatch.setenv("PATH", f"{found.root / 'xrt' / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return found


def npu_program(target: str = "npu1_4col"):
    return dato.compile(vector_add(256, 2, 64), target=target)


# --------------------------------------------------------------------------------------------
# The commands, spelt without running anything


@pytest.mark.parametrize(("target", "triple"), [("npu1_4col", "aie2"), ("npu2", "aie2p")])
def test_the_commands_compile_every_kernel_then_run_aiecc(tmp_path, target, triple):
    prog = npu_program(target)
    prog.emit("mlir-aie", directory=tmp_path)
    (tmp_path / "my_kernel.cc").write_text("// a user's kernel\n")
    arch = prog.target.param("mlir_aie.arch")
    assert arch == triple
    commands = npu_commands(tmp_path, arch)
    assert commands == [
        [
            "clang++", "-O2", "-std=c++20", f"--target={triple}-none-unknown-elf", "-DNDEBUG",
            "-c", "dato_kernels.cc", "-o", "dato_kernels.o",
        ],
        [
            "clang++", "-O2", "-std=c++20", f"--target={triple}-none-unknown-elf", "-DNDEBUG",
            "-c", "my_kernel.cc", "-o", "my_kernel.o",
        ],
        [
            "aiecc.py", "--aie-generate-xclbin", "--xclbin-name=final.xclbin",
            "--aie-generate-npu-insts", "--npu-insts-name=insts.bin", "--no-compile-host",
            "--no-xchesscc", "--no-xbridge", "design.mlir",
        ],
    ]  # fmt: skip


def test_the_commands_for_chess_and_for_the_declarative_aiecc(tmp_path):
    npu_program().emit("mlir-aie", directory=tmp_path)
    chess = NpuToolchain(aiecc="aiecc", aiecc_flags=GET, compiler=CHESS, cxx="xchesscc_wrapper")
    assert npu_commands(tmp_path, "aie2", chess) == [
        ["xchesscc_wrapper", "aie2", "-c", "dato_kernels.cc", "-o", "dato_kernels.o"],
        [
            "aiecc", "--get-xclbin", "--xclbin-name=final.xclbin", "--get-npu-insts",
            "--npu-insts-name=insts.bin", "--xchesscc", "--xbridge", "design.mlir",
        ],
    ]  # fmt: skip
    peano = NpuToolchain(aiecc="aiecc", aiecc_flags=GET, peano_dir="/opt/llvm-aie")
    assert npu_commands(tmp_path, "aie2p", peano)[-1] == [
        "aiecc", "--get-xclbin", "--xclbin-name=final.xclbin", "--get-npu-insts",
        "--npu-insts-name=insts.bin", "--peano=/opt/llvm-aie", "design.mlir",
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Building with the stand-ins


def test_build_compiles_each_kernel_before_aiecc_and_returns_the_outputs(tools, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "my_kernel.cc").write_text("// a user's kernel\n")
    built = npu_program().build(directory=project)
    assert isinstance(built, NpuBuild)
    assert (built.directory, built.xclbin, built.insts) == (
        project,
        project / "final.xclbin",
        project / "insts.bin",
    )
    assert built.xclbin.read_text() == built.insts.read_text() == "stand-in output"
    runs = tools.builds()
    assert [(Path(r["path"]).name, r["args"][-1]) for r in runs] == [
        ("clang++", "dato_kernels.o"),
        ("clang++", "my_kernel.o"),
        ("aiecc.py", "design.mlir"),
    ]
    assert {r["cwd"] for r in runs} == {str(project)}
    peano, mlir_aie = tools.root / "peano", tools.root / "mlir-aie"
    assert runs[0]["args"] == [
        "-O2", "-std=c++20", "--target=aie2-none-unknown-elf", "-DNDEBUG",
        "-I", str(mlir_aie / "include"), "-c", "dato_kernels.cc", "-o", "dato_kernels.o",
    ]  # fmt: skip
    assert f"--peano={peano}" in runs[2]["args"]
    assert [list(c) for c in built.commands] == [[r["path"], *r["args"]] for r in runs]
    log = built.log.read_text()
    assert log.index("$ " + shlex.join(built.commands[0])) < log.index("stand-in compiling")
    assert "$ " + shlex.join(built.commands[-1]) in log


def test_a_user_kernels_source_is_compiled_to_the_object_its_design_links(tools, tmp_path):
    from test_user_kernels import scaled  # @dato.kernel(source="kernels/scale.cc", ...)

    built = dato.compile(scaled, target="npu1_4col").build(directory=tmp_path / "project")
    design = (built.directory / "design.mlir").read_text()
    compiled = [r["args"][-1] for r in tools.builds()[:-1]]
    assert "scale.o" in compiled and 'link_with = "scale.o"' in design
    assert (built.directory / "scale.o").is_file()


def test_npu2_kernels_are_compiled_for_aie2p(tools, tmp_path):
    npu_program("npu2").build(directory=tmp_path / "project")
    assert "--target=aie2p-none-unknown-elf" in tools.builds()[0]["args"]


def test_a_temporary_directory_when_none_is_given(tools):
    built = npu_program().build()
    assert built.directory.name.startswith("dato-aie-vector_add-")
    assert (built.directory / "design.mlir").is_file() and built.xclbin.is_file()


def test_the_environment_variables_beat_path(tools, monkeypatch):
    tools.aiecc("path", "aiecc.py")
    tools.compiler("path", "clang++")
    monkeypatch.setenv("PATH", f"{tools.root / 'path'}{os.pathsep}{os.environ['PATH']}")
    npu_program().build()
    assert [Path(r["path"]).parent.parent.name for r in tools.builds()] == [
        "peano",
        "mlir-aie",
    ]


def test_the_wheels_directories_are_found_beside_the_python_packages(tools, monkeypatch):
    site = tools.root / "site-packages"
    tools.aiecc("site-packages/mlir_aie/bin")
    tools.compiler("site-packages/llvm-aie/bin")
    monkeypatch.delenv("MLIR_AIE_INSTALL_DIR")
    monkeypatch.delenv("PEANO_INSTALL_DIR")
    monkeypatch.syspath_prepend(str(site))
    npu_program().build()
    assert [Path(r["path"]).parent.parent for r in tools.builds()] == [
        site / "llvm-aie",
        site / "mlir_aie",
    ]


@pytest.mark.parametrize(
    ("help", "first_flag"), [(HELP_GET, "--get-xclbin"), (HELP_GENERATE, "--aie-generate-xclbin")]
)
def test_a_cpp_aiecc_on_path_gets_the_flags_its_help_shows(tools, monkeypatch, help, first_flag):
    monkeypatch.delenv("MLIR_AIE_INSTALL_DIR")
    tools.aiecc("path", "aiecc", help=help)
    monkeypatch.setenv("PATH", f"{tools.root / 'path'}{os.pathsep}{os.environ['PATH']}")
    npu_program().build()
    probe, *_ = tools.runs()
    assert (Path(probe["path"]).name, probe["args"]) == ("aiecc", ["--help"])
    assert tools.builds()[-1]["args"][0] == first_flag


def test_chess_compiles_the_kernels_when_peano_is_absent(tools, monkeypatch):
    monkeypatch.delenv("PEANO_INSTALL_DIR")
    tools.compiler("mlir-aie/bin", "xchesscc_wrapper")
    tools.add("vitis/bin", "xchesscc")
    monkeypatch.setenv("PATH", f"{tools.root / 'vitis' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    npu_program().build()
    kernel, aiecc = tools.builds()
    assert Path(kernel["path"]).name == "xchesscc_wrapper"
    assert kernel["args"] == ["aie2", "-c", "dato_kernels.cc", "-o", "dato_kernels.o"]
    assert "--xchesscc" in aiecc["args"] and "--xbridge" in aiecc["args"]
    assert not any(a.startswith("--peano") for a in aiecc["args"])


def test_directory_names_with_spaces_and_quotes_reach_the_tools_whole(tools, tmp_path):
    project = tmp_path / 'it\'s a "project" $(echo no)'
    built = npu_program().build(directory=project)
    assert {r["cwd"] for r in tools.builds()} == {str(project)}
    assert built.xclbin == project / "final.xclbin" and built.xclbin.is_file()


def test_the_build_never_asks_a_shell():
    source = Path(npu_build_module.__file__).read_text()
    assert "shell=True" not in source and "os.system" not in source
    # the only way out is subprocess.run, given argument lists
    assert set(re.findall(r"subprocess\.\w+", source)) == {
        "subprocess.run",
        "subprocess.TimeoutExpired",
        "subprocess.STDOUT",
    }
    assert re.findall(r"subprocess\.run\(\s*(\S+?),", source) == ["[aiecc", "command"]


# --------------------------------------------------------------------------------------------
# Failures


def test_a_failing_kernel_compile_shows_the_command_its_status_and_its_output(tools, tmp_path):
    tools.compiler("peano/bin", fails=True)
    project = tmp_path / "project"
    with pytest.raises(dato.DatoError) as info:
        npu_program().build(directory=project)  # E-peanofails
    error = info.value
    assert (error.loc.file, error.loc.line) == (__file__, line_of("# E-peanofails"))
    text = str(error)
    assert "compiling dato_kernels.cc with clang++ failed (exit status 1); the last lines " in text
    assert f"of its output in {project / 'build.log'}:\n" in text
    assert "\n    dato_kernels.cc:3:5: error: use of undeclared identifier 'aie'\n" in text
    assert f"command (run in {project}): {tools.root / 'peano' / 'bin' / 'clang++'} -O2" in text
    assert [Path(r["path"]).name for r in tools.builds()] == ["clang++"]  # aiecc not run
    assert compiler_frames(error) == []


def test_a_failing_aiecc_shows_its_output(tools, tmp_path):
    tools.aiecc(
        "mlir-aie/bin", failure="print(\"error: 'aie.objectfifo' op too deep\"); sys.exit(3)"
    )
    with pytest.raises(dato.DatoError) as info:
        npu_program().build(directory=tmp_path / "project")
    text = str(info.value)
    assert "aiecc.py failed (exit status 3)" in text
    assert "\n    error: 'aie.objectfifo' op too deep\n" in text
    assert "stand-in compiling" not in text  # the tail is aiecc's own output


def test_an_aiecc_that_writes_nothing_is_reported(tools, tmp_path):
    tools.aiecc("mlir-aie/bin", failure="sys.exit(0)")
    with pytest.raises(dato.DatoError, match="aiecc finished without writing .*final.xclbin"):
        npu_program().build(directory=tmp_path / "project")


def test_a_tool_that_cannot_start_is_unavailable(tools):
    (tools.root / "peano" / "bin" / "clang++").write_bytes(b"\x7fELF not really")
    with pytest.raises(dato.BackendUnavailable, match="could not start .*clang\\+\\+: "):
        npu_program().build()


def test_missing_tools_are_each_named_with_the_written_project(tmp_path, monkeypatch):
    for variable in ("MLIR_AIE_INSTALL_DIR", "PEANO_INSTALL_DIR", "XILINX_XRT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    project = tmp_path / "project"
    with pytest.raises(dato.BackendUnavailable) as info:
        npu_program().build(directory=project)  # E-notools
    error = info.value
    assert (error.loc.file, error.loc.line) == (__file__, line_of("# E-notools"))
    text = str(error)
    assert "building for npu1_4col needs AMD's NPU toolchain; missing here:\n" in text
    assert "  - aiecc (mlir-aie's compiler driver, aiecc.py or aiecc): install the mlir-aie" in text
    assert "pip install mlir_aie -f https://github.com/Xilinx/mlir-aie/releases/" in text
    assert "  - a kernel compiler, Peano (llvm-aie's clang++): `pip install llvm-aie -f" in text
    assert "or Chess: mlir-aie's xchesscc_wrapper with Vitis's xchesscc on PATH" in text
    assert "  - xclbinutil (AMD XRT, which aiecc packages the xclbin with): install XRT" in text
    assert f"the project is written in {project}: build it where the toolchain is" in text
    assert {p.name for p in project.iterdir()} >= {"design.mlir", "dato_kernels.cc", "README.md"}


def test_only_the_missing_tool_is_named(tools, monkeypatch):
    monkeypatch.delenv("PEANO_INSTALL_DIR")
    tools.compiler("mlir-aie/bin", "xchesscc_wrapper")  # Chess's wrapper, but no xchesscc
    with pytest.raises(dato.BackendUnavailable) as info:
        npu_program().build()
    text = str(info.value)
    assert "a kernel compiler, Peano" in text
    assert "aiecc (mlir-aie" not in text and "xclbinutil (AMD XRT" not in text


def test_xclbinutil_is_found_in_xilinx_xrt(tools, monkeypatch):
    monkeypatch.setenv("XILINX_XRT", str(tools.root / "xrt"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    npu_program().build()
    assert Path(tools.builds()[-1]["path"]).name == "aiecc.py"
    assert find_npu_toolchain()[0].path == (
        str(tools.root / "mlir-aie" / "bin"),
        str(tools.root / "xrt" / "bin"),
    )


def test_build_npu_needs_a_written_project(tmp_path):
    with pytest.raises(dato.DatoError) as info:
        build_npu(tmp_path, "aie2", "npu1_4col")
    assert str(info.value) == (
        f"no design.mlir in {tmp_path}: prog.emit('mlir-aie', directory=d) writes the project"
    )


# --------------------------------------------------------------------------------------------
# The call


def test_an_npu_build_refuses_fpga_options(tools):
    prog = npu_program()
    with pytest.raises(dato.DatoError) as info:
        prog.build(platform="xilinx_u280_gen3x16_xdma_1_202211_1")  # E-npuplatform
    check_error(
        info,
        "# E-npuplatform",
        "platform= is for FPGA builds (v++); an NPU build (npu1_4col) takes only directory=",
    )
    with pytest.raises(dato.DatoError, match="build_target= is for FPGA builds"):
        prog.build(build_target="hw_emu")
    assert tools.runs() == []


def test_an_fpga_build_needs_its_platform(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no v++
    prog = dato.compile(vector_add(256, 2, 64), target="u280")
    with pytest.raises(dato.DatoError) as info:
        prog.build(directory=tmp_path / "project")  # E-noplatform
    check_error(info, "# E-noplatform", "building for u280 needs platform=")


def test_a_build_needs_a_target():
    with pytest.raises(dato.DatoError) as info:
        dato.compile(vector_add(256, 2, 64)).build()  # E-notarget
    check_error(info, "# E-notarget", "prog.build needs a target: dato.compile(region, target=")


# --------------------------------------------------------------------------------------------
# The real toolchain


def _real_toolchain_reason() -> str | None:
    tools, missing = find_npu_toolchain()
    if tools is None:
        return "the NPU toolchain is not here: " + "; ".join(m.split(":")[0] for m in missing)
    if tools.compiler != "peano":
        return "Peano (llvm-aie) is not here (set PEANO_INSTALL_DIR)"
    return None


NO_TOOLCHAIN = _real_toolchain_reason()


@pytest.mark.toolchain
@pytest.mark.skipif(NO_TOOLCHAIN is not None, reason=str(NO_TOOLCHAIN))
def test_a_real_build_of_vector_add(tmp_path):
    """Builds; running the result on a device is the xrt backend's test."""
    built = npu_program().build(directory=tmp_path / "vector_add")
    assert built.xclbin.stat().st_size > 0 and built.insts.stat().st_size > 0
    assert (tmp_path / "vector_add" / "dato_kernels.o").stat().st_size > 0


def test_the_readme_recipe_spells_the_commands_npu_commands_gives(tmp_path):
    npu_program().emit("mlir-aie", directory=tmp_path)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for command in npu_commands(tmp_path, "aie2"):
        assert f"\n{shlex.join(command)}\n" in readme
