"""The ``aie`` dialect: the MLIR-AIE ops and types datobench emits, in mlir-aie's pretty syntax.

Properties carry mlir-aie's ODS names (``producerTile``, ``elemNumber``, ``objFifo_name`` ...).
The device, tiles, local buffers, locks, cores and the runtime sequence are here; object FIFOs
in ``objectfifo``. Each op checks what it can see alone (``verify_``); rules that need the whole
design (device, endpoints, budgets) live in ``verify.py``.
"""

from __future__ import annotations

from xdsl.dialects.builtin import I32, IndexType, IntegerAttr, MemRefType, StringAttr, i32
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import IsTerminator, NoTerminator, SymbolTable

from datobench.core.codegen.aie.handdma import HAND_DMA_OPS, TileRegionOp
from datobench.core.codegen.aie.objectfifo import (
    BDDimLayoutAttr,
    ObjectFifoAcquireOp,
    ObjectFifoCreateOp,
    ObjectFifoLinkOp,
    ObjectFifoReleaseOp,
    ObjectFifoSubviewAccessOp,
    ObjectFifoSubviewType,
    ObjectFifoType,
)
from datobench.core.codegen.aie.syntax import parse_int_attr, print_attr_dict, split_attr_dict


@irdl_op_definition
class DeviceOp(IRDLOperation):
    """``aie.device(npu1_4col) { ... }``: one device partition and everything placed on it."""

    name = "aie.device"
    device = prop_def(StringAttr)
    sym_name = opt_prop_def(StringAttr)
    body = region_def("single_block")
    traits = traits_def(NoTerminator(), SymbolTable())

    @classmethod
    def parse(cls, parser: Parser) -> DeviceOp:
        with parser.in_parens():
            device = parser.parse_identifier()
        sym = parser.parse_optional_symbol_name()
        body = parser.parse_region()
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        props["device"] = StringAttr(device)
        if sym is not None:
            props["sym_name"] = sym
        return cls.create(properties=props, attributes=attrs, regions=[body])

    def print(self, printer: Printer) -> None:
        printer.print_string(f"({self.device.data}) ")
        if self.sym_name is not None:
            printer.print_symbol_name(self.sym_name.data)
            printer.print_string(" ")
        printer.print_region(self.body)
        print_attr_dict(printer, self, ("device", "sym_name"))


@irdl_op_definition
class TileOp(IRDLOperation):
    """``%t = aie.tile(col, row)``."""

    name = "aie.tile"
    col = prop_def(IntegerAttr[I32])
    row = prop_def(IntegerAttr[I32])
    result = result_def(IndexType)

    @classmethod
    def parse(cls, parser: Parser) -> TileOp:
        with parser.in_parens():
            col = parse_int_attr(parser, i32)
            parser.parse_punctuation(",")
            row = parse_int_attr(parser, i32)
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        props.update(col=col, row=row)
        return cls.create(properties=props, attributes=attrs, result_types=[IndexType()])

    def print(self, printer: Printer) -> None:
        printer.print_string(f"({self.col.value.data}, {self.row.value.data})")
        print_attr_dict(printer, self, ("col", "row"))

    @property
    def coords(self) -> tuple[int, int]:
        return self.col.value.data, self.row.value.data


@irdl_op_definition
class BufferOp(IRDLOperation):
    """``%b = aie.buffer(%t) {sym_name = "b"} : memref<...>``: a local buffer on a tile."""

    name = "aie.buffer"
    tile = operand_def(IndexType)
    sym_name = opt_prop_def(StringAttr)
    initial_value = opt_prop_def(Attribute)
    buffer = result_def(MemRefType)

    @classmethod
    def parse(cls, parser: Parser) -> BufferOp:
        with parser.in_parens():
            tile = parser.parse_operand(IndexType())
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        parser.parse_punctuation(":")
        typ = parser.parse_type()
        if parser.parse_optional_punctuation("="):
            props["initial_value"] = parser.parse_attribute()
        return cls.create(operands=[tile], properties=props, attributes=attrs, result_types=[typ])

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.tile)
        printer.print_string(")")
        print_attr_dict(printer, self, ("initial_value",))
        printer.print_string(" : ")
        printer.print_attribute(self.buffer.type)
        if self.initial_value is not None:
            printer.print_string(" = ")
            printer.print_attribute(self.initial_value)


@irdl_op_definition
class LockOp(IRDLOperation):
    """``%l = aie.lock(%t, id) {init = 1 : i32}``."""

    name = "aie.lock"
    tile = operand_def(IndexType)
    lockID = opt_prop_def(IntegerAttr[I32])  # noqa: N815 (mlir-aie's ODS name)
    result = result_def(IndexType)

    @classmethod
    def parse(cls, parser: Parser) -> LockOp:
        props: dict[str, Attribute] = {}
        with parser.in_parens():
            tile = parser.parse_operand(IndexType())
            if parser.parse_optional_punctuation(","):
                props["lockID"] = parse_int_attr(parser, i32)
        more, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        return cls.create(
            operands=[tile],
            properties={**props, **more},
            attributes=attrs,
            result_types=[IndexType()],
        )

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.tile)
        if self.lockID is not None:
            printer.print_string(f", {self.lockID.value.data}")
        printer.print_string(")")
        print_attr_dict(printer, self, ("lockID",))


@irdl_op_definition
class EndOp(IRDLOperation):
    """``aie.end``: the terminator of a core body."""

    name = "aie.end"
    traits = traits_def(IsTerminator())

    @classmethod
    def parse(cls, parser: Parser) -> EndOp:
        return cls.create(attributes=parser.parse_optional_attr_dict())

    def print(self, printer: Printer) -> None:
        printer.print_op_attributes(self.attributes)


@irdl_op_definition
class CoreOp(TileRegionOp):
    """``%c = aie.core(%t) { ... aie.end }`` (older releases: ``{link_with = "k.o"}`` after)."""

    name = "aie.core"
    link_with = opt_prop_def(StringAttr)
    stack_size = opt_prop_def(IntegerAttr)


class RuntimeSequenceBase(IRDLOperation):
    """``runtime_sequence [@name](%arg0: memref<...>, ...) { ... }``: the host's DMA program."""

    sym_name = opt_prop_def(StringAttr)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())

    @classmethod
    def parse(cls, parser: Parser) -> RuntimeSequenceBase:
        sym = parser.parse_optional_symbol_name()
        args = parser.parse_comma_separated_list(parser.Delimiter.PAREN, parser.parse_argument)
        body = parser.parse_region(args)
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        if sym is not None:
            props["sym_name"] = sym
        return cls.create(properties=props, attributes=attrs, regions=[body])

    def print(self, printer: Printer) -> None:
        if self.sym_name is not None:
            printer.print_string(" ")
            printer.print_symbol_name(self.sym_name.data)
        printer.print_string("(")
        printer.print_list(self.body.block.args, printer.print_block_argument)
        printer.print_string(") ")
        printer.print_region(self.body, print_entry_block_args=False)
        print_attr_dict(printer, self, ("sym_name",))


@irdl_op_definition
class RuntimeSequenceOp(RuntimeSequenceBase):
    """``aie.runtime_sequence`` (mlir-aie since 2025-11)."""

    name = "aie.runtime_sequence"


AIE = Dialect(
    "aie",
    [
        DeviceOp,
        TileOp,
        BufferOp,
        LockOp,
        ObjectFifoCreateOp,
        ObjectFifoLinkOp,
        CoreOp,
        EndOp,
        ObjectFifoAcquireOp,
        ObjectFifoReleaseOp,
        ObjectFifoSubviewAccessOp,
        RuntimeSequenceOp,
        *HAND_DMA_OPS,
    ],
    [ObjectFifoType, ObjectFifoSubviewType, BDDimLayoutAttr],
)
