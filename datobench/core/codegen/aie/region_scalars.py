"""Scalar region parameters on the NPU: not emitted yet.

An NPU design could take them as runtime parameters of its sequence (written to a buffer the
cores read); until the emitter does so, a program with one is refused, at the parameter."""

from __future__ import annotations

from datobench.core.errors import CapabilityError


def refuse_region_scalars(region) -> None:
    """A located CapabilityError when the region has scalar parameters."""
    if region.scalars:
        s = region.scalars[0]
        raise CapabilityError(
            f"scalar region parameters such as '{s.name}: {s.type}' are not supported on the "
            "NPU yet (the MLIR-AIE emitter does not pass runtime parameters); give the value "
            f"as a one-element array ('{s.name}: {s.type}[1]') or as a constant",
            s.loc,
        )
