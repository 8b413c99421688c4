"""The ``aiex`` dialect: the NPU runtime-sequence ops (host-driven shim DMA) datobench emits."""

from __future__ import annotations

from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import (
    DenseArrayBase,
    IndexType,
    IntegerAttr,
    MemRefType,
    SymbolRefAttr,
    i32,
    i64,
)
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import ParseError, VerifyException

from datobench.core.codegen.aie.dialect import RuntimeSequenceBase
from datobench.core.codegen.aie.syntax import print_attr_dict, split_attr_dict


@irdl_op_definition
class RuntimeSequenceOp(RuntimeSequenceBase):
    """``aiex.runtime_sequence`` (mlir-aie 2024-07 to 2025-11)."""

    name = "aiex.runtime_sequence"


@irdl_op_definition
class NpuDmaMemcpyNdOp(IRDLOperation):
    """``aiex.npu.dma_memcpy_nd(%a[o3, o2, o1, o0][s3, s2, s1, s0][t3, t2, t1, t0]) {id = 0 :
    i64, metadata = @of} : memref<...>``: one shim transfer, outermost dimension first, in
    elements of the memref. Older releases wrote a ``(x, y, `` prefix; it is kept when present.
    """

    name = "aiex.npu.dma_memcpy_nd"
    memref = operand_def(MemRefType)
    static_offsets = prop_def(DenseArrayBase)
    static_sizes = prop_def(DenseArrayBase)
    static_strides = prop_def(DenseArrayBase)
    metadata = prop_def(SymbolRefAttr)
    id = prop_def(IntegerAttr)
    issue_token = opt_prop_def(IntegerAttr)
    x = opt_prop_def(IntegerAttr)
    y = opt_prop_def(IntegerAttr)

    @classmethod
    def parse(cls, parser: Parser) -> NpuDmaMemcpyNdOp:
        props: dict[str, Attribute] = {}
        parser.parse_punctuation("(")
        if (x := parser.parse_optional_integer()) is not None:
            parser.parse_punctuation(",")
            props["x"] = IntegerAttr(x, i64)
            props["y"] = IntegerAttr(parser.parse_integer(), i64)
            parser.parse_punctuation(",")
        memref = parser.parse_unresolved_operand()
        for name in ("static_offsets", "static_sizes", "static_strides"):
            values = parser.parse_comma_separated_list(
                parser.Delimiter.SQUARE, lambda: _parse_static(parser)
            )
            props[name] = DenseArrayBase.from_list(i64, values)
        parser.parse_punctuation(")")
        more, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        parser.parse_punctuation(":")
        typ = parser.parse_type()
        return cls.create(
            operands=[parser.resolve_operand(memref, typ)],
            properties={**props, **more},
            attributes=attrs,
        )

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        if self.x is not None and self.y is not None:
            printer.print_string(f"{self.x.value.data}, {self.y.value.data}, ")
        printer.print_operand(self.memref)
        for values in (self.offsets, self.sizes, self.strides):
            printer.print_string("[" + ", ".join(map(str, values)) + "]")
        printer.print_string(")")
        shown = ("static_offsets", "static_sizes", "static_strides", "x", "y")
        print_attr_dict(printer, self, shown)
        printer.print_string(" : ")
        printer.print_attribute(self.memref.type)

    @property
    def offsets(self) -> tuple[int, ...]:
        return self.static_offsets.get_values()

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.static_sizes.get_values()

    @property
    def strides(self) -> tuple[int, ...]:
        return self.static_strides.get_values()

    @property
    def fifo(self) -> str:
        return self.metadata.root_reference.data

    @property
    def bd_id(self) -> int:
        return self.id.value.data

    def verify_(self) -> None:
        for what, values in (
            ("offsets", self.offsets),
            ("sizes", self.sizes),
            ("strides", self.strides),
        ):
            if len(values) != 4:
                raise VerifyException(
                    f"dma_memcpy_nd needs exactly 4 {what} (outermost first), got {len(values)}"
                )
        if any(s < 1 for s in self.sizes):
            raise VerifyException(f"dma_memcpy_nd sizes must be positive, got {list(self.sizes)}")
        if any(t < 0 for t in self.strides) or any(o < 0 for o in self.offsets):
            raise VerifyException("dma_memcpy_nd offsets and strides must not be negative")


def _parse_static(parser: Parser) -> int:
    """An integer, or an SSA value defined by ``arith.constant`` (folded: a transfer's pattern
    is static; a runtime-parameter offset is refused)."""
    if (n := parser.parse_optional_integer()) is not None:
        return n
    pos = parser.pos
    value = parser.parse_unresolved_operand()
    for typ in (i64, IndexType(), i32):
        try:
            resolved = parser.resolve_operand(value, typ)
        except ParseError:
            continue
        owner = resolved.owner
        if isinstance(owner, ConstantOp) and isinstance(owner.value, IntegerAttr):
            return owner.value.value.data
        break
    parser.raise_error("dma_memcpy_nd: offsets, sizes and strides must be constants", pos)


@irdl_op_definition
class NpuDmaWaitOp(IRDLOperation):
    """``aiex.npu.dma_wait {symbol = @of}``: wait for the transfers issued on a FIFO's channel."""

    name = "aiex.npu.dma_wait"
    symbol = prop_def(SymbolRefAttr)

    @classmethod
    def parse(cls, parser: Parser) -> NpuDmaWaitOp:
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        return cls.create(properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        print_attr_dict(printer, self)

    @property
    def fifo(self) -> str:
        return self.symbol.root_reference.data


@irdl_op_definition
class NpuSyncOp(IRDLOperation):
    """``aiex.npu.sync {column = 0 : i32, row = 0 : i32, direction = 0 : i32, channel = 0 :
    i32, column_num = 1 : i32, row_num = 1 : i32}``: wait for a shim channel's task token."""

    name = "aiex.npu.sync"
    column = prop_def(IntegerAttr)
    row = prop_def(IntegerAttr)
    direction = prop_def(IntegerAttr)
    channel = prop_def(IntegerAttr)
    column_num = prop_def(IntegerAttr)
    row_num = prop_def(IntegerAttr)

    @classmethod
    def parse(cls, parser: Parser) -> NpuSyncOp:
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        return cls.create(properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        print_attr_dict(printer, self)


AIEX = Dialect("aiex", [RuntimeSequenceOp, NpuDmaMemcpyNdOp, NpuDmaWaitOp, NpuSyncOp], [])
