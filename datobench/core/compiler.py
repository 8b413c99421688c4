"""``dato.compile``: front end, instance expansion and checks; the compiled ``Program``."""

from __future__ import annotations

import tempfile

import numpy as np

from datobench.core.errors import (
    BackendUnavailable,
    DatoError,
    DatoTypeError,
    MappingError,
    caller_loc,
    user_facing,
)
from datobench.core.frontend.region import RegionBuilder
from datobench.core.ir import dot, printer, serialize
from datobench.core.ir.mapping import Mapping
from datobench.core.ir.program import Graph, Region
from datobench.core.passes.checks import wire_channels
from datobench.core.passes.expand import expand_instances
from datobench.core.passes.mapper import map_program
from datobench.core.report import Report, diagnostics
from datobench.core.targets import Target, load_target

BACKENDS = ("sim", "perf", "csim", "xrt")


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
        self._sim = None
        self._perf: dict = {}  # values -> prepared timed code
        self._csim = None  # the compiled C simulation
        self._xrt = None  # a runner on an attached device, and the xclbin it loaded
        self._xrt_path = None

    @property
    def report(self) -> Report | None:
        """Resource use against capacity per tile, the merges made, and diagnostics."""
        if self.mapping is None:
            return None
        return Report(self.target, self.mapping, diagnostics(self.mapping))

    @user_facing
    def emit(self, kind: str = "ir", directory=None) -> str:
        """The program as text: ``"ir"`` (the region), ``"graph"`` (instances), ``"json"``,
        ``"dot"``, ``"hls"`` (the Vitis HLS kernel). ``emit("hls", directory=d)`` writes the
        whole Vitis project into ``d`` and returns its path."""
        if kind == "hls" and directory is not None:
            return self.write_hls(directory)
        emitters = {
            "ir": lambda: printer.region_text(self.region),
            "graph": lambda: printer.graph_text(self.graph),
            "json": lambda: serialize.to_json(self.graph),
            "dot": lambda: dot.graph_dot(self.graph),
            "hls": self._hls,
        }
        if kind not in emitters:
            raise DatoError(
                f"unknown emit kind '{kind}'; available: {', '.join(emitters)}", caller_loc()
            )
        return emitters[kind]()

    def _hls(self) -> str:
        from datobench.core.codegen.hls import emit_kernel

        return emit_kernel(self)

    def write_hls(self, directory) -> str:
        """Write the complete Vitis project (kernel.cpp, dato_hls.h, connectivity.cfg,
        host.cpp, csim_main.cpp) into ``directory``; returns its path."""
        from datobench.core.codegen.hls import emit_project

        return str(emit_project(self).write(directory))

    @user_facing
    def run(self, *arrays, backend: str = "sim", **options):
        """Run the program on numpy arrays; outputs are written into them in place.

        ``backend="sim"``: the functional simulator. ``backend="perf"``: the cycle-approximate
        simulator (needs a target); ``values=False`` times the program without computing
        values (then the arrays may be left out), ``progress=f`` is called with the fraction
        done.
        """
        if backend == "sim":
            from datobench.core import sim
            from datobench.core.sim.scheduler import compile_graph

            by_name = self._check_arrays(arrays)
            if self._sim is None:
                self._sim = compile_graph(self.graph)
            return sim.simulate(self.graph, self._sim, by_name, self.kernels, **options)
        if backend == "perf":
            from datobench.core import perf

            values = options.pop("values", True)
            by_name = self._check_arrays(arrays) if values or arrays else None
            try:
                if values not in self._perf:
                    self._perf[values] = perf.prepare(self, values)
            except DatoError as error:
                raise error.at(caller_loc()) from None
            return perf.simulate_perf(self, by_name, self._perf[values], **options)
        if backend == "csim":
            from datobench.core.codegen.hls import csim

            by_name = self._check_arrays(arrays)
            try:
                if self._csim is None:
                    self._csim = csim.build(self)
                return csim.run(self, self._csim, by_name, **options)
            except DatoError as error:
                raise error.at(caller_loc()) from None
        if backend == "xrt":
            from datobench.core.runtime import program_runner

            self._check_arrays(arrays)
            try:
                xclbin = options.pop("xclbin", None)
                if xclbin is None:
                    raise BackendUnavailable(
                        "backend='xrt' runs a built kernel: pass xclbin=PATH (from "
                        "prog.build(platform=...)) on a machine with XRT and a device"
                    )
                if self._xrt is None or self._xrt_path != xclbin:
                    self._xrt = program_runner(self, xclbin, options.pop("device", 0))
                    self._xrt_path = xclbin
                return self._xrt.run(list(arrays), **options)
            except DatoError as error:
                raise error.at(caller_loc()) from None
        raise DatoError(
            f"unknown backend '{backend}'; available: {', '.join(BACKENDS)}", caller_loc()
        )

    @user_facing
    def build(self, platform: str, directory=None, build_target: str = "hw") -> str:
        """Write the Vitis project and run v++ (compile and link) when it is on PATH; returns
        the xclbin's path. Without Vitis: BackendUnavailable naming the project directory."""
        from datobench.core.codegen.hls import emit_project
        from datobench.core.runtime import build_fpga

        if self.target is None or not self.target.is_fpga:
            raise DatoError("prog.build needs an FPGA target: dato.compile(region, "
                            "target='u280')", caller_loc())
        directory = directory or tempfile.mkdtemp(prefix=f"dato-hls-{self.region.name}-")
        project = emit_project(self)
        project.write(directory)
        try:
            return str(build_fpga(directory, self.target.name, platform, project.name,
                                  build_target=build_target))
        except DatoError as error:
            raise error.at(caller_loc()) from None

    def _check_arrays(self, arrays) -> dict[str, np.ndarray]:
        params = self.region.params
        loc = caller_loc()
        if len(arrays) != len(params):
            names = ", ".join(b.name for b in params)
            raise DatoTypeError(
                f"{self.region.name} takes {len(params)} arrays ({names}), got {len(arrays)}", loc
            )
        for n, (buf, array) in enumerate(zip(params, arrays)):
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
            if not array.flags.writeable:
                raise DatoTypeError(f"argument {n + 1} ('{buf.name}') is read-only", loc)
        return {b.name: a for b, a in zip(params, arrays)}

    def __repr__(self) -> str:
        g = self.graph
        return (
            f"<dato.Program {self.region.name}: {len(g.instances)} instances, "
            f"{len(g.channels)} channels>"
        )


def compile_region(region_fn, sizes: dict[str, int]) -> Program:
    from datobench.core.lang.decorators import task

    src = region_fn.source
    builder = RegionBuilder(src, dict(sizes), task)
    region = builder.build()
    instances = expand_instances(region)
    channels = wire_channels(region, instances)
    return Program(region, Graph(region, instances, channels), builder.kernels)


@user_facing
def compile(
    region_fn,
    target: str | Target | None = None,
    placement: dict | None = None,
    primitives=(),
    sizes: dict[str, int] | None = None,
) -> Program:
    """Compile a ``@dato.region``, and map it onto ``target`` when one is given.

    ``placement`` pins instances to tiles (``{"gemm_0_1": (1, 3)}``, as (column, row));
    ``primitives`` are ``dato.chain`` / ``dato.bundle``; ``sizes`` binds symbolic sizes.
    """
    from datobench.core.lang.decorators import RegionFunction

    if not isinstance(region_fn, RegionFunction):
        raise DatoTypeError(
            f"dato.compile takes a @dato.region function, not {region_fn!r}", caller_loc()
        )
    program = region_fn.program(sizes)
    if target is None:
        if placement or primitives:
            raise MappingError(
                "placement and primitives need a target, e.g. target='npu1_4col'", caller_loc()
            )
        return program
    try:
        chosen = load_target(target)
        mapping = map_program(program.graph, chosen, placement, tuple(primitives))
    except DatoError as error:
        raise error.at(caller_loc()) from None
    return Program(program.region, program.graph, program.kernels, chosen, mapping)
