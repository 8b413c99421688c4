"""What the emulator reads of a parsed design: tiles, object FIFOs, links, cores, kernel
declarations and the runtime sequence, by mlir-aie's op and property names (ODS spelling:
``objFifo_name``, ``port``, ``size``, ``elemNumber``, ``fifoIns``, ``static_sizes``...).

Lines come from the parser (``parse.read_design``), for the messages that name the design's ops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import builtin, func
from xdsl.ir import Attribute, Block, Operation, SSAValue

from datobench.core.codegen.aie.emu_fifo import FifoDecl, Tile, layout_index
from datobench.core.codegen.aie.emu_kernels import EmulationError, KernelDecl, kernel_decl
from datobench.core.codegen.aie.emu_link import LinkDecl
from datobench.core.codegen.aie.emu_values import memref_shape
from datobench.core.codegen.aie.parse import Design as ParsedDesign

SEQUENCES = ("aiex.runtime_sequence", "aie.runtime_sequence")


def _get(op: Operation, *names: str) -> Attribute | None:
    for name in names:
        if name in op.properties:
            return op.properties[name]
        if name in op.attributes:
            return op.attributes[name]
    return None


def _int(attr: Attribute | None) -> int:
    assert isinstance(attr, builtin.IntegerAttr), attr
    return attr.value.data


def _symbol(attr: Attribute | None) -> str:
    if isinstance(attr, builtin.SymbolRefAttr):
        return attr.root_reference.data
    assert isinstance(attr, builtin.StringAttr), attr
    return attr.data


def _ints(attr: Attribute | None) -> tuple[int, ...]:
    if attr is None:
        return ()
    if isinstance(attr, builtin.DenseArrayBase):
        return tuple(int(v) for v in attr.get_values())
    assert isinstance(attr, builtin.ArrayAttr), attr
    return tuple(_int(a) for a in attr.data)


def _memref_in(attr: Attribute) -> builtin.MemRefType:
    """The memref type inside an ``!aie.objectfifo<...>`` (or subview) type."""
    if isinstance(attr, builtin.TypeAttribute) and isinstance(attr, builtin.MemRefType):
        return attr
    for param in getattr(attr, "parameters", ()):
        if isinstance(param, Attribute):
            try:
                return _memref_in(param)
            except LookupError:
                continue
    raise LookupError(f"no memref type in {attr}")


@dataclass
class Design:
    """A design as the emulator runs it."""

    parsed: ParsedDesign
    tiles: dict[SSAValue, Tile] = field(default_factory=dict)
    fifos: dict[str, FifoDecl] = field(default_factory=dict)
    links: list[LinkDecl] = field(default_factory=list)
    cores: list[tuple[Tile, Block]] = field(default_factory=list)
    kernels: dict[str, KernelDecl] = field(default_factory=dict)
    buffers: dict[SSAValue, np.ndarray] = field(default_factory=dict)  # aie.buffer, zeroed
    sequence: Block | None = None

    @property
    def module(self) -> builtin.ModuleOp:
        return self.parsed.module

    def line(self, op: Operation) -> int:
        return self.parsed.line(op)

    def index(self, op: Operation) -> int:
        return _int(_get(op, "index"))

    def fifo_use(self, op: Operation) -> tuple[str, bool, int]:
        """An acquire's or release's FIFO, whether it is the producer's, and its count."""
        port = _get(op, "port")  # "Produce" / "Consume" (or ODS's enum: 0 is Produce)
        if isinstance(port, builtin.IntegerAttr):
            produce = _int(port) == 0
        else:
            produce = (
                port.data if isinstance(port, builtin.StringAttr) else str(port)
            ) == "Produce"
        return _symbol(_get(op, "objFifo_name")), produce, _int(_get(op, "size"))

    def transfer(self, op: Operation) -> tuple[str, tuple, tuple, tuple]:
        """A ``dma_memcpy_nd``'s FIFO and its offsets, sizes and strides (outermost first; a
        d0 stride the release leaves implicit is 1)."""
        offsets = _ints(_get(op, "static_offsets"))
        sizes = _ints(_get(op, "static_sizes"))
        strides = _ints(_get(op, "static_strides"))
        if len(strides) == len(sizes) - 1:
            strides = (*strides, 1)
        return _symbol(_get(op, "metadata")), offsets, sizes, strides

    def wait_symbol(self, op: Operation) -> str:
        return _symbol(_get(op, "symbol"))


def read_design(parsed: ParsedDesign, user_kernels: dict) -> Design:
    """What the emulator runs of a parsed design; ``user_kernels`` are the program's
    ``@dato.kernel``s by name."""
    design = Design(parsed)
    for op in parsed.module.walk():
        line = design.line(op)
        if op.name == "aie.tile":
            design.tiles[op.results[0]] = (_int(_get(op, "col")), _int(_get(op, "row")))
        elif op.name == "aie.buffer":
            shape, dtype = memref_shape(op.results[0].type)
            design.buffers[op.results[0]] = np.zeros(shape, dtype)
        elif op.name == "aie.objectfifo":
            design.fifos[_symbol(_get(op, "sym_name"))] = _fifo(design, op, line)
        elif op.name == "aie.objectfifo.link":
            design.links.append(_link(design, op, line))
            _spanned(design, design.links[-1])
        elif op.name == "aie.core":
            design.cores.append((design.tiles[op.operands[0]], op.regions[0].block))
        elif isinstance(op, func.FuncOp):
            kernel = kernel_decl(op, line, user_kernels)
            if kernel is not None:
                design.kernels[kernel.symbol] = kernel
            elif op.sym_name.data == "sequence" and op.body.blocks:  # before 2024-07
                design.sequence = op.body.block
        elif op.name in SEQUENCES:
            design.sequence = op.regions[0].block
    if design.sequence is None:
        raise EmulationError("the design has no runtime sequence to run")
    return design


def _fifo(design: Design, op: Operation, line: int | None) -> FifoDecl:
    name = _symbol(_get(op, "sym_name"))
    if _get(op, "dimensionsFromStreamPerConsumer") is not None:
        raise EmulationError(
            f"line {line}: object FIFO @{name} has a fromStream layout on a consumer, which "
            "the emulator does not execute"
        )
    to_stream = tuple(
        (d.size.data, d.stride.data) for d in getattr(_get(op, "dimensionsToStream"), "data", ())
    )
    depth_attr = _get(op, "elemNumber")
    depths = (
        (_int(depth_attr),) if isinstance(depth_attr, builtin.IntegerAttr) else _ints(depth_attr)
    )
    shape, dtype = memref_shape(_memref_in(_get(op, "elemType")))
    producer, *consumers = (design.tiles[v] for v in op.operands)
    repeat = _get(op, "repeat_count")
    decl = FifoDecl(
        name,
        producer,
        tuple(consumers),
        depths[0],
        shape,
        dtype,
        line,
        to_stream,
        1 if repeat is None else _int(repeat),
    )
    visited = sorted(layout_index(to_stream).tolist()) if to_stream else []
    if to_stream and visited != list(range(len(visited))):
        raise EmulationError(
            f"line {line}: the toStream layout of @{name} does not visit each of its "
            f"{decl.size} elements once"
        )
    return decl


def _spanned(design: Design, link: LinkDecl):
    """A toStream layout longer than its FIFO's element must be that of a 1:1 link's output,
    spanning the link's larger input buffer (the memory tile's DMA moves that buffer)."""
    for name in link.outs:
        out = design.fifos[name]
        span = len(layout_index(out.to_stream)) if out.to_stream else out.size
        whole = design.fifos[link.ins[0]].size if len(link.ins) == len(link.outs) == 1 else None
        if span != out.size and span != whole:
            raise EmulationError(
                f"line {link.line}: the toStream layout of @{name} visits {span} elements, "
                f"neither its element's {out.size} nor the linked input's"
            )


def _link(design: Design, op: Operation, line: int | None) -> LinkDecl:
    ins = tuple(_symbol(a) for a in _get(op, "fifoIns").data)
    outs = tuple(_symbol(a) for a in _get(op, "fifoOuts").data)
    tile = design.fifos[outs[0]].producer  # the memory tile
    src = _ints(_get(op, "src_offsets"))
    dst = _ints(_get(op, "dst_offsets"))
    return LinkDecl(ins, outs, src, dst, tile, line)
