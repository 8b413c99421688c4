"""``@dato.region``, ``@dato.task`` and ``@dato.kernel``."""

from __future__ import annotations

import inspect
import sys

import numpy as np

from datobench.core.errors import DatoTypeError, Loc, caller_loc, user_facing
from datobench.core.ir.program import KernelDecl
from datobench.core.ir.types import DType, Symbol, TensorType


class RegionFunction:
    """A region: call it to run the functional simulator, or pass it to ``dato.compile``."""

    def __init__(self, fn, frame_locals: dict):
        self.fn = fn
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        self._frame_locals = frame_locals
        self._source = None
        self._programs: dict = {}

    @property
    def source(self):
        if self._source is None:
            from datobench.core.frontend.source import function_source

            self._source = function_source(self.fn, self._frame_locals)
        return self._source

    def param_types(self) -> list[tuple[str, TensorType]]:
        from datobench.core.frontend.region import region_param_types

        return [(name, t) for name, t, _ in region_param_types(self.source)]

    def infer_sizes(self, arrays, loc: Loc | None) -> dict[str, int]:
        """Bind symbolic sizes from the shapes of the arrays the region is called with."""
        sizes: dict[str, int] = {}
        for (name, t), array in zip(self.param_types(), arrays):
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

    def program(self, sizes: dict[str, int] | None = None):
        from datobench.core.compiler import compile_region

        key = tuple(sorted((sizes or {}).items()))
        if key not in self._programs:
            self._programs[key] = compile_region(self, sizes or {})
        return self._programs[key]

    @user_facing
    def __call__(self, *arrays, **options):
        """Run the functional simulator; outputs are written into the arrays in place."""
        loc = caller_loc()
        program = self.program(self.infer_sizes(arrays, loc))
        return program.run(*arrays, backend="sim", **options)

    def __repr__(self) -> str:
        return f"<dato.region {self.__name__}>"


def region(fn) -> RegionFunction:
    """Mark the top function of a Dato program."""
    frame = sys._getframe(1)
    # Inside a function, keep the constants defined so far (local-variable annotations are
    # not closures). At module level the globals are read live, so take no stale copy.
    local = {} if frame.f_locals is frame.f_globals else dict(frame.f_locals)
    return RegionFunction(fn, local)


def task(mapping=None, args=None):
    """Mark a task inside a region. The compiler reads the decorator; at run time it is inert."""

    def mark(fn):
        fn.__dato_task__ = {"mapping": mapping, "args": args}
        return fn

    return mark


class Kernel:
    """An external kernel: a numpy reference and optional target sources."""

    def __init__(self, fn, sources: dict[str, str] | None = None):
        self.fn = fn
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        params, result = _signature(fn)
        self.decl = KernelDecl(fn.__name__, params, result, tuple(sorted((sources or {}).items())))

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self) -> str:
        return f"<dato.kernel {self.decl.name}{self.decl.params} -> {self.decl.result}>"


def kernel(fn=None, *, source: dict[str, str] | None = None):
    """Register an external kernel; its parameter and return annotations are its signature.

    ``@dato.kernel`` or ``@dato.kernel(source={"hls": "...", "aie": "..."})``.
    """
    if fn is None:
        return lambda f: Kernel(f, source)
    return Kernel(fn, source)


def _signature(fn):
    loc = Loc(fn.__code__.co_filename, fn.__code__.co_firstlineno)
    hints = inspect.get_annotations(fn, eval_str=True)
    names = list(inspect.signature(fn).parameters)
    for name in names + ["return"]:
        t = hints.get(name)
        ok = (
            isinstance(t, TensorType)
            and t.is_static
            or isinstance(t, DType)
            and t.kind in ("int", "float")
        )
        if not ok:
            what = "its return" if name == "return" else f"parameter '{name}'"
            raise DatoTypeError(
                f"kernel '{fn.__name__}': {what} needs a static type such as float32[16]", loc
            )
    return tuple(hints[n] for n in names), hints["return"]
