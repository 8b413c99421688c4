"""Builtins of task bodies as the user calls them: ``dato.exp``, ``dato.matmul``, ...

One function per op of the op table that has a function spelling (``ir.ops.FUNCTIONS``),
made from its declaration: it runs the op's numpy semantics, so it also works eagerly on
numpy arrays, which makes it handy when writing references. Inside a task body the front end
recognises these very objects. ``pid`` and the collectives ``gather`` / ``scatter`` are not
ops: they only mean something in a task (the front end expands a collective into gets/puts).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from datobench.core.errors import DatoTypeError, user_facing
from datobench.core.ir.ops import FUNCTIONS as _OPS
from datobench.core.ir.ops import REQUIRED, Op


def _signature(op: Op) -> inspect.Signature:
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter(name, positional) for name in op.operands]
    for s in op.statics:
        kind = positional if s.positional else inspect.Parameter.KEYWORD_ONLY
        default = inspect.Parameter.empty if s.default is REQUIRED else s.default
        params.append(inspect.Parameter(s.name, kind, default=default))
    return inspect.Signature(params)


def _user_function(name: str, op: Op) -> Callable:
    impl = op.numpy

    def builtin(*args, **kwargs):
        return impl(*args, **kwargs)

    builtin.__name__ = builtin.__qualname__ = name
    builtin.__doc__ = op.doc
    builtin.__signature__ = _signature(op)
    builtin.__module__ = "datobench"
    return builtin


FUNCTIONS: dict[str, Callable] = {name: _user_function(name, op) for name, op in _OPS.items()}
OP_OF_FUNCTION: dict[Callable, Op] = {FUNCTIONS[name]: op for name, op in _OPS.items()}


@user_facing
def pid():
    """The calling instance's coordinates; only meaningful inside a task body."""
    raise DatoTypeError("dato.pid() can only be used inside a @dato.task body")


@user_facing
def gather(channels):
    """One element from each channel of a stream-array slice (``pipe[:]``, ``pipe[i, :]``...),
    stacked into a tile along new leading axes shaped like the selection; only meaningful
    inside a task body."""
    raise DatoTypeError("dato.gather() can only be used inside a @dato.task body")


@user_facing
def scatter(x, channels):
    """Put ``x[k]`` on channel ``k`` of a stream-array slice (the inverse of ``gather``); only
    meaningful inside a task body."""
    raise DatoTypeError("dato.scatter() can only be used inside a @dato.task body")


def __getattr__(name: str) -> Callable:
    try:
        return FUNCTIONS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted([*globals(), *FUNCTIONS])
