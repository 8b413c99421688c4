"""The cost model: cycles for each operation, channel and DDR transfer, from the target file.

``CostModel`` walks statements and expressions the same way for every target; what an
operation, a channel or a DDR stream costs is the target kind's cost model (``cost_npu``,
``cost_fpga``), chosen once from the target's kind. Nothing is fitted here.
"""

from __future__ import annotations

from collections.abc import Set

from datobench.core.ir.effects import copies, nbytes
from datobench.core.ir.mapping import Mapping
from datobench.core.ir.nodes import (
    Binary,
    Call,
    Expr,
    KernelCall,
    Stmt,
    children,
    stmt_exprs,
)
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Channel
from datobench.core.ir.types import dtype_of
from datobench.core.perf.timing import ChannelTiming, DmaTiming
from datobench.core.targets import Target


def _product(e: Expr) -> bool:
    op = op_of(e)
    return op is not None and op.cost == "mac"


class CostModel:
    def __init__(self, target: Target, mapping: Mapping | None):
        from datobench.core.kinds import kind_of  # kinds imports this package: import it late

        self.target = target
        self.mapping = mapping
        self.rates = kind_of(target).cost_model(target, mapping)

    # -- compute ----------------------------------------------------------------------------
    def stmt_cycles(self, s: Stmt, mutated: Set[str] = frozenset()) -> int:
        """Cycles the core spends on one execution of a simple statement (not its transfers).

        Computed values are written where they go; only copies (``effects.copies``, given the
        body's ``mutated`` names) cost memory moves."""
        total = 0
        for e in stmt_exprs(s):
            total += self._expr_cycles(e)
        return total + self.copy_cycles(s, mutated)

    def copy_cycles(self, s: Stmt, mutated: Set[str] = frozenset()) -> int:
        """Cycles one execution of a statement spends copying a tile (0 if it copies none)."""
        return self._move_cycles(s.value.type, "store") if copies(s, mutated) else 0

    def _expr_cycles(self, e: Expr) -> int:
        """Cycles of an expression by the cost class of each op (see ``ir.ops``)."""
        total = sum(self._expr_cycles(c) for c in children(e))
        op = op_of(e)
        cost = op.cost if op is not None else "vector" if isinstance(e, KernelCall) else "free"
        if cost == "mac":
            return total + self.matmul_cycles(e)
        if cost == "fill":
            return total + self._move_cycles(e.type, "store")
        if cost == "free" or dtype_of(e.type).kind not in ("int", "float", "bfp"):
            return total  # index arithmetic and conditions are control, not vector work
        if isinstance(e, Binary) and e.op == "+" and any(_product(x) for x in (e.lhs, e.rhs)):
            return total  # accumulation happens in the MAC pipeline (acc += a @ b)
        source = e.args[0].type if isinstance(e, Call) and e.args else e.type
        return total + self.vector_cycles(source, op.name if op is not None else "kernel")

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
        return self.rates.channel(nbytes(c.elem), c.name)

    # -- DDR --------------------------------------------------------------------------------
    def dram_bytes_per_cycle(self) -> float:
        return self.target.param("memory.dram_bytes_per_s") / self.target.clock_hz

    def dma(self) -> DmaTiming:
        """Every DDR stream moves at most one port's rate (a stream-switch port on an NPU, an
        AXI master on an FPGA) and shares the DRAM bandwidth with the others."""
        return self.rates.dma()
