"""Reading an MLIR-AIE design: ``parse_design(text)`` with the ``aie``/``aiex`` dialects and
xDSL's builtin, func, arith, scf, memref and math, remembering each op's line."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin, ModuleOp
from xdsl.dialects.func import Func
from xdsl.dialects.math import Math
from xdsl.dialects.memref import MemRef
from xdsl.dialects.scf import Scf
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import ParseError

from datobench.core.codegen.aie.aiex import AIEX
from datobench.core.codegen.aie.dialect import AIE
from datobench.core.errors import DatoError, Loc

DESIGN_FILE = "<mlir-aie design>"


@dataclass(frozen=True)
class DesignLoc(Loc):
    """A line of a design's text (which is not a file)."""

    text: str = ""

    def source_line(self) -> str:
        return self.text


class AieError(DatoError):
    """An MLIR-AIE design that does not parse or breaks a rule of the hardware; ``.line`` is the
    design's line (1-based) of the offending op."""

    def __init__(self, message: str, text: str, line: int, notes: tuple[str, ...] = ()):
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        super().__init__(message, DesignLoc(DESIGN_FILE, line, 0, source), notes)
        self.line = line


class AieSyntaxError(AieError):
    """The design's text is not MLIR-AIE that we read."""


def design_context() -> Context:
    ctx = Context()
    for dialect in (Builtin, Func, Arith, Scf, MemRef, Math, AIE, AIEX):
        ctx.load_dialect(dialect)
    return ctx


class _LineParser(Parser):
    """xDSL's parser, noting the line where each operation starts."""

    def __init__(self, ctx: Context, text: str):
        super().__init__(ctx, text, DESIGN_FILE)
        self.lines: dict[Operation, int] = {}
        self._starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def parse_operation(self) -> Operation:
        line = bisect_right(self._starts, self._current_token.span.start)
        op = super().parse_operation()
        self.lines[op] = line
        return op


@dataclass
class Design:
    """A parsed design and the line of each of its ops."""

    module: ModuleOp
    lines: dict[Operation, int] = field(default_factory=dict)
    text: str = ""

    def line(self, op: Operation) -> int:
        while op not in self.lines and op.parent_op() is not None:
            op = op.parent_op()
        return self.lines.get(op, 1)


def read_design(text: str) -> Design:
    """Parse ``text``; a syntax error is an ``AieSyntaxError`` at its line."""
    parser = _LineParser(design_context(), text)
    try:
        module = parser.parse_module()
    except ParseError as error:
        line = error.span.get_location().line
        raise AieSyntaxError(f"MLIR-AIE syntax error: {error.msg}", text, line) from None
    _sanitize_names(module)
    return Design(module, parser.lines, text)


def _sanitize_names(module: ModuleOp) -> None:
    """Drop ``_`` before digits in SSA name hints (``%tile_0_2`` -> ``%tile0``): xDSL 0.75's
    printer numbers repeated hints ``h_1, h_2`` and can then print two values with one name when
    another hint is itself ``h_1``; hints without ``_<digit>`` cannot collide that way."""
    for op in module.walk():
        values = [*op.results, *(a for r in op.regions for b in r.blocks for a in b.args)]
        for value in values:
            if value.name_hint:
                value.name_hint = re.sub(r"_(?=\d)", "", value.name_hint)


def parse_design(text: str) -> ModuleOp:
    """The design in ``text`` as an xDSL module (not verified: see ``verify``)."""
    return read_design(text).module
