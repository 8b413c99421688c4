"""Typing rules of ops: functions of the operand types (and static arguments) that return the
result type or raise ``DatoTypeError``. The front end attaches the user's location."""

from __future__ import annotations

from collections.abc import Callable

from datobench.core.errors import DatoTypeError
from datobench.core.ir.types import (
    DTYPES,
    DType,
    TensorType,
    Type,
    bf16,
    bfp16,
    boolean,
    check_blocked,
    dtype_of,
    float32,
    index,
    make_type,
    shape_of,
)


def describe(t: Type) -> str:
    """A type as the error messages name it: ``float32[16]``, "an index", "a bf16 scalar"."""
    if isinstance(t, TensorType):
        return str(t)
    if t.kind == "index":
        return "an index"
    return f"{'an' if t.name[0] in 'aeiou' else 'a'} {t} scalar"


def broadcast(a: tuple[int, ...], b: tuple[int, ...], what: str) -> tuple[int, ...]:
    """The numpy broadcast of two shapes, or an error naming ``what``."""
    out = []
    for x, y in zip(reversed((1,) * (len(b) - len(a)) + a), reversed((1,) * (len(a) - len(b)) + b)):
        if x != y and 1 not in (x, y):
            raise DatoTypeError(f"shapes {list(a)} and {list(b)} do not broadcast in {what}")
        out.append(max(x, y))
    return tuple(reversed(out))


def as_shape(shape) -> tuple:
    return shape if isinstance(shape, tuple) else (shape,)


def reduced_axes(axis, rank: int) -> tuple[int, ...]:
    """The axes a reduction's ``axis`` argument names (None: all), unchecked."""
    return tuple(range(rank)) if axis is None else axis if isinstance(axis, tuple) else (axis,)


def _tensor(t: Type, what: str) -> TensorType:
    if not isinstance(t, TensorType):
        raise DatoTypeError(f"{what} takes a tensor, not {describe(t)}")
    return t


def _element_type(dtype) -> bool:
    return isinstance(dtype, DType) and dtype.kind in ("int", "float", "bool")


def _unblocked(types, what: str) -> None:
    """bfp16 values are multiplied (``dato.matmul``), converted and moved, nothing else: their
    blocks share an exponent, so elementwise work needs them converted first."""
    for t in types:
        if dtype_of(t) == bfp16:
            raise DatoTypeError(
                f"{what} is not defined on bfp16 ({describe(t)}): bfp16 values go into "
                "dato.matmul; convert them with .astype(bf16) for anything else"
            )


# -- operators ----------------------------------------------------------------------------------
def arithmetic(op, types, statics) -> Type:
    """``+ - * // %`` on operands of one element type (booleans excluded), broadcast."""
    lt, rt = types
    dtype = dtype_of(lt)
    if dtype == boolean:
        raise DatoTypeError(f"'{op.name}' is not defined on booleans")
    _unblocked(types, f"'{op.name}'")
    return make_type(dtype, broadcast(shape_of(lt), shape_of(rt), f"'{op.name}'"))


def true_division(op, types, statics) -> Type:
    if dtype_of(types[0]) != boolean and dtype_of(types[0]).is_integer:
        raise DatoTypeError("'/' is not defined on integers; use '//' for integer division")
    return arithmetic(op, types, statics)


def comparison(op, types, statics) -> Type:
    lt, rt = types
    _unblocked(types, f"'{op.name}'")
    return make_type(boolean, broadcast(shape_of(lt), shape_of(rt), f"'{op.name}'"))


def logical(op, types, statics) -> Type:
    for t in types:
        if t != boolean:
            raise DatoTypeError(f"'{op.name}' takes conditions, not {describe(t)}")
    return boolean


def negation(op, types, statics) -> Type:
    (t,) = types
    if dtype_of(t) == boolean:
        raise DatoTypeError("unary '-' is not defined on booleans")
    _unblocked(types, "unary '-'")
    return t


def bitwise(op, types, statics) -> Type:
    """``& | ^ << >>`` on integers (or indices, as constants are) of one type, broadcast, and
    ``~`` on one: bits, so neither floats nor booleans (``and``/``or``/``not`` are logical)."""
    for t in types:
        if t != index:
            _integer(t, f"'{op.name}'")
    shape = shape_of(types[0])
    if len(types) == 2:
        shape = broadcast(shape, shape_of(types[1]), f"'{op.name}'")
    return make_type(dtype_of(types[0]), shape)


def logical_not(op, types, statics) -> Type:
    (t,) = types
    if t != boolean:
        raise DatoTypeError(f"'not' takes a condition, not {describe(t)}")
    return boolean


# -- builtins -----------------------------------------------------------------------------------
def takes(accept: Callable[[DType], bool], what: str) -> Callable:
    """An elementwise rule for values whose element type ``accept`` admits: the result has
    the operand's type. ``what`` names them in the error: "exp takes <what>, not ..."."""

    def rule(op, types, statics) -> Type:
        (t,) = types
        if not accept(dtype_of(t)):
            raise DatoTypeError(f"{op.name} takes {what}, not {describe(t)}")
        return t

    return rule


def is_float(dtype: DType) -> bool:
    return dtype.is_float


def elementwise(op, types, statics) -> Type:
    """Operands of one element type, broadcast: ``maximum``, ``minimum``."""
    x, y = types
    return make_type(dtype_of(x), broadcast(shape_of(x), shape_of(y), op.name))


def select(op, types, statics) -> Type:
    """``where(cond, x, y)``."""
    cond, x, y = types
    if dtype_of(cond) != boolean:
        raise DatoTypeError(f"{op.name} takes a condition first, not {describe(cond)}")
    inner = broadcast(shape_of(x), shape_of(y), op.name)
    return make_type(dtype_of(x), broadcast(shape_of(cond), inner, op.name))


# Mixed-precision products the AIE-ML MAC array has modes for (``int8xint4`` and
# ``int16xint8`` in the NPU targets' rates); any other pair of operand types needs a conversion.
MIXED_MATMUL = {("int8", "int4"), ("int16", "int8")}


def _mixed(a: DType, b: DType) -> bool:
    return (a.name, b.name) in MIXED_MATMUL or (b.name, a.name) in MIXED_MATMUL


def matmul(op, types, statics) -> Type:
    acc = statics.get("acc")
    if acc is not None and not isinstance(acc, DType):
        raise DatoTypeError(f"matmul's acc must be an element type, not {acc!r}")
    ta, tb = _tensor(types[0], "matmul"), _tensor(types[1], "matmul")
    if len(ta.shape) != 2 or len(tb.shape) != 2:
        raise DatoTypeError(f"matmul takes two 2-D tiles, got {ta} and {tb}")
    if ta.shape[1] != tb.shape[0]:
        raise DatoTypeError(f"matmul: inner dimensions differ in {ta} @ {tb}")
    if bfp16 in (ta.dtype, tb.dtype):
        return _block_matmul(ta, tb, acc)
    if ta.dtype != tb.dtype and not _mixed(ta.dtype, tb.dtype):
        raise DatoTypeError(
            f"matmul operands have different element types: {ta} and {tb}; convert one with "
            f".astype({tb.dtype})"
        )
    wider = max(ta.dtype, tb.dtype, key=lambda t: t.bits)
    out = acc or wider
    if out.is_float != ta.dtype.is_float or out.bits < wider.bits:
        raise DatoTypeError(f"cannot accumulate {wider} products in {out}")
    return TensorType(out, (ta.shape[0], tb.shape[1]))


def _block_matmul(ta: TensorType, tb: TensorType, acc: DType | None) -> Type:
    """A matmul on the bfp16 datapath: B is bfp16 (blocks down its K rows), A bf16 (quantised
    along K by the datapath) or bfp16; sums are float32, the result bf16 or float32."""
    if tb.dtype != bfp16 or ta.dtype not in (bf16, bfp16):
        raise DatoTypeError(
            f"a bfp16 matmul takes a bf16 or bfp16 A and a bfp16 B (blocks down its K rows), "
            f"not {ta} @ {tb}"
        )
    if ta.shape[1] % 8:
        raise DatoTypeError(
            f"a bfp16 matmul reduces K in blocks of 8, and {ta} @ {tb} has K = {ta.shape[1]}"
        )
    out = acc or bf16
    if out not in (bf16, float32):
        raise DatoTypeError(
            f"a bfp16 matmul accumulates in float32 and gives bf16 or float32, not {out}"
        )
    return TensorType(out, (ta.shape[0], tb.shape[1]))


def fill(op, types, statics) -> Type:
    """``zeros`` / ``full``: a new tile of a static shape and element type."""
    dtype, shape = statics["dtype"], as_shape(statics["shape"])
    if not _element_type(dtype):
        raise DatoTypeError(f"{op.name} needs an element type such as float32, not {dtype!r}")
    for d in shape:
        if not isinstance(d, int) or isinstance(d, bool) or d <= 0:
            raise DatoTypeError(f"{op.name}: shape entries must be positive constants, not {d!r}")
    return make_type(dtype, shape)


def reduction(op, types, statics) -> Type:
    """``x.sum(axis=..., keepdims=...)`` and the like."""
    t = _tensor(types[0], f".{op.name}()")
    _unblocked(types, f".{op.name}()")
    rank = len(t.shape)
    axis = statics.get("axis")
    axes = reduced_axes(axis, rank)
    for a in axes:
        if not isinstance(a, int) or not -rank <= a < rank:
            raise DatoTypeError(f".{op.name}(axis={axis}) is out of range for {t}")
    axes = tuple(sorted(a % rank for a in axes))
    if statics.get("keepdims"):
        shape = tuple(1 if d in axes else s for d, s in enumerate(t.shape))
    else:
        shape = tuple(s for d, s in enumerate(t.shape) if d not in axes)
    return make_type(t.dtype, shape)


def convert(op, types, statics) -> Type:
    """``x.astype(T)``; bfp16 converts from and to floats only, a tile with blocks of 8 along
    axis 0."""
    dtype = statics["dtype"]
    if dtype == bfp16 or dtype_of(types[0]) == bfp16:
        return _block_convert(types[0], dtype)
    if not _element_type(dtype):
        raise DatoTypeError(f".astype() takes an element type such as int32, not {dtype!r}")
    return make_type(dtype, shape_of(types[0]))


def _block_convert(t: Type, dtype) -> Type:
    """A conversion into or out of bfp16: between it and the float types, of tiles only."""
    floats = ("float", "bfp")
    if not (isinstance(dtype, DType) and dtype.kind in floats and dtype_of(t).kind in floats):
        raise DatoTypeError(
            f"bfp16 converts from and to bf16 or float32, not {describe(t)} to {dtype}"
        )
    if not isinstance(t, TensorType):
        raise DatoTypeError(f"bfp16 holds blocks of 8 values: convert a tile, not {describe(t)}")
    result = TensorType(dtype, t.shape)
    check_blocked(result)
    return result


def transpose(op, types, statics) -> Type:
    t = _tensor(types[0], ".T")
    if len(t.shape) != 2:
        raise DatoTypeError(f".T transposes 2-D tiles, not {t}")
    return TensorType(t.dtype, (t.shape[1], t.shape[0]))


# -- integers as bits ---------------------------------------------------------------------------
def _integer(t: Type, what: str) -> DType:
    dtype = dtype_of(t)
    if dtype.kind != "int":
        raise DatoTypeError(f"{what} takes integers, not {describe(t)}")
    return dtype


def bit_slice(op, types, statics) -> Type:
    """``x[lo:hi]`` on a scalar's bits: an unsigned integer of ``hi - lo`` bits."""
    _integer(types[0], "a bit slice")
    return DTYPES[f"uint{statics['width']}"]


def bit_update(op, types, statics) -> Type:
    """``x[lo:hi] = v``: ``x`` with those bits replaced (the value's low bits)."""
    _integer(types[0], "a bit slice")
    if isinstance(types[2], TensorType) or dtype_of(types[2]).kind != "int":
        raise DatoTypeError(
            f"bits of an integer are set from an integer scalar, not {describe(types[2])}"
        )
    return types[0]


def _word_ratio(op, word: DType, element: DType) -> int:
    if word.bits % element.bits:
        raise DatoTypeError(
            f"dato.{op.name}: a {word} word does not hold a whole number of {element} elements "
            f"({word.bits} bits is not a multiple of {element.bits})"
        )
    return word.bits // element.bits


def pack(op, types, statics) -> Type:
    """``dato.pack(tile, UInt(32))``: consecutive elements of the last axis into one word,
    element 0 in the least significant bits; a 1-D tile filling one word gives a scalar."""
    word = statics["dtype"]
    if not (isinstance(word, DType) and word.kind == "int"):
        raise DatoTypeError(f"dato.pack packs into an integer type such as UInt(32), not {word!r}")
    t = _tensor(types[0], "dato.pack")
    per = _word_ratio(op, word, _integer(t, "dato.pack"))
    n = t.shape[-1]
    if n % per:
        raise DatoTypeError(
            f"dato.pack: the last dimension of {t} ({n}) is not a multiple of the {per} "
            f"{t.dtype} elements a {word} word holds"
        )
    if len(t.shape) == 1 and n == per:
        return word
    return TensorType(word, (*t.shape[:-1], n // per))


def unpack(op, types, statics) -> Type:
    """``dato.unpack(words, int4)``: each word of the last axis into its elements (a scalar
    word into a 1-D tile), the inverse of ``pack``."""
    element = statics["dtype"]
    if not (isinstance(element, DType) and element.kind == "int"):
        raise DatoTypeError(
            f"dato.unpack unpacks into an integer type such as int4, not {element!r}"
        )
    word = _integer(types[0], "dato.unpack")
    per = _word_ratio(op, word, element)
    shape = shape_of(types[0])
    return TensorType(element, (*shape[:-1], shape[-1] * per) if shape else (per,))
