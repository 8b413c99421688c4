"""Scalars in task bodies: region scalar parameters, conditional expressions ``a if c else b``
and Python's ``int``, ``min``, ``max`` and ``abs``.

``ScalarExpressions`` is a mixin of the task body visitor (``task.TaskBuilder``), like
``helpers.HelperInlining``; ``scalar_param_type`` reads a region parameter's scalar annotation.
"""

from __future__ import annotations

import ast
import builtins as py_builtins

from datobench.core.errors import DatoTypeError
from datobench.core.frontend import semantics as sem
from datobench.core.ir.nodes import Binary, Const, Expr, Get, Pid, Unary, Var, children
from datobench.core.ir.ops import CALLS
from datobench.core.ir.ops.rules import broadcast, describe
from datobench.core.ir.types import (
    ELEMENT_TYPES,
    DType,
    TensorType,
    boolean,
    dtype_of,
    float32,
    index,
    int32,
    shape_of,
)

SCALAR_TYPES = (*ELEMENT_TYPES, boolean)  # what a region's scalar parameter may be


def scalar_param_type(t: object) -> DType | None:
    """The element type of a scalar region parameter annotated ``t`` (Python's ``bool`` is
    ``dato.boolean``), or None when ``t`` is not a scalar type."""
    if t is py_builtins.bool:
        return boolean
    return t if isinstance(t, DType) and t in SCALAR_TYPES else None


def python_number_hint(t: object) -> str | None:
    """The dato type to write instead of Python's ``int`` or ``float`` (widths are explicit)."""
    return {py_builtins.int: "int32", py_builtins.float: "float32"}.get(t)


class ScalarExpressions:
    """Conditional expressions and Python's scalar builtins, for ``TaskBuilder``."""

    PYTHON_BUILTINS = (py_builtins.int, py_builtins.min, py_builtins.max, py_builtins.abs)

    def visit_IfExp(self, node: ast.IfExp):
        """``a if c else b``: with a scalar condition, only the branch taken is evaluated (as in
        Python); with a tile of booleans, elementwise like numpy.where (both are)."""
        cond = self.expr(node.test)
        if dtype_of(cond.type) != boolean:
            raise DatoTypeError(
                "the condition of `a if c else b` must be a comparison or a boolean (a scalar, "
                f"or a tile of them for an elementwise choice), not {describe(cond.type)}"
            ).at(self.src.loc(node.test))
        then, orelse = self.expr(node.body), self.expr(node.orelse)
        for branch, part in ((then, node.body), (orelse, node.orelse)):
            _no_stream_reads(branch, part)
        if isinstance(cond, Const):  # decided at compile time
            return sem.harden(then) if cond.value else sem.harden(orelse)
        then, orelse = _branch_types(then, orelse, cond)
        try:
            broadcast(shape_of(then.type), shape_of(orelse.type), "")
            broadcast(shape_of(cond.type), shape_of(then.type), "")
            broadcast(shape_of(cond.type), shape_of(orelse.type), "")
        except DatoTypeError:
            shapes = ", ".join(str(list(shape_of(e.type))) for e in (cond, then, orelse))
            raise DatoTypeError(
                "the condition and branches of `a if c else b` must have shapes that "
                f"broadcast together; they have shapes {shapes} (condition, then, else)"
            ) from None
        return sem.call(CALLS["where"], [cond, then, orelse], {})

    def python_builtin(self, fn, node: ast.Call) -> Expr:
        """``int(x)``, ``min(a, b, ...)`` and ``max(a, b, ...)`` on scalars (on a tile, Python's
        would iterate over it: the error says what to write), ``abs(x)`` (elementwise on a
        tile, as Python's is on a numpy array)."""
        name = fn.__name__
        if node.keywords:
            raise DatoTypeError(f"{name}() takes no keyword arguments in a task body")
        args = [self.expr(a) for a in node.args]
        if fn is py_builtins.int:
            if len(args) != 1:
                raise DatoTypeError("int(x) takes one value")
            return to_int(args[0])
        if fn is py_builtins.abs:
            if len(args) != 1:
                raise DatoTypeError("abs(x) takes one value")
            return sem.call(CALLS["abs"], args, {})
        if len(args) < 2:
            raise DatoTypeError(
                f"{name}() takes two or more scalars in a task body, not {len(args)}; for the "
                f"{name}imum of a tile's elements write x.{name}()"
            )
        for a in args:
            if isinstance(a.type, TensorType):
                raise DatoTypeError(
                    f"{name}() takes scalars, not {describe(a.type)}: for tiles use "
                    f"dato.{name}imum(x, y) (elementwise) or x.{name}() (over the elements)"
                )
        op = CALLS["minimum" if fn is py_builtins.min else "maximum"]
        result = args[0]
        for a in args[1:]:
            result = sem.call(op, [result, a], {})
        return result


def to_int(x: Expr) -> Expr:
    """``int(x)``: an integer scalar as it is, a float or boolean one converted to int32
    (floats truncate toward zero, as Python's ``int`` does)."""
    if isinstance(x.type, TensorType):
        raise DatoTypeError("int(x) converts a scalar; convert a tile with .astype(int32)")
    if isinstance(x, Const) and x.weak:
        return sem.literal(int(x.value))
    if x.type.is_integer:
        return x
    return sem.astype(x, int32)


def _branch_types(then: Expr, orelse: Expr, cond: Expr) -> tuple[Expr, Expr]:
    """The branches with one element type (a literal adopts the other's), or an error. A
    choice made on run-time data gives data, never an index: index branches become int32."""
    then, orelse = _adopted(then, orelse)
    if dtype_of(then.type) != dtype_of(orelse.type):
        raise DatoTypeError(
            f"the branches of `a if c else b` have different element types: "
            f"{describe(then.type)} and {describe(orelse.type)}; convert one with .astype(...) "
            "or a type such as int32(...)"
        )
    if dtype_of(then.type) == index and not _static(cond):
        then, orelse = sem.cast(int32, then), sem.cast(int32, orelse)
    return then, orelse


def _adopted(then: Expr, orelse: Expr) -> tuple[Expr, Expr]:
    """A literal branch takes the other branch's element type (two literals: int and float
    make float32), as literals do with every operator."""
    tw, ow = _weak(then), _weak(orelse)
    if tw and not ow:
        then = sem.adopt(then, dtype_of(orelse.type))
    elif ow and not tw:
        orelse = sem.adopt(orelse, dtype_of(then.type))
    elif tw and ow and then.type != orelse.type:
        then, orelse = sem.adopt(then, float32), sem.adopt(orelse, float32)
    return sem.harden(then), sem.harden(orelse)


def _weak(e: Expr) -> bool:
    return isinstance(e, Const) and e.weak


def _static(e: Expr) -> bool:
    """Is a condition computed from indices only (pid, loop variables, constants)?"""
    if isinstance(e, (Const, Pid)):
        return True
    if isinstance(e, Var):
        return e.type == index
    if isinstance(e, (Binary, Unary)):
        return all(_static(c) for c in children(e))
    return False


def _no_stream_reads(branch: Expr, node: ast.expr):
    """A stream read in a branch would be counted whichever branch runs: refuse it."""
    pending = [branch]
    while pending:
        e = pending.pop()
        if isinstance(e, Get):
            raise DatoTypeError(
                f"`{ast.unparse(node)}` reads a stream inside a conditional expression; take "
                "the element with an `if` statement, so that each branch's gets are counted"
            )
        pending.extend(children(e))
