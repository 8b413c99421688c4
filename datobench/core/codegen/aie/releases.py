"""The mlir-aie releases whose syntax the emitter writes: a profile of what changed.

mlir-aie's textual syntax moves: the runtime sequence op was renamed (``aiex.runtime_sequence``
then ``aie.runtime_sequence``), ``npu1`` came to name the 4-column partition, and ``link_with``
moved from ``aie.core`` to the kernel's ``func.func`` declaration (/work/shared/AIE.md); the
endless loop around a core body was written ``range_(0xFFFFFFFF)`` in v1.0's examples and
``range_(sys.maxsize)`` since.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datobench.core.errors import CapabilityError


@dataclass(frozen=True)
class Release:
    name: str
    about: str
    sequence_op: str  # the runtime sequence's op name
    link_with_on: str  # "core" (the aie.core's attributes) or "func" (the kernel declaration)
    forever: int  # the bound of the endless loop around a core body (IRON's idiom of the time)
    devices: dict[str, str | None] = field(default_factory=dict)  # target device -> its name


RELEASES: dict[str, Release] = {
    r.name: r
    for r in (
        Release(
            "v1.0",
            "mlir-aie v1.0, the release of the Dato paper's time (Allo pins it)",
            "aiex.runtime_sequence",
            "core",
            0xFFFFFFFF,
            {"npu1": "npu1", "npu1_4col": "npu1_4col", "npu2": "npu2"},
        ),
        Release(
            "2026.01",
            "mlir-aie main as of January 2026: aie.runtime_sequence, link_with on the kernel "
            "declaration, npu1 names the 4-column partition",
            "aie.runtime_sequence",
            "func",
            2**63 - 1,
            {"npu1": None, "npu1_4col": "npu1", "npu2": "npu2"},
        ),
    )
}
DEFAULT_RELEASE = "2026.01"


def release(name: str | None) -> Release:
    """The profile called ``name`` (None: the default); an unknown one is a CapabilityError."""
    name = DEFAULT_RELEASE if name is None else name
    if name not in RELEASES:
        raise CapabilityError(f"unknown mlir-aie release '{name}'; known: {', '.join(RELEASES)}")
    return RELEASES[name]


def device_name(rel: Release, device: str) -> str:
    """The ``aie.device`` name of a target's device in a release."""
    name = rel.devices.get(device)
    if name is None:
        known = ", ".join(d for d, n in rel.devices.items() if n)
        raise CapabilityError(
            f"mlir-aie release {rel.name} has no device for '{device}'; it has: {known}"
        )
    return name
