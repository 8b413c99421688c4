"""The NPU code path: MLIR-AIE designs (``emit``), their dialect and verifier, and their
emulator."""

from datobench.core.codegen.aie.emit import emit_design
from datobench.core.codegen.aie.releases import DEFAULT_RELEASE, RELEASES

__all__ = ["DEFAULT_RELEASE", "RELEASES", "emit_design"]
