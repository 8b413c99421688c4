"""The compiler's steps, one per pass, over one compilation ``State``.

Each step is a small frozen dataclass: a ``name`` (what ``dato.compile(show=...)`` calls it),
its options as fields, ``apply(state) -> state`` which returns a copy of the state with the
step's results added, and ``text(state)``, the step's result as text. The steps wrap the passes
under their own names; ``passes/pipeline.py`` runs them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar, Protocol

from datobench.core.frontend.region import RegionBuilder
from datobench.core.frontend.source import FunctionSource
from datobench.core.ir.mapping import Mapping, Node, Tile
from datobench.core.ir.program import Graph, Instance, Region, graph_text, region_text
from datobench.core.passes.analysis import InstanceProfile, profiles
from datobench.core.passes.checks import wire_channels
from datobench.core.passes.expand import expand_instances
from datobench.core.passes.place import pin, place
from datobench.core.passes.route import Router
from datobench.core.passes.virtual import VirtualGraph, virtual_graph
from datobench.core.targets import Target
from datobench.core.validate import placement_argument, primitives_argument


@dataclass(frozen=True)
class State:
    """One compilation: what was asked (the region's source and sizes, the target, a user
    placement, mapping primitives) and what the steps have found so far."""

    source: FunctionSource | None = None
    sizes: dict[str, int] = field(default_factory=dict)
    target: Target | None = None
    placement: dict | None = None  # instance name -> (column, row), pinned by the user
    primitives: tuple = ()  # dato.chain / dato.bundle
    region: Region | None = None
    kernels: dict = field(default_factory=dict)  # name -> Kernel, for the simulator
    instances: tuple[Instance, ...] = ()
    graph: Graph | None = None
    profiles: dict[str, InstanceProfile] | None = None
    vg: VirtualGraph | None = None
    tiles: dict[str, Tile] | None = None  # node (its root instance) -> tile
    router: Router | None = None  # routes, off-chip streams and the per-tile ledger
    mapping: Mapping | None = None

    @classmethod
    def of_graph(cls, graph: Graph, target: Target, placement: dict | None, primitives) -> State:
        """A state whose front end is done, ready for the mapping steps; the placement and
        primitives are checked as arguments (their meaning is checked by the steps)."""
        return cls(
            target=target,
            placement=placement_argument(placement),
            primitives=primitives_argument(primitives),
            region=graph.region,
            instances=graph.instances,
            graph=graph,
        )


class Step(Protocol):
    """What the pipeline needs of a step."""

    name: ClassVar[str]
    summary: ClassVar[str]  # what its text shows

    def apply(self, state: State) -> State: ...

    def text(self, state: State) -> str: ...


@dataclass(frozen=True)
class FrontEndStep:
    """Python source -> the typed region IR."""

    name: ClassVar[str] = "frontend"
    summary: ClassVar[str] = "the region's IR"

    def apply(self, state: State) -> State:
        from datobench.core.lang.decorators import task

        builder = RegionBuilder(state.source, dict(state.sizes), task)
        region = builder.build()
        return replace(state, region=region, kernels=builder.kernels)

    def text(self, state: State) -> str:
        return region_text(state.region)


@dataclass(frozen=True)
class ExpandStep:
    """One instance per grid point of each task, with constant pids and shard windows."""

    name: ClassVar[str] = "expand"
    summary: ClassVar[str] = "the instances, before their channels are wired"

    def apply(self, state: State) -> State:
        return replace(state, instances=expand_instances(state.region))

    def text(self, state: State) -> str:
        return graph_text(Graph(state.region, state.instances, ()))


@dataclass(frozen=True)
class ChannelsStep:
    """Stream channels wired to one producer and one consumer, put/get counts checked."""

    name: ClassVar[str] = "channels"
    summary: ClassVar[str] = "the instance graph"

    def apply(self, state: State) -> State:
        channels = wire_channels(state.region, state.instances)
        return replace(state, graph=Graph(state.region, state.instances, channels))

    def text(self, state: State) -> str:
        return graph_text(state.graph)


@dataclass(frozen=True)
class ProfileStep:
    """What each instance asks of the hardware: DDR traffic, local memory, work."""

    name: ClassVar[str] = "profile"
    summary: ClassVar[str] = "DDR traffic, local memory and work per instance"

    def apply(self, state: State) -> State:
        return replace(state, profiles=profiles(state.graph))

    def text(self, state: State) -> str:
        return profiles_text(state.profiles)


@dataclass(frozen=True)
class VirtualStep:
    """The virtual graph: instances grouped into nodes by the primitives, then merged
    automatically until at most ``capacity`` nodes are left; ``why`` says why that many,
    ``refused`` the merges not to make again."""

    capacity: int
    why: str = ""
    refused: frozenset = frozenset()  # automatic merges whose tile broke a limit
    name: ClassVar[str] = "virtual"
    summary: ClassVar[str] = "nodes and merges"

    def apply(self, state: State) -> State:
        vg = virtual_graph(state.graph, state.profiles, state.primitives)
        vg.fit(self.capacity, state.target.name, self.why, self.refused)
        return replace(state, vg=vg)

    def text(self, state: State) -> str:
        partial = Mapping(state.target.name, {}, nodes(state.vg, {}), [], [], {}, state.vg.merges)
        why = f" ({self.why})" if self.why else ""
        return f"capacity: {self.capacity} nodes{why}\n" + partial.text(("nodes", "merges"))


@dataclass(frozen=True)
class PlaceStep:
    """Every node onto a tile: the user's pins, checked, and the placer's choice for the rest."""

    name: ClassVar[str] = "place"
    summary: ClassVar[str] = "the placement"

    def apply(self, state: State) -> State:
        tiles = place(state.target, state.vg, pin(state.target, state.vg, state.placement or {}))
        return replace(state, tiles=tiles)

    def text(self, state: State) -> str:
        vg, tiles = state.vg, state.tiles
        by_instance = {i.name: tiles[vg.root(i.name)] for i in vg.graph.instances}
        partial = Mapping(state.target.name, by_instance, nodes(vg, tiles), [], [], {}, [])
        return partial.text(("placement",))


@dataclass(frozen=True)
class RouteStep:
    """Channels and DDR streams routed, every tile's resources booked and checked; the result
    is the program's ``Mapping``."""

    name: ClassVar[str] = "route"
    summary: ClassVar[str] = "routes, off-chip streams and the per-tile ledger"

    def apply(self, state: State) -> State:
        router = Router(state.target, state.vg, state.tiles)
        router.run()
        return replace(state, router=router, mapping=_mapping(state, router))

    def text(self, state: State) -> str:
        return state.mapping.text(("routes", "offchip", "tiles"))


def nodes(vg: VirtualGraph, tiles: dict[str, Tile]) -> list[Node]:
    """The virtual graph's nodes, on their tiles once placed."""
    out = []
    groups = vg.groups()
    for root, members in groups.items():
        kinds = vg.kinds[root]
        kind = "+".join(k for k in ("chain", "bundle") if k in kinds) or "task"
        out.append(Node(vg.describe(root, groups), members, kind, tiles.get(root)))
    return out


def _mapping(state: State, router: Router) -> Mapping:
    vg, tiles = state.vg, state.tiles
    return Mapping(
        state.target.name,
        {inst.name: tiles[vg.root(inst.name)] for inst in state.graph.instances},
        nodes(vg, tiles),
        router.routes,
        router.offchip,
        router.ledger.uses,
        vg.merges,
    )


def profiles_text(profs: dict[str, InstanceProfile]) -> str:
    """Per instance: its work, its local memory and each DDR access."""
    lines = [f"profiles: {len(profs)} instances"]
    for p in profs.values():
        macs = f"{p.macs} MACs" + (f" ({p.macs_dtype})" if p.macs_dtype else "")
        lines.append(
            f"  {p.name}: {macs}, {p.elementwise} element operations, "
            f"{p.local_bytes} B of local tensors"
        )
        for a in p.accesses:
            window = ", ".join(f"{lo}:{hi}" for lo, hi in a.window)
            lines.append(
                f"    {a.direction} {a.buffer}[{window}] through {a.param}: {a.bytes} B, "
                f"at most {a.tile_bytes} B at a time{', in place' if a.in_place else ''}"
            )
    return "\n".join(lines) + "\n"
