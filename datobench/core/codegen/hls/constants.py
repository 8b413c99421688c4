"""The region's captured numpy constants in the HLS kernel: ``static const`` arrays of the top
function (ROMs in hardware), handed to the instances that read them as any buffer is, instead
of ports the host would have to fill (``frontend/constants.py``)."""

from __future__ import annotations

from datobench.core.codegen.hls.types import SCALAR, literal
from datobench.core.ir.program import Region


def constant_arrays(region: Region, buffers: dict[str, str]) -> list[str]:
    """One ``static const T name[n] = {...};`` line per constant; ``buffers`` names them."""
    lines = []
    for b in region.params:
        if b.value is None:
            continue
        dtype = b.type.dtype
        values = ", ".join(_element(v, dtype) for v in b.value)
        lines.append(
            f"  static const {SCALAR[dtype.name]} {buffers[b.name]}[{b.type.size}] = {{{values}}};"
        )
    return lines


def _element(value, dtype) -> str:
    """An initialiser: integers as plain numbers, floats as the kernel's own literals."""
    return str(int(value)) if dtype.kind == "int" else literal(value, dtype)
