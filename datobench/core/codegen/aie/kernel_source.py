"""C++ sources of the kernels a design declares: ``dato_kernels.cc``, one ``extern "C"`` function
per declaration (the calling convention is ``kernels.py``'s), each a call into the kernel
library shipped beside it (``library/``: ``dato_portable.h``, ``dato_aie.h``).

The portable path (scalar C++ with the op table's semantics, the reference) is what every kernel
calls on a host, and on an AIE core wherever the AIE-API path has no vectorised form for that op,
element type and shape. Where it has one, the function calls it under ``#ifdef __AIENGINE__``:
which ones do is decided here (``_vector_call``), from the target's intrinsic shapes
(``compute.matmul_shape``) and the lanes of a 256-bit vector.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from datobench.core.codegen.aie.kernels import Kernel

LIBRARY = Path(__file__).parent / "library"
LIBRARY_HEADERS = ("dato_portable.h", "dato_aie.h")  # written beside dato_kernels.cc

C = {"i1": "bool", "i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "f32": "float"}
C["bf16"] = "dato::bf16"
_BITS = {"i8": 8, "i16": 16, "i32": 32, "bf16": 16, "f32": 32}

# op table name -> the library's functor (``dato::op::<name>``); "-" with one operand is "neg"
_FUNCTORS = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "//": "floordiv",
    "%": "mod",
    "&": "bit_and",
    "|": "bit_or",
    "^": "bit_xor",
    "<<": "shl",
    ">>": "shr",
    "~": "invert",
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "and": "logical_and",
    "or": "logical_or",
    "not": "logical_not",
    "exp": "exp",
    "sqrt": "sqrt",
    "rsqrt": "rsqrt",
    "tanh": "tanh",
    "abs": "abs",
    "maximum": "maximum",
    "minimum": "minimum",
    "where": "where",
    "astype": "convert",
}
_REDUCTIONS = {"sum": "add", "max": "maximum", "min": "minimum"}

# What dato_aie.h vectorises (its header comment says why these): functor -> element types
_INTS = ("i8", "i16", "i32")
_VECTOR_ELEMENTWISE = {"add": _INTS, "sub": _INTS, "maximum": (*_INTS, "bf16")}
_VECTOR_ELEMENTWISE["minimum"] = _VECTOR_ELEMENTWISE["maximum"]
# (operand, output) element types -> the target's compute.matmul_shape key
_VECTOR_MATMUL = {
    ("i8", "i8"): "int8",
    ("i8", "i16"): "int8",
    ("i8", "i32"): "int8",
    ("i16", "i16"): "int16",
    ("i16", "i32"): "int16",
    ("bf16", "bf16"): "bf16",
    ("bf16", "f32"): "bf16",
}


def _parse(t: str) -> tuple[tuple[int, ...] | None, str]:
    """``memref<8x4xi16>`` -> ((8, 4), "i16"); ``f32`` -> (None, "f32")."""
    m = re.fullmatch(r"memref<([\dx]+)x(\w+)>", t)
    if m:
        return tuple(int(d) for d in m.group(1).split("x")), m.group(2)
    return None, t


def _strides(shape) -> list[int]:
    out, n = [], 1
    for s in reversed(shape):
        out.append(n)
        n *= s
    return list(reversed(out))


def _ints(values) -> str:
    return "{" + ", ".join(map(str, values)) + "}"


def _literal(value) -> str:
    """A static value as a C++ expression (converted to the output type by the library)."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isnan(value):
        return "NAN"
    if isinstance(value, float) and math.isinf(value):
        return "INFINITY" if value > 0 else "-INFINITY"
    return repr(value)


def _operand(name: str, shape, out_shape) -> str:
    """An operand broadcast to the output's shape: its strides, 0 along broadcast dimensions."""
    rank = len(out_shape)
    if shape is None:
        return f"dato::splat<{rank}>({name})"
    offset = rank - len(shape)
    strides = [0] * offset + [
        0 if size == 1 and out_shape[d + offset] != 1 else st
        for d, (size, st) in enumerate(zip(shape, _strides(shape)))
    ]
    return f"dato::tile<{rank}>({name}, {_ints(strides)})"


def _functor(k: Kernel, arity: int) -> str:
    return "neg" if k.op == "-" and arity == 1 else _FUNCTORS[k.op]


def _portable_call(k: Kernel, args, out) -> str:
    """The call of the portable path for kernel ``k`` (``args``: (name, (shape, elem)))."""
    statics = dict(k.statics)
    (out_shape, _) = out
    size = math.prod(out_shape)
    if k.op in ("zeros", "full"):
        value = args[-1][0] if args else _literal(statics.get("value", 0))
        return f"dato::portable::fill<{size}>(out, {value});"
    if k.op == "matmul":
        (m, kk), n = args[0][1][0], args[1][1][0][1]
        accumulate = "true" if statics.get("accumulate") else "false"
        return f"dato::portable::matmul<{m}, {kk}, {n}, {accumulate}>(in0, in1, {_rows(k, n)});"
    if k.op == "transpose":
        m, n = args[0][1][0]
        return f"dato::portable::transpose<{m}, {n}>(in0, out);"
    if k.op in _REDUCTIONS:
        shape = args[0][1][0]
        axes = statics.get("axis") or tuple(range(len(shape)))
        kept = [1 if d in axes else s for d, s in enumerate(shape)]
        reduced = [s if d in axes else 1 for d, s in enumerate(shape)]
        return (
            f"dato::portable::reduce<dato::op::{_REDUCTIONS[k.op]}, {len(shape)}>"
            f"({_ints(kept)}, {_ints(reduced)}, in0, out);"
        )
    operands = ", ".join(_operand(name, shape, out_shape) for name, (shape, _) in args)
    return (
        f"dato::portable::elementwise<dato::op::{_functor(k, len(args))}, {len(out_shape)}>"
        f"({_ints(out_shape)}, out, {operands});"
    )


def _rows(k: Kernel, n: int) -> str:
    """Where a matmul writes: its output, or (``band``) the rows of the output from the row
    the last scalar gives, ``n`` elements each."""
    return f"out + in2 * {n}" if dict(k.statics).get("band") else "out"


def _whole_vectors(shape, elem: str) -> bool:
    return elem in _BITS and math.prod(shape) % (256 // _BITS[elem]) == 0


def _vector_call(k: Kernel, args, out, matmul_shapes: dict) -> str | None:
    """The call of the AIE-API path for kernel ``k``, or None where it has none."""
    statics = dict(k.statics)
    out_shape, out_elem = out
    if k.op == "matmul":
        key = _VECTOR_MATMUL.get((args[0][1][1], out_elem))
        block = matmul_shapes.get(key)
        (m, kk), n = args[0][1][0], args[1][1][0][1]
        if block is None or m % block[0] or kk % block[1] or n % block[2]:
            return None
        accumulate = "true" if statics.get("accumulate") else "false"
        r, s, t = block
        return (
            f"dato::vec::matmul<{m}, {kk}, {n}, {r}, {s}, {t}, {accumulate}>"
            f"(in0, in1, {_rows(k, n)});"
        )
    if k.op in ("max", "min"):
        shape, elem = args[0][1]
        every_axis = set(statics.get("axis") or range(len(shape))) == set(range(len(shape)))
        functor = _REDUCTIONS[k.op]
        if not every_axis or elem not in _VECTOR_ELEMENTWISE[functor]:
            return None
        if not _whole_vectors(shape, elem):
            return None
        return f"dato::vec::reduce_all<dato::vec::{functor}, {math.prod(shape)}>(in0, out);"
    if k.op not in _FUNCTORS or len(args) != 2:
        return None
    functor = _functor(k, 2)
    same = all(a == out for _, a in args)
    if functor not in _VECTOR_ELEMENTWISE or not same:
        return None
    if out_elem not in _VECTOR_ELEMENTWISE[functor] or not _whole_vectors(out_shape, out_elem):
        return None
    size = math.prod(out_shape)
    return f"dato::vec::elementwise<dato::vec::{functor}, {size}>(in0, in1, out);"


def kernel_source(k: Kernel, matmul_shapes: dict | None = None) -> str:
    """The C++ function of one declaration (arguments named in0, in1..., out).
    ``matmul_shapes``: the target's intrinsic shapes per operand type (none: no vector path)."""
    types = [_parse(t) for t in k.arg_types]
    names = [f"in{i}" for i in range(len(types) - 1)]
    params = [
        f"{C[e]} {n}" if s is None else f"const {C[e]} *{n}" for n, (s, e) in zip(names, types)
    ]
    params.append(f"{C[types[-1][1]]} *out")
    args, out = list(zip(names, types[:-1])), types[-1]
    portable = _portable_call(k, args, out)
    vector = _vector_call(k, args, out, matmul_shapes or {})
    body = [f"  {portable}"]
    if vector is not None:
        body = ["#ifdef __AIENGINE__", f"  {vector}", "#else", *body, "#endif"]
    return "\n".join([f'extern "C" void {k.symbol}({", ".join(params)}) {{', *body, "}"])


def kernels_file(kernels: list[Kernel], target=None) -> str:
    """``dato_kernels.cc``: every op kernel of a design (user kernels bring their own), with the
    AIE-API path where ``target``'s intrinsic shapes and the library allow it."""
    shapes = target.param("compute.matmul_shape", {}) if target is not None else {}
    parts = [
        "// Kernels of a datobench design (generated): calls into datobench's kernel library.\n"
        '#include "dato_aie.h"\n'
    ]
    parts += [kernel_source(k, shapes) + "\n" for k in kernels if k.op is not None]
    return "\n".join(parts)


def library_headers() -> dict[str, str]:
    """The library's headers by file name, as a project ships them beside its kernels."""
    return {name: (LIBRARY / name).read_text() for name in LIBRARY_HEADERS}
