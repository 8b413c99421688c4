"""Nested regions: a region instantiated inside another region's body, flattened into it.

A region may take sizes, ``@dato.region(params=(P0, P1))`` with ``P0 = dato.symbol("P0")``
(or, on Python 3.12+, ``def inner[P0, P1](...)``): symbols that ``inner[2, 4]`` binds. A
region body instantiates one with a call statement, ``inner[2, 4](A, pipe)``, giving it the
caller's tensors and streams, in the order of its parameters. The callee's tasks and
streams join the caller's graph under the instance's name, ``inner0.pe`` (the callee's name and
how many instances of it the caller made before), so its instances read ``inner0.pe_1_2`` and a
mapping selects them as ``inner0.pe[1, 2]``. After flattening it is ordinary IR: nothing later
knows that a region was nested.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from datobench.core.errors import DatoSyntaxError, DatoTypeError, caller_loc
from datobench.core.frontend.source import FunctionSource
from datobench.core.ir.program import Buffer, StreamDecl
from datobench.core.ir.types import StreamType, Symbol, TensorType


class SizedRegion:
    """What a region's size parameters add to it: their names, the sizes ``region[...]`` bound,
    and the source seen with each size as a symbol. ``RegionFunction`` is one."""

    fn = None
    size_params: tuple[str, ...] = ()
    bound: dict[str, int | Symbol] = {}

    def sized_source(self, src: FunctionSource) -> FunctionSource:
        """``src`` with each size parameter a symbol of its name (so ``int32[P0, 4]`` reads)."""
        if not self.size_params:
            return src
        symbols = {name: Symbol(name) for name in self.size_params}
        return replace(src, namespace=src.namespace.new_child(symbols))

    def with_sizes(self, sizes) -> dict[str, int | Symbol]:
        """The bindings ``region[sizes]`` makes, checked: one whole number or symbol per size."""
        given = sizes if isinstance(sizes, tuple) else (sizes,)
        name = self.fn.__name__
        if not self.size_params:
            raise DatoTypeError(
                f"region '{name}' takes no sizes; give it sizes with "
                f"@dato.region(params=('P0', ...))",
                caller_loc(),
            )
        if len(given) != len(self.size_params):
            raise DatoTypeError(
                f"region '{name}' takes {len(self.size_params)} size"
                f"{'s' * (len(self.size_params) != 1)} ({', '.join(self.size_params)}), "
                f"got {len(given)}",
                caller_loc(),
            )
        for param, size in zip(self.size_params, given):
            if isinstance(size, bool) or not isinstance(size, int | Symbol):
                raise DatoTypeError(
                    f"size {param} of region '{name}' must be a whole number, not {size!r}",
                    caller_loc(),
                )
        return dict(zip(self.size_params, given))


def size_params(fn, params) -> tuple[str, ...]:
    """The names of the region's size parameters: ``params=`` (symbols, or their names) and,
    on Python 3.12+, ``def f[P0, P1]``."""
    given = params if isinstance(params, list | tuple) else (params,)
    names = [p.name if isinstance(p, Symbol) else p for p in given]
    names += [t.__name__ for t in getattr(fn, "__type_params__", ())]
    for param, name in zip([*given, *names[len(given) :]], names):
        plain = isinstance(param, str) or isinstance(param, Symbol) and param._op is None
        if not plain or not name.isidentifier():
            raise DatoTypeError(
                f"region '{fn.__name__}': a size parameter is a symbol such as "
                f"dato.symbol('P0') or its name, not {param!r}",
                caller_loc(),
            )
    if len(set(names)) != len(names):
        raise DatoTypeError(
            f"region '{fn.__name__}' names a size parameter twice: {', '.join(names)}",
            caller_loc(),
        )
    return tuple(names)


def is_region_call(stmt: ast.stmt) -> bool:
    """Whether a region-body statement is a call (only a region instance may be one)."""
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)


class RegionInstance:
    """One ``inner[...](args)`` statement of a region body, read into the callee's streams and
    tasks named under the instance. ``outer`` is the caller's ``RegionBuilder``."""

    def __init__(self, outer, stmt: ast.Expr, buffers: dict[str, Buffer], streams: dict):
        self.outer = outer
        self.call = stmt.value
        self.buffers = buffers
        self.streams = streams

    def flatten(self, made: dict[str, int], names: set[str]):
        """The callee's streams (by their flattened names) and tasks. ``made`` counts the
        instances of each region so far (for the instance's name), ``names`` holds the
        caller's own task and stream names (an instance may not take one)."""
        outer, call = self.outer, self.call
        callee = outer.src.evaluate(call.func, "the region instantiated")
        if not isinstance(callee, SizedRegion):
            raise DatoSyntaxError(
                "a region body holds only stream declarations (`s: Stream[T, depth]`), "
                "@dato.task functions and instances of other regions (`inner[4](A, s)`)",
                outer.src.loc(call),
            )
        label = callee.fn.__name__
        chain = [*outer.regions, callee.fn]
        if callee.fn in outer.regions:
            raise DatoTypeError(
                f"region '{label}' instantiates itself "
                f"({' -> '.join(f.__name__ for f in chain)}): regions cannot be recursive",
                outer.src.loc(call),
            )
        count = made.get(label, 0)
        made[label] = count + 1
        local = f"{label}{count}"
        if local in names:
            raise DatoTypeError(
                f"the instance of region '{label}' is named '{local}', as is a task or stream "
                "of this region; rename that one",
                outer.src.loc(call),
            )
        inner = type(outer)(callee.sized_source(callee.source), {}, outer.task_decorator)
        inner.bindings = {**outer.bindings, **self._sizes(callee)}
        inner.prefix = f"{outer.prefix}{local}."
        inner.kernels = outer.kernels
        inner.constants = outer.constants
        inner.regions = chain
        given_buffers, given_streams = self._arguments(inner, label)
        return inner.contents(given_buffers, given_streams)

    def _sizes(self, callee: SizedRegion) -> dict[str, int]:
        """The callee's sizes as whole numbers, each bound (a caller's symbol resolved)."""
        node = self.call.func
        missing = [p for p in callee.size_params if p not in callee.bound]
        if missing:
            raise DatoTypeError(
                f"region '{callee.fn.__name__}' takes sizes {', '.join(callee.size_params)}: "
                f"instantiate it as {callee.fn.__name__}[{', '.join(callee.size_params)}](...) "
                "with numbers",
                self.outer.src.loc(node),
            )
        return {name: self.outer.size(size, node) for name, size in callee.bound.items()}

    def _arguments(self, inner, label: str):
        """The caller's buffers and streams each callee parameter receives, checked against
        its declared type."""
        call, src = self.call, self.outer.src
        if call.keywords:
            raise DatoSyntaxError(
                f"region '{label}' takes its tensors and streams positionally",
                src.loc(call.keywords[0]),
            )
        params = inner.src.tree.args.args
        if len(call.args) != len(params):
            raise DatoTypeError(
                f"region '{label}' takes {len(params)} argument{'s' * (len(params) != 1)} "
                f"({', '.join(a.arg for a in params)}), got {len(call.args)}",
                src.loc(call),
            )
        buffers, streams = {}, {}
        for param, arg in zip(params, call.args):
            given = self._given(arg, label)
            declared = inner.parameter_type(param)
            if isinstance(given, Buffer):
                self._check(declared, given.type, param, arg, TensorType)
                buffers[param.arg] = given
            else:
                self._check(declared, given, param, arg, StreamType)
                streams[param.arg] = given
        return buffers, streams

    def _given(self, arg: ast.expr, label: str):
        """The caller's tensor or stream that ``arg`` names."""
        if isinstance(arg, ast.Name):
            if arg.id in self.buffers:
                return self.buffers[arg.id]
            if arg.id in self.streams:
                return self.streams[arg.id]
        raise DatoTypeError(
            f"`{ast.unparse(arg)}` is not a tensor or stream of this region; region "
            f"'{label}' takes the caller's parameters and streams by name",
            self.outer.src.loc(arg),
        )

    def _check(self, declared, given, param: ast.arg, arg: ast.expr, kind) -> None:
        """A located error unless ``given`` (a tensor type or a stream) fits ``declared``."""
        loc = self.outer.src.loc(arg)
        what = f"`{ast.unparse(arg)}`"
        if kind is TensorType:
            if declared != given:
                shown = given if isinstance(declared, TensorType) else "a tensor"
                raise DatoTypeError(
                    f"parameter '{param.arg}' is declared {declared} but receives {what} of "
                    f"type {shown}",
                    loc,
                )
            return
        stream: StreamDecl = given
        if not isinstance(declared, StreamDecl) or (declared.elem, declared.shape) != (
            stream.elem,
            stream.shape,
        ):
            shape = f"[{', '.join(map(str, stream.shape))}]" if stream.shape else ""
            raise DatoTypeError(
                f"parameter '{param.arg}' is declared {_shown(declared)} but receives stream "
                f"{what} of {stream.elem}{' array ' + shape if shape else ''}",
                loc,
            )


def _shown(declared) -> str:
    """A parameter's declared type as the user wrote it."""
    if isinstance(declared, StreamDecl):
        shape = f"[{', '.join(map(str, declared.shape))}]" if declared.shape else ""
        return f"Stream[{declared.elem}, {declared.depth}]{shape}"
    return str(declared)


def refuse_region_in_task(value) -> None:
    """A task body cannot instantiate a region: its tasks are the graph's nodes, beside it."""
    region = getattr(value, "obj", None)
    if isinstance(region, SizedRegion):
        name = region.fn.__name__
        raise DatoTypeError(
            f"region '{name}' is instantiated in a task body; instantiate it in the region "
            f"body, beside the tasks (`{name}[...](A, s)`), and join it to this task by a stream"
        )
