"""The NPU cost model: AIE-ML cores with vector units, load/store ports and a MAC array.

Matmul follows the AIE-ML kernel structure of AMD's AIE-ML design tutorial: the output is
computed in blocks of ``a_reuse`` x ``b_reuse`` intrinsic tiles; each step along k loads
``a_reuse`` A and ``b_reuse`` B sub-tiles (over the core's load ports) while the MAC unit
issues ``a_reuse * b_reuse`` intrinsics, so a step costs the larger of the two; at the end of
a block its accumulators are stored. Measured kernel rates (``kernel_macs_per_cycle``) cap
the result. Channels are locks on a shared buffer or DMA transfers over stream-switch hops.
Every number comes from the target; nothing is fitted here.
"""

from __future__ import annotations

import math

from datobench.core.errors import CapabilityError
from datobench.core.ir.bfp import mac_type
from datobench.core.ir.mapping import Mapping
from datobench.core.ir.nodes import Call
from datobench.core.ir.types import TensorType, bfp16, dtype_of
from datobench.core.perf.timing import ChannelTiming, DmaTiming, fifo_timing
from datobench.core.targets import Target


class NpuCost:
    """Cycles of operations, channels and DDR streams on an NPU target."""

    def __init__(self, target: Target, mapping: Mapping | None):
        self.target = target
        self.mapping = mapping
        self.timing = target.param("timing")

    def vector_cycles(self, t, op: str) -> int:
        elements = t.size if isinstance(t, TensorType) else 1
        lanes = max(self.target.param("compute.vector_bits") // dtype_of(t).bits, 1)
        per_vector = self.timing.get("vector_op_cycles", {}).get(op, 1)
        return math.ceil(elements / lanes) * per_vector

    def move_cycles(self, t, kind: str) -> int:
        """Cycles to load or store (``kind``) a tile over the core's ports."""
        if not isinstance(t, TensorType):
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
        raise CapabilityError(
            f"target '{self.target.name}' has no MAC rate for {dtype} matmuls; add "
            f"compute.macs_per_cycle.{dtype} to its target file"
        )

    def matmul_cycles(self, e: Call) -> int:
        (m, k), (_, n) = e.args[0].type.shape, e.args[1].type.shape
        dtype, other = dtype_of(e.args[0].type), dtype_of(e.args[1].type)
        out = dtype_of(e.type)
        mode = self._mode(dtype, other)
        if mode == bfp16.name and mode not in self.target.param("compute")["macs_per_cycle"]:
            raise CapabilityError(
                f"target '{self.target.name}' has no bfp16 datapath (AIE2P on npu2 has one): "
                "convert B with .astype(bf16), or compile for npu2",
                e.loc,
            )
        macs, shape = self._mac_table(mode)
        r, s_, t = shape or (4, 8, 4)
        a_reuse, b_reuse = self.timing["matmul_a_reuse"], self.timing["matmul_b_reuse"]
        c = self.target.param("compute")
        load_width = c["load_bits"] * c["loads_per_cycle"]
        store_width = c["store_bits"] * c["stores_per_cycle"]
        loaded = a_reuse * r * s_ * dtype.memory_bits + b_reuse * s_ * t * other.memory_bits
        step_loads = math.ceil(loaded / load_width)
        step_macs = a_reuse * b_reuse * math.ceil(r * s_ * t / macs)
        step = max(step_loads, step_macs)
        block_store = math.ceil(a_reuse * b_reuse * r * t * out.bits / store_width)
        blocks = math.ceil(m / (r * a_reuse)) * math.ceil(n / (t * b_reuse))
        cycles = blocks * (math.ceil(k / s_) * step + block_store)
        measured = c.get("kernel_macs_per_cycle", {}).get(f"{mode}->{out.name}")
        if measured:
            cycles = max(cycles, math.ceil(m * k * n / measured))
        return cycles

    def _mode(self, a, b) -> str:
        """The MAC mode of a product of ``a`` and ``b`` values: the type when they agree, the
        target's mixed mode (``int8xint4``, wider operand first) otherwise; a target without
        that mode widens the narrower operand and multiplies at the wider type's rate. A
        bfp16 operand runs the product on the bfp16 datapath."""
        if mac_type(a, b) == bfp16:
            return bfp16.name
        if a == b:
            return a.name
        wide, narrow = (a, b) if a.bits >= b.bits else (b, a)
        mixed = f"{wide.name}x{narrow.name}"
        return mixed if mixed in self.target.param("compute")["macs_per_cycle"] else wide.name

    def peak_macs_per_cycle(self, dtype: str, tiles: int) -> float:
        """The MAC rate of ``tiles`` cores for ``dtype``."""
        return self._mac_table(dtype)[0] * tiles

    def channel(self, size: int, name: str) -> ChannelTiming:
        """A channel of ``size``-byte elements: a shared buffer's locks, or a DMA transfer
        over the route's stream-switch hops."""
        if self.mapping is None:
            return fifo_timing(self.timing, size)
        route = self.mapping.route(name)
        lock = self.timing["lock_cycles"]
        if route.kind in ("local", "shared"):
            return ChannelTiming(lock, 0, lock)
        hop = self.target.param("stream_switch.hop_cycles")
        transfer = math.ceil(size / self.timing["stream_bytes_per_cycle"])
        return ChannelTiming(self.timing["dma_setup_cycles"] + route.hops * hop, transfer, lock)

    def dma(self) -> DmaTiming:
        """A DDR stream through a shim DMA: one stream-switch port's rate, after a setup."""
        port = self.timing["stream_bytes_per_cycle"]
        return DmaTiming(1.0 / port, self.timing["dma_setup_cycles"])
