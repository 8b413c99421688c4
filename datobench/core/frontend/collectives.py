"""Collectives: ``dato.gather(pipe[sel])`` and ``dato.scatter(x, pipe[sel])`` over a slice of a
stream array (``pipe[:]``, ``pipe[a:b]``, ``pipe[i, :]``, ``pipe[:, j]``...).

The selection picks channels as numpy's indexing picks elements of an array of the same
shape: an index drops its dimension, a slice keeps it, so the selection has a shape of its own.
Gather gets one element from each selected channel and stacks them along new leading axes of
that shape (``T[n]`` from scalar elements, ``T[n, *s]`` from ``T[*s]`` tiles, as ``np.stack``);
scatter is its inverse, putting ``x[k]`` on channel ``k``. Both visit the channels in row-major
order of the selection. The front end expands them into the per-channel gets and puts they
mean (a gathered tile is a local filled by one store per channel), so every backend runs them
with its own stream machinery and no new operation.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass

from datobench.core.errors import DatoTypeError
from datobench.core.frontend import semantics as sem
from datobench.core.frontend.values import NoValue, StreamHandle
from datobench.core.ir.affine import difference
from datobench.core.ir.nodes import (
    Assign,
    Binary,
    Const,
    Expr,
    Get,
    Index,
    Load,
    ParamRef,
    Pid,
    Put,
    Range,
    Store,
    StreamRef,
    Unary,
    Var,
    children,
    subscript_exprs,
)
from datobench.core.ir.ops import CALLS
from datobench.core.ir.types import DType, TensorType, Type, dtype_of, index, shape_of
from datobench.core.lang import builtins as lib


@dataclass(frozen=True)
class StreamSlice(StreamHandle):
    """Several channels of a stream array. ``picks`` has one entry per dimension: ``(at,
    None)`` for an index, ``(start, length)`` for a slice (``length`` a constant)."""

    picks: tuple[tuple[Expr, int | None], ...] = ()
    text: str = ""  # as the user wrote it: `pipe[0:4]`, `pipe[i, :]`

    @property
    def shape(self) -> tuple[int, ...]:
        """The selection's own shape: the lengths of its sliced dimensions."""
        return tuple(n for _, n in self.picks if n is not None)

    def channels(self) -> list[StreamRef]:
        """The selected channels, in row-major order of the selection."""
        ranges = [range(1) if n is None else range(n) for _, n in self.picks]
        return [
            StreamRef(
                self.decl.name,
                tuple(
                    at if n is None else sem.binary("+", at, sem.literal(k))
                    for (at, n), k in zip(self.picks, point)
                ),
            )
            for point in itertools.product(*ranges)
        ]

    def gathered(self) -> Type:
        """The type of ``dato.gather(self)``: the selection's shape, then the element's."""
        elem = self.decl.elem
        return TensorType(dtype_of(elem), self.shape + shape_of(elem))


@dataclass(frozen=True)
class Scattered(NoValue):
    """What ``dato.scatter(...)`` evaluates to: nothing; its puts are already pending."""


class Collectives:
    """The task builder's handling of stream-array slices and collectives (mixed into
    ``TaskBuilder``)."""

    def _stream_slice(self, handle: StreamHandle, elts: list[ast.expr]) -> StreamSlice:
        """``pipe[...]`` with at least one slice: the channels it selects, checked against the
        array's shape where the bounds are constants (per instance at expansion otherwise)."""
        decl = handle.decl
        picks = []
        for dim, (e, size) in enumerate(zip(elts, decl.shape)):
            if not isinstance(e, ast.Slice):
                at = sem.index_value(self.expr(e), "a stream index")
                if isinstance(at, Const) and not 0 <= at.value < size:
                    raise DatoTypeError(
                        f"stream index {at.value} is outside dimension {dim} of '{decl.name}' "
                        f"(shape {list(decl.shape)})"
                    )
                picks.append((at, None))
                continue
            if e.step is not None and sem.static_int(self.expr(e.step), "a slice step") != 1:
                raise DatoTypeError("slices of a stream array take step 1 only")
            start = self._bound(e.lower, 0)
            stop = self._bound(e.upper, size)
            length = difference(stop, start)
            if length is None:
                raise DatoTypeError(
                    f"the slice of dimension {dim} of stream array '{decl.name}' must select a "
                    "compile-time constant number of channels (stop - start)"
                )
            if length <= 0:
                raise DatoTypeError(
                    f"the slice of dimension {dim} of stream array '{decl.name}' selects no channel"
                )
            if isinstance(start, Const) and (start.value < 0 or start.value + length > size):
                raise DatoTypeError(
                    f"slice {start.value}:{start.value + length} is outside dimension {dim} of "
                    f"stream array '{decl.name}' (shape {list(decl.shape)})"
                )
            picks.append((start, length))
        text = f"{decl.name}[{', '.join(ast.unparse(e) for e in elts)}]"
        return StreamSlice(decl, picks=tuple(picks), text=text)

    def _bound(self, node: ast.expr | None, default: int) -> Expr:
        """A slice bound as an index (the dimension's start or end when left out)."""
        if node is None:
            return Const(default, index)
        return sem.index_value(self.expr(node), "a slice bound")

    def _collective(self, fn, node: ast.Call):
        """``dato.gather(pipe[sel])``: a local tile filled from the channels, one get each;
        ``dato.scatter(x, pipe[sel])``: one put of ``x[k]`` on each channel ``k``. The gets
        and puts are pending, to run before the statement that calls the collective."""
        name = "gather" if fn is lib.gather else "scatter"
        if node.keywords:
            raise DatoTypeError(f"dato.{name} got an unexpected keyword '{node.keywords[0].arg}'")
        arity = 1 if name == "gather" else 2
        if len(node.args) != arity:
            usage = "dato.gather(pipe[:])" if name == "gather" else "dato.scatter(x, pipe[:])"
            raise DatoTypeError(f"dato.{name} takes {arity} argument{'s' * (arity > 1)}: {usage}")
        channels = self._selection(name, node.args[-1])
        loc = self.src.loc(node)
        if name == "gather":
            return self._gather(channels, loc)
        self._scatter(self.expr(node.args[0]), channels, loc)
        return Scattered("dato.scatter")

    def _selection(self, name: str, node: ast.expr) -> StreamSlice:
        """The channels a collective's last argument selects: a slice of a stream array, or a
        whole stream array."""
        value = self.visit(node)
        if isinstance(value, StreamSlice):
            return value
        text = ast.unparse(node)
        if isinstance(value, StreamHandle) and not value.decl.shape:
            raise DatoTypeError(
                f"dato.{name} works on several channels, and '{value.decl.name}' is a single "
                f"stream; use {text}.{'get()' if name == 'gather' else 'put(x)'}"
            )
        if isinstance(value, StreamHandle) and value.indices:
            raise DatoTypeError(
                f"dato.{name} works on several channels, and `{text}` is one; select them with "
                f"a slice such as {value.decl.name}[{', '.join(':' * len(value.decl.shape))}]"
            )
        if isinstance(value, StreamHandle):  # the whole array
            decl = value.decl
            picks = tuple((Const(0, index), n) for n in decl.shape)
            return StreamSlice(decl, picks=picks, text=text)
        raise DatoTypeError(
            f"dato.{name} takes a slice of a stream array such as pipe[:], not `{text}`"
        )

    def _gather(self, channels: StreamSlice, loc) -> Var:
        """A hidden local of the gathered type, one store of a get per channel: plain stores
        and gets, which every backend already moves and times."""
        t = channels.gathered()
        key = self._hidden_name("gather")
        fill = sem.call(CALLS["zeros"], [], {"shape": t.shape, "dtype": t.dtype})
        local = Var(key, t)
        stmts = [Assign(key, fill, loc)]
        for point, ref in zip(_points(channels.shape), channels.channels()):
            at, _ = sem.subscript(local, [("index", sem.literal(k)) for k in point])
            stmts.append(Store(local, at, Get(ref, channels.decl.elem, loc), loc))
        self.vars[key] = t
        self._pending.extend(stmts)
        return local

    def _scatter(self, x: Expr, channels: StreamSlice, loc):
        """One put of ``x[k]`` per channel, ``x`` checked against the gathered type first; a
        computed ``x`` is evaluated once into a hidden local."""
        expected = channels.gathered()
        decl, selected = channels.decl, f"`{channels.text}`"
        if not isinstance(x.type, TensorType) or x.type.dtype != expected.dtype:
            carried = sem.describe(decl.elem) + ("" if isinstance(decl.elem, DType) else " tiles")
            raise DatoTypeError(
                f"dato.scatter: {selected} carries {carried}, so the tile must be {expected}, "
                f"not {sem.describe(x.type)}"
            )
        lead = x.type.shape[: len(channels.shape)]
        if lead != channels.shape:
            count = len(channels.channels())
            extents = "extents are" if len(channels.shape) > 1 else "extent is"
            raise DatoTypeError(
                f"dato.scatter: {selected} selects {count} channels (shape "
                f"{list(channels.shape)}) but the tile's leading {extents} {list(lead)}: it "
                f"takes {expected}, one {decl.elem} per channel, not {x.type}"
            )
        if x.type != expected:
            raise DatoTypeError(
                f"dato.scatter: each channel of {selected} carries {decl.elem}, so the tile "
                f"must be {expected}, not {x.type}"
            )
        if not (isinstance(x, (Var, ParamRef)) or isinstance(x, Load) and _addresses(x)):
            # evaluated once, before the puts
            key = self._hidden_name("scatter")
            self.vars[key] = x.type
            self._pending.append(Assign(key, x, loc))
            x = Var(key, x.type)
        for point, ref in zip(_points(channels.shape), channels.channels()):
            self._pending.append(Put(ref, sem.check_put(decl, _row(x, point, decl.elem)), loc))

    def _hidden_name(self, what: str) -> str:
        self._hidden += 1
        return self._local(f"_{what}{self._hidden}")


def sliced_method(handle: StreamSlice, method: str) -> DatoTypeError:
    """The error for ``pipe[:].get()`` and the like: several channels have no put or get."""
    collective = "dato.gather(...)" if method == "get" else "dato.scatter(x, ...)"
    return DatoTypeError(
        f"`{handle.text}` selects several channels, which have no {method}(); "
        f"use {collective} on them, or pick one channel"
    )


def indexed_slice(handle: StreamSlice) -> DatoTypeError:
    """The error for ``pipe[:][0]``: a selection is indexed through its stream array."""
    return DatoTypeError(
        f"`{handle.text}` is a selection of channels and cannot be indexed again; index the "
        f"stream array '{handle.decl.name}' itself"
    )


def scatter_has_no_value(node: ast.expr) -> DatoTypeError:
    """The error for ``y = dato.scatter(...)``."""
    return DatoTypeError(
        f"dato.scatter(...) puts on streams and returns nothing, so `{ast.unparse(node)}` has "
        "no value"
    )


def _row(x: Var | ParamRef | Load, point: tuple[int, ...], elem: Type) -> Load:
    """``x[point]``: a load of a named tensor, or a load narrowed further (``a[0]``'s row k is
    ``a[0, k]``), so that a slice of a parameter goes from DDR straight to its channel."""
    if not isinstance(x, Load):
        return sem.load(x, [("index", sem.literal(k)) for k in point])
    picks, indices = list(point), []
    for sub in x.indices:
        if isinstance(sub, Range) and picks:
            sub = Index(sem.binary("+", sub.start, sem.literal(picks.pop(0))))
        indices.append(sub)
    return Load(x.base, tuple(indices), elem, x.loc)


def _addresses(load: Load) -> bool:
    """Are a load's subscripts address arithmetic only (constants, pids, loop variables), so
    that repeating them per channel repeats no get or call?"""

    def pure(e: Expr) -> bool:
        return isinstance(e, (Const, Var, Pid, Unary, Binary)) and all(map(pure, children(e)))

    return all(map(pure, subscript_exprs(load.indices)))


def _points(shape: tuple[int, ...]):
    return itertools.product(*map(range, shape))
