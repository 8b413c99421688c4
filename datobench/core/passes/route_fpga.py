"""FPGA routing: every channel between PEs is a FIFO; PEs draw on the device's DSP slices
and on-chip memory, and each DDR access bursts through a buffer of its own."""

from __future__ import annotations

from collections.abc import Callable

from datobench.core.errors import CapabilityError
from datobench.core.ir.mapping import OffchipStream, Route, Tile
from datobench.core.ir.program import Channel
from datobench.core.passes.analysis import Access
from datobench.core.passes.luts import LUTS, pe_luts
from datobench.core.passes.place_fpga import slr_bands
from datobench.core.passes.resources import DSP, ONCHIP, Ledger
from datobench.core.passes.staging import book_panel
from datobench.core.passes.virtual import VirtualGraph
from datobench.core.targets import Target


class FpgaRouting:
    """The FPGA kind's routing rules, booking everything on the device's budgets."""

    def __init__(
        self,
        target: Target,
        vg: VirtualGraph,
        tile_of: Callable[[str], Tile],
        ledger: Ledger,
    ):
        self.target = target
        self.vg = vg
        self.tile_of = tile_of
        self.ledger = ledger

    def channel(self, c: Channel, a: Tile, b: Tile, size: int, moved: int | None) -> Route:
        """A FIFO of the channel's depth between two PEs."""
        self.ledger.buffer(None, c.name, size)
        return Route(c.name, "stream", a, b, [a, b], [a, b], moved)

    def offchip(self, reads: list[Access], writes: list[Access]) -> list[OffchipStream]:
        """One DDR stream per buffer and direction; then the DSP slices and estimated LUTs of
        the PEs, and their rows' split into the device's SLRs."""
        groups: dict[tuple, list[Access]] = {}
        staged: dict[tuple, Access] = {}
        for direction, accesses in (("read", reads), ("write", writes)):
            for a in accesses:
                if a.writeback != 1:
                    raise self._no_writeback(a)
                groups.setdefault((a.buffer, direction), []).append(a)
                if a.stage is not None:  # one staged buffer per shard (passes/staging.py)
                    staged.setdefault((a.buffer, a.window), a)
                elif not a.in_place:
                    self.ledger.add(
                        None, ONCHIP, 2 * a.tile_bytes, f"{a.instance} {a.buffer} burst"
                    )
        for (buffer, window), a in sorted(staged.items()):
            shard = ", ".join(f"{lo}:{hi}" for lo, hi in window)
            book_panel(self.ledger, None, f"{buffer}[{shard}]", a)
        streams = [
            OffchipStream(
                buffer,
                direction,
                [a.instance for a in accesses],
                -1,
                [],
                sum(a.bytes for a in accesses),
                [],
            )
            for (buffer, direction), accesses in sorted(groups.items())
        ]
        self.dsp()
        self.luts()
        self.ledger.check()  # the device's budgets first: a grid too big for them is not split
        slr_bands(self.target, self.ledger.uses["device"], self.tile_of)
        return streams

    def _no_writeback(self, a: Access) -> CapabilityError:
        inst = next(i for i in self.vg.graph.instances if i.name == a.instance)
        return CapabilityError(
            f"'{a.instance}' writes '{a.param}' at writeback depth {a.writeback} "
            "(dato.writeback), an NPU core's output FIFO; an FPGA PE writes its blocks in "
            f"bursts from its own array: drop dato.writeback for {self.target.name}",
            inst.loc,
        )

    def dsp(self):
        per_mac = self.target.param("compute.dsp_per_mac")
        for inst in self.vg.graph.instances:
            prof = self.vg.profiles[inst.name]
            if not prof.matmul_shapes:
                continue
            lanes = max(k for _, k, _ in prof.matmul_shapes)  # the unrolled k products
            cost = lanes * per_mac.get(prof.macs_dtype, max(per_mac.values()))
            self.ledger.add(None, DSP, int(round(cost)), inst.name)

    def luts(self):
        lanes = self.target.param("timing.elementwise_lanes", 16)
        for inst in self.vg.graph.instances:
            accesses = len(self.vg.profiles[inst.name].accesses)
            self.ledger.add(None, LUTS, pe_luts(inst, lanes, accesses), inst.name)
