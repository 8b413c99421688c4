"""``dato.compile``: front end, instance expansion and checks, and mapping onto a target; and
``@dato.region``'s ``RegionFunction``, which reads its source, infers symbolic sizes from the
arrays it is called with and keeps its compiled programs."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable

import numpy as np

from datobench.core.errors import (
    DatoError,
    DatoTypeError,
    Loc,
    MappingError,
    caller_loc,
    user_facing,
)
from datobench.core.frontend.nesting import SizedRegion, size_params
from datobench.core.frontend.region import region_param_types
from datobench.core.frontend.source import FunctionSource, function_source
from datobench.core.ir.types import DType, Symbol, TensorType
from datobench.core.lang.primitives import Bundle, Chain
from datobench.core.passes.pipeline import Pipeline, shown_steps
from datobench.core.passes.steps import State
from datobench.core.program import Program
from datobench.core.sim.scheduler import SimResult
from datobench.core.targets import Target, load_target
from datobench.core.validate import sizes_argument


class RegionFunction(SizedRegion):
    """A region: call it to run the functional simulator, or pass it to ``dato.compile``;
    ``region[2, 4]`` binds its size parameters (``frontend/nesting.py``)."""

    def __init__(self, fn: Callable, frame_locals: dict, params: tuple[str, ...] = ()):
        self.fn = fn
        self.size_params = params
        self.bound = {}
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        self._frame_locals = frame_locals
        self._source = None
        self._programs: dict = {}

    @property
    def source(self) -> FunctionSource:
        """The region's source, read once (with the constants it sees)."""
        if self._source is None:
            self._source = self.sized_source(function_source(self.fn, self._frame_locals))
        return self._source

    @user_facing
    def __getitem__(self, sizes) -> RegionFunction:
        """This region with its size parameters bound: ``inner[2, 4]``."""
        sized = RegionFunction(self.fn, self._frame_locals, self.size_params)
        sized.bound = self.with_sizes(sizes)
        sized._source = self._source
        return sized

    def param_types(self) -> list[tuple[str, TensorType | DType]]:
        """The region's parameters and their declared (possibly symbolic) types."""
        return [(name, t) for name, t, _ in region_param_types(self.source)]

    def infer_sizes(self, arrays, loc: Loc | None) -> dict[str, int]:
        """Bind symbolic sizes from the shapes of the arrays the region is called with."""
        sizes: dict[str, int] = {}
        for (name, t), array in zip(self.param_types(), arrays):
            if not isinstance(t, TensorType):
                continue  # a scalar parameter has no sizes
            shape = np.shape(array)
            if len(shape) != len(t.shape):
                continue  # reported by the argument check
            for dim, actual in zip(t.shape, shape):
                if (
                    isinstance(dim, Symbol)
                    and not dim.free_names() - {dim.name}
                    and dim._op is None
                ):
                    if sizes.setdefault(dim.name, actual) != actual:
                        raise DatoTypeError(
                            f"size {dim.name} is {sizes[dim.name]} from an earlier argument "
                            f"but {actual} from '{name}'",
                            loc,
                        )
        return sizes

    @user_facing
    def program(self, sizes: dict[str, int] | None = None) -> Program:
        """The region compiled (without a target) for these sizes; compiled once per sizes."""
        sizes = {**self._bound_sizes(sizes or {}), **(sizes or {})}
        key = tuple(sorted(sizes.items()))
        if key not in self._programs:
            self._programs[key] = compile_region(self, sizes)
        return self._programs[key]

    def _bound_sizes(self, sizes: dict[str, int]) -> dict[str, int]:
        """The sizes ``region[...]`` bound, a symbol among them resolved from ``sizes``."""
        try:
            return {
                name: size.resolve(sizes) if isinstance(size, Symbol) else size
                for name, size in self.bound.items()
            }
        except KeyError as e:
            raise DatoTypeError(
                f"size {e.args[0]} is not bound: compile with sizes={{'{e.args[0]}': ...}}",
                caller_loc(),
            ) from None

    @user_facing
    def __call__(self, *arrays: np.ndarray, **options) -> SimResult:
        """Run the functional simulator; outputs are written into the arrays in place."""
        loc = caller_loc()
        program = self.program(self.infer_sizes(arrays, loc))
        return program.run(*arrays, backend="sim", **options)

    def __repr__(self) -> str:
        return f"<dato.region {self.__name__}>"


def region(fn: Callable | None = None, *, params: tuple[Symbol | str, ...] = ()):
    """Mark the top function of a Dato program, or a region other regions instantiate.

    ``@dato.region(params=(P0, P1))`` (symbols from ``dato.symbol``, or their names) gives
    it size parameters, bound by ``region[2, 4]`` (or from the arrays it is called with);
    on Python 3.12+ ``def region[P0, P1](...)`` says the same.
    """
    frame = sys._getframe(1)
    # Inside a function, keep the constants defined so far (local-variable annotations are
    # not closures). At module level the globals are read live, so take no stale copy.
    local = {} if frame.f_locals is frame.f_globals else dict(frame.f_locals)
    if fn is None:
        return lambda f: _region(f, local, params)
    return _region(fn, local, params)


def _region(fn: Callable, local: dict, params: tuple[Symbol | str, ...]) -> RegionFunction:
    """``fn`` as a region that sees the constants ``local`` of its defining frame."""
    if not inspect.isfunction(fn):
        raise DatoTypeError(
            f"@dato.region marks a function (def name(...): ...), not {type(fn).__name__}",
            caller_loc(),
        )
    return RegionFunction(fn, local, size_params(fn, params))


def compile_region(region_fn, sizes: dict[str, int], show: str | Iterable[str] = ()) -> Program:
    """The front end of ``dato.compile``: the region's IR and its checked instance graph,
    showing the front-end steps named in ``show``."""
    pipeline = Pipeline(shown_steps(show, mapping=False))
    state = pipeline.front_end(State(source=region_fn.source, sizes=dict(sizes)))
    return Program(state.region, state.graph, state.kernels)


@user_facing
def compile(
    region_fn: RegionFunction,
    target: str | Target | None = None,
    placement: dict[str, tuple[int, int]] | None = None,
    primitives: Iterable[Chain | Bundle] = (),
    sizes: dict[str, int] | None = None,
    show: str | Iterable[str] = (),
) -> Program:
    """Compile a ``@dato.region``, and map it onto ``target`` when one is given.

    ``placement`` pins instances to tiles (``{"gemm_0_1": (1, 3)}``, as (column, row));
    ``primitives`` are ``dato.chain`` / ``dato.bundle``; ``sizes`` binds symbolic sizes.

    ``show`` prints the program after the named steps (a name, a list, or ``"all"``), each
    under a header naming the step. The steps, in order: ``frontend`` (the region's IR),
    ``expand`` (one instance per grid point), ``channels`` (the checked instance graph),
    ``profile`` (DDR traffic, local memory and work per instance), and with a target
    ``virtual`` (nodes and merges), ``place`` (the placement) and ``route`` (routes, off-chip
    streams and each tile's resources against capacity, with who uses them). When a mapping
    breaks a limit and is retried with one more merge, the retried steps are shown again.
    """
    if not isinstance(region_fn, RegionFunction):
        raise DatoTypeError(
            f"dato.compile takes a @dato.region function, not {region_fn!r}", caller_loc()
        )
    try:
        sizes = sizes_argument(sizes)
        pipeline = Pipeline(shown_steps(show, mapping=target is not None))
    except DatoError as error:
        raise error.at(caller_loc()) from None
    if pipeline.shows_front_end():  # run afresh to show it; otherwise the region's cache
        program = compile_region(region_fn, sizes, show)
    else:
        program = region_fn.program(sizes)
    if target is None:
        if placement or primitives:
            raise MappingError(
                "placement and primitives need a target, e.g. target='npu1_4col'", caller_loc()
            )
        return program
    try:
        chosen = load_target(target)
        state = State.of_graph(program.graph, chosen, placement, primitives)
        mapping = pipeline.map(state).mapping
    except DatoError as error:
        raise error.at(caller_loc()) from None
    return Program(program.region, program.graph, program.kernels, chosen, mapping)
