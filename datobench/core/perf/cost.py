"""The cost model: cycles for each operation, channel and DDR transfer, from the target file.

``CostModel`` walks statements and expressions the same way for every target; what an
operation, a channel or a DDR stream costs is the target kind's cost model (``cost_npu``,
``cost_fpga``), chosen once from the target's kind. Nothing is fitted here.
"""

from __future__ import annotations

import math

from datobench.core.ir.mapping import Mapping
from datobench.core.ir.nodes import (
    Assign,
    Binary,
    Call,
    Expr,
    Get,
    KernelCall,
    Load,
    ParamRef,
    Stmt,
    Store,
    Unary,
    Var,
    children,
    stmt_exprs,
)
from datobench.core.ir.program import Channel
from datobench.core.ir.types import TensorType, dtype_of
from datobench.core.perf.timing import ChannelTiming, DmaTiming
from datobench.core.targets import Target

_FREE = ("transpose",)  # address arithmetic only
_FILLS = ("zeros", "full")  # written at store bandwidth


class CostModel:
    def __init__(self, target: Target, mapping: Mapping | None):
        from datobench.core.kinds import kind_of  # kinds imports this package: import it late

        self.target = target
        self.mapping = mapping
        self.rates = kind_of(target).cost_model(target, mapping)

    # -- compute ----------------------------------------------------------------------------
    def stmt_cycles(self, s: Stmt) -> int:
        """Cycles the core spends on one execution of a simple statement (not its transfers).

        Computed values are written where they go; only copies (of a name, a slice or a
        received tile) cost memory moves."""
        total = 0
        for e in stmt_exprs(s):
            total += self._expr_cycles(e)
        if _copies(s):
            total += self._move_cycles(s.value.type, "store")
        return total

    def _expr_cycles(self, e: Expr) -> int:
        total = sum(self._expr_cycles(c) for c in children(e))
        if isinstance(e, Call) and e.fn == "matmul":
            return total + self.matmul_cycles(e)
        if isinstance(e, Call) and e.fn in _FREE:
            return total
        if isinstance(e, Call) and e.fn in _FILLS:
            return total + self._move_cycles(e.type, "store")
        if (
            isinstance(e, Binary)
            and e.op == "+"
            and any(isinstance(x, Call) and x.fn == "matmul" for x in (e.lhs, e.rhs))
        ):
            return total  # accumulation happens in the MAC pipeline (acc += a @ b)
        if isinstance(e, (Binary, Unary, Call, KernelCall)):
            if dtype_of(e.type).kind in ("int", "float"):
                op = e.op if isinstance(e, (Binary, Unary)) else getattr(e, "fn", "kernel")
                source = e.args[0].type if isinstance(e, Call) and e.args else e.type
                return total + self.vector_cycles(source, op)
        return total

    def vector_cycles(self, t, op: str) -> int:
        """Cycles of an elementwise operation ``op`` over a value of type ``t``."""
        return self.rates.vector_cycles(t, op)

    def _move_cycles(self, t, kind: str) -> int:
        return self.rates.move_cycles(t, kind)

    def matmul_cycles(self, e: Call) -> int:
        """Cycles of one ``matmul`` call on a core or PE."""
        return self.rates.matmul_cycles(e)

    def peak_macs_per_cycle(self, dtype: str, tiles: int) -> float:
        """The target's peak MAC rate for ``dtype`` on ``tiles`` compute tiles."""
        return self.rates.peak_macs_per_cycle(dtype, tiles)

    # -- channels ---------------------------------------------------------------------------
    def channel(self, c: Channel) -> ChannelTiming:
        size = c.elem.nbytes if isinstance(c.elem, TensorType) else c.elem.bytes
        return self.rates.channel(size, c.name)

    # -- DDR --------------------------------------------------------------------------------
    def dram_bytes_per_cycle(self) -> float:
        return self.target.param("memory.dram_bytes_per_s") / self.target.clock_hz

    def dma(self) -> DmaTiming:
        """Every DDR stream moves at most one port's rate (a stream-switch port on an NPU, an
        AXI master on an FPGA) and shares the DRAM bandwidth with the others."""
        return self.rates.dma()


def _copies(s: Stmt) -> bool:
    """Does a statement copy a tile it did not compute? Naming a DDR slice or a received tile
    refers to the buffer it arrived in, and a DDR write of a local tensor is read in place;
    other puts and stores of values that were not computed copy them."""
    value = getattr(s, "value", None)
    if not isinstance(value, (Var, Load, Get)) or not isinstance(value.type, TensorType):
        return False
    local = isinstance(value, Var) or (isinstance(value, Load) and isinstance(value.base, Var))
    if isinstance(s, Store) and isinstance(s.base, ParamRef):
        return not local  # a local tensor is read in place by the DMA
    if isinstance(s, Assign):
        return local
    return True


def param_transfers(s: Stmt) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """DDR tiles a statement reads and writes: (parameter, bytes) pairs."""
    reads, writes = [], []

    def visit(e: Expr):
        for c in children(e):
            visit(c)
        if isinstance(e, Load) and isinstance(e.base, ParamRef):
            t = e.type
            reads.append((e.base.name, t.nbytes if isinstance(t, TensorType) else t.bytes))

    for e in stmt_exprs(s):
        visit(e)
    if isinstance(s, Store) and isinstance(s.base, ParamRef):
        lengths = [getattr(i, "length", 1) for i in s.indices]
        size = math.prod(lengths) * s.base.type.dtype.bytes
        writes.append((s.base.name, size))
    return reads, writes
