"""C++ sources of the kernels a design declares: plain loops over the tiles, one
``extern "C"`` function per declaration, with the op table's semantics (integers wrap in the
result type, bf16 is computed in float and rounded once, matmul accumulates in its ``acc``
type, ``accumulate`` adds into the output). They compile with Peano for the AIE
(``dato_kernels.h`` maps bf16 to the AIE API's ``bfloat16``) and with any C++ compiler on a
host. Vectorised kernels from AMD's library can replace them one declaration at a time.
"""

from __future__ import annotations

import re

from datobench.core.codegen.aie.kernels import Kernel

C = {"i1": "bool", "i8": "int8_t", "i16": "int16_t", "i32": "int32_t", "f32": "float"}
C["bf16"] = "bf16_t"
_INFIX = {"+": "+", "-": "-", "*": "*", "==": "==", "!=": "!=", "<": "<", "<=": "<="}
_INFIX.update({">": ">", ">=": ">=", "and": "&&", "or": "||"})
_CALLS = {
    "//": "dato_floordiv({0}, {1})",
    "%": "dato_mod({0}, {1})",
    "/": "({0} / {1})",
    "maximum": "({0} > {1} ? {0} : {1})",
    "minimum": "({0} < {1} ? {0} : {1})",
    "where": "({0} ? {1} : {2})",
    "exp": "expf({0})",
    "sqrt": "sqrtf({0})",
    "rsqrt": "(1.0f / sqrtf({0}))",
    "tanh": "tanhf({0})",
    "abs": "({0} < 0 ? -{0} : {0})",
    "astype": "{0}",
    "not": "(!{0})",
}

HEADER = """// Types and helpers of datobench's kernels (generated).
#pragma once
#include <math.h>
#include <stdint.h>
#ifdef __AIENGINE__
#include <aie_api/aie.hpp>
typedef bfloat16 bf16_t;
#else
// bf16 on a host: float with the low 16 bits dropped, rounded to nearest even
struct bf16_t {
  uint16_t bits;
  bf16_t(float f = 0.0f) {
    uint32_t u;
    __builtin_memcpy(&u, &f, 4);
    u += 0x7FFF + ((u >> 16) & 1);
    bits = (uint16_t)(u >> 16);
  }
  operator float() const {
    uint32_t u = (uint32_t)bits << 16;
    float f;
    __builtin_memcpy(&f, &u, 4);
    return f;
  }
};
#endif
template <typename T> static inline T dato_floordiv(T a, T b) {
  T q = a / b;
  return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
}
template <typename T> static inline T dato_mod(T a, T b) {
  T r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
static inline float dato_mod(float a, float b) {
  float r = fmodf(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
static inline float dato_floordiv(float a, float b) { return floorf(a / b); }
"""


def _parse(t: str) -> tuple[tuple[int, ...] | None, str]:
    """``memref<8x4xi16>`` -> ((8, 4), "i16"); ``f32`` -> (None, "f32")."""
    m = re.fullmatch(r"memref<([\dx]+)x(\w+)>", t)
    if m:
        return tuple(int(d) for d in m.group(1).split("x")), m.group(2)
    return None, t


def _strides(shape):
    out, n = [], 1
    for s in reversed(shape):
        out.append(n)
        n *= s
    return list(reversed(out))


def _compute(elem: str) -> str:
    """The type a value is computed in: float for bf16, itself otherwise."""
    return "float" if elem in ("bf16", "f32") else C[elem]


class _Body:
    def __init__(self):
        self.lines: list[str] = []
        self.depth = 1

    def add(self, text: str):
        self.lines.append("  " * self.depth + text)

    def loops(self, shape, names):
        for n, v in zip(shape, names):
            self.add(f"for (int {v} = 0; {v} < {n}; {v}++) {{")
            self.depth += 1

    def close(self, k: int):
        for _ in range(k):
            self.depth -= 1
            self.add("}")


def _at(shape, out_shape, ivs) -> str:
    """The flat index of a (broadcast) operand at the output's loop indices."""
    offset = len(out_shape) - len(shape)
    terms = [
        f"{iv} * {st}" if st != 1 else iv
        for d, (size, st) in enumerate(zip(shape, _strides(shape)))
        if size != 1 or out_shape[d + offset] == 1
        for iv in [ivs[d + offset]]
    ]
    return " + ".join(terms) or "0"


def _elementwise(k: Kernel, args, out, body: _Body):
    shape, elem = out
    ivs = [f"i{d}" for d in range(len(shape))]
    body.loops(shape, ivs)
    values = []
    for name, (s, e) in args:
        v = name if s is None else f"{name}[{_at(s, shape, ivs)}]"
        values.append(f"({_compute(e)}){v}")
    if k.op in _INFIX and len(values) == 2:
        expr = f"({values[0]} {_INFIX[k.op]} {values[1]})"
    elif k.op == "-" and len(values) == 1:
        expr = f"(-{values[0]})"
    else:
        expr = _CALLS[k.op].format(*values)
    body.add(f"out[{_at(shape, shape, ivs)}] = ({C[elem]})({expr});")
    body.close(len(shape))


def _matmul(k: Kernel, args, out, body: _Body, accumulate: bool):
    (a, (sa, ea)), (b, (sb, eb)) = args
    (m, kk), n = sa, sb[1]
    acc = _compute(out[1]) if out[1] not in ("i8", "i16", "i32") else "int64_t"
    body.loops((m, n), ("i", "j"))
    init = f"({acc})out[i * {n} + j]" if accumulate else "0"
    body.add(f"{acc} sum = {init};")
    body.add(
        f"for (int p = 0; p < {kk}; p++) sum += ({acc})({_compute(ea)}){a}[i * {kk} + p] "
        f"* ({acc})({_compute(eb)}){b}[p * {n} + j];"
    )
    body.add(f"out[i * {n} + j] = ({C[out[1]]})sum;")
    body.close(2)


def _reduce(k: Kernel, args, out, body: _Body, axes):
    ((x, (shape, elem)),) = args
    ivs = [f"i{d}" for d in range(len(shape))]
    kept = [d for d in range(len(shape)) if d not in axes]
    body.add(f"for (int o = 0; o < {max(1, _size(out[0]))}; o++) out[o] = ({C[out[1]]})0;")
    body.loops(shape, ivs)
    out_shape = [shape[d] for d in kept]
    at = " + ".join(f"{ivs[d]} * {st}" for d, st in zip(kept, _strides(out_shape))) or "0"
    value = f"({_compute(elem)}){x}[{_at(shape, shape, ivs)}]"
    first_of = " && ".join(f"{ivs[d]} == 0" for d in axes) or "true"
    combine = {
        "sum": f"out[{at}] + {value}",
        "max": f"(out[{at}] > {value} ? out[{at}] : {value})",
        "min": f"(out[{at}] < {value} ? out[{at}] : {value})",
    }[k.op]
    start = value if k.op != "sum" else combine
    body.add(f"out[{at}] = ({C[out[1]]})(({first_of}) ? {start} : {combine});")
    body.close(len(shape))


def _size(shape) -> int:
    n = 1
    for s in shape or ():
        n *= s
    return n


def kernel_source(k: Kernel) -> str:
    """The C++ function of one declaration (arguments named in0, in1..., out)."""
    types = [_parse(t) for t in k.arg_types]
    names = [f"in{i}" for i in range(len(types) - 1)]
    params = [
        f"{C[e]} {n}" if s is None else f"const {C[e]} *{n}" for n, (s, e) in zip(names, types)
    ]
    params.append(f"{C[types[-1][1]]} *out")
    statics = dict(k.statics)
    body = _Body()
    args, out = list(zip(names, types[:-1])), types[-1]
    if k.op in ("zeros", "full"):
        value = args[-1][0] if args else statics.get("value", 0)
        body.add(f"for (int i = 0; i < {_size(out[0])}; i++) out[i] = ({C[out[1]]})({value});")
    elif k.op == "matmul":
        _matmul(k, args, out, body, bool(statics.get("accumulate")))
    elif k.op in ("sum", "max", "min"):
        axes = statics.get("axis") or tuple(range(len(args[0][1][0])))
        _reduce(k, args, out, body, tuple(axes))
    elif k.op == "transpose":
        ((x, (shape, _)),) = args
        body.loops(shape, ("i", "j"))
        body.add(f"out[j * {shape[0]} + i] = {x}[i * {shape[1]} + j];")
        body.close(2)
    else:
        _elementwise(k, args, out, body)
    return "\n".join([f'extern "C" void {k.symbol}({", ".join(params)}) {{', *body.lines, "}"])


def kernels_file(kernels: list[Kernel]) -> str:
    """``dato_kernels.cc``: every op kernel of a design (user kernels bring their own)."""
    parts = ['// Kernels of a datobench design (generated).\n#include "dato_kernels.h"\n']
    parts += [kernel_source(k) + "\n" for k in kernels if k.op is not None]
    return "\n".join(parts)
