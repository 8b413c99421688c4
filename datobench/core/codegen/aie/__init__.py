"""MLIR-AIE for the NPU targets: generating a design from a mapped program (``emit``, in the
syntax of a release: ``releases``), the ``aie``/``aiex`` dialects as xDSL definitions
(``dialect`` with ``objectfifo``, ``aiex``), reading a design (``parse``) and checking it
against the hardware's rules (``verify``, with ``shim``, ``budget`` and ``devices``)."""

from datobench.core.codegen.aie.emit import emit_design
from datobench.core.codegen.aie.model import AieVerifyError
from datobench.core.codegen.aie.parse import AieError, AieSyntaxError, parse_design
from datobench.core.codegen.aie.releases import DEFAULT_RELEASE, RELEASES
from datobench.core.codegen.aie.verify import budgets, verify

__all__ = [
    "DEFAULT_RELEASE",
    "RELEASES",
    "AieError",
    "AieSyntaxError",
    "AieVerifyError",
    "budgets",
    "emit_design",
    "parse_design",
    "verify",
]
