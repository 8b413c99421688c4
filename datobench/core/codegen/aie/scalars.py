"""The text of a core body below the statements: SSA names, constants, scalar arithmetic
(``arith``), element loads and stores (``memref``) and the loop nests that copy tiles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from datobench.core.codegen.aie import types
from datobench.core.codegen.aie.scalar_calls import has_scalar_form, scalar_call
from datobench.core.codegen.names import spelling
from datobench.core.errors import CapabilityError
from datobench.core.ir.nodes import Binary, Const, Expr, Get, Index, Load, Range, Var
from datobench.core.ir.types import dtype_of, index

_INT = {"+": "addi", "-": "subi", "*": "muli", "//": "floordivsi", "%": "remsi"}
_INT |= {"&": "andi", "|": "ori", "^": "xori", "<<": "shli", ">>": "shrsi"}  # NPU ints: signed
_FLOAT = {"+": "addf", "-": "subf", "*": "mulf", "/": "divf"}
_CMPI = {"==": "eq", "!=": "ne", "<": "slt", "<=": "sle", ">": "sgt", ">=": "sge"}
_CMPF = {"==": "oeq", "!=": "une", "<": "olt", "<=": "ole", ">": "ogt", ">=": "oge"}


@dataclass
class Value:
    ssa: str
    type: object  # a DType (scalar) or TensorType (a memref)


class CoreText:
    """Lines of a core body at the current indent, with names local to the instance being
    written (``self.inst``) and its values (``self.env``); ``tensor`` (the statement layer)
    gives the memref of a received scalar."""

    inst: object
    env: dict[str, Value]
    loc: object

    def __init__(self):
        self.lines: list[str] = []
        self.indent = 1
        self.n = 0

    def line(self, text: str):
        self.lines.append("  " * self.indent + text)

    def fresh(self) -> str:
        self.n += 1
        return f"%{value_stem(self.inst.name)}_{self.n}"

    def named(self, name: str) -> Value:
        """The value a name of the instance has here; one bound only inside a loop or branch
        that has ended is out of reach (its value would have to be carried out of it)."""
        if name not in self.env:
            raise CapabilityError(
                f"'{self.inst.name}' reads '{name}' after the loop or branch that binds it; "
                f"the MLIR-AIE emitter carries out of a loop or branch only what was bound "
                f"before it: bind '{name}' before the loop or branch",
                self.loc,
            )
        return self.env[name]

    def const(self, value, t) -> str:
        v = self.fresh()
        mlir = types.scalar(t)
        if mlir == "i1":
            text = "true" if value else "false"
        elif mlir in ("f32", "bf16"):
            text = f"{types.float_text(value, mlir)} : {mlir}"
        else:
            text = f"{int(value)} : {mlir}"
        self.line(f"{v} = arith.constant {text}")
        return v

    def index(self, value: int) -> str:
        return self.const(value, index)

    def copy(self, src: Value, dst: Value, src_indices=(), dst_indices=()):
        """dst[...] = src[...] element by element; indices select slices of either."""
        shape = value_shape(src.type.shape, src_indices)
        ivs = []
        for size in shape:
            iv = self.fresh()
            lo, hi, one = self.index(0), self.index(size), self.index(1)
            self.line(f"scf.for {iv} = {lo} to {hi} step {one} {{")
            self.indent += 1
            ivs.append(iv)
        x = self.fresh()
        at_src = self.subscript(src.type.shape, src_indices, ivs)
        at_dst = self.subscript(dst.type.shape, dst_indices, ivs)
        self.line(f"{x} = memref.load {src.ssa}[{at_src}] : {types.of(src.type)}")
        self.line(f"memref.store {x}, {dst.ssa}[{at_dst}] : {types.of(dst.type)}")
        for _ in shape:
            self.indent -= 1
            self.line("}")

    def subscript(self, shape, indices, ivs) -> str:
        out, k = [], 0
        for dim in range(len(shape)):
            sub = indices[dim] if dim < len(indices) else None
            if isinstance(sub, Index):
                out.append(self.scalar(sub.at))
                continue
            iv = ivs[k]
            k += 1
            if isinstance(sub, Range) and not (
                isinstance(sub.start, Const) and sub.start.value == 0
            ):
                at = self.fresh()
                self.line(f"{at} = arith.addi {self.scalar(sub.start)}, {iv} : index")
                iv = at
            out.append(iv)
        return ", ".join(out)

    def scalar(self, e: Expr) -> str:
        if isinstance(e, Const):
            return self.const(e.value, e.type)
        if isinstance(e, Var):
            return self.named(e.name).ssa
        if isinstance(e, Binary):
            a, b = self.scalar(e.lhs), self.scalar(e.rhs)
            t = dtype_of(e.lhs.type)
            v = self.fresh()
            mlir = types.scalar(t)
            if e.op in _CMPI:
                if t.kind == "float":
                    self.line(f"{v} = arith.cmpf {_CMPF[e.op]}, {a}, {b} : {mlir}")
                else:
                    self.line(f"{v} = arith.cmpi {_CMPI[e.op]}, {a}, {b} : {mlir}")
            elif e.op in ("and", "or"):
                self.line(f"{v} = arith.{e.op}i {a}, {b} : i1")
            else:
                table = _FLOAT if t.kind == "float" else _INT
                if e.op not in table:
                    raise CapabilityError(
                        f"scalar '{e.op}' on {t.name} in a core", e.loc or self.loc
                    )
                self.line(f"{v} = arith.{table[e.op]} {a}, {b} : {mlir}")
            return v
        if has_scalar_form(e):
            return scalar_call(self, e)
        if isinstance(e, Load) and isinstance(e.base, Var):
            buf = self.named(e.base.name)
            at = ", ".join(self.scalar(i.at) for i in e.indices)
            v = self.fresh()
            self.line(f"{v} = memref.load {buf.ssa}[{at}] : {types.of(buf.type)}")
            return v
        if isinstance(e, (Get, Load)):
            obj = self.tensor(e)
            v = self.fresh()
            zeros = ", ".join(self.index(0) for _ in obj.type.shape)
            self.line(f"{v} = memref.load {obj.ssa}[{zeros}] : {types.of(obj.type)}")
            return v
        raise CapabilityError(
            f"the MLIR-AIE emitter has no scalar form of this expression yet ({type(e).__name__})",
            getattr(e, "loc", None) or self.loc,
        )


def value_shape(shape, indices) -> tuple[int, ...]:
    """The shape of what subscripts select (indexed dimensions dropped)."""
    out = []
    for dim, size in enumerate(shape):
        sub = indices[dim] if dim < len(indices) else None
        if sub is None:
            out.append(size)
        elif isinstance(sub, Range):
            out.append(sub.length)
    return tuple(out)


def value_stem(instance: str) -> str:
    """The stem of an instance's SSA values in its core: its name, moved aside where a value
    ``%<stem>_<n>`` would spell a tile's or core's ``%tile_C_R`` / ``%core_C_R``."""
    stem = spelling(instance)
    return f"{stem}_v" if re.fullmatch(r"(tile|core)_\d+", stem) else stem
