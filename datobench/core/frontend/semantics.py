"""Type rules of task bodies: build typed IR nodes from typed IR nodes.

This module never sees the syntax tree. It raises ``DatoTypeError`` without a location; the
syntax visitor attaches the location of the node it was visiting.
"""

from __future__ import annotations

import numpy as np

from datobench.core.errors import DatoTypeError
from datobench.core.ir.affine import difference
from datobench.core.ir.fold import fold
from datobench.core.ir.nodes import (
    Binary,
    Call,
    Const,
    Expr,
    Index,
    KernelCall,
    Load,
    ParamRef,
    Range,
    Subscript,
    Unary,
    Var,
)
from datobench.core.ir.ops import CALLS, OPERATORS, Op
from datobench.core.ir.ops.rules import as_shape, describe, reduced_axes
from datobench.core.ir.program import KernelDecl, StreamDecl
from datobench.core.ir.types import (
    DType,
    TensorType,
    Type,
    boolean,
    dtype_of,
    float32,
    index,
    make_type,
    shape_of,
)

# what a refused mix of two integer types adds to its error: the rule, in one line
INTEGER_MIX = (
    " (integers of different widths or signedness never mix implicitly: the result of an "
    "integer operation has its operands' one type and wraps at its width)"
)


def literal(value) -> Const:
    if isinstance(value, bool):
        return Const(value, boolean)
    if isinstance(value, int):
        return Const(value, index, weak=True)
    if isinstance(value, float):
        return Const(value, float32, weak=True)
    raise DatoTypeError(f"{value!r} is not a number")


def adopt(value: Expr, dtype: DType) -> Expr:
    """Give an untyped literal the element type ``dtype`` (checking it fits)."""
    if not (isinstance(value, Const) and value.weak) or dtype == index and value.type == index:
        return value
    v = value.value
    if dtype.kind == "float":
        return Const(float(v), dtype, value.loc)
    if dtype.kind in ("int", "index"):
        if isinstance(v, float):
            raise DatoTypeError(f"the float literal {v} cannot be used with {dtype} values")
        if dtype.kind == "int" and not dtype.min <= v <= dtype.max:
            raise DatoTypeError(f"{v} does not fit in {dtype} ({dtype.min}..{dtype.max})")
        return Const(int(v), dtype, value.loc)
    raise DatoTypeError(f"a number cannot be used as {dtype}")


def harden(value: Expr) -> Expr:
    """The type a literal gets when it is stored: ints are indices, floats float32."""
    if isinstance(value, Const) and value.weak:
        return Const(value.value, value.type, value.loc)
    return value


def _weak(e: Expr) -> bool:
    return isinstance(e, Const) and e.weak


def _unify(op: str, lhs: Expr, rhs: Expr) -> tuple[Expr, Expr]:
    """Make both operands one element type, or explain why they are not."""
    lw, rw = _weak(lhs), _weak(rhs)
    if lw and not rw:
        lhs = adopt(lhs, dtype_of(rhs.type))
    elif rw and not lw:
        rhs = adopt(rhs, dtype_of(lhs.type))
    elif lw and rw and lhs.type != rhs.type:  # 1 + 0.5
        lhs, rhs = adopt(lhs, float32), adopt(rhs, float32)
    lt, rt = dtype_of(lhs.type), dtype_of(rhs.type)
    if lt != rt:
        hint = (
            f"; convert with {rt}(...)"
            if lt == index
            else f"; convert with {lt}(...)"
            if rt == index
            else f"; convert one side with .astype({rt})"
        ) + (INTEGER_MIX if lt.kind == rt.kind == "int" else "")
        raise DatoTypeError(
            f"operands of '{op}' have different element types: {describe(lhs.type)} and "
            f"{describe(rhs.type)}{hint}"
        )
    return lhs, rhs


def _operands(op: Op, args: list[Expr]) -> list[Expr]:
    """The operands with those the op unifies given one element type."""
    args = list(args)
    if op.unify:
        i, j = op.unify
        args[i], args[j] = _unify(op.name, args[i], args[j])
    return args


def binary(symbol: str, lhs: Expr, rhs: Expr) -> Expr:
    """``lhs <symbol> rhs`` for a binary Python operator."""
    op = OPERATORS[(2, symbol)]
    if op.node == "call":  # a @ b
        return call(op, [lhs, rhs], {})
    lhs, rhs = _operands(op, [lhs, rhs])
    result = op.typing(op, (lhs.type, rhs.type), {})
    if _weak(lhs) and _weak(rhs):
        try:
            value = op.numpy(lhs.value, rhs.value)
        except ZeroDivisionError:
            raise DatoTypeError("division by zero in a constant expression") from None
        except ValueError as error:  # a shift by a negative amount
            raise DatoTypeError(f"{error} in a constant expression") from None
        return Const(bool(value), boolean) if result == boolean else literal(value)
    return fold(Binary(op.name, lhs, rhs, result))


def unary(symbol: str, operand: Expr) -> Expr:
    if symbol == "+":
        return operand
    op = OPERATORS[(1, symbol)]
    return fold(Unary(op.name, operand, op.typing(op, (operand.type,), {})))


def condition(expr: Expr) -> Expr:
    if expr.type != boolean:
        raise DatoTypeError(
            f"a condition must be a comparison or a boolean, not {describe(expr.type)}"
        )
    return expr


def index_value(expr: Expr, what: str) -> Expr:
    expr = adopt(expr, index)
    if expr.type != index:
        raise DatoTypeError(f"{what} must be an integer index, not {describe(expr.type)}")
    return expr


def runtime_index(expr: Expr) -> Expr:
    """An integer scalar computed at run time (read from a stream or a tensor) as a
    subscript: converted to an index, which the simulator checks against the bound as it runs.
    Index values (pid, loop variables, constants) are as they are."""
    t = expr.type
    if not (isinstance(t, DType) and t.kind == "int"):
        return expr
    if isinstance(expr, Const):
        return Const(int(expr.value), index, expr.loc)
    if isinstance(expr, Binary) and expr.op in ("+", "-", "*"):  # affine in its leaves
        return Binary(expr.op, runtime_index(expr.lhs), runtime_index(expr.rhs), index, expr.loc)
    return Call("astype", (expr,), (("dtype", index),), index, getattr(expr, "loc", None))


def subscript(base: Var | ParamRef, items: list) -> tuple[tuple[Subscript, ...], Type]:
    """Check ``base[items]``; items are ``("index", e)`` or ``("slice", start, stop)``."""
    t = base.type
    if not isinstance(t, TensorType):
        raise DatoTypeError(f"'{base.name}' is {describe(t)} and cannot be indexed")
    if len(items) > len(t.shape):
        raise DatoTypeError(
            f"'{base.name}' has {len(t.shape)} dimensions but is indexed with {len(items)}"
        )
    items = items + [("slice", None, None)] * (len(t.shape) - len(items))
    out: list[Subscript] = []
    shape: list[int] = []
    for dim, (item, size) in enumerate(zip(items, t.shape)):
        if item[0] == "index":
            at = index_value(runtime_index(item[1]), "an index")
            if isinstance(at, Const) and not 0 <= at.value < size:
                raise DatoTypeError(
                    f"index {at.value} is out of range for dimension {dim} of '{base.name}' "
                    f"(size {size})"
                )
            out.append(Index(at))
            continue
        start, stop = (
            index_value(runtime_index(item[k]), "a slice bound") if item[k] is not None else None
            for k in (1, 2)
        )
        start = Const(0, index) if start is None else start
        stop = Const(size, index) if stop is None else stop
        length = difference(stop, start)
        if length is None:
            raise DatoTypeError(
                "a slice's length (stop - start) must be a compile-time constant, so that "
                "its tile shape is known"
            )
        if length <= 0:
            raise DatoTypeError(f"slice of dimension {dim} of '{base.name}' is empty")
        if isinstance(start, Const) and (start.value < 0 or start.value + length > size):
            raise DatoTypeError(
                f"slice {start.value}:{start.value + length} is out of range for dimension "
                f"{dim} of '{base.name}' (size {size})"
            )
        out.append(Range(start, stop, length))
        shape.append(length)
    return tuple(out), make_type(t.dtype, tuple(shape))


def load(base: Var | ParamRef, items: list) -> Load:
    indices, t = subscript(base, items)
    return Load(base, indices, t)


def coerce(value: Expr, target: Type, what: str) -> Expr:
    """``value`` as a value of type ``target`` (literals adopt it), or an error naming ``what``."""
    value = adopt(value, dtype_of(target))
    if value.type == target:
        return value
    if isinstance(target, TensorType) and isinstance(value.type, DType):
        if value.type == target.dtype:  # a scalar fills the tile
            return value
    raise DatoTypeError(f"{what}: expected {describe(target)}, got {describe(value.type)}")


def check_put(stream: StreamDecl, value: Expr) -> Expr:
    value = adopt(value, dtype_of(stream.elem))
    if value.type != stream.elem:
        raise DatoTypeError(
            f"cannot put {describe(value.type)} on stream '{stream.name}', which carries "
            f"{describe(stream.elem)}" + ("" if isinstance(stream.elem, DType) else " tiles")
        )
    return value


def call(op: Op, operands: list[Expr], statics: dict, runtime: dict | None = None) -> Expr:
    """Apply a builtin: check it with its typing rule and build its ``Call``.

    ``statics`` holds the static arguments the user gave (compile-time values); ``runtime``
    those of kind "value" that are computed in the task instead (they become operands)."""
    runtime = runtime or {}
    operands = _operands(op, operands)
    values = {s.name: s.default for s in op.statics if not s.required}
    values.update(statics)
    result = op.typing(op, tuple(a.type for a in operands), values)
    if op.name == "astype" and _weak(operands[0]):  # an untyped literal just takes the type
        return adopt(operands[0], values["dtype"])
    if operands and all(map(_weak, operands)) and not op.statics:  # dato.maximum(0, 1)
        return literal(np.asarray(op.numpy(*(a.value for a in operands))).item())
    if isinstance(result, TensorType) and result.dtype == index:
        raise DatoTypeError(
            f"dato.{op.name}: every value given is an untyped literal, so the tile's element "
            "type is unknown; give one of them a type, as in int32(1)"
        )
    extra = []
    for s in op.runtime:
        if s.name in runtime:
            value = runtime[s.name]
            if isinstance(value.type, TensorType):
                raise DatoTypeError(
                    f"dato.{op.name} fills with a scalar, not {describe(value.type)}"
                )
            extra.append(cast(dtype_of(result), value))
    attrs = []
    for name in op.attr_names:
        if name not in runtime:
            value = _canonical(op.static(name).kind, values[name], operands, result)
            if value is not None:  # an optional element type left out (matmul's acc)
                attrs.append((name, value))
    return Call(op.name, (*operands, *extra), tuple(attrs), result)


def _canonical(kind: str, value, operands: list[Expr], result):
    """A checked static argument as ``Call.attrs`` keeps it."""
    if kind == "shape":
        return tuple(as_shape(value))
    if kind == "axis":
        rank = len(shape_of(operands[0].type))
        return tuple(sorted(a % rank for a in reduced_axes(value, rank)))
    if kind == "flag":
        return bool(value)
    if kind == "value":
        return adopt(literal(value), dtype_of(result)).value
    return value  # an element type, or None


def astype(x: Expr, dtype: DType) -> Expr:
    """``x.astype(T)``."""
    return call(CALLS["astype"], [x], {"dtype": dtype})


def cast(dtype: DType, x: Expr) -> Expr:
    """``int32(x)``: a typed scalar from a literal, an index or another scalar."""
    if isinstance(x.type, TensorType):
        raise DatoTypeError(f"{dtype}(...) makes a scalar; convert a tile with .astype({dtype})")
    return astype(x, dtype)


def kernel_call(decl: KernelDecl, args: list[Expr]) -> KernelCall:
    if len(args) != len(decl.params):
        raise DatoTypeError(
            f"kernel '{decl.name}' takes {len(decl.params)} arguments, got {len(args)}"
        )
    checked = tuple(
        coerce(a, t, f"argument {n + 1} of kernel '{decl.name}'")
        for n, (a, t) in enumerate(zip(args, decl.params))
    )
    return KernelCall(decl.name, checked, decl.result)


def static_int(expr: Expr, what: str) -> int:
    if isinstance(expr, Const) and expr.type == index:
        return expr.value
    raise DatoTypeError(f"{what} must be a compile-time constant")
