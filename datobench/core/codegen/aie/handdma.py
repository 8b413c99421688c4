"""Hand-written DMA in the ``aie`` dialect: circuit-switched flows, shim DMA allocations, the DMA
regions of memory and compute tiles (``aie.memtile_dma``, ``aie.mem``) and the ops inside them
(``aie.dma_start``, ``aie.dma_bd``, ``aie.use_lock``, ``aie.next_bd``), in mlir-aie's pretty
syntax with its ODS property names (``include/aie/Dialect/AIE/IR/AIEOps.td``).

Enums (``DMA``, ``MM2S``, ``AcquireGreaterEqual`` ...) are kept as string properties. BD offsets,
lengths and dims count elements of the buffer's memref element type, as ``aie.dma_bd`` does.
"""

from __future__ import annotations

from xdsl.dialects.builtin import (
    I32,
    ArrayAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    StringAttr,
    i1,
    i32,
)
from xdsl.ir import Attribute, Block
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    successor_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import IsTerminator

from datobench.core.codegen.aie.objectfifo import BDDimLayoutAttr, _parse_dims, _print_dims
from datobench.core.codegen.aie.syntax import parse_int_attr, print_attr_dict, split_attr_dict

DIRECTIONS = ("S2MM", "MM2S")
LOCK_ACTIONS = ("AcquireGreaterEqual", "Acquire", "Release")


def _parse_choice(parser: Parser, choices: tuple[str, ...], what: str) -> StringAttr:
    pos = parser.pos
    word = parser.parse_identifier()
    if word not in choices:
        parser.raise_error(f"expected {what} ({', '.join(choices)}), got {word}", pos, parser.pos)
    return StringAttr(word)


def _print_block(printer: Printer, block: Block) -> None:
    printer.print_block_name(block)


def _parse_port(parser: Parser):
    """``%tile, DMA : 0``: a tile, a bundle and a channel."""
    tile = parser.parse_operand(IndexType())
    parser.parse_punctuation(",")
    bundle = StringAttr(parser.parse_identifier())
    parser.parse_punctuation(":")
    return tile, bundle, parse_int_attr(parser, i32)


@irdl_op_definition
class FlowOp(IRDLOperation):
    """``aie.flow(%src, DMA : 0, %dst, DMA : 0)``: a circuit-switched stream between ports."""

    name = "aie.flow"
    source = operand_def(IndexType)
    dest = operand_def(IndexType)
    sourceBundle = prop_def(StringAttr)  # noqa: N815 (mlir-aie's ODS names)
    sourceChannel = prop_def(IntegerAttr[I32])  # noqa: N815
    destBundle = prop_def(StringAttr)  # noqa: N815
    destChannel = prop_def(IntegerAttr[I32])  # noqa: N815

    @classmethod
    def parse(cls, parser: Parser) -> FlowOp:
        with parser.in_parens():
            src, src_bundle, src_channel = _parse_port(parser)
            parser.parse_punctuation(",")
            dst, dst_bundle, dst_channel = _parse_port(parser)
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        props.update(
            sourceBundle=src_bundle,
            sourceChannel=src_channel,
            destBundle=dst_bundle,
            destChannel=dst_channel,
        )
        return cls.create(operands=[src, dst], properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.source)
        printer.print_string(f", {self.sourceBundle.data} : {self.sourceChannel.value.data}, ")
        printer.print_operand(self.dest)
        printer.print_string(f", {self.destBundle.data} : {self.destChannel.value.data})")
        shown = ("sourceBundle", "sourceChannel", "destBundle", "destChannel")
        print_attr_dict(printer, self, shown)


@irdl_op_definition
class ShimDmaAllocationOp(IRDLOperation):
    """``aie.shim_dma_allocation @name(MM2S, 0, 0)``: (direction, channel, column) of the shim
    channel the runtime sequence drives by ``metadata = @name``."""

    name = "aie.shim_dma_allocation"
    sym_name = prop_def(StringAttr)
    channel_dir = prop_def(StringAttr)
    channel_index = prop_def(IntegerAttr)
    col = prop_def(IntegerAttr)

    @classmethod
    def parse(cls, parser: Parser) -> ShimDmaAllocationOp:
        sym = parser.parse_symbol_name()
        with parser.in_parens():
            direction = _parse_choice(parser, DIRECTIONS, "a DMA direction")
            parser.parse_punctuation(",")
            channel = parse_int_attr(parser, i32)
            parser.parse_punctuation(",")
            col = parse_int_attr(parser, i32)
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        props.update(sym_name=sym, channel_dir=direction, channel_index=channel, col=col)
        return cls.create(properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string(
            f"({self.channel_dir.data}, {self.channel_index.value.data}, {self.col.value.data})"
        )
        print_attr_dict(printer, self, ("sym_name", "channel_dir", "channel_index", "col"))


class TileRegionOp(IRDLOperation):
    """``%r = aie.<op>(%tile) { ... } {attrs}``: an op of a tile holding one region (a core's
    body, ``aie.core``; a tile's DMA program of BD blocks and channel starts, ``aie.mem``)."""

    tile = operand_def(IndexType)
    body = region_def()
    result = result_def(IndexType)

    @classmethod
    def parse(cls, parser: Parser):
        with parser.in_parens():
            tile = parser.parse_operand(IndexType())
        body = parser.parse_region()
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        return cls.create(
            operands=[tile],
            properties=props,
            attributes=attrs,
            regions=[body],
            result_types=[IndexType()],
        )

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.tile)
        printer.print_string(") ")
        printer.print_region(self.body)
        print_attr_dict(printer, self)


@irdl_op_definition
class MemOp(TileRegionOp):
    """``aie.mem(%tile)``: a compute tile's DMA program."""

    name = "aie.mem"


@irdl_op_definition
class MemTileDmaOp(TileRegionOp):
    """``aie.memtile_dma(%tile)``: a memory tile's DMA program."""

    name = "aie.memtile_dma"


@irdl_op_definition
class DmaStartOp(IRDLOperation):
    """``%0 = aie.dma_start(S2MM, 0, ^first_bd, ^next) [{repeat_count = n}]``: start a channel on
    the chain at ``dest``; control goes on to ``chain`` (the next start, or ``aie.end``)."""

    name = "aie.dma_start"
    channel_dir = prop_def(StringAttr)
    channel_index = prop_def(IntegerAttr[I32])
    repeat_count = opt_prop_def(IntegerAttr[I32])
    dest = successor_def()
    chain = successor_def()
    result = result_def(IntegerType(1))
    traits = traits_def(IsTerminator())

    @classmethod
    def parse(cls, parser: Parser) -> DmaStartOp:
        props: dict[str, Attribute] = {}
        with parser.in_parens():
            props["channel_dir"] = _parse_choice(parser, DIRECTIONS, "a DMA direction")
            parser.parse_punctuation(",")
            props["channel_index"] = parse_int_attr(parser, i32)
            parser.parse_punctuation(",")
            dest = parser.parse_successor()
            parser.parse_punctuation(",")
            chain = parser.parse_successor()
            if parser.parse_optional_punctuation(","):
                parser.parse_keyword("repeat_count")
                parser.parse_punctuation("=")
                props["repeat_count"] = parse_int_attr(parser, i32)
        more, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        return cls.create(
            properties={**props, **more},
            attributes=attrs,
            successors=[dest, chain],
            result_types=[i1],
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(f"({self.channel_dir.data}, {self.channel_index.value.data}, ")
        _print_block(printer, self.dest)
        printer.print_string(", ")
        _print_block(printer, self.chain)
        if self.repeat_count is not None:
            printer.print_string(f", repeat_count = {self.repeat_count.value.data}")
        printer.print_string(")")
        print_attr_dict(printer, self, ("channel_dir", "channel_index", "repeat_count"))


@irdl_op_definition
class DmaBdOp(IRDLOperation):
    """``aie.dma_bd(%buf : memref<..>, offset, len[, [<size = s, stride = t>, ...]])``: one buffer
    descriptor (also read: ``aie.dma_bd(%buf : memref<..>) {len = .., offset = ..}``)."""

    name = "aie.dma_bd"
    buffer = operand_def()
    offset = prop_def(IntegerAttr[I32])
    len = opt_prop_def(IntegerAttr[I32])
    dimensions = opt_prop_def(ArrayAttr[BDDimLayoutAttr])

    @classmethod
    def parse(cls, parser: Parser) -> DmaBdOp:
        props: dict[str, Attribute] = {}
        with parser.in_parens():
            name = parser.parse_unresolved_operand()
            parser.parse_punctuation(":")
            buffer = parser.resolve_operand(name, parser.parse_type())
            if parser.parse_optional_punctuation(","):
                props["offset"] = parse_int_attr(parser, i32)
                parser.parse_punctuation(",")
                props["len"] = parse_int_attr(parser, i32)
                if parser.parse_optional_punctuation(","):
                    props["dimensions"] = _parse_dims(parser)
        more, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        props = {**props, **more}
        props.setdefault("offset", IntegerAttr(0, i32))
        return cls.create(operands=[buffer], properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.buffer)
        printer.print_string(" : ")
        printer.print_attribute(self.buffer.type)
        printer.print_string(f", {self.offset.value.data}, {self.length}")
        if self.dimensions is not None:
            printer.print_string(", ")
            _print_dims(printer, self.dimensions)
        printer.print_string(")")
        print_attr_dict(printer, self, ("offset", "len", "dimensions"))

    @property
    def length(self) -> int:
        """Elements moved: ``len``, or the whole buffer past ``offset`` when it is left out."""
        if self.len is not None:
            return self.len.value.data
        count = 1
        for size in self.buffer.type.get_shape():
            count *= size
        return count - self.offset.value.data


@irdl_op_definition
class UseLockOp(IRDLOperation):
    """``aie.use_lock(%lock, AcquireGreaterEqual, v)``: wait until lock >= v and subtract v;
    ``Release, v`` adds v (``Acquire, v`` waits for exactly v and subtracts it)."""

    name = "aie.use_lock"
    lock = operand_def(IndexType)
    action = prop_def(StringAttr)
    value = opt_prop_def(IntegerAttr[I32])

    @classmethod
    def parse(cls, parser: Parser) -> UseLockOp:
        props: dict[str, Attribute] = {}
        with parser.in_parens():
            lock = parser.parse_operand(IndexType())
            parser.parse_punctuation(",")
            props["action"] = _parse_choice(parser, LOCK_ACTIONS, "a lock action")
            if parser.parse_optional_punctuation(","):
                props["value"] = parse_int_attr(parser, i32)
        more, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        return cls.create(operands=[lock], properties={**props, **more}, attributes=attrs)

    def print(self, printer: Printer) -> None:
        printer.print_string("(")
        printer.print_operand(self.lock)
        printer.print_string(f", {self.action.data}")
        if self.value is not None:
            printer.print_string(f", {self.value.value.data}")
        printer.print_string(")")
        print_attr_dict(printer, self, ("action", "value"))

    @property
    def amount(self) -> int:
        return 1 if self.value is None else self.value.value.data


@irdl_op_definition
class NextBdOp(IRDLOperation):
    """``aie.next_bd ^bb``: the BD chain goes on at ``dest``."""

    name = "aie.next_bd"
    dest = successor_def()
    traits = traits_def(IsTerminator())

    @classmethod
    def parse(cls, parser: Parser) -> NextBdOp:
        dest = parser.parse_successor()
        attrs = parser.parse_optional_attr_dict()
        return cls.create(attributes=attrs, successors=[dest])

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        _print_block(printer, self.dest)
        printer.print_op_attributes(self.attributes)


HAND_DMA_OPS = [
    FlowOp,
    ShimDmaAllocationOp,
    MemOp,
    MemTileDmaOp,
    DmaStartOp,
    DmaBdOp,
    UseLockOp,
    NextBdOp,
]
