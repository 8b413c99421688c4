"""The region's scalar parameters in HLS C++: a by-value argument of the top function (an
``s_axilite`` register of the kernel, as the return port is) and of each instance function
that reads it, in the order the region declares its parameters."""

from __future__ import annotations

from datobench.core.codegen.hls.types import SCALAR
from datobench.core.ir.program import Buffer, Instance, Region, RegionScalar
from datobench.core.ir.scalars import scalar_reads


def instance_scalars(region: Region, inst: Instance) -> list[RegionScalar]:
    """The region scalars an instance's function takes, in the region's order."""
    read = set(scalar_reads(inst.body))
    return [s for s in region.scalars if s.name in read]


def top_parameters(region: Region, names, written: set[str]) -> list[str]:
    """The top function's parameters: a pointer per global array, a value per scalar."""
    out = []
    for p in region.signature():
        if isinstance(p, Buffer):
            const = "" if p.name in written else "const "
            out.append(f"{const}{SCALAR[p.type.dtype.name]}* {names.buffers[p.name]}")
        else:
            out.append(f"{SCALAR[p.type.name]} {names.scalars[p.name]}")
    return out


def top_interfaces(region: Region, names) -> list[str]:
    """The interface pragmas: an AXI master bundle per global array, s_axilite per scalar."""
    out, bundle = [], 0
    for p in region.signature():
        if isinstance(p, Buffer):
            port = names.buffers[p.name]
            out.append(
                f"#pragma HLS interface m_axi port = {port} offset = slave bundle = gmem{bundle}"
            )
            bundle += 1
        else:
            out.append(f"#pragma HLS interface s_axilite port = {names.scalars[p.name]}")
    return out
