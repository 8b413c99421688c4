"""Bit slices of integer scalars in task bodies: ``x[lo:hi]`` reads and writes bits.

The bounds follow Python's slices: ``x[lo:hi]`` is bits lo up to but not including hi
(bit 0 the least significant), ``hi - lo`` bits wide; ``x[i]`` is bit i. ``hi - lo`` must be a
compile-time constant (the width of the result type, ``UInt(hi - lo)``), ``lo`` may be computed
(``w[4 * k:4 * k + 4]`` in a loop). A read is the ``bits`` op, a write ``x[lo:hi] = v``
rebinds ``x`` to the ``set_bits`` op's result, so later stages see only ops on values.
"""

from __future__ import annotations

import ast

from datobench.core.errors import DatoTypeError
from datobench.core.frontend import semantics as sem
from datobench.core.ir.affine import difference
from datobench.core.ir.nodes import Call, Const, Expr, Var
from datobench.core.ir.ops import CALLS
from datobench.core.ir.types import DTYPES, DType, index


def is_bit_base(value) -> bool:
    """Is ``value`` an integer scalar, whose subscript selects bits?"""
    t = getattr(value, "type", None)
    return isinstance(value, Expr) and isinstance(t, DType) and t.kind == "int"


def read(builder, value: Expr, node: ast.expr) -> Call:
    """``value[node]``: the bits the subscript selects."""
    lo, width = _bounds(builder, value, node)
    op = CALLS["bits"]
    result = op.typing(op, (value.type, index), {"width": width})
    return Call("bits", (value, lo), (("width", width),), result)


def writes_bits(builder, target: ast.Subscript) -> bool:
    """Does an assignment to ``target`` write bits of a local integer scalar?"""
    if not isinstance(target.value, ast.Name):
        return False
    t = builder.vars.get(builder._local(target.value.id))
    return isinstance(t, DType) and t.kind == "int"


def write(builder, target: ast.Subscript, value: Expr, loc) -> tuple[str, Call]:
    """``x[lo:hi] = value`` as the rebinding of ``x``: its name and new value."""
    x: Var = builder.expr(target.value)  # a local: writes_bits said so
    lo, width = _bounds(builder, x, target.slice)
    value = sem.adopt(value, DTYPES[f"uint{width}"])
    op = CALLS["set_bits"]
    result = op.typing(op, (x.type, index, value.type), {"width": width})
    return x.name, Call("set_bits", (x, lo, value), (("width", width),), result, loc)


def _bounds(builder, value: Expr, node: ast.expr) -> tuple[Expr, int]:
    """The first bit and the width of a bit subscript, checked against the type's bits."""
    bits = value.type.bits
    if isinstance(node, ast.Tuple):
        raise DatoTypeError(f"{sem.describe(value.type)} has one dimension of bits, not several")
    if isinstance(node, ast.Slice):
        if node.step is not None:
            raise DatoTypeError("a bit slice takes no step")
        lo = _bit(builder, node.lower) if node.lower is not None else Const(0, index)
        hi = _bit(builder, node.upper) if node.upper is not None else Const(bits, index)
        width = difference(hi, lo)
        if width is None:
            raise DatoTypeError(
                "a bit slice's width (hi - lo) must be a compile-time constant, so that its "
                "type UInt(hi - lo) is known"
            )
    else:
        lo, width = _bit(builder, node), 1
    if width <= 0:
        raise DatoTypeError(f"the bit slice is empty ({width} bits wide)")
    first = lo.value if isinstance(lo, Const) else 0
    if isinstance(lo, Const) and (first < 0 or first + width > bits):
        raise DatoTypeError(
            f"bits {first}:{first + width} are outside the {bits} bits of "
            f"{sem.describe(value.type)} (bit slices are x[lo:hi], hi excluded)"
        )
    if width > bits:
        raise DatoTypeError(f"a {width}-bit slice of {sem.describe(value.type)} is too wide")
    return lo, width


def _bit(builder, node: ast.expr) -> Expr:
    return sem.index_value(builder.expr(node), "a bit position")
