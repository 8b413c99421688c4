"""The aie/aiex dialects: hand-written designs parse, print in mlir-aie's syntax, and re-parse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from datobench.core.codegen.aie import AieSyntaxError, parse_design
from datobench.core.codegen.aie.aiex import NpuDmaMemcpyNdOp
from datobench.core.codegen.aie.dialect import TileOp
from datobench.core.codegen.aie.objectfifo import ObjectFifoCreateOp, ObjectFifoLinkOp

DESIGNS = sorted((Path(__file__).parent / "aie_designs").glob("*.mlir"))
LEGAL = [p for p in DESIGNS if not p.name.startswith("bad_")]


def _structure(text: str) -> str:
    """The text with SSA names numbered in order of appearance (xDSL renames them)."""
    names: dict[str, str] = {}
    return re.sub(r"%[\w.$-]+", lambda m: names.setdefault(m[0], f"%v{len(names)}"), text)


@pytest.mark.parametrize("path", LEGAL, ids=lambda p: p.stem)
def test_design_round_trips(path):
    module = parse_design(path.read_text())
    module.verify()
    printed = str(module)
    again = parse_design(printed)
    again.verify()
    assert _structure(str(again)) == _structure(printed)


def _ops(module, cls):
    return [op for op in module.walk() if isinstance(op, cls)]


def test_properties_carry_mlir_aie_names():
    module = parse_design(
        (Path(__file__).parent / "aie_designs/passthrough_npu1_4col.mlir").read_text()
    )
    assert [t.coords for t in _ops(module, TileOp)] == [(0, 0), (0, 1)]
    fifo = _ops(module, ObjectFifoCreateOp)[0]
    assert fifo.sym_name.data == "in" and fifo.depths() == [2, 2]
    assert set(fifo.properties) >= {"sym_name", "elemNumber", "elemType"}
    link = _ops(module, ObjectFifoLinkOp)[0]
    assert (link.ins, link.outs) == (["in"], ["out"])
    dma = _ops(module, NpuDmaMemcpyNdOp)[0]
    assert (dma.offsets, dma.sizes, dma.strides) == ((0, 0, 0, 0), (1, 1, 1, 4096), (0, 0, 0, 1))
    assert (dma.fifo, dma.bd_id) == ("out", 0)


def test_printed_syntax_is_mlir_aie_s():
    text = """aie.device(npu1_1col) {
  %t = aie.tile(0, 2)
  %m = aie.tile(0, 1)
  aie.objectfifo @a(%m toStream [<size = 4, stride = 16>, <size = 16, stride = 1>], {%t},
                    [2 : i32, 3 : i32]) : !aie.objectfifo<memref<64xi8>>
  aie.objectfifo.link [@a] -> [@b, @c] ([] [0, 32])
}"""
    printed = str(parse_design(text))
    assert "toStream [<size = 4, stride = 16>, <size = 16, stride = 1>]" in printed
    assert "{%t}, [2 : i32, 3 : i32])" in printed
    assert "aie.objectfifo.link [@a] -> [@b, @c] ([] [0, 32])" in printed
    older = str(parse_design(text.replace("([] [0, 32])", "()")))
    assert "aie.objectfifo.link [@a] -> [@b, @c] ([] [])" in older


def test_syntax_error_names_the_line():
    text = "aie.device(npu1_4col) {\n  %t = aie.tile(0, 2)\n  %u = aie.tile(0 2)\n}\n"
    with pytest.raises(AieSyntaxError) as info:
        parse_design(text)
    assert info.value.line == 3
    assert "MLIR-AIE syntax error: " in str(info.value)
    assert "%u = aie.tile(0 2)" in str(info.value)


def test_transfer_patterns_fold_constants_and_refuse_runtime_values():
    text = (Path(__file__).parent / "aie_designs/ssa_constants_npu1_1col.mlir").read_text()
    dma = _ops(parse_design(text), NpuDmaMemcpyNdOp)[0]
    assert (dma.offsets, dma.sizes, dma.strides) == ((0, 0, 0, 0), (1, 1, 1, 16), (0, 0, 0, 1))
    with pytest.raises(AieSyntaxError) as info:
        parse_design(text.replace("[%c0,%c0,%c0,%c0][%c1", "[%arg0,%c0,%c0,%c0][%c1"))
    assert "offsets, sizes and strides must be constants" in str(info.value)
    assert info.value.line == 16
