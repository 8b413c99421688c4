"""Physical routing and accounting once every node has a tile.

Every instance is hosted where its budgets are counted (its tile, or the whole device), with
its local tensors (and, on an AIE core, the scratch buffers of its expressions); a channel
within one node is a buffer there. Channels between nodes and DDR traffic are routed by the
target kind's rules (``route_npu``, ``route_fpga``).
"""

from __future__ import annotations

from datobench.core.ir.effects import nbytes
from datobench.core.ir.mapping import OffchipStream, Route, Tile
from datobench.core.ir.program import Channel
from datobench.core.kinds import kind_of
from datobench.core.passes.analysis import Access
from datobench.core.passes.resources import MEMORY, Ledger, memory_resource
from datobench.core.passes.scratch import scratch_bytes
from datobench.core.passes.virtual import VirtualGraph
from datobench.core.targets import Target


def elem_bytes(c: Channel) -> int:
    return nbytes(c.elem)


class Router:
    """Routes a placed virtual graph: ``run()`` fills ``routes``, ``offchip`` and the
    ``ledger``, and raises a ``MappingError`` for the first limit broken."""

    def __init__(self, target: Target, vg: VirtualGraph, tiles: dict[str, Tile]):
        self.target = target
        self.vg = vg
        self.node_tile = tiles
        self.kind = kind_of(target)
        self.ledger = Ledger(target)
        self.routes: list[Route] = []
        self.offchip: list[OffchipStream] = []
        self.rules = self.kind.routing(target, vg, self.tile_of, self.ledger)

    def tile_of(self, instance: str) -> Tile:
        return self.node_tile[self.vg.root(instance)]

    def run(self):
        for inst in self.vg.graph.instances:
            self.ledger.host(self.where(inst.name), inst.name)
        self.local_memory()
        for c in self.vg.graph.channels:
            self.routes.append(self.channel(c))
        self.offchip = self.rules.offchip(self._accesses("read"), self._accesses("write"))
        self.ledger.check()

    def where(self, instance: str) -> Tile | None:
        """The ledger's key for an instance: its tile, or the device (None) where the target's
        budgets are device-wide."""
        return None if self.kind.device_wide else self.tile_of(instance)

    def local_memory(self):
        nodes: dict[str, list] = {}
        for inst in self.vg.graph.instances:
            nodes.setdefault(self.vg.root(inst.name), []).append(inst.body)
            n = self.vg.profiles[inst.name].local_bytes
            if n:
                where = self.where(inst.name)
                self.ledger.add(where, memory_resource(where), n, f"{inst.name} local tensors")
        if self.kind.runs_aie:  # an AIE core's expression temporaries (passes/scratch.py)
            for root, bodies in nodes.items():
                n = scratch_bytes(bodies)
                if n:
                    self.ledger.add(self.tile_of(root), MEMORY, n, f"{root} scratch buffers")

    def channel(self, c: Channel) -> Route:
        a, b = self.tile_of(c.producer), self.tile_of(c.consumer)
        size = c.depth * elem_bytes(c)
        moved = None if c.puts is None else c.puts * elem_bytes(c)
        if self.vg.root(c.producer) == self.vg.root(c.consumer):
            self.ledger.buffer(self.where(c.producer), c.name, size)
            return Route(c.name, "local", a, b, [a], [a], moved)
        return self.rules.channel(c, a, b, size, moved)

    def _accesses(self, direction: str) -> list[Access]:
        return [
            a for p in self.vg.profiles.values() for a in p.accesses if a.direction == direction
        ]
