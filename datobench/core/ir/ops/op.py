"""What the compiler knows about one operation, as data: the ``Op`` record.

Every builtin (``dato.exp``, ``x.sum(...)``, ``dato.matmul``...) and every operator (``+``,
``<``, ``not``...) is one ``Op``, declared once in ``ir.ops.table``. The front end reads its
signature and typing rule, the simulators call its numpy semantics, the HLS emitter spells it
with its ``HlsForm``, the cost model and the work count read its cost class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

REQUIRED = object()  # the default of a static argument the user must give

# how the user passes a static argument, and what it holds once checked
STATIC_KINDS = ("shape", "dtype", "axis", "flag", "value", "int")
COST_CLASSES = ("mac", "vector", "fill", "free")
NODES = ("call", "binary", "unary")


@dataclass(frozen=True)
class Static:
    """A compile-time argument of an op (a shape, an element type, an axis...).

    ``kind`` says how it is read and stored: "shape" (an int or tuple of ints), "dtype" (an
    element type), "axis" (None, an int or a tuple; stored as the sorted tuple of axes),
    "flag" (stored as a bool), "value" (a number stored in the result's element type; a value
    computed in the task instead becomes the Call's operand after the tensor operands), "int"
    (a compile-time integer such as a bit slice's width).
    ``positional`` says whether it may be passed by position after the tensor operands."""

    name: str
    kind: str
    default: object = REQUIRED
    positional: bool = False

    def __post_init__(self):
        assert self.kind in STATIC_KINDS, self.kind

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class HlsForm:
    """How the HLS emitter spells an op with ``dato_hls.h``.

    ``scalar`` is a C++ expression and ``tile`` a C++ statement, both ``str.format``
    templates: ``{0}``, ``{1}``... are the operands, ``{out}`` the result tile, ``{T}`` the C++
    element type of the first operand, ``{R}`` that of the result, and each static argument
    appears under its own name (an axis as its bit mask). ``promotes``: the scalar form is a
    built-in C++ operator, whose narrow results the emitter casts back to the result type."""

    scalar: str | None = None
    tile: str | None = None
    promotes: bool = False


@dataclass(frozen=True)
class Op:
    """One operation of task bodies.

    ``name`` is its name in the IR (``Call.fn``, or ``Binary.op`` / ``Unary.op`` for
    operators, as ``node`` says). ``operands`` names its positional tensor operands.
    ``typing(op, operand_types, statics)`` returns the result type or raises DatoTypeError;
    the operands at the positions in ``unify`` are first given one element type (untyped
    literals adopt the others'). ``numpy(*operands, **statics)`` is its executable semantics;
    ``fast`` an optional Python expression (operands ``{0}``, ``{1}``..., numpy as ``np``)
    the functional simulator uses when every operand and the result are float32. ``fold``
    evaluates an operator on Python constants. ``cost`` is its class in the cost model: "mac"
    (a matrix product), "vector" (elementwise or reduction work on the vector unit), "fill"
    (written at store bandwidth), "free" (address arithmetic or control); ``work``: counted
    as MACs ("mac") or element operations (others) in an instance's profile. ``attrs`` lists
    the statics kept in ``Call.attrs``, in order (default: all). The user writes it as
    ``dato.<function>(...)``, ``x.<method>(...)``, ``x.<attribute>`` or with ``operator``.
    ``aie`` is reserved for the name of the AIE kernel the NPU backend calls. ``typed``: its
    numpy semantics also takes the operands' element types as ``types=`` (numpy storage does
    not show them: an int4 tile is an int8 array)."""

    name: str
    node: str
    operands: tuple[str, ...]
    typing: Callable
    cost: str
    work: bool
    numpy: Callable | None = None
    statics: tuple[Static, ...] = ()
    unify: tuple[int, ...] = ()
    fast: str | None = None
    fold: Callable | None = None
    hls: HlsForm = HlsForm()
    aie: str | None = None
    attrs: tuple[str, ...] | None = None
    function: str | None = None
    method: str | None = None
    attribute: str | None = None
    operator: str | None = None
    doc: str = ""
    typed: bool = False

    def __post_init__(self):
        assert self.node in NODES, self.node
        assert self.cost in COST_CLASSES, self.cost

    def static(self, name: str) -> Static:
        return next(s for s in self.statics if s.name == name)

    @property
    def attr_names(self) -> tuple[str, ...]:
        return self.attrs if self.attrs is not None else tuple(s.name for s in self.statics)

    @property
    def runtime(self) -> tuple[Static, ...]:
        """Statics that may instead be values computed in the task (then Call operands)."""
        return tuple(s for s in self.statics if s.kind == "value")
