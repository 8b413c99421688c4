"""MLIR-AIE for the NPU targets: the ``aie``/``aiex`` dialects as xDSL definitions
(``dialect``, ``aiex``), reading a design (``parse``) and checking it against the hardware's
rules (``verify``, with ``shim`` and ``budget``; device partitions in ``devices``)."""

from datobench.core.codegen.aie.model import AieVerifyError
from datobench.core.codegen.aie.parse import AieError, AieSyntaxError, parse_design
from datobench.core.codegen.aie.verify import budgets, verify

__all__ = ["AieError", "AieSyntaxError", "AieVerifyError", "budgets", "parse_design", "verify"]
