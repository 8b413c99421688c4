"""The op table: every operator and builtin of task bodies, each declared once.

Adding a builtin means adding an ``Op`` here (and, for the HLS backend, its functor in
``codegen/hls/include/dato_hls.h``); the front end, the simulators, the code generator, the
cost model and ``datobench``'s exports all read it from here.
"""

from __future__ import annotations

import operator
from dataclasses import replace

import numpy as np

from datobench.core.ir import bits
from datobench.core.ir.ops import reference as ref
from datobench.core.ir.ops import rules
from datobench.core.ir.ops.op import HlsForm, Op, Static


def _infix(symbol: str, functor: str, scalar: str | None = None) -> HlsForm:
    """A C++ operator for scalars (or the call ``scalar``), a ``dato_hls.h`` functor applied
    elementwise to tiles."""
    return HlsForm(
        scalar=scalar or f"{{0}} {symbol} {{1}}",
        tile=f"dato::binary<dato::{functor}>({{out}}, {{0}}, {{1}});",
        promotes=scalar is None,
    )


def _functor(name: str, arity: int) -> HlsForm:
    """A ``dato_hls.h`` functor ``name``: ``name::f(...)`` on scalars, elementwise on tiles."""
    operands = ", ".join(f"{{{k}}}" for k in range(arity))
    kind = "unary" if arity == 1 else "binary"
    return HlsForm(
        scalar=f"dato::{name}::f({operands})",
        tile=f"dato::{kind}<dato::{name}>({{out}}, {operands});",
    )


def _reduce(combiner: str) -> HlsForm:
    """A reduction with a ``dato_hls.h`` combiner (over every element for a scalar result)."""
    return HlsForm(
        scalar=f"dato::reduce_all<dato::{combiner}>({{0}})",
        tile=f"dato::reduce<dato::{combiner}, {{axis}}u>({{out}}, {{0}});",
    )


def _binary(symbol: str, fn, typing, hls: HlsForm, cost="vector", work=True) -> Op:
    return Op(
        symbol,
        "binary",
        ("lhs", "rhs"),
        typing,
        cost,
        work,
        numpy=fn,
        unify=(0, 1),
        hls=hls,
        operator=symbol,
    )


def _arithmetic(symbol: str, fn, functor: str, typing=rules.arithmetic, scalar=None) -> Op:
    return _binary(symbol, fn, typing, _infix(symbol, functor, scalar))


def _comparison(symbol: str, fn, functor: str) -> Op:
    # conditions and masks are control here: they cost no vector cycles and are not work
    return _binary(symbol, fn, rules.comparison, _infix(symbol, functor), "free", False)


def _logical(symbol: str, fn, cpp: str) -> Op:
    op = _binary(symbol, fn, rules.logical, HlsForm(f"{{0}} {cpp} {{1}}", promotes=True), "free")
    return replace(op, unify=(), work=False)  # each side must already be a condition


def _bitwise(symbol: str, fn, functor: str) -> Op:
    return _arithmetic(symbol, fn, functor, rules.bitwise)


def _shift(symbol: str, fn, functor: str) -> Op:
    """A shift: the amount is checked against the width (``bits.shift``), and the C++ form
    shifts by an ``int``, which ``ap_int`` takes."""
    hls = HlsForm(
        f"{{0}} {symbol} static_cast<int>({{1}})",
        f"dato::binary<dato::{functor}>({{out}}, {{0}}, {{1}});",
        promotes=True,
    )
    return replace(_binary(symbol, fn, rules.bitwise, hls), typed=True)


def _reduction(name: str, numpy, combiner: str) -> Op:
    return Op(
        name,
        "call",
        ("x",),
        rules.reduction,
        "vector",
        True,
        numpy=numpy,
        statics=(Static("axis", "axis", None, positional=True), Static("keepdims", "flag", False)),
        hls=_reduce(combiner),
        method=name,
    )


def _floating(name: str, numpy, functor: str, doc: str, fast: str | None = None) -> Op:
    """An elementwise function of floating-point values."""
    return Op(
        name,
        "call",
        ("x",),
        rules.takes(rules.is_float, "floating-point values"),
        "vector",
        True,
        numpy=ref.floating(numpy),
        fast=fast,
        hls=_functor(functor, 1),
        function=name,
        doc=doc,
    )


OPS: tuple[Op, ...] = (
    # -- operators --------------------------------------------------------------------------
    _arithmetic("+", operator.add, "op_add"),
    _arithmetic("-", operator.sub, "op_sub"),
    _arithmetic("*", operator.mul, "op_mul"),
    _arithmetic("/", operator.truediv, "op_div", rules.true_division),
    _arithmetic("//", operator.floordiv, "op_floordiv", scalar="dato::floordiv<{T}>({0}, {1})"),
    _arithmetic("%", operator.mod, "op_mod", scalar="dato::mod<{T}>({0}, {1})"),
    _bitwise("&", operator.and_, "op_and"),
    _bitwise("|", operator.or_, "op_or"),
    _bitwise("^", operator.xor, "op_xor"),
    _shift("<<", bits.shift_left, "op_shl"),
    _shift(">>", bits.shift_right, "op_shr"),
    _comparison("==", operator.eq, "op_eq"),
    _comparison("!=", operator.ne, "op_ne"),
    _comparison("<", operator.lt, "op_lt"),
    _comparison("<=", operator.le, "op_le"),
    _comparison(">", operator.gt, "op_gt"),
    _comparison(">=", operator.ge, "op_ge"),
    _logical("and", lambda a, b: bool(a and b), "&&"),
    _logical("or", lambda a, b: bool(a or b), "||"),
    Op(
        "-",
        "unary",
        ("x",),
        rules.negation,
        "vector",
        True,
        numpy=operator.neg,
        hls=HlsForm("-{0}", "dato::unary<dato::op_neg>({out}, {0});", promotes=True),
        operator="-",
    ),
    Op(
        "~",
        "unary",
        ("x",),
        rules.bitwise,
        "vector",
        True,
        numpy=operator.invert,
        hls=HlsForm("~{0}", "dato::unary<dato::op_invert>({out}, {0});", promotes=True),
        operator="~",
    ),
    Op(
        "not",
        "unary",
        ("x",),
        rules.logical_not,
        "free",
        False,
        numpy=operator.not_,
        hls=HlsForm("!{0}", promotes=True),
        operator="not",
    ),
    # -- builtins ---------------------------------------------------------------------------
    Op(
        "matmul",
        "call",
        ("a", "b"),
        rules.matmul,
        "mac",
        True,
        numpy=ref.matmul,
        statics=(Static("acc", "dtype", None),),
        fast="({0} @ {1})",
        hls=HlsForm(tile="dato::matmul<false>({out}, {0}, {1});"),
        function="matmul",
        operator="@",
        doc="``a @ b`` with products accumulated in ``acc`` (default: the operands' type); "
        "a bfp16 B runs on the bfp16 datapath (``dato.bfp16``).",
        typed=True,  # bfp16 operands are float32 arrays: the datapath needs their types
    ),
    Op(
        "zeros",
        "call",
        (),
        rules.fill,
        "fill",
        False,
        numpy=ref.zeros,
        statics=(
            Static("shape", "shape", positional=True),
            Static("dtype", "dtype", positional=True),
        ),
        hls=HlsForm(tile="dato::fill({out}, 0);"),
        function="zeros",
        doc="A new tile of ``shape`` filled with zeros of element type ``dtype``.",
    ),
    Op(
        "full",
        "call",
        (),
        rules.fill,
        "fill",
        False,
        numpy=ref.full,
        statics=(
            Static("shape", "shape", positional=True),
            Static("value", "value", positional=True),
            Static("dtype", "dtype", positional=True),
        ),
        attrs=("shape", "dtype", "value"),
        hls=HlsForm(tile="dato::fill({out}, {value});"),
        function="full",
        doc="A new tile of ``shape`` filled with ``value`` (a constant or a scalar computed "
        "in the task) of element type ``dtype``.",
    ),
    _floating(
        "exp",
        np.exp,
        "op_exp",
        "Elementwise e**x (bf16 is computed in float32 and rounded).",
        fast="np.exp({0})",
    ),
    _floating("sqrt", np.sqrt, "op_sqrt", "Elementwise square root (bf16: in float32, rounded)."),
    _floating(
        "rsqrt",
        lambda x: np.float32(1) / np.sqrt(x),
        "op_rsqrt",
        "Elementwise 1 / sqrt(x) (bf16: in float32, rounded once).",
    ),
    _floating("tanh", np.tanh, "op_tanh", "Elementwise hyperbolic tangent (bf16: in float32)."),
    Op(
        "abs",
        "call",
        ("x",),
        rules.takes(lambda dtype: dtype.kind != "bool", "numbers"),
        "vector",
        True,
        numpy=np.abs,  # exact in every type; integers wrap: abs(int8 -128) is -128
        hls=_functor("op_abs", 1),
        function="abs",
        doc="Elementwise absolute value; integers wrap as numpy's do (abs(int8 -128) = -128).",
    ),
    Op(
        "maximum",
        "call",
        ("x", "y"),
        rules.elementwise,
        "vector",
        True,
        numpy=np.maximum,
        unify=(0, 1),
        hls=_functor("op_max", 2),
        function="maximum",
        doc="The elementwise larger of ``x`` and ``y`` (broadcast).",
    ),
    Op(
        "minimum",
        "call",
        ("x", "y"),
        rules.elementwise,
        "vector",
        True,
        numpy=np.minimum,
        unify=(0, 1),
        hls=_functor("op_min", 2),
        function="minimum",
        doc="The elementwise smaller of ``x`` and ``y`` (broadcast).",
    ),
    Op(
        "where",
        "call",
        ("cond", "x", "y"),
        rules.select,
        "vector",
        True,
        numpy=np.where,
        unify=(1, 2),
        hls=HlsForm("({0} ? {1} : {2})", "dato::where({out}, {0}, {1}, {2});"),
        function="where",
        doc="``x`` where ``cond`` holds, else ``y`` (broadcast).",
    ),
    _reduction("sum", ref.reduce_sum, "red_sum"),
    _reduction("max", ref.reduce_with(np.max), "red_max"),
    _reduction("min", ref.reduce_with(np.min), "red_min"),
    Op(
        "astype",
        "call",
        ("x",),
        rules.convert,
        "vector",
        True,
        numpy=ref.astype,
        statics=(Static("dtype", "dtype", positional=True),),
        hls=HlsForm("static_cast<{R}>({0})", "dato::convert({out}, {0});"),
        method="astype",
    ),
    # -- integers as bits (the front end builds bit slices from `x[lo:hi]`) -----------------
    Op(
        "bits",
        "call",
        ("x", "lo"),
        rules.bit_slice,
        "free",
        False,
        numpy=bits.get_bits,
        statics=(Static("width", "int"),),
        hls=HlsForm("dato::get_bits<{width}>({0}, {1})"),
        typed=True,
    ),
    Op(
        "set_bits",
        "call",
        ("x", "lo", "value"),
        rules.bit_update,
        "free",
        False,
        numpy=bits.set_bits,
        statics=(Static("width", "int"),),
        hls=HlsForm("dato::set_bits<{width}>({0}, {1}, {2})"),
        typed=True,
    ),
    Op(
        "pack",
        "call",
        ("x",),
        rules.pack,
        "vector",
        False,
        numpy=bits.pack,
        statics=(Static("dtype", "dtype", positional=True),),
        hls=HlsForm("dato::pack_word<{R}>({0})", "dato::pack({out}, {0});"),
        function="pack",
        typed=True,
        doc="Integers of a tile packed into words of integer type ``dtype`` along the last "
        "axis, element 0 in the least significant bits (``dato.pack(t, UInt(32))``); a 1-D "
        "tile that fills one word gives that word.",
    ),
    Op(
        "unpack",
        "call",
        ("words",),
        rules.unpack,
        "vector",
        False,
        numpy=bits.unpack,
        statics=(Static("dtype", "dtype", positional=True),),
        hls=HlsForm(tile="dato::unpack({out}, {0});"),
        function="unpack",
        typed=True,
        doc="Words (a tile, or one word) split into integers of type ``dtype`` along the last "
        "axis, the inverse of ``dato.pack`` (``dato.unpack(w, int4)``).",
    ),
    Op(
        "transpose",
        "call",
        ("x",),
        rules.transpose,
        "free",
        False,
        numpy=ref.transpose,
        hls=HlsForm(tile="dato::transpose({out}, {0});"),
        attribute="T",
    ),
)

# The AIE kernel each op is called as on the NPU (``codegen/aie/kernels.py``): by node and name.
_AIE = {
    **{
        ("binary", s): f"dato_{n}"
        for s, n in (
            ("+", "add"),
            ("-", "sub"),
            ("*", "mul"),
            ("/", "div"),
            ("//", "floordiv"),
            ("%", "mod"),
            ("&", "and_bits"),
            ("|", "or_bits"),
            ("^", "xor_bits"),
            ("<<", "shl"),
            (">>", "shr"),
            ("==", "eq"),
            ("!=", "ne"),
            ("<", "lt"),
            ("<=", "le"),
            (">", "gt"),
            (">=", "ge"),
            ("and", "and"),
            ("or", "or"),
        )
    },
    ("unary", "-"): "dato_neg",
    ("unary", "not"): "dato_not",
    ("unary", "~"): "dato_invert",
    **{
        ("call", n): f"dato_{n}"
        for n in (
            "matmul",
            "zeros",
            "full",
            "exp",
            "sqrt",
            "rsqrt",
            "tanh",
            "abs",
            "maximum",
            "minimum",
            "where",
            "astype",
            "transpose",
        )
    },
    **{("call", n): f"dato_reduce_{n}" for n in ("sum", "max", "min")},
}
OPS = tuple(replace(op, aie=_AIE.get((op.node, op.name))) for op in OPS)
