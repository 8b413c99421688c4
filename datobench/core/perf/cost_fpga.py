"""The FPGA cost model: HLS dataflow PEs pipelined at II=1 within the device's DSP slices.

A PE's elementwise loop is unrolled ``elementwise_lanes`` wide; its matmul is an II=1 pipeline
over the m x n outputs with the k products unrolled (SIMD along k, as in AutoSA's PEs); tiles
move within the PE's own memories at no extra cost. Every channel is an ``hls::stream`` FIFO,
and DDR streams go through an AXI master port each. Every number comes from the target.
"""

from __future__ import annotations

import math

from datobench.core.ir.mapping import Mapping
from datobench.core.ir.nodes import Call
from datobench.core.ir.types import TensorType
from datobench.core.perf.timing import ChannelTiming, DmaTiming, fifo_timing
from datobench.core.targets import Target


class FpgaCost:
    """Cycles of operations, channels and DDR streams on an FPGA target."""

    def __init__(self, target: Target, mapping: Mapping | None):
        self.target = target
        self.mapping = mapping
        self.timing = target.param("timing")

    def vector_cycles(self, t, op: str) -> int:
        elements = t.size if isinstance(t, TensorType) else 1
        return math.ceil(elements / self.timing["elementwise_lanes"])

    def move_cycles(self, t, kind: str) -> int:
        """Copies within a PE's memories overlap its pipeline: no cycles of their own."""
        return 0

    def matmul_cycles(self, e: Call) -> int:
        (m, _), (_, n) = e.args[0].type.shape, e.args[1].type.shape
        return m * n

    def peak_macs_per_cycle(self, dtype: str, tiles: int) -> float:
        """The MACs per cycle that all of the device's DSP slices sustain for ``dtype``."""
        per_mac = self.target.param("compute.dsp_per_mac")
        return self.target.param("device.dsp") / per_mac.get(dtype, max(per_mac.values()))

    def channel(self, size: int, name: str) -> ChannelTiming:
        return fifo_timing(self.timing, size)

    def dma(self) -> DmaTiming:
        """A DDR stream through one AXI master port, with no setup of its own."""
        return DmaTiming(1.0 / self.timing["m_axi_bytes_per_cycle"], 0)
