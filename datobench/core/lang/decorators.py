"""``@dato.task`` and ``@dato.kernel``: what a region's source says about its tasks and
external kernels (``@dato.region`` itself is ``core.compiler.region``, which compiles)."""

from __future__ import annotations

import inspect
import os

from datobench.core.errors import DatoTypeError, Loc, user_facing
from datobench.core.ir.program import KernelDecl, KernelSource
from datobench.core.ir.types import DType, TensorType
from datobench.core.lang.cpp_source import check_source, read_source


def task(mapping=None, args=None):
    """Mark a task inside a region. The compiler reads the decorator; at run time it is inert."""

    def mark(fn):
        return fn

    return mark


class Kernel:
    """An external kernel: a numpy reference and optional target sources."""

    def __init__(self, fn, source: str | dict[str, str] | None = None, symbol: str | None = None):
        self.fn = fn
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        loc = Loc(fn.__code__.co_filename, fn.__code__.co_firstlineno)
        params, result = _signature(fn)
        inline = dict(source) if isinstance(source, dict) else {}
        aie = _aie_source(fn.__name__, source, inline.pop("aie", None), symbol, loc)
        if aie is not None:
            named = list(zip(inspect.signature(fn).parameters, params))
            check_source(fn.__name__, aie, named, result, loc)
        self.decl = KernelDecl(fn.__name__, params, result, tuple(sorted(inline.items())), aie, loc)

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self) -> str:
        return f"<dato.kernel {self.decl.name}{self.decl.params} -> {self.decl.result}>"


@user_facing
def kernel(fn=None, *, source: str | dict[str, str] | None = None, symbol: str | None = None):
    """Register an external kernel; its parameter and return annotations are its signature,
    its body the numpy reference that sim, perf and aie-emu run.

    ``@dato.kernel``, ``@dato.kernel(source="scale.cc", symbol="scale")`` (C++ for AIE cores;
    a relative path starts at the directory of the defining file; ``symbol`` defaults to the
    function's name) or ``@dato.kernel(source={"hls": "...", "aie": "..."})`` (inline texts).
    """
    if fn is None:
        return user_facing(lambda f: Kernel(f, source, symbol))
    return Kernel(fn, source, symbol)


def _aie_source(name: str, source, inline: str | None, symbol: str | None, loc: Loc):
    """The kernel's C++ for AIE cores: a file named by ``source``, inline text, or none."""
    if isinstance(source, str | os.PathLike):
        return read_source(name, os.fspath(source), symbol or name, loc)
    if inline is not None:
        return KernelSource(symbol or name, inline)
    if symbol is not None:
        raise DatoTypeError(
            f"kernel '{name}': symbol= names the C++ function of its source; give the source "
            'file too: @dato.kernel(source="kernel.cc", symbol=...)',
            loc,
        )
    return None


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
