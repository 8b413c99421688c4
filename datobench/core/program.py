"""The compiled ``Program``: its IR, instance graph and mapping, and the ways to run it (the
backend registry, ``core.backends``) and to emit it (the emitter registry, ``codegen.emitters``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from datobench.core.backends import BackendResult
from datobench.core.backends import backend as find_backend
from datobench.core.codegen.emitters import EMITTERS, emitter
from datobench.core.errors import DatoError, DatoTypeError, caller_loc, user_facing
from datobench.core.ir.bits import check_argument
from datobench.core.ir.mapping import Mapping
from datobench.core.ir.program import Graph, Region, RegionScalar
from datobench.core.report import Report, diagnostics
from datobench.core.scalar_args import scalar_argument
from datobench.core.targets import Target

if TYPE_CHECKING:
    from datobench.core.runtime.npu_build import NpuBuild


class Program:
    """A compiled region: its IR, its instance graph, its mapping onto a target (when one is
    given), and the ways to run and emit it."""

    def __init__(
        self,
        region: Region,
        graph: Graph,
        kernels: dict,
        target: Target | None = None,
        mapping: Mapping | None = None,
    ):
        self.region = region
        self.graph = graph
        self.kernels = kernels
        self.target = target
        self.mapping = mapping
        self._prepared: dict = {}  # (backend, its cache key) -> what its prepare step made

    @property
    def report(self) -> Report | None:
        """Resource use against capacity per tile, the merges made, and diagnostics."""
        if self.mapping is None:
            return None
        return Report(self.target, self.mapping, diagnostics(self.mapping))

    @user_facing
    def emit(self, kind: str = "ir", directory: str | Path | None = None) -> str:
        """The program as text: ``"ir"`` (the region), ``"graph"`` (instances), ``"json"``,
        ``"dot"``, ``"hls"`` (the Vitis HLS kernel), ``"mlir-aie"`` (the MLIR-AIE design of an
        NPU program); see ``codegen.emitters``.
        ``emit("hls", directory=d)`` writes the whole Vitis project into ``d`` and returns its
        path; ``emit("mlir-aie", directory=d)`` the design, its kernels' sources and a README."""
        chosen = emitter(kind)
        if directory is not None and chosen.write is None:
            writers = ", ".join(e.name for e in EMITTERS.values() if e.write is not None)
            raise DatoError(
                f"emit('{kind}') gives text; directory= is for: {writers}", caller_loc()
            )
        try:
            return chosen.text(self) if directory is None else chosen.write(self, directory)
        except DatoError as error:
            raise error.at(caller_loc()) from None

    @user_facing
    def write_hls(self, directory: str | Path) -> str:
        """Write the complete Vitis project (kernel.cpp, dato_hls.h, connectivity.cfg,
        host.cpp, csim_main.cpp) into ``directory``; returns its path."""
        return self.emit("hls", directory=directory)

    @user_facing
    def run(self, *arrays: np.ndarray, backend: str = "sim", **options) -> BackendResult:
        """Run the program on numpy arrays; outputs are written into them in place.

        ``backend="sim"``: the functional simulator. ``backend="perf"``: the cycle-approximate
        simulator (needs a target); ``values=False`` times the program without computing
        values (then the arrays may be left out; a branch on data raises CapabilityError: run
        with values=True), ``progress=f`` is called with the fraction done. ``"csim"``: the
        generated HLS C++ compiled with g++. ``"aie-emu"``: the emitted MLIR-AIE design
        executed by an emulator (needs an NPU target; ``release=`` picks the syntax).
        ``"xrt"``: a built kernel (``xclbin=PATH``) on a device. ``dato.backends()`` lists
        them and whether they can run here; each backend's options are the fields of its
        ``Options`` (``backends/``).
        """
        chosen = find_backend(backend)
        opts = chosen.parse_options(options)
        by_name = self._check_arrays(arrays) if arrays or chosen.needs_arrays(opts) else None
        key = (chosen.name, chosen.cache_key(opts))
        try:
            if key not in self._prepared:
                self._prepared[key] = chosen.prepare(self, opts)
            return chosen.run(self, self._prepared[key], by_name, opts)
        except DatoError as error:
            raise error.at(caller_loc()) from None

    @user_facing
    def build(
        self,
        platform: str | None = None,
        directory: str | Path | None = None,
        build_target: str | None = None,
    ) -> str | NpuBuild:
        """Build the program for its target's hardware, writing the project into ``directory``
        (a fresh temporary one when None) first.

        FPGA targets: the Vitis project, then v++ (compile and link) for ``platform`` (an
        installed Vitis platform; ``build_target`` is v++'s -t, default "hw"); returns the
        xclbin's path. NPU targets: the MLIR-AIE project, its kernels compiled with Peano (or
        Chess), then aiecc; returns an ``NpuBuild`` whose ``xclbin`` and ``insts`` are what
        ``run(..., backend="xrt")`` takes. Without the tools: BackendUnavailable naming each
        missing one and the project directory."""
        from datobench.core.kinds import kind_of

        if self.target is None:
            raise DatoError(
                "prog.build needs a target: dato.compile(region, target='npu1_4col') or "
                "target='u280'",
                caller_loc(),
            )
        try:
            if kind_of(self.target).runs_aie:
                return self._build_npu(platform, directory, build_target)
            return self._build_fpga(platform, directory, build_target or "hw")
        except DatoError as error:
            raise error.at(caller_loc()) from None

    def _build_fpga(self, platform: str | None, directory, build_target: str) -> str:
        from datobench.core.codegen.hls import emit_project
        from datobench.core.codegen.hls.project import temp_prefix
        from datobench.core.runtime import build_fpga

        directory = directory or tempfile.mkdtemp(prefix=temp_prefix("dato-hls", self.region.name))
        project = emit_project(self)
        project.write(directory)
        return str(
            build_fpga(
                directory, self.target.name, platform, project.name, build_target=build_target
            )
        )

    def _build_npu(self, platform: str | None, directory, build_target: str | None) -> NpuBuild:
        from datobench.core.codegen.hls.project import temp_prefix
        from datobench.core.runtime import build_npu

        name = self.target.name
        for option, value in (("platform", platform), ("build_target", build_target)):
            if value is not None:
                raise DatoError(
                    f"{option}= is for FPGA builds (v++); an NPU build ({name}) takes only "
                    "directory=: prog.build()"
                )
        arch = self.target.param("mlir_aie.arch")
        directory = directory or tempfile.mkdtemp(prefix=temp_prefix("dato-aie", self.region.name))
        emitter("mlir-aie").write(self, directory)
        return build_npu(directory, arch, name)

    def _check_arrays(self, arrays: tuple) -> dict[str, np.ndarray]:
        """The arrays (and scalars) by name, the region's constants added
        (``frontend/constants.py``)."""
        params = self.region.signature()
        constants = {b.name: b.array() for b in self.region.params if b.value is not None}
        loc = caller_loc()
        if len(arrays) != len(params):
            names = ", ".join(b.name for b in params)
            what = "arguments" if self.region.scalars else "arrays"
            raise DatoTypeError(
                f"{self.region.name} takes {len(params)} {what} ({names}), got {len(arrays)}",
                loc,
            )
        for n, (buf, array) in enumerate(zip(params, arrays)):
            if isinstance(buf, RegionScalar):
                continue
            expected = buf.type
            if not isinstance(array, np.ndarray):
                raise DatoTypeError(
                    f"argument {n + 1} ('{buf.name}') of {self.region.name} must be a numpy "
                    f"array of {expected}, not {type(array).__name__}",
                    loc,
                )
            if array.dtype != expected.dtype.np or array.shape != expected.shape:
                raise DatoTypeError(
                    f"argument {n + 1} ('{buf.name}') of {self.region.name}: expected "
                    f"{expected}, got an array of {array.dtype}{list(array.shape)}",
                    loc,
                )
            wrong = check_argument(array, expected.dtype)
            if wrong is not None:
                raise DatoTypeError(
                    f"argument {n + 1} ('{buf.name}') of {self.region.name} {wrong}", loc
                )
            if not array.flags.writeable:
                raise DatoTypeError(f"argument {n + 1} ('{buf.name}') is read-only", loc)
        given = {
            b.name: scalar_argument(n + 1, b, a, self.region.name, loc)
            if isinstance(b, RegionScalar)
            else a
            for n, (b, a) in enumerate(zip(params, arrays))
        }
        return {**given, **constants}

    def __repr__(self) -> str:
        g = self.graph
        return (
            f"<dato.Program {self.region.name}: {len(g.instances)} instances, "
            f"{len(g.channels)} channels>"
        )
