"""Object FIFOs in the ``aie`` dialect: their types, ``aie.objectfifo``, ``aie.objectfifo.link``,
acquire, release and ``subview.access``, with mlir-aie's ODS property names."""

from __future__ import annotations

from xdsl.dialects.builtin import (
    I32,
    ArrayAttr,
    DenseArrayBase,
    IndexType,
    IntAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    SymbolRefAttr,
    i32,
    i64,
)
from xdsl.ir import Attribute, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from datobench.core.codegen.aie.syntax import (
    int_value,
    parse_int_attr,
    print_attr_dict,
    split_attr_dict,
)

PORTS = ("Produce", "Consume")


class _OfMemRef:
    """The syntax both object-FIFO types share: one memref in angle brackets."""

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.element)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        with parser.in_angle_brackets():
            return [parser.parse_type()]


@irdl_attr_definition
class ObjectFifoType(_OfMemRef, ParametrizedAttribute, TypeAttribute):
    """``!aie.objectfifo<memref<...>>``: the element type of an object FIFO."""

    name = "aie.objectfifo"
    element: MemRefType


@irdl_attr_definition
class ObjectFifoSubviewType(_OfMemRef, ParametrizedAttribute, TypeAttribute):
    """``!aie.objectfifosubview<memref<...>>``: what an acquire returns."""

    name = "aie.objectfifosubview"
    element: MemRefType


@irdl_attr_definition
class BDDimLayoutAttr(ParametrizedAttribute):
    """One dimension of a DMA access pattern, ``<size = s, stride = t>`` (stride in words)."""

    name = "aie.bd_dim_layout"
    size: IntAttr
    stride: IntAttr

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<size = {self.size.data}, stride = {self.stride.data}>")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        return list(_parse_dim(parser).parameters)


def _parse_dim(parser: AttrParser) -> BDDimLayoutAttr:
    with parser.in_angle_brackets():
        parser.parse_keyword("size")
        parser.parse_punctuation("=")
        size = parser.parse_integer()
        parser.parse_punctuation(",")
        parser.parse_keyword("stride")
        parser.parse_punctuation("=")
        stride = parser.parse_integer()
    return BDDimLayoutAttr(IntAttr(size), IntAttr(stride))


def _parse_dims(parser: AttrParser) -> ArrayAttr[BDDimLayoutAttr]:
    return ArrayAttr(
        parser.parse_comma_separated_list(parser.Delimiter.SQUARE, lambda: _parse_dim(parser))
    )


def _print_dims(printer: Printer, dims: ArrayAttr[BDDimLayoutAttr]) -> None:
    with printer.in_square_brackets():
        printer.print_list(dims.data, lambda d: d.print_parameters(printer))


@irdl_op_definition
class ObjectFifoCreateOp(IRDLOperation):
    """``aie.objectfifo @of(%prod, {%c0, %c1}, 2 : i32) : !aie.objectfifo<memref<...>>``."""

    name = "aie.objectfifo"
    producerTile = operand_def(IndexType)  # noqa: N815
    consumerTiles = var_operand_def(IndexType)  # noqa: N815
    sym_name = prop_def(StringAttr)
    elemNumber = prop_def(Attribute)  # noqa: N815 (i32, or an i32 array: producer, consumers)
    elemType = prop_def(ObjectFifoType)  # noqa: N815
    dimensionsToStream = opt_prop_def(ArrayAttr[BDDimLayoutAttr])  # noqa: N815
    dimensionsFromStreamPerConsumer = opt_prop_def(ArrayAttr)  # noqa: N815
    repeat_count = opt_prop_def(IntegerAttr[I32])  # a memory tile sends each buffer n times
    traits = traits_def(SymbolOpInterface())

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoCreateOp:
        props: dict[str, Attribute] = {"sym_name": parser.parse_symbol_name()}
        parser.parse_punctuation("(")
        producer = parser.parse_operand(IndexType())
        if parser.parse_optional_keyword("toStream"):
            props["dimensionsToStream"] = _parse_dims(parser)
        parser.parse_punctuation(",")
        consumers, from_dims = [], []

        def consumer():
            consumers.append(parser.parse_operand(IndexType()))
            from_dims.append(
                _parse_dims(parser)
                if parser.parse_optional_keyword("fromStream")
                else ArrayAttr([])
            )

        parser.parse_comma_separated_list(parser.Delimiter.BRACES, consumer)
        if any(d.data for d in from_dims):
            props["dimensionsFromStreamPerConsumer"] = ArrayAttr(from_dims)
        parser.parse_punctuation(",")
        props["elemNumber"] = parser.parse_attribute()
        parser.parse_punctuation(")")
        more, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        parser.parse_punctuation(":")
        props["elemType"] = parser.parse_type()
        return cls.create(
            operands=[producer, *consumers], properties={**props, **more}, attributes=attrs
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string("(")
        printer.print_operand(self.producerTile)
        if self.dimensionsToStream is not None:
            printer.print_string(" toStream ")
            _print_dims(printer, self.dimensionsToStream)
        printer.print_string(", {")
        from_dims = self.dimensionsFromStreamPerConsumer
        for i, tile in enumerate(self.consumerTiles):
            printer.print_string(", " if i else "")
            printer.print_operand(tile)
            if from_dims is not None and from_dims.data[i].data:
                printer.print_string(" fromStream ")
                _print_dims(printer, from_dims.data[i])
        printer.print_string("}, ")
        printer.print_attribute(self.elemNumber)
        printer.print_string(")")
        shown = ("sym_name", "elemNumber", "elemType", "dimensionsToStream")
        print_attr_dict(printer, self, (*shown, "dimensionsFromStreamPerConsumer"))
        printer.print_string(" : ")
        printer.print_attribute(self.elemType)

    def repeat(self) -> int:
        """How many times the producer's DMA sends each buffer (``repeat_count``, else 1)."""
        return 1 if self.repeat_count is None else self.repeat_count.value.data

    def depths(self) -> list[int]:
        """The depth at the producer, then at each consumer."""
        n = 1 + len(self.consumerTiles)
        if isinstance(self.elemNumber, ArrayAttr):
            return [int_value(d) for d in self.elemNumber.data]
        return [int_value(self.elemNumber)] * n

    def verify_(self) -> None:
        if isinstance(self.elemNumber, ArrayAttr):
            depths = self.depths()
            if len(depths) != 1 + len(self.consumerTiles):
                raise VerifyException(
                    f"object FIFO @{self.sym_name.data}: a depth array needs 1 + consumers = "
                    f"{1 + len(self.consumerTiles)} entries, got {len(depths)}"
                )
        else:
            depths = self.depths()
        if any(d < 1 for d in depths):
            raise VerifyException(f"object FIFO @{self.sym_name.data}: depth must be at least 1")
        if not self.consumerTiles:
            raise VerifyException(f"object FIFO @{self.sym_name.data} has no consumer")
        if self.repeat_count is not None and self.repeat_count.value.data < 1:
            raise VerifyException(
                f"object FIFO @{self.sym_name.data}: repeat_count must be at least 1"
            )
        if from_dims := self.dimensionsFromStreamPerConsumer:
            if len(from_dims.data) != len(self.consumerTiles):
                raise VerifyException(
                    f"object FIFO @{self.sym_name.data}: one fromStream per consumer"
                )


def _ints_then_close(parser: Parser) -> list[int]:
    values = [parser.parse_integer()]
    while parser.parse_optional_punctuation(","):
        values.append(parser.parse_integer())
    parser.parse_punctuation("]")
    return values


@irdl_op_definition
class ObjectFifoLinkOp(IRDLOperation):
    """``aie.objectfifo.link [@in] -> [@o0, @o1] ([] [0, 512])`` at a memory tile."""

    name = "aie.objectfifo.link"
    fifoIns = prop_def(ArrayAttr[SymbolRefAttr])  # noqa: N815
    fifoOuts = prop_def(ArrayAttr[SymbolRefAttr])  # noqa: N815
    src_offsets = prop_def(DenseArrayBase)
    dst_offsets = prop_def(DenseArrayBase)

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoLinkOp:
        square = parser.Delimiter.SQUARE
        ins = parser.parse_comma_separated_list(square, parser.parse_attribute)
        parser.parse_punctuation("->")
        outs = parser.parse_comma_separated_list(square, parser.parse_attribute)
        src: list[int] = []
        dst: list[int] = []
        with parser.in_parens():  # older designs write "()" for "([] [])"
            if parser.parse_optional_punctuation("[") is not None:
                src = [] if parser.parse_optional_punctuation("]") else _ints_then_close(parser)
                dst = parser.parse_comma_separated_list(square, parser.parse_integer)
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        props.update(
            fifoIns=ArrayAttr(ins),
            fifoOuts=ArrayAttr(outs),
            src_offsets=DenseArrayBase.from_list(i64, src),
            dst_offsets=DenseArrayBase.from_list(i64, dst),
        )
        return cls.create(properties=props, attributes=attrs)

    def print(self, printer: Printer) -> None:
        def names(refs: ArrayAttr[SymbolRefAttr]) -> str:
            return ", ".join(f"@{r.root_reference.data}" for r in refs.data)

        def offsets(a: DenseArrayBase) -> str:
            return ", ".join(str(v) for v in a.get_values())

        printer.print_string(f" [{names(self.fifoIns)}] -> [{names(self.fifoOuts)}]")
        printer.print_string(f" ([{offsets(self.src_offsets)}] [{offsets(self.dst_offsets)}])")
        print_attr_dict(printer, self, ("fifoIns", "fifoOuts", "src_offsets", "dst_offsets"))

    @property
    def ins(self) -> list[str]:
        return [r.root_reference.data for r in self.fifoIns.data]

    @property
    def outs(self) -> list[str]:
        return [r.root_reference.data for r in self.fifoOuts.data]

    def verify_(self) -> None:
        if not self.ins or not self.outs:
            raise VerifyException("a link needs at least one input and one output FIFO")
        if len(self.ins) > 1 and len(self.outs) > 1:
            raise VerifyException(
                "a link either joins (several inputs) or distributes (several outputs), not both"
            )
        for fifos, offs, what in (
            (self.ins, self.src_offsets, "join"),
            (self.outs, self.dst_offsets, "distribute"),
        ):
            n = len(offs.get_values())
            if len(fifos) > 1 and n != len(fifos):
                raise VerifyException(
                    f"a {what} of {len(fifos)} FIFOs needs {len(fifos)} offsets, got {n}"
                )
            if len(fifos) == 1 and n not in (0, 1):
                raise VerifyException(
                    f"a link with one FIFO on that side takes no offsets, got {n}"
                )


class _FifoPortOp(IRDLOperation):
    """Shared syntax of acquire and release: ``@of(Consume, n)``."""

    objFifo_name = prop_def(SymbolRefAttr)  # noqa: N815
    port = prop_def(StringAttr)
    size = prop_def(IntegerAttr[I32])

    @classmethod
    def _parse_port(cls, parser: Parser) -> dict[str, Attribute]:
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        props["objFifo_name"] = SymbolRefAttr(parser.parse_symbol_name())
        with parser.in_parens():
            props["port"] = StringAttr(parser.parse_identifier())
            parser.parse_punctuation(",")
            props["size"] = parse_int_attr(parser, i32)
        return {"properties": props, "attributes": attrs}

    def _print_port(self, printer: Printer) -> None:
        print_attr_dict(printer, self, ("objFifo_name", "port", "size"))
        printer.print_string(" ")
        printer.print_symbol_name(self.fifo)
        printer.print_string(f"({self.port.data}, {self.size.value.data})")

    @property
    def fifo(self) -> str:
        return self.objFifo_name.root_reference.data

    def verify_(self) -> None:
        if self.port.data not in PORTS:
            raise VerifyException(f"port must be Produce or Consume, got {self.port.data}")
        if self.size.value.data < 1:
            raise VerifyException(f"{self.name} of {self.size.value.data} elements")


@irdl_op_definition
class ObjectFifoAcquireOp(_FifoPortOp):
    """``%sv = aie.objectfifo.acquire @of(Consume, 1) : !aie.objectfifosubview<memref<...>>``."""

    name = "aie.objectfifo.acquire"
    subview = result_def(ObjectFifoSubviewType | MemRefType)  # newest releases: the element

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoAcquireOp:
        parts = cls._parse_port(parser)
        parser.parse_punctuation(":")
        return cls.create(**parts, result_types=[parser.parse_type()])

    def print(self, printer: Printer) -> None:
        self._print_port(printer)
        printer.print_string(" : ")
        printer.print_attribute(self.subview.type)


@irdl_op_definition
class ObjectFifoReleaseOp(_FifoPortOp):
    """``aie.objectfifo.release @of(Consume, 1)``."""

    name = "aie.objectfifo.release"

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoReleaseOp:
        return cls.create(**cls._parse_port(parser))

    def print(self, printer: Printer) -> None:
        self._print_port(printer)


@irdl_op_definition
class ObjectFifoSubviewAccessOp(IRDLOperation):
    """``%e = aie.objectfifo.subview.access %sv[0] : !aie.objectfifosubview<M> -> M``."""

    name = "aie.objectfifo.subview.access"
    subview = operand_def(ObjectFifoSubviewType)
    index = prop_def(IntegerAttr[I32])
    output = result_def(MemRefType)

    @classmethod
    def parse(cls, parser: Parser) -> ObjectFifoSubviewAccessOp:
        sv = parser.parse_unresolved_operand()
        with parser.in_square_brackets():
            index = parse_int_attr(parser, i32)
        props, attrs = split_attr_dict(cls, parser.parse_optional_attr_dict())
        parser.parse_punctuation(":")
        sv_type = parser.parse_type()
        parser.parse_punctuation("->")
        out = parser.parse_type()
        props["index"] = index
        return cls.create(
            operands=[parser.resolve_operand(sv, sv_type)],
            properties=props,
            attributes=attrs,
            result_types=[out],
        )

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_operand(self.subview)
        printer.print_string(f"[{self.index.value.data}]")
        print_attr_dict(printer, self, ("index",))
        printer.print_string(" : ")
        printer.print_attribute(self.subview.type)
        printer.print_string(" -> ")
        printer.print_attribute(self.output.type)

    def verify_(self) -> None:
        assert isinstance(self.subview.type, ObjectFifoSubviewType)
        if self.subview.type.element != self.output.type:
            raise VerifyException(
                f"subview.access returns {self.output.type}, the subview holds "
                f"{self.subview.type.element}"
            )
