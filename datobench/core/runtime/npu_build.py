"""Building an NPU design into an xclbin and an instruction stream with AMD's NPU toolchain:
Peano (llvm-aie's ``clang++``) or Chess (``xchesscc_wrapper``) for the kernels, mlir-aie's
``aiecc`` driver for the design.

A project directory is what ``prog.emit("mlir-aie", directory=d)`` writes: ``design.mlir``
and kernel sources; every ``*.cc`` there compiles to ``<stem>.o`` beside it, the object the
design's ``link_with`` names. ``npu_commands`` spells the commands without running anything;
``find_npu_toolchain`` finds the tools (``$MLIR_AIE_INSTALL_DIR``, ``$PEANO_INSTALL_DIR``,
the mlir_aie and llvm-aie wheels' directories, then PATH); ``build_npu`` runs the commands in
the project directory, their output going to ``build.log`` there. Arguments are always lists:
no shell sees a path.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from datobench.core.errors import BackendUnavailable, DatoError

DESIGN = "design.mlir"
XCLBIN = "final.xclbin"
INSTS = "insts.bin"
LOG = "build.log"
PEANO, CHESS = "peano", "chess"  # the kernel compilers
# aiecc's two spellings of its outputs: aiecc.py and the first C++ aiecc take
# --aie-generate-xclbin ...; the declarative aiecc of 2026 takes --get-xclbin ...
GENERATE, GET = "generate", "get"
TRIPLES = {"aie2": "aie2-none-unknown-elf", "aie2p": "aie2p-none-unknown-elf"}  # Peano --target
_TAIL_LINES = 25
_HELP_SECONDS = 60

HOW_TO_GET = {
    "aiecc": (
        "aiecc (mlir-aie's compiler driver, aiecc.py or aiecc): install the mlir-aie wheel from "
        "its GitHub releases, `pip install mlir_aie -f https://github.com/Xilinx/mlir-aie/"
        "releases/expanded_assets/latest-wheels-4` (recent wheels: the design is written in "
        "the syntax of 2026), and set MLIR_AIE_INSTALL_DIR to its directory (`pip show "
        "mlir_aie`: Location/mlir_aie)"
    ),
    "compiler": (
        "a kernel compiler, Peano (llvm-aie's clang++): `pip install llvm-aie -f "
        "https://github.com/Xilinx/llvm-aie/releases/expanded_assets/nightly` and set "
        "PEANO_INSTALL_DIR to its directory (Location/llvm-aie); or Chess: mlir-aie's "
        "xchesscc_wrapper with Vitis's xchesscc on PATH"
    ),
    "xclbinutil": (
        "xclbinutil (AMD XRT, which aiecc packages the xclbin with): install XRT "
        "(https://xilinx.github.io/XRT, with the amdxdna driver for Ryzen AI) and "
        "`source /opt/xilinx/xrt/setup.sh`"
    ),
}


@dataclass(frozen=True)
class NpuToolchain:
    """The tools an NPU build runs. The defaults name them as a recipe would (on PATH);
    ``find_npu_toolchain`` gives the ones found on this machine."""

    aiecc: str = "aiecc.py"
    aiecc_flags: str = GENERATE
    compiler: str = PEANO
    cxx: str = "clang++"  # Peano's clang++, or xchesscc_wrapper for Chess
    peano_dir: str | None = None  # Peano's install directory, for aiecc --peano
    include_dir: str | None = None  # mlir-aie's headers (aie_api), for Peano
    path: tuple[str, ...] = ()  # directories added to the tools' PATH (aiecc's siblings)


@dataclass(frozen=True)
class NpuBuild:
    """A finished NPU build: what ``prog.run(..., backend="xrt", xclbin=b.xclbin,
    insts=b.insts)`` takes, and how it was made."""

    directory: Path
    xclbin: Path
    insts: Path
    commands: tuple[tuple[str, ...], ...]

    @property
    def log(self) -> Path:
        """Every command's output, in order."""
        return self.directory / LOG


def kernel_sources(project_dir: str | Path) -> list[str]:
    """The kernel sources of a project, by name: every ``*.cc`` in it."""
    return sorted(p.name for p in Path(project_dir).glob("*.cc"))


def kernel_command(source: str, arch: str, tools: NpuToolchain = NpuToolchain()) -> list[str]:
    """The command compiling one kernel source to ``<stem>.o``, run in the project."""
    obj = f"{Path(source).stem}.o"
    if tools.compiler == CHESS:
        return [tools.cxx, arch, "-c", source, "-o", obj]
    include = ["-I", tools.include_dir] if tools.include_dir else []
    return [
        tools.cxx, "-O2", "-std=c++20", f"--target={TRIPLES[arch]}", "-DNDEBUG", *include,
        "-c", source, "-o", obj,
    ]  # fmt: skip


def aiecc_command(tools: NpuToolchain = NpuToolchain()) -> list[str]:
    """The aiecc command making ``final.xclbin`` and ``insts.bin`` from ``design.mlir``, run
    in the project (where the kernels' objects are)."""
    chess = tools.compiler == CHESS
    peano = [f"--peano={tools.peano_dir}"] if tools.peano_dir and not chess else []
    if tools.aiecc_flags == GET:
        outputs = ["--get-xclbin", f"--xclbin-name={XCLBIN}", "--get-npu-insts"]
        compiler = ["--xchesscc", "--xbridge"] if chess else peano
    else:
        outputs = ["--aie-generate-xclbin", f"--xclbin-name={XCLBIN}", "--aie-generate-npu-insts"]
        compiler = ["--xchesscc", "--xbridge"] if chess else ["--no-xchesscc", "--no-xbridge"]
        compiler = ["--no-compile-host", *compiler, *peano]
    return [tools.aiecc, *outputs, f"--npu-insts-name={INSTS}", *compiler, DESIGN]


def npu_commands(
    project_dir: str | Path, arch: str, tools: NpuToolchain = NpuToolchain()
) -> list[list[str]]:
    """Every command of the build, in order, each run in the project directory: the kernel
    compilations, then aiecc."""
    compiles = [kernel_command(source, arch, tools) for source in kernel_sources(project_dir)]
    return [*compiles, aiecc_command(tools)]


def find_npu_toolchain() -> tuple[NpuToolchain | None, list[str]]:
    """The toolchain found here, or None and what is missing (one line per tool, saying how
    to get it)."""
    mlir_aie = _install_dirs("MLIR_AIE_INSTALL_DIR", "mlir_aie")
    aiecc = _in_bins(mlir_aie, "aiecc.py", "aiecc") or _which("aiecc.py", "aiecc")
    peano = _in_bins(_install_dirs("PEANO_INSTALL_DIR", "llvm-aie"), "clang++") or _which("clang++")
    chess = _in_bins(mlir_aie, "xchesscc_wrapper") or _which("xchesscc_wrapper")
    if _which("xchesscc") is None:
        chess = None  # the wrapper runs Vitis's xchesscc from PATH
    xrt = os.environ.get("XILINX_XRT")
    xclbinutil = _which("xclbinutil") or (_in_bins([Path(xrt)], "xclbinutil") if xrt else None)
    found = {"aiecc": aiecc, "compiler": peano or chess, "xclbinutil": xclbinutil}
    missing = [HOW_TO_GET[name] for name, path in found.items() if path is None]
    if missing:
        return None, missing
    include = next((d / "include" for d in mlir_aie if (d / "include").is_dir()), None)
    tools = NpuToolchain(
        aiecc=str(aiecc),
        aiecc_flags=aiecc_flags(str(aiecc)),
        compiler=PEANO if peano is not None else CHESS,
        cxx=str(peano or chess),
        peano_dir=str(peano.parent.parent) if peano is not None else None,
        include_dir=str(include) if include is not None else None,
        path=_off_path(aiecc.parent, xclbinutil.parent),
    )
    return tools, []


def aiecc_flags(aiecc: str) -> str:
    """Which spelling of its outputs this aiecc takes: aiecc.py's, unless a C++ aiecc's help
    shows the newer ``--get`` selectors."""
    if Path(aiecc).name == "aiecc.py":
        return GENERATE
    try:
        done = subprocess.run(
            [aiecc, "--help"], capture_output=True, text=True, timeout=_HELP_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired):
        return GENERATE
    text = done.stdout + done.stderr
    return GET if "--get" in text and "--aie-generate-xclbin" not in text else GENERATE


def build_npu(project_dir: str | Path, arch: str, target_name: str) -> NpuBuild:
    """Compile the kernels and run aiecc in the project directory; the build's outputs.

    Without the tools: BackendUnavailable naming each missing one and the project, so that
    it can be built elsewhere."""
    project = Path(project_dir)
    if not (project / DESIGN).is_file():
        raise DatoError(
            f"no {DESIGN} in {project}: prog.emit('mlir-aie', directory=d) writes the project"
        )
    tools, missing = find_npu_toolchain()
    if tools is None:
        lines = "\n".join(f"  - {line}" for line in missing)
        raise BackendUnavailable(
            f"building for {target_name} needs AMD's NPU toolchain; missing here:\n{lines}\n"
            f"the project is written in {project}: build it where the toolchain is (its "
            "README.md lists the commands), then prog.run(..., backend='xrt', xclbin=..., "
            "insts=...)"
        )
    commands = npu_commands(project, arch, tools)
    env = {**os.environ, "PATH": os.pathsep.join([os.environ.get("PATH", ""), *tools.path])}
    log_path = project / LOG
    with open(log_path, "w") as log:
        for command in commands:
            _run_step(command, project, log, log_path, env)
    for output in (XCLBIN, INSTS):
        if not (project / output).is_file():
            raise DatoError(f"aiecc finished without writing {project / output}; see {log_path}")
    return NpuBuild(project, project / XCLBIN, project / INSTS, tuple(map(tuple, commands)))


def _run_step(command: list[str], project: Path, log, log_path: Path, env: dict) -> None:
    """Run one command in the project, appending it and its output to the log; a failure is
    a DatoError with the command, its exit status and the last lines it printed."""
    log.write(f"$ {shlex.join(command)}\n")
    log.flush()
    start = log.tell()
    try:
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=project, env=env)
    except OSError as error:
        raise BackendUnavailable(f"could not start {command[0]}: {error}") from None
    log.flush()
    if done.returncode == 0:
        return
    with open(log_path, errors="replace") as text:
        text.seek(start)
        tail = text.read().splitlines()[-_TAIL_LINES:]
    raise DatoError(
        f"{_step_name(command)} failed (exit status {done.returncode}); the last lines of its "
        f"output in {log_path}:\n" + "\n".join(f"    {line}" for line in tail) + "\n"
        f"command (run in {project}): {shlex.join(command)}"
    )


def _step_name(command: list[str]) -> str:
    tool = Path(command[0]).name
    if tool.startswith("aiecc"):
        return tool
    return f"compiling {command[command.index('-c') + 1]} with {tool}"


def _install_dirs(variable: str, wheel: str) -> list[Path]:
    """Where a toolchain may be installed, in search order: the environment variable, then
    the wheel's directory beside the Python packages (``site-packages/mlir_aie``)."""
    dirs = [Path(os.environ[variable])] if os.environ.get(variable) else []
    return dirs + [
        Path(entry) / wheel for entry in sys.path if entry and Path(entry, wheel).is_dir()
    ]


def _off_path(*dirs: Path) -> tuple[str, ...]:
    """The directories, of those the tools were found in, that PATH lacks: aiecc runs its
    sibling tools (aie-opt, xclbinutil) from PATH."""
    on_path = os.environ.get("PATH", "").split(os.pathsep)
    return tuple(dict.fromkeys(str(d) for d in dirs if str(d) not in on_path))


def _in_bins(dirs: list[Path], *names: str) -> Path | None:
    """The first executable ``<dir>/bin/<name>``, directories first, then names."""
    candidates = (d / "bin" / name for d in dirs for name in names)
    return next((p for p in candidates if p.is_file() and os.access(p, os.X_OK)), None)


def _which(*names: str) -> Path | None:
    found = (shutil.which(name) for name in names)
    return next((Path(p) for p in found if p is not None), None)
