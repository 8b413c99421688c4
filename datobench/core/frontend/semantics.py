"""Type rules of task bodies: build typed IR nodes from typed IR nodes.

This module never sees the syntax tree. It raises ``DatoTypeError`` without a location; the
syntax visitor attaches the location of the node it was visiting.
"""

from __future__ import annotations

import numpy as np

from datobench.core.errors import DatoTypeError
from datobench.core.ir.affine import difference
from datobench.core.ir.fold import FOLD as _FOLD
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

ARITHMETIC = ("+", "-", "*", "/", "//", "%")
COMPARISON = ("==", "!=", "<", "<=", ">", ">=")


def describe(t: Type) -> str:
    if isinstance(t, TensorType):
        return str(t)
    if t == index:
        return "an index"
    return f"{'an' if t.name[0] in 'aeiou' else 'a'} {t} scalar"


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
        if dtype.kind == "int":
            info = np.iinfo(dtype.np)
            if not info.min <= v <= info.max:
                raise DatoTypeError(f"{v} does not fit in {dtype} ({info.min}..{info.max})")
        return Const(int(v), dtype, value.loc)
    raise DatoTypeError(f"a number cannot be used as {dtype}")


def harden(value: Expr) -> Expr:
    """The type a literal gets when it is stored: ints are indices, floats float32."""
    if isinstance(value, Const) and value.weak:
        return Const(value.value, value.type, value.loc)
    return value


def broadcast(a: tuple[int, ...], b: tuple[int, ...], what: str) -> tuple[int, ...]:
    out = []
    for x, y in zip(reversed((1,) * (len(b) - len(a)) + a), reversed((1,) * (len(a) - len(b)) + b)):
        if x != y and 1 not in (x, y):
            raise DatoTypeError(f"shapes {list(a)} and {list(b)} do not broadcast in {what}")
        out.append(max(x, y))
    return tuple(reversed(out))


def _unify(op: str, lhs: Expr, rhs: Expr) -> tuple[Expr, Expr, DType]:
    """Make both operands one element type, or explain why they are not."""
    lw = isinstance(lhs, Const) and lhs.weak
    rw = isinstance(rhs, Const) and rhs.weak
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
        )
        raise DatoTypeError(
            f"operands of '{op}' have different element types: {describe(lhs.type)} and "
            f"{describe(rhs.type)}{hint}"
        )
    return lhs, rhs, lt


def binary(op: str, lhs: Expr, rhs: Expr) -> Expr:
    if op in ("and", "or"):
        return logical(op, lhs, rhs)
    if op == "@":
        return matmul(lhs, rhs, None)
    lhs, rhs, dtype = _unify(op, lhs, rhs)
    if dtype == boolean and op in ARITHMETIC:
        raise DatoTypeError(f"'{op}' is not defined on booleans")
    if op == "/" and dtype.is_integer:
        raise DatoTypeError("'/' is not defined on integers; use '//' for integer division")
    shape = broadcast(shape_of(lhs.type), shape_of(rhs.type), f"'{op}'")
    result = make_type(boolean if op in COMPARISON else dtype, shape)
    if isinstance(lhs, Const) and lhs.weak and isinstance(rhs, Const) and rhs.weak:
        value = _FOLD[op](lhs.value, rhs.value)
        return literal(value) if op not in COMPARISON else Const(bool(value), boolean)
    return fold(Binary(op, lhs, rhs, result))


def logical(op: str, lhs: Expr, rhs: Expr) -> Expr:
    for side in (lhs, rhs):
        if side.type != boolean:
            raise DatoTypeError(f"'{op}' takes conditions, not {describe(side.type)}")
    return fold(Binary(op, lhs, rhs, boolean))


def unary(op: str, operand: Expr) -> Expr:
    if op == "not":
        if operand.type != boolean:
            raise DatoTypeError(f"'not' takes a condition, not {describe(operand.type)}")
        return fold(Unary("not", operand, boolean))
    if op == "+":
        return operand
    if dtype_of(operand.type) == boolean:
        raise DatoTypeError("unary '-' is not defined on booleans")
    return fold(Unary("-", operand, operand.type))


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
            at = index_value(item[1], "an index")
            if isinstance(at, Const) and not 0 <= at.value < size:
                raise DatoTypeError(
                    f"index {at.value} is out of range for dimension {dim} of '{base.name}' "
                    f"(size {size})"
                )
            out.append(Index(at))
            continue
        start = index_value(item[1], "a slice bound") if item[1] is not None else Const(0, index)
        stop = index_value(item[2], "a slice bound") if item[2] is not None else Const(size, index)
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


def _tensor(x: Expr, fn: str) -> TensorType:
    if not isinstance(x.type, TensorType):
        raise DatoTypeError(f"{fn} takes a tensor, not {describe(x.type)}")
    return x.type


def matmul(a: Expr, b: Expr, acc: DType | None) -> Expr:
    ta, tb = _tensor(a, "matmul"), _tensor(b, "matmul")
    if len(ta.shape) != 2 or len(tb.shape) != 2:
        raise DatoTypeError(f"matmul takes two 2-D tiles, got {ta} and {tb}")
    if ta.shape[1] != tb.shape[0]:
        raise DatoTypeError(f"matmul: inner dimensions differ in {ta} @ {tb}")
    if ta.dtype != tb.dtype:
        raise DatoTypeError(
            f"matmul operands have different element types: {ta} and {tb}; convert one with "
            f".astype({tb.dtype})"
        )
    out = acc or ta.dtype
    if out.is_float != ta.dtype.is_float or out.bits < ta.dtype.bits:
        raise DatoTypeError(f"cannot accumulate {ta.dtype} products in {out}")
    attrs = (("acc", out.name),) if acc else ()
    return Call("matmul", (a, b), attrs, TensorType(out, (ta.shape[0], tb.shape[1])))


def constructor(fn: str, shape: tuple[int, ...], dtype: DType, value=None) -> Call:
    if not isinstance(dtype, DType) or dtype.kind not in ("int", "float"):
        raise DatoTypeError(f"{fn} needs an element type such as float32, not {dtype!r}")
    for d in shape:
        if not isinstance(d, int) or isinstance(d, bool) or d <= 0:
            raise DatoTypeError(f"{fn}: shape entries must be positive constants, not {d!r}")
    attrs: tuple = (("shape", tuple(shape)), ("dtype", dtype.name))
    if value is not None:
        attrs += (("value", adopt(literal(value), dtype).value),)
    return Call(fn, (), attrs, make_type(dtype, tuple(shape)))


def filled(shape: tuple[int, ...], dtype: DType, value: Expr) -> Call:
    """``dato.full(shape, value, dtype)`` with a value computed in the task (pid, a scalar)."""
    base = constructor("zeros", shape, dtype)
    if isinstance(value.type, TensorType):
        raise DatoTypeError(f"dato.full fills with a scalar, not {describe(value.type)}")
    value = cast(dtype, value)
    return Call("full", (value,), base.attrs, base.type)


def elementwise(fn: str, args: list[Expr]) -> Call:
    if fn == "exp":
        (x,) = args
        if not dtype_of(x.type).is_float:
            raise DatoTypeError(f"exp takes floating-point values, not {describe(x.type)}")
        return Call("exp", (x,), (), x.type)
    if fn == "where":
        cond, x, y = args
        x, y, dtype = _unify(fn, x, y)
        if dtype_of(cond.type) != boolean:
            raise DatoTypeError(f"where takes a condition first, not {describe(cond.type)}")
        inner = broadcast(shape_of(x.type), shape_of(y.type), fn)
        shape = broadcast(shape_of(cond.type), inner, fn)
        return Call(fn, (cond, x, y), (), make_type(dtype, shape))
    x, y, dtype = _unify(fn, args[0], args[1])
    shape = broadcast(shape_of(x.type), shape_of(y.type), fn)
    return Call(fn, (x, y), (), make_type(dtype, shape))


def reduction(fn: str, x: Expr, axis, keepdims: bool) -> Call:
    t = _tensor(x, f".{fn}()")
    rank = len(t.shape)
    axes = tuple(range(rank)) if axis is None else (axis,) if isinstance(axis, int) else axis
    for a in axes:
        if not isinstance(a, int) or not -rank <= a < rank:
            raise DatoTypeError(f".{fn}(axis={axis}) is out of range for {t}")
    axes = tuple(sorted(a % rank for a in axes))
    if keepdims:
        shape = tuple(1 if d in axes else s for d, s in enumerate(t.shape))
    else:
        shape = tuple(s for d, s in enumerate(t.shape) if d not in axes)
    attrs = (("axis", axes), ("keepdims", bool(keepdims)))
    return Call(fn, (x,), attrs, make_type(t.dtype, shape))


def astype(x: Expr, dtype: DType) -> Call:
    if not isinstance(dtype, DType) or dtype.kind not in ("int", "float"):
        raise DatoTypeError(f".astype() takes an element type such as int32, not {dtype!r}")
    if isinstance(x, Const) and x.weak:
        return adopt(x, dtype)
    return Call("astype", (x,), (("dtype", dtype.name),), make_type(dtype, shape_of(x.type)))


def cast(dtype: DType, x: Expr) -> Expr:
    """``int32(x)``: a typed scalar from a literal, an index or another scalar."""
    if isinstance(x.type, TensorType):
        raise DatoTypeError(f"{dtype}(...) makes a scalar; convert a tile with .astype({dtype})")
    if isinstance(x, Const) and x.weak:
        return adopt(x, dtype)
    return astype(x, dtype)


def transpose(x: Expr) -> Call:
    t = _tensor(x, ".T")
    if len(t.shape) != 2:
        raise DatoTypeError(f".T transposes 2-D tiles, not {t}")
    return Call("transpose", (x,), (), TensorType(t.dtype, (t.shape[1], t.shape[0])))


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
