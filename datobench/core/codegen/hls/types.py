"""C++ spellings of IR types and constants."""

from __future__ import annotations

import math

from datobench.core.codegen.values import typed_values
from datobench.core.errors import CapabilityError
from datobench.core.ir.types import DTYPES, DType, TensorType, bfp16


class _Scalars(dict):
    """C++ element types by dtype name; any other integer is ``ap_int<n>``/``ap_uint<n>``."""

    def __missing__(self, name: str) -> str:
        t = DTYPES[name]
        return f"ap_{'' if t.signed else 'u'}int<{t.bits}>"


SCALAR = _Scalars(
    {
        "int8": "int8_t",
        "int16": "int16_t",
        "int32": "int32_t",
        "float32": "float",
        "bf16": "dato::bf16",
        "bool": "bool",
        "index": "int",
    }
)


def refuse_bfp16(program) -> None:
    """A located CapabilityError at the first bfp16 value: ``dato_hls.h`` has no block
    floating point type, and an FPGA has no bfp16 datapath to emulate."""
    for dtype, what, loc, _ in typed_values(program):
        if dtype == bfp16:
            raise CapabilityError(
                f"the HLS backend has no bfp16 type: {what} is bfp16, a block format of "
                "the NPU's AIE2P datapath that FPGAs lack: run it on the simulators (sim, "
                "perf), or convert to bf16 or float32 for an FPGA",
                loc,
            )


def ctype(t) -> str:
    if isinstance(t, TensorType):
        dims = ", ".join(str(d) for d in t.shape)
        return f"dato::tile<{SCALAR[t.dtype.name]}, {dims}>"
    return SCALAR[t.name]


def literal(value, dtype: DType) -> str:
    if dtype.name == "bool":
        return "true" if value else "false"
    if dtype.name == "index":
        return str(int(value))
    if dtype.kind == "int":
        value = int(value)
        if -(1 << 63) <= value < 1 << 63:
            return (
                f"{SCALAR[dtype.name]}({value}ll)"
                if dtype.bits > 32
                else f"{SCALAR[dtype.name]}({value})"
            )
        bits = value & ((1 << dtype.bits) - 1)  # the two's-complement pattern, in hexadecimal
        return f'{SCALAR[dtype.name]}("{bits:x}", 16)'

    v = float(value)
    if math.isnan(v):
        text = "std::numeric_limits<float>::quiet_NaN()"
    elif math.isinf(v):
        text = ("" if v > 0 else "-") + "std::numeric_limits<float>::infinity()"
    else:
        text = repr(v) + "f"
        if "e" in text and "." not in text.split("e")[0]:
            text = text.replace("e", ".0e", 1)
    return text if dtype.name == "float32" else f"dato::bf16({text})"
