"""Element types, tensor types and symbolic sizes.

``int8[64]`` builds a ``TensorType``; ``int16[M, K] @ [S(0), R]`` adds a layout (see
``lang.layout``). Sizes are ints or ``Symbol`` expressions bound when a program is compiled.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

import ml_dtypes
import numpy as np

from datobench.core.errors import DatoTypeError, caller_loc, user_facing


class Symbol:
    """A symbolic size (``M = dato.symbol("M")``), or an arithmetic expression of them."""

    def __init__(self, name: str, _op=None, _args: tuple = ()):
        self.name = name
        self._op = _op
        self._args = _args

    def resolve(self, bindings: dict[str, int]) -> int:
        if self._op is None:
            if self.name not in bindings:
                raise KeyError(self.name)
            return int(bindings[self.name])
        values = [a.resolve(bindings) if isinstance(a, Symbol) else a for a in self._args]
        return int(self._op(*values))

    def free_names(self) -> set[str]:
        if self._op is None:
            return {self.name}
        names: set[str] = set()
        for a in self._args:
            if isinstance(a, Symbol):
                names |= a.free_names()
        return names

    def _binary(self, other, op, sign, swap=False):
        if not isinstance(other, (int, Symbol)):
            return NotImplemented
        args = (other, self) if swap else (self, other)
        return Symbol(f"({args[0]} {sign} {args[1]})", op, args)

    def __add__(self, o):
        return self._binary(o, operator.add, "+")

    def __radd__(self, o):
        return self._binary(o, operator.add, "+", True)

    def __sub__(self, o):
        return self._binary(o, operator.sub, "-")

    def __rsub__(self, o):
        return self._binary(o, operator.sub, "-", True)

    def __mul__(self, o):
        return self._binary(o, operator.mul, "*")

    def __rmul__(self, o):
        return self._binary(o, operator.mul, "*", True)

    def __floordiv__(self, o):
        return self._binary(o, operator.floordiv, "//")

    def __rfloordiv__(self, o):
        return self._binary(o, operator.floordiv, "//", True)

    def __repr__(self) -> str:
        return self.name


Size = int | Symbol


def resolve_size(size: Size, bindings: dict[str, int]) -> int:
    return size.resolve(bindings) if isinstance(size, Symbol) else int(size)


@dataclass(frozen=True)
class DType:
    """A scalar element type. ``index`` (loop variables, pid) is internal; ``bool`` is
    ``dato.boolean`` (what comparisons give).

    Integers have any width from 1 to 512 bits (``Int(n)``, ``UInt(n)``); their arithmetic
    wraps at the width, as ``ap_int``/``ap_uint`` do when a result is assigned back."""

    name: str
    bits: int
    kind: str  # "int", "float", "bfp" (block floating point), "index", "bool"
    signed: bool = True

    @property
    def np(self) -> np.dtype:
        """The numpy dtype holding values of this type: the narrowest native integer for
        widths up to 64 bits (int4 in int8), Python ints in object arrays beyond."""
        if self.name in _NUMPY:
            return _NUMPY[self.name]
        if self.bits > 64:
            return np.dtype(object)
        storage = next(b for b in (8, 16, 32, 64) if self.bits <= b)
        return np.dtype(f"{'int' if self.signed else 'uint'}{storage}")

    @property
    def bytes(self) -> int:
        return math.ceil(self.bits / 8)

    @property
    def memory_bits(self) -> int:
        """Bits an element takes in DDR and tile memory: 1-, 2- and 4-bit integers are packed
        (two int4 to a byte), bfp16 takes 9 bits (8 values and their shared exponent in 9
        bytes), any other width is padded to whole bytes."""
        packed = self.kind == "int" and self.bits in (1, 2, 4) or self.kind == "bfp"
        return self.bits if packed else 8 * self.bytes

    @property
    def native(self) -> bool:
        """Does numpy's own dtype wrap at this width (no masking needed in the simulator)?"""
        return self.kind != "int" or self.bits in (8, 16, 32, 64)

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    @property
    def is_float(self) -> bool:
        return self.kind == "float"

    @property
    def is_integer(self) -> bool:
        return self.kind in ("int", "index")

    @user_facing
    def __getitem__(self, shape) -> TensorType:
        dims = shape if isinstance(shape, tuple) else (shape,)
        for d in dims:
            if not isinstance(d, (int, Symbol)) or isinstance(d, bool):
                raise DatoTypeError(
                    f"tensor dimensions must be ints or symbols, not {d!r}", caller_loc()
                )
        t = TensorType(self, tuple(dims))
        check_blocked(t, caller_loc())
        return t

    def __call__(self, value):
        """A typed scalar: ``int32(0)``; an integer wraps at the width (``int4(9)`` is -7)."""
        if self.kind == "int" and np.ndim(value) == 0:
            v = int(value) & ((1 << self.bits) - 1)
            return self.np.type(v - (1 << self.bits) if v > self.max else v)
        return self.np.type(value)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return self.name


MAX_INT_BITS = 512


@user_facing
def Int(bits: int) -> DType:  # noqa: N802 (a type constructor, spelled like one)
    """The signed integer type of ``bits`` bits (1..512), ``ap_int<bits>`` in HLS;
    ``Int(8)`` is ``int8``."""
    return integer_type(bits, True, caller_loc())


@user_facing
def UInt(bits: int) -> DType:  # noqa: N802
    """The unsigned integer type of ``bits`` bits (1..512), ``ap_uint<bits>`` in HLS;
    ``UInt(8)`` is ``uint8``."""
    return integer_type(bits, False, caller_loc())


def integer_type(bits, signed: bool, loc=None) -> DType:
    """``Int(bits)`` or ``UInt(bits)``; a bad width is an error at ``loc`` (in a task body,
    the front end locates it at the call)."""
    if not isinstance(bits, int) or isinstance(bits, bool) or not 1 <= bits <= MAX_INT_BITS:
        raise DatoTypeError(
            f"{'Int' if signed else 'UInt'}(n) takes a width n from 1 to {MAX_INT_BITS} bits, "
            f"not {bits!r}",
            loc,
        )
    return DType(f"{'int' if signed else 'uint'}{bits}", bits, "int", signed)


int4 = DType("int4", 4, "int")
int8 = DType("int8", 8, "int")
int16 = DType("int16", 16, "int")
int32 = DType("int32", 32, "int")
uint8 = DType("uint8", 8, "int", False)
uint16 = DType("uint16", 16, "int", False)
uint32 = DType("uint32", 32, "int", False)
bf16 = DType("bf16", 16, "float")
float32 = DType("float32", 32, "float")


@dataclass(frozen=True)
class BlockFloat(DType):
    """Block floating point: ``bfp16``, AMD's ``bfp16ebs8`` (npu2's fastest bf16 datapath).
    Blocks of 8 values along axis 0 of a tensor share one 8-bit exponent, each value an 8-bit
    signed mantissa, so 8 values take 9 bytes in DDR, tile memory and the ledger.

    The format, as AMD's mlir-aie quantiser (``floatToBfp16`` in its programming examples)
    encodes it: the shared exponent is the largest biased float32 exponent field E of the
    block; each value is a two's-complement mantissa m in -128..127 standing for
    m * 2**(E - 133) (a sign, an integer and 6 fraction bits at the block's scale). Mantissas
    are truncated, which AMD states AIE2P always does: rounded toward minus infinity, never to
    nearest (so no ties to break), so a value never rounds up into the next exponent and
    nothing saturates. Values smaller than the block's largest lose bits: a value under
    2**(E - 133) becomes 0 (or, negative, the smallest negative step). Every bfp16 value is
    exact in bf16 and float32, so conversions out of bfp16 are exact.

    Not said by AMD, chosen here: a block holding an infinity or NaN is NaN throughout (the
    format has no encoding for them); a block of zeros and subnormals only (E = 0) is zero; a
    subnormal beside larger values is quantised by its value. ``dato.matmul`` takes a bfp16 B
    (blocks down its K rows) with a bf16 or bfp16 A: a bf16 A is quantised in blocks along K,
    as the core's bfp16 datapath takes it, products are exact, sums float32, and an
    ``acc=bf16`` result is rounded once (``datobench.core.ir.bfp``). From Python a bfp16
    tensor is a float32 array of values bfp16 represents (``dato.quantise_bfp16(x)``),
    checked when a region is called."""


bfp16 = BlockFloat("bfp16", 9, "bfp")
index = DType("index", 64, "index")
boolean = DType("bool", 8, "bool")


class _DTypes(dict):
    """Element types by name; an integer of any width is found by its name (``uint12``)."""

    def __missing__(self, name: str) -> DType:
        m = re.fullmatch(r"(u?)int(\d+)", name)
        if m is None or not 1 <= int(m.group(2)) <= MAX_INT_BITS:
            raise KeyError(name)
        return DType(name, int(m.group(2)), "int", not m.group(1))


DTYPES = _DTypes(
    {t.name: t for t in (int4, int8, int16, int32, uint8, uint16, uint32, bf16, float32, bfp16)}
    | {t.name: t for t in (index, boolean)}
)
ELEMENT_TYPES = (int8, int16, int32, bf16, float32)

_NUMPY = {
    "int8": np.dtype(np.int8),
    "int16": np.dtype(np.int16),
    "int32": np.dtype(np.int32),
    "bf16": np.dtype(ml_dtypes.bfloat16),
    "float32": np.dtype(np.float32),
    "bfp16": np.dtype(np.float32),  # the values bfp16 represents, all exact in float32
    "index": np.dtype(np.int64),
    "bool": np.dtype(np.bool_),
}


@dataclass(frozen=True)
class TensorType:
    dtype: DType
    shape: tuple[Size, ...]

    @user_facing
    def __matmul__(self, layout) -> LayoutType:
        if isinstance(layout, Stage):  # staged, replicated: ``int8[K, n] @ dato.stage(...)``
            return LayoutType(self, tuple(R for _ in self.shape)) @ layout
        dims = tuple(layout) if isinstance(layout, (list, tuple)) else (layout,)
        if len(dims) != len(self.shape):
            raise DatoTypeError(
                f"layout {list(dims)} has {len(dims)} entries but {self} has {len(self.shape)} "
                "dimensions",
                caller_loc(),
            )
        for d in dims:
            if not isinstance(d, (Shard, Replicate)):
                raise DatoTypeError(f"a layout entry must be S(k) or R, not {d!r}", caller_loc())
        return LayoutType(self, dims)

    def resolve(self, bindings: dict[str, int]) -> TensorType:
        return TensorType(self.dtype, tuple(resolve_size(d, bindings) for d in self.shape))

    @property
    def is_static(self) -> bool:
        return all(isinstance(d, int) for d in self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        """Bytes in DDR or tile memory (int4 packed two to a byte, rounded up)."""
        return math.ceil(self.size * self.dtype.memory_bits / 8)

    def __str__(self) -> str:
        return f"{self.dtype}[{', '.join(str(d) for d in self.shape)}]"

    __repr__ = __str__


Type = DType | TensorType

BFP_BLOCK = 8  # values per shared exponent in bfp16


def check_blocked(t: TensorType, loc=None) -> None:
    """A bfp16 tensor type is stored in blocks of 8 along axis 0, so that axis must be a
    multiple of 8 (a DatoTypeError at ``loc`` otherwise; other types pass)."""
    if t.dtype.kind != "bfp":
        return
    if not t.shape:
        raise DatoTypeError(
            f"{t} has no axis to block: bfp16 stores tensors in blocks of {BFP_BLOCK}", loc
        )
    first = t.shape[0]
    if isinstance(first, int) and first % BFP_BLOCK:
        raise DatoTypeError(
            f"{t}: bfp16 stores blocks of {BFP_BLOCK} values along axis 0, and {first} is not "
            f"a multiple of {BFP_BLOCK}",
            loc,
        )
    if not t.shape:
        return f"{t} has no axis to block: bfp16 stores tensors in blocks of {BFP_BLOCK}"
    first = t.shape[0]
    if isinstance(first, int) and first % BFP_BLOCK:
        return (
            f"{t}: bfp16 stores blocks of {BFP_BLOCK} values along axis 0, and {first} is not a "
            f"multiple of {BFP_BLOCK}"
        )
    return None


def shape_of(t: Type) -> tuple[int, ...]:
    return t.shape if isinstance(t, TensorType) else ()


def dtype_of(t: Type) -> DType:
    return t.dtype if isinstance(t, TensorType) else t


def make_type(dtype: DType, shape: tuple[int, ...]) -> Type:
    return TensorType(dtype, tuple(shape)) if shape else dtype


@dataclass(frozen=True)
class Shard:
    """``S(k)``: split this dimension across mapping axis ``k``."""

    axis: int

    @user_facing
    def __post_init__(self):
        if not isinstance(self.axis, int) or self.axis < 0:
            raise DatoTypeError(
                f"S(k) takes a mapping axis k >= 0, not {self.axis!r}", caller_loc()
            )

    def __str__(self) -> str:
        return f"S({self.axis})"

    __repr__ = __str__


@dataclass(frozen=True)
class Replicate:
    """``R``: every instance sees the whole dimension."""

    def __str__(self) -> str:
        return "R"

    __repr__ = __str__


R = Replicate()
LayoutDim = Shard | Replicate

STAGE_LEVELS = ("mem",)  # "mem": a memory tile (L2) on the NPU, on-chip RAM on an FPGA


@dataclass(frozen=True)
class Stage:
    """``dato.stage("mem", panel=(K, n), depth=1)``: the windows a task reads of a global
    tensor pass through a ``panel``-shaped buffer at ``level``, filled from DDR only when the
    window moves to another panel and read by the task from there. Instances that share a
    shard (replicated along a mapping axis) share the staged panel. ``depth=2`` double-buffers
    it: the next panel loads while the cores read this one. ``parts=P`` (depth 1) holds the
    panel as P parts along its first dimension, each refilled with the next panel's part as
    soon as the readers' last pass over the current panel is done with it, so that a refill
    hides behind that pass without a second panel's memory. Staging never changes values."""

    level: str
    panel: tuple[Size, ...]
    depth: int = 1
    parts: int = 1

    def __str__(self) -> str:
        depth = f", depth={self.depth}" if self.depth != 1 else ""
        parts = f", parts={self.parts}" if self.parts != 1 else ""
        panel = ", ".join(map(str, self.panel))
        one = "," if len(self.panel) == 1 else ""
        return f'stage("{self.level}", panel=({panel}{one}){depth}{parts})'


@dataclass(frozen=True)
class Writeback:
    """``dato.writeback(depth=2)``: the blocks a task writes of a global tensor from a local
    (``c[...] = acc``) leave an NPU core through an output FIFO ``depth`` objects deep, the
    local living in one of them: at depth 2 the core computes the next block in the second
    object while the DMA drains the first (a second block's memory, booked by the mapper).
    Without it the core holds one object and waits for its drain before the next block.
    Values never change."""

    depth: int = 2

    def __str__(self) -> str:
        return f"writeback(depth={self.depth})"


@dataclass(frozen=True)
class LayoutType:
    """A global tensor type with one layout entry per dimension, and optionally a staging
    level its windows pass through (``int8[K, N] @ [R, S(1)] @ dato.stage(...)``) or the
    depth its written blocks leave through (``@ dato.writeback(depth=2)``)."""

    tensor: TensorType
    layout: tuple[LayoutDim, ...]
    stage: Stage | None = None
    writeback: Writeback | None = None

    @user_facing
    def __matmul__(self, stage) -> LayoutType:
        if isinstance(stage, Writeback):
            if self.writeback is not None:
                raise DatoTypeError(f"{self} already has a writeback depth", caller_loc())
            return LayoutType(self.tensor, self.layout, self.stage, stage)
        if not isinstance(stage, Stage):
            raise DatoTypeError(
                f"after a layout, `@` takes dato.stage(...) or dato.writeback(...), not {stage!r}",
                caller_loc(),
            )
        if self.stage is not None:
            raise DatoTypeError(f"{self} is already staged: stage it once", caller_loc())
        if len(stage.panel) != len(self.tensor.shape):
            raise DatoTypeError(
                f"the panel {tuple(stage.panel)} has {len(stage.panel)} dimensions but "
                f"{self.tensor} has {len(self.tensor.shape)}",
                caller_loc(),
            )
        return LayoutType(self.tensor, self.layout, stage, self.writeback)

    def __str__(self) -> str:
        staged = f" @ {self.stage}" if self.stage is not None else ""
        written = f" @ {self.writeback}" if self.writeback is not None else ""
        return f"{self.tensor} @ [{', '.join(map(str, self.layout))}]{staged}{written}"


@dataclass(frozen=True)
class StreamType:
    """``Stream[T, depth]``, optionally an array of channels ``[P0, P1]``."""

    elem: Type
    depth: int
    shape: tuple[Size, ...] = ()

    @user_facing
    def __getitem__(self, shape) -> StreamType:
        if self.shape:
            raise DatoTypeError(
                "a stream array takes one shape: Stream[T, depth][P0, P1]", caller_loc()
            )
        dims = shape if isinstance(shape, tuple) else (shape,)
        for d in dims:
            if not isinstance(d, (int, Symbol)) or isinstance(d, bool):
                raise DatoTypeError(
                    f"stream array dimensions must be ints, not {d!r}", caller_loc()
                )
        return StreamType(self.elem, self.depth, tuple(dims))

    def __str__(self) -> str:
        arr = f"[{', '.join(map(str, self.shape))}]" if self.shape else ""
        return f"Stream[{self.elem}, {self.depth}]{arr}"
