"""Parse and print helpers shared by the ``aie`` and ``aiex`` ops: an op's ``{...}`` split into
its properties and other attributes, and back."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import IntegerAttr, IntegerType
from xdsl.ir import Attribute, Operation
from xdsl.irdl import IRDLOperation
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException


def split_attr_dict(cls: type[IRDLOperation], parsed: dict[str, Attribute]):
    """Split a parsed ``{...}`` into the op's properties and its other attributes."""
    names = cls.get_irdl_definition().properties
    props = {k: v for k, v in parsed.items() if k in names}
    attrs = {k: v for k, v in parsed.items() if k not in names}
    return props, attrs


def print_attr_dict(printer: Printer, op: Operation, shown: Sequence[str] = ()) -> None:
    """Print the op's attributes and the properties not written in its syntax, as ``{...}``."""
    extra = {k: v for k, v in op.properties.items() if k not in shown}
    printer.print_op_attributes({**extra, **op.attributes})


def int_value(attr: Attribute) -> int:
    if not isinstance(attr, IntegerAttr):
        raise VerifyException(f"expected an integer, got {attr}")
    return attr.value.data


def parse_int_attr(parser: Parser, typ: IntegerType) -> IntegerAttr:
    return IntegerAttr(parser.parse_integer(), typ)
