"""``backend="csim"``: the generated project compiled with g++ against datobench's own
hls_stream.h (bounded FIFOs, one thread per dataflow process) and run on the caller's arrays.

A FIFO-depth deadlock shows up as it would in hardware and is reported as a DeadlockError
naming the streams; compiler errors come back with the compiler's message and the generated
line (a DatoTypeError at the kernel when the line is in a user's @dato.kernel HLS source, an
InternalError otherwise: datobench generated code that does not compile); a missing g++ is
BackendUnavailable; a run that does not finish in time is stopped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from datobench.core.codegen.hls import raw
from datobench.core.codegen.hls.emit import loop_sites
from datobench.core.codegen.hls.project import INCLUDE, emit_project, temp_prefix
from datobench.core.errors import (
    BackendUnavailable,
    DatoError,
    DatoRuntimeError,
    DatoTypeError,
    DeadlockError,
    InternalError,
    Loc,
)
from datobench.core.ir.program import RegionScalar
from datobench.core.ir.types import dtype_of
from datobench.core.passes.drain import drained
from datobench.core.sim.scheduler import budget_error

CXXFLAGS = [
    "-std=c++20",
    "-O2",
    "-pthread",
    "-Wall",
    "-Werror",
    "-Wno-unknown-pragmas",
    "-DDATO_CSIM",
]
_DEADLOCK = re.compile(r"^DATO_DEADLOCK (read|write) (.*) (\d+)/(\d+)$")
# The default loop budget: a runaway loop that passes tiles between threads is stopped after
# about 10 s (compiled code without streams spends it much sooner).
CSIM_MAX_STEPS = 10_000_000
_BUDGET = re.compile(r"^DATO_BUDGET (\d+)$", re.M)
_ERROR = re.compile(r"(?:\./)?([\w.]+):(\d+):\d+: (?:fatal )?error: (.*)")


@dataclass
class CsimBuild:
    directory: Path
    binary: Path
    compile_seconds: float


@dataclass
class CsimResult:
    """What a C simulation did (outputs are written into the caller's arrays)."""

    backend: ClassVar[str] = "csim"
    build: CsimBuild
    run_seconds: float

    def summary(self) -> str:
        return (
            f"CsimResult(compiled in {self.build.compile_seconds:.2f} s, ran in "
            f"{self.run_seconds:.3f} s, in {self.build.directory})"
        )

    __repr__ = summary


def compiler() -> str:
    path = shutil.which("g++")
    if path is None:
        raise BackendUnavailable(
            "backend='csim' compiles with g++, which is not on PATH: "
            "install it (apt-get install g++)"
        )
    return path


def build(program) -> CsimBuild:
    """Write the project to a temporary directory and compile it."""
    gxx = compiler()
    directory = Path(tempfile.mkdtemp(prefix=temp_prefix("dato-csim", program.region.name)))
    emit_project(program).write(directory)
    shutil.copy(INCLUDE / "hls_stream.h", directory / "hls_stream.h")
    start = time.perf_counter()
    done = subprocess.run(
        [gxx, *CXXFLAGS, "-I", str(directory), "kernel.cpp", "csim_main.cpp", "-o", "csim"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise _compiler_error(program, done.stderr, directory)
    return CsimBuild(directory, directory / "csim", time.perf_counter() - start)


def _compiler_error(program, stderr: str, directory: Path) -> DatoError:
    """The first compiler error with the generated line it points at: the user's, when that
    line is in a kernel's HLS source, and datobench's otherwise."""
    for line in stderr.splitlines():
        m = _ERROR.match(line)
        if m:
            name, n = m.group(1), int(m.group(2))
            path = directory / name
            lines = path.read_text().splitlines() if path.exists() else []
            source = lines[n - 1].strip() if 0 < n <= len(lines) else ""
            text = f"g++ could not compile the generated {name} (line {n}): {m.group(3)}"
            notes = (f"line {n} of {name}: {source}", f"project kept in {directory}")
            kernel = _user_kernel_at(program, path, n) if name == "kernel.cpp" else None
            if kernel is not None:
                where = f"the line is in the HLS source of @dato.kernel '{kernel.__name__}'"
                return DatoTypeError(text, _kernel_loc(kernel), (where, *notes))
            return InternalError.failed(text, None, notes)
    return InternalError.failed(
        f"g++ could not compile the generated project in {directory}", None, (stderr[-2000:],)
    )


def _user_kernel_at(program, path: Path, line: int):
    """The kernel whose HLS source (copied into ``path`` by the emitter) holds ``line``."""
    text = path.read_text()
    for kernel in program.kernels.values():
        source = dict(kernel.decl.sources).get("hls", "").strip()
        at = text.find(source) if source else -1
        if at >= 0:
            first = text.count("\n", 0, at) + 1
            if first <= line <= first + source.count("\n"):
                return kernel
    return None


def _kernel_loc(kernel) -> Loc:
    code = kernel.fn.__code__
    return Loc(code.co_filename, code.co_firstlineno)


def run(
    program,
    built: CsimBuild,
    arrays: dict[str, np.ndarray],
    timeout: float = 300.0,
    max_steps: int = CSIM_MAX_STEPS,
) -> CsimResult:
    """Run the compiled simulation on ``arrays`` (outputs written back into them), within
    ``timeout`` seconds and a budget of ``max_steps`` loop iterations."""
    params = program.region.signature()
    files = []
    for n, b in enumerate(params):
        path = built.directory / f"arg{n}.bin"
        raw.write(path, np.asarray(arrays[b.name]), dtype_of(b.type))  # a scalar: its value
        files.append(str(path))
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [str(built.binary), str(max_steps), *files],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise DatoRuntimeError(
            f"the C simulation did not finish within {timeout:.0f} s (project in {built.directory})"
        ) from None
    seconds = time.perf_counter() - start
    if done.returncode == 3:
        raise _deadlock(program, done.stderr)
    spent = _BUDGET.search(done.stderr) if done.returncode == 4 else None
    if spent is not None:
        instance, loop = loop_sites(drained(program.graph))[int(spent.group(1))]
        raise budget_error(instance.name, max_steps, loop.loc)
    if done.returncode != 0:
        raise DatoRuntimeError(
            f"the C simulation failed (exit code {done.returncode}): "
            f"{done.stderr.strip()[-1000:]} (project in {built.directory})"
        )
    for n, b in enumerate(params):
        if isinstance(b, RegionScalar):
            continue
        arrays[b.name][...] = raw.read(Path(files[n]), b.type)
    return CsimResult(built, seconds)


def _deadlock(program, stderr: str) -> DeadlockError:
    channels = {c.name: c for c in program.graph.channels}
    notes = []
    for line in stderr.splitlines():
        m = _DEADLOCK.match(line.strip())
        if not m:
            continue
        kind, name, size, depth = m.group(1), m.group(2), m.group(3), m.group(4)
        c = channels.get(name)
        who = (c.producer if kind == "write" else c.consumer) if c else "?"
        state = "full" if kind == "write" else "empty"
        notes.append(f"'{who}' waits to {kind} '{name}' ({state}: {size} of {depth})")
    return DeadlockError(
        "deadlock in the C simulation: every dataflow process is blocked on a stream, as it "
        "would be in hardware",
        None,
        notes=tuple(notes),
    )
