"""The cost model: cycles for each operation, channel and DDR transfer, from the target file.

NPU matmul follows the AIE-ML kernel structure of AMD's AIE-ML design tutorial: the output is
computed in blocks of ``a_reuse`` x ``b_reuse`` intrinsic tiles; each step along k loads
``a_reuse`` A and ``b_reuse`` B sub-tiles (over the core's load ports) while the MAC unit
issues ``a_reuse * b_reuse`` intrinsics, so a step costs the larger of the two; at the end of
a block its accumulators are stored. Measured kernel rates (``kernel_macs_per_cycle``) cap
the result. Every number comes from the target; nothing is fitted here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from datobench.core.errors import BackendUnavailable
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
    Var,
    children,
    stmt_exprs,
)
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Channel
from datobench.core.ir.types import TensorType, dtype_of
from datobench.core.targets import Target


def _product(e: Expr) -> bool:
    op = op_of(e)
    return op is not None and op.cost == "mac"


@dataclass(frozen=True)
class ChannelTiming:
    latency: int  # cycles from a put to the element being available to the consumer
    transfer: int  # cycles the link is busy per element (serialises successive puts)
    get_cycles: int


@dataclass(frozen=True)
class DmaTiming:
    cycles_per_byte: float
    setup: int


class CostModel:
    def __init__(self, target: Target, mapping: Mapping | None):
        self.target = target
        self.mapping = mapping
        self.fpga = target.is_fpga
        self.timing = target.param("timing")

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
        """Cycles of an expression by the cost class of each op (see ``ir.ops``)."""
        total = sum(self._expr_cycles(c) for c in children(e))
        op = op_of(e)
        cost = op.cost if op is not None else "vector" if isinstance(e, KernelCall) else "free"
        if cost == "mac":
            return total + self.matmul_cycles(e)
        if cost == "fill":
            return total + self._move_cycles(e.type, "store")
        if cost == "free" or dtype_of(e.type).kind not in ("int", "float"):
            return total  # index arithmetic and conditions are control, not vector work
        if isinstance(e, Binary) and e.op == "+" and any(_product(x) for x in (e.lhs, e.rhs)):
            return total  # accumulation happens in the MAC pipeline (acc += a @ b)
        source = e.args[0].type if isinstance(e, Call) and e.args else e.type
        return total + self.vector_cycles(source, op.name if op is not None else "kernel")

    def vector_cycles(self, t, op: str) -> int:
        elements = t.size if isinstance(t, TensorType) else 1
        if self.fpga:
            return math.ceil(elements / self.timing["elementwise_lanes"])
        lanes = max(self.target.param("compute.vector_bits") // dtype_of(t).bits, 1)
        per_vector = self.timing.get("vector_op_cycles", {}).get(op, 1)
        return math.ceil(elements / lanes) * per_vector

    def _move_cycles(self, t, kind: str) -> int:
        if self.fpga or not isinstance(t, TensorType):
            return 0
        c = self.target.param("compute")
        width = c[f"{kind}_bits"] * c[f"{kind}s_per_cycle"]
        return math.ceil(t.nbytes * 8 / width)

    def _mac_table(self, dtype: str):
        c = self.target.param("compute")
        if dtype in c["macs_per_cycle"]:
            return c["macs_per_cycle"][dtype], c["matmul_shape"].get(dtype)
        if dtype in c.get("emulated_macs_per_cycle", {}):
            return c["emulated_macs_per_cycle"][dtype], c["emulated_matmul_shape"][dtype]
        raise BackendUnavailable(
            f"target '{self.target.name}' has no MAC rate for {dtype} matmuls; add "
            f"compute.macs_per_cycle.{dtype} to its target file"
        )

    def matmul_cycles(self, e: Call) -> int:
        (m, k), (_, n) = e.args[0].type.shape, e.args[1].type.shape
        dtype = dtype_of(e.args[0].type)
        out = dtype_of(e.type)
        if self.fpga:  # an II=1 pipeline over the m x n outputs, k products per cycle
            return m * n
        macs, shape = self._mac_table(dtype.name)
        r, s_, t = shape or (4, 8, 4)
        a_reuse, b_reuse = self.timing["matmul_a_reuse"], self.timing["matmul_b_reuse"]
        c = self.target.param("compute")
        load_width = c["load_bits"] * c["loads_per_cycle"]
        store_width = c["store_bits"] * c["stores_per_cycle"]
        step_loads = math.ceil((a_reuse * r * s_ + b_reuse * s_ * t) * dtype.bits / load_width)
        step_macs = a_reuse * b_reuse * math.ceil(r * s_ * t / macs)
        step = max(step_loads, step_macs)
        block_store = math.ceil(a_reuse * b_reuse * r * t * out.bits / store_width)
        blocks = math.ceil(m / (r * a_reuse)) * math.ceil(n / (t * b_reuse))
        cycles = blocks * (math.ceil(k / s_) * step + block_store)
        measured = c.get("kernel_macs_per_cycle", {}).get(f"{dtype.name}->{out.name}")
        if measured:
            cycles = max(cycles, math.ceil(m * k * n / measured))
        return cycles

    def peak_macs_per_cycle(self, dtype: str, tiles: int) -> float:
        if self.fpga:
            per_mac = self.target.param("compute.dsp_per_mac")
            return self.target.param("device.dsp") / per_mac.get(dtype, max(per_mac.values()))
        return self._mac_table(dtype)[0] * tiles

    # -- channels ---------------------------------------------------------------------------
    def channel(self, c: Channel) -> ChannelTiming:
        size = c.elem.nbytes if isinstance(c.elem, TensorType) else c.elem.bytes
        if self.fpga or self.mapping is None:
            latency = self.timing.get("fifo_latency", 1)
            return ChannelTiming(latency, math.ceil(size / self.timing["fifo_bytes_per_cycle"]), 0)
        route = self.mapping.route(c.name)
        lock = self.timing["lock_cycles"]
        if route.kind in ("local", "shared"):
            return ChannelTiming(lock, 0, lock)
        hop = self.target.param("stream_switch.hop_cycles")
        transfer = math.ceil(size / self.timing["stream_bytes_per_cycle"])
        return ChannelTiming(self.timing["dma_setup_cycles"] + route.hops * hop, transfer, lock)

    # -- DDR --------------------------------------------------------------------------------
    def dram_bytes_per_cycle(self) -> float:
        return self.target.param("memory.dram_bytes_per_s") / self.target.clock_hz

    def dma(self) -> DmaTiming:
        """Every DDR stream moves at most one port's rate (a stream-switch port on an NPU, an
        AXI master on an FPGA) and shares the DRAM bandwidth with the others."""
        port = (
            self.timing["m_axi_bytes_per_cycle"]
            if self.fpga
            else self.timing["stream_bytes_per_cycle"]
        )
        return DmaTiming(1.0 / port, 0 if self.fpga else self.timing["dma_setup_cycles"])


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
