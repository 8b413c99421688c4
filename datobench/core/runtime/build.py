"""Building an xclbin from a generated Vitis HLS project with ``v++`` (AMD Vitis), when it is
on PATH.

A project directory holds ``kernel.cpp`` (the kernel, top function named after the kernel)
and optionally ``connectivity.cfg`` (a ``v++ --config`` file for the link step: kernel clock,
memory banks). ``vpp_commands`` spells the two ``v++`` invocations without running anything;
``build_fpga`` runs them.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from datobench.core.errors import BackendUnavailable, DatoError
from datobench.core.runtime.probe import find_tool

KERNEL_SOURCE = "kernel.cpp"
LINK_CONFIG = "connectivity.cfg"
BUILD_TARGETS = ("hw", "hw_emu", "sw_emu")  # v++ -t: hardware, RTL emulation, C emulation
_TAIL_LINES = 25


def vpp_commands(
    project_dir: str | Path,
    platform: str,
    kernel_name: str,
    output_dir: str | Path,
    build_target: str = "hw",
    link_config: str | Path | None = None,
    vpp: str = "v++",
) -> list[list[str]]:
    """The ``v++`` compile (kernel.cpp -> .xo) and link (.xo -> .xclbin) command lines."""
    project, out = Path(project_dir), Path(output_dir)
    common = ["-t", build_target, "--platform", platform, "--log_dir", str(out / "logs")]
    xo = out / f"{kernel_name}.xo"
    compile_step = [
        vpp, "-c", *common,
        "-k", kernel_name,
        "-I", str(project),
        "--temp_dir", str(out / "_x.compile"),
        "-o", str(xo),
        str(project / KERNEL_SOURCE),
    ]  # fmt: skip
    link_step = [
        vpp, "-l", *common,
        *(["--config", str(link_config)] if link_config is not None else []),
        "--temp_dir", str(out / "_x.link"),
        "-o", str(xclbin_path(out, kernel_name)),
        str(xo),
    ]  # fmt: skip
    return [compile_step, link_step]


def xclbin_path(output_dir: str | Path, kernel_name: str) -> Path:
    """Where the link step writes the xclbin."""
    return Path(output_dir) / f"{kernel_name}.xclbin"


def default_output_dir(project_dir: str | Path, target_name: str, build_target: str = "hw") -> Path:
    """The build directory ``build_fpga`` uses when given none: ``<project>/build/u280.hw``."""
    return Path(project_dir) / "build" / f"{target_name}.{build_target}"


def build_fpga(
    project_dir: str | Path,
    target_name: str,
    platform: str,
    kernel_name: str,
    output_dir: str | Path | None = None,
    build_target: str = "hw",
) -> Path:
    """Compile and link the project with ``v++`` for ``platform``; the xclbin's path.

    ``target_name`` is the datobench target (``"u280"``) and names the default build
    directory; ``platform`` is the Vitis platform passed to ``--platform`` as given
    (``platforminfo -l`` lists the installed ones). A hardware build takes hours.
    """
    project = Path(project_dir)
    if not (project / KERNEL_SOURCE).is_file():
        raise DatoError(
            f"no {KERNEL_SOURCE} in {project}: prog.write_hls(directory) writes the HLS project"
        )
    if not platform:
        raise DatoError(
            f"building for {target_name} needs platform=, the name of an installed Vitis "
            "platform (`platforminfo -l` lists them)"
        )
    if build_target not in BUILD_TARGETS:
        raise DatoError(
            f"build_target '{build_target}' is not one of {', '.join(BUILD_TARGETS)} (v++ -t)"
        )
    vpp = find_tool("v++")
    if vpp is None:
        raise BackendUnavailable(
            "v++ (AMD Vitis) is not on PATH: install Vitis and source settings64.sh; "
            f"the generated project is in {project}"
        )
    if output_dir is None:
        output_dir = default_output_dir(project, target_name, build_target)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = project / LINK_CONFIG
    commands = vpp_commands(
        project, platform, kernel_name, out, build_target,
        link_config=config if config.is_file() else None, vpp=vpp,
    )  # fmt: skip
    for command in commands:
        _run_vpp(command, out)
    xclbin = xclbin_path(out, kernel_name)
    if not xclbin.is_file():
        raise DatoError(f"v++ finished without writing {xclbin}; its logs are in {out}")
    return xclbin


def _run_vpp(command: list[str], out: Path) -> None:
    """Run one v++ step in the build directory, its output going to a log file there."""
    step = "compile" if command[1] == "-c" else "link"
    log_path = out / f"vpp_{step}.log"
    with open(log_path, "w") as log:
        try:
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=out)
        except OSError as error:
            raise BackendUnavailable(f"could not start {command[0]}: {error}") from None
    if done.returncode != 0:
        tail = log_path.read_text(errors="replace").splitlines()[-_TAIL_LINES:]
        raise DatoError(
            f"v++ {step} failed (exit status {done.returncode}); the last lines of "
            f"{log_path}:\n" + "\n".join(f"    {line}" for line in tail) + "\n"
            f"command: {shlex.join(command)}"
        )
