"""The compile-time values a name in a task body can stand for besides run-time values: Python
objects, streams, bound methods, the pid tuple, and a helper call that returns nothing."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.ir.nodes import Expr
from datobench.core.ir.program import StreamDecl


@dataclass(frozen=True)
class Meta:
    """A compile-time Python object met in a task body: a module, a dtype, a kernel..."""

    obj: object


@dataclass(frozen=True)
class StreamHandle:
    decl: StreamDecl
    indices: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Method:
    receiver: object
    name: str


class PidTuple:
    pass


@dataclass(frozen=True)
class NoValue:
    """What a call of a helper that returns nothing evaluates to."""

    helper: str
