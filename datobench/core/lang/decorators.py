"""``@dato.task`` and ``@dato.kernel``: what a region's source says about its tasks and
external kernels (``@dato.region`` itself is ``core.compiler.region``, which compiles)."""

from __future__ import annotations

import inspect

from datobench.core.errors import DatoTypeError, Loc, user_facing
from datobench.core.ir.program import KernelDecl
from datobench.core.ir.types import DType, TensorType


def task(mapping=None, args=None):
    """Mark a task inside a region. The compiler reads the decorator; at run time it is inert."""

    def mark(fn):
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


@user_facing
def kernel(fn=None, *, source: dict[str, str] | None = None):
    """Register an external kernel; its parameter and return annotations are its signature.

    ``@dato.kernel`` or ``@dato.kernel(source={"hls": "...", "aie": "..."})``.
    """
    if fn is None:
        return user_facing(lambda f: Kernel(f, source))
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
