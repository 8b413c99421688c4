"""MLIR-AIE for the NPU targets: the ``aie``/``aiex`` dialects as xDSL definitions
(``dialect``, ``aiex``), reading a design (``parse``) and checking it against the hardware's
rules (``verify``)."""

from datobench.core.codegen.aie.parse import AieError, AieSyntaxError, parse_design

__all__ = ["AieError", "AieSyntaxError", "parse_design"]
