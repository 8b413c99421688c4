"""Virtual mapping: a graph with one node per tile's worth of work.

Each instance starts as its own node; ``chain`` fuses producer/consumer pairs (or instances no
stream joins, which then run one after the other), ``bundle`` time-multiplexes instances (of
one task, or of several that take turns), and when a target has fewer compute tiles than
nodes, ``fit`` merges nodes by itself and records why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

from datobench.core.errors import MappingError
from datobench.core.ir.effects import nbytes
from datobench.core.ir.mapping import Merge
from datobench.core.ir.program import Graph, Instance
from datobench.core.lang.primitives import Bundle, Chain
from datobench.core.passes.analysis import InstanceProfile

_SELECTION = re.compile(r"^\s*([\w.]+)\s*\[(.*)\]\s*$")
SUGGESTION = (
    "hint: choose which instances share a tile yourself: dato.bundle(['t_0', 't_1']) "
    "time-multiplexes instances, dato.chain('producer', 'consumer') fuses a pipeline stage"
)
_APART = "no stream joins them, so they run one after the other on the tile"


def select(graph: Graph, name: str) -> list[Instance]:
    """Instances named by ``name``: an instance, a task, or ``task[i, j:k]`` on its pid."""
    by_name = {i.name: i for i in graph.instances}
    if name in by_name:
        return [by_name[name]]
    tasks = {t.name: t for t in graph.region.tasks}
    match = _SELECTION.match(name)
    task_name = match.group(1) if match else name.strip()
    if task_name not in tasks:
        raise MappingError(
            f"no instance or task named '{name}'; tasks: {', '.join(tasks)}; instances are "
            f"named like '{graph.instances[0].name}'"
        )
    task = tasks[task_name]
    chosen = [i for i in graph.instances if i.task == task_name]
    if match:
        parts = [p.strip() for p in match.group(2).split(",")]
        if len(parts) != len(task.mapping):
            raise MappingError(
                f"'{name}': task '{task_name}' has a {len(task.mapping)}-D "
                f"mapping {list(task.mapping)}"
            )
        for axis, part in enumerate(parts):
            allowed = _axis_values(part, task.mapping[axis], name)
            chosen = [i for i in chosen if i.pid[axis] in allowed]
    if not chosen:
        raise MappingError(f"'{name}' selects no instance")
    return chosen


def _axis_values(part: str, size: int, name: str) -> range:
    try:
        if ":" in part:
            lo, hi = (p.strip() for p in part.split(":", 1))
            return range(int(lo) if lo else 0, int(hi) if hi else size)
        v = int(part)
        return range(v, v + 1)
    except ValueError:
        raise MappingError(f"'{name}': '{part}' is not an index or a slice") from None


@dataclass
class VirtualGraph:
    """Instances grouped into nodes (union-find), channels between them, the merges made."""

    graph: Graph
    profiles: dict[str, InstanceProfile]
    parent: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, set[str]] = field(default_factory=dict)  # root -> {"chain", "bundle"}
    merges: list[Merge] = field(default_factory=list)
    refused: frozenset = frozenset()  # sets of instances whose merged tile broke a limit

    def __post_init__(self):
        self._work: dict[str, int] = {}
        for inst in self.graph.instances:
            self.parent[inst.name] = inst.name
            self.kinds[inst.name] = set()
            prof = self.profiles[inst.name]
            self._work[inst.name] = prof.macs + prof.elementwise

    def root(self, name: str) -> str:
        while self.parent[name] != name:
            self.parent[name] = self.parent[self.parent[name]]
            name = self.parent[name]
        return name

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for inst in self.graph.instances:
            out.setdefault(self.root(inst.name), []).append(inst.name)
        return out

    def node_edges(self) -> dict[str, set[str]]:
        """Successor nodes of each node, through channels between different nodes."""
        succ: dict[str, set[str]] = {r: set() for r in self.groups()}
        for c in self.graph.channels:
            a, b = self.root(c.producer), self.root(c.consumer)
            if a != b:
                succ[a].add(b)
        return succ

    def creates_cycle(self, a: str, b: str) -> list[str] | None:
        """A path between nodes a and b through some other node, if one exists."""
        succ = self.node_edges()
        for src, dst in ((a, b), (b, a)):
            seen = {src}
            stack = [(n, [src, n]) for n in succ[src] if n != dst]
            while stack:
                node, path = stack.pop()
                if node == dst:
                    return path
                if node in seen:
                    continue
                seen.add(node)
                stack.extend((n, path + [n]) for n in succ[node])
        return None

    def union(self, a: str, b: str, kind: str):
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return
        lead, other = (ra, rb) if self.work(ra) >= self.work(rb) else (rb, ra)
        self.parent[other] = lead
        self.kinds[lead] |= self.kinds.pop(other) | {kind}
        self._work[lead] += self._work.pop(other)

    def work(self, root: str) -> int:
        """Element operations and MACs of a node, the measure of how busy its core is."""
        return self._work[root]

    # -- primitives -------------------------------------------------------------------------
    def chain(self, primitive: Chain):
        """Fuse producers with consumers pairwise: instance by instance when both sides select
        as many, else node by node (a producer onto a bundle of its consumers). A pair that no
        stream joins runs one after the other on the tile."""
        pairs, by_node = self._pairs(primitive)
        for p, c in pairs:
            cycle = self.creates_cycle(self.root(p), self.root(c))
            if cycle:
                names = " -> ".join(self.describe(n) for n in cycle)
                raise MappingError(
                    f"cannot chain '{p}' and '{c}': data also flows between them "
                    f"through other tiles ({names}), so one core would wait on itself"
                )
            groups = self.groups()
            names = groups[self.root(p)] + groups[self.root(c)] if by_node else [p, c]
            reason = "requested" if self.linked(p, c) else _APART
            self.union(p, c, "chain")
            self.merges.append(Merge("chain", names, reason, False))

    def _pairs(self, primitive: Chain) -> tuple[list[tuple[str, str]], bool]:
        """(producer, consumer) names to fuse, and whether they stand for their nodes:
        instances in order, or the first instance of each node in order when the two sides
        select as many nodes but not as many instances."""
        producers = [i.name for i in select(self.graph, primitive.producers)]
        consumers = [i.name for i in select(self.graph, primitive.consumers)]
        if len(producers) == len(consumers):
            return list(zip(producers, consumers)), False
        by_node = [
            list(dict.fromkeys(self.root(n) for n in side)) for side in (producers, consumers)
        ]
        if len(by_node[0]) == len(by_node[1]):
            return list(zip(*by_node)), True
        raise MappingError(
            f"chain('{primitive.producers}', '{primitive.consumers}') pairs "
            f"{len(producers)} instances with {len(consumers)}; select as many on each side, "
            "or bundle one side first so that both select as many nodes"
        )

    def linked(self, a: str, b: str) -> bool:
        """Whether a stream joins the nodes of instances a and b."""
        ra, rb = self.root(a), self.root(b)
        return any(
            {self.root(c.producer), self.root(c.consumer)} == {ra, rb} for c in self.graph.channels
        )

    def bundle(self, primitive: Bundle):
        """Time-multiplex the selected instances on one tile; instances of different tasks
        run one after the other (the tile's resources are checked when it is placed)."""
        members: list[Instance] = []
        for name in primitive.names:
            members.extend(m for m in select(self.graph, name) if m not in members)
        if len(members) < 2:
            raise MappingError(
                f"bundle({list(primitive.names)}) selects fewer than 2 distinct instances"
            )
        first = members[0]
        for m in members[1:]:
            cycle = self.creates_cycle(self.root(first.name), self.root(m.name))
            if cycle:
                names = " -> ".join(self.describe(n) for n in cycle)
                raise MappingError(
                    f"cannot bundle '{first.name}' and '{m.name}': data flows between them "
                    f"through other tiles ({names}), so one core would wait on itself"
                )
            self.union(first.name, m.name, "bundle")
        tasks = list(dict.fromkeys(m.task for m in members))
        reason = "requested"
        if len(tasks) > 1:
            reason += f"; tasks {', '.join(repr(t) for t in tasks)} take turns on the tile"
        self.merges.append(Merge("bundle", [m.name for m in members], reason, False))

    def describe(self, root: str, groups: dict[str, list[str]] | None = None) -> str:
        members = (groups or self.groups())[root]
        return members[0] if len(members) == 1 else "+".join(members)

    # -- automatic merging ------------------------------------------------------------------
    def fit(self, capacity: int, target: str, why: str = "", refused=frozenset()):
        """Merge nodes until they fit ``capacity`` tiles: data movers into their neighbours
        first, then pipeline stages joined by the heaviest channels, then bundles; never a
        merge in ``refused`` (sets of instances whose tile broke a limit)."""
        why = why or f"{len(self.groups())} nodes for {capacity} compute tiles of {target}"
        self.refused = refused
        while len(self.groups()) > capacity:
            merge = self._best_chain() or self._best_bundle()
            if merge is None:
                raise MappingError(
                    f"{len(self.groups())} nodes do not fit the {capacity} compute tiles of "
                    f"{target}, and no more chains or bundles are legal",
                    notes=(SUGGESTION,),
                )
            kind, a, b, reason = merge
            groups = self.groups()
            names = groups[self.root(a)] + groups[self.root(b)]
            self.union(a, b, kind)
            self.merges.append(Merge(kind, names, f"{reason} ({why})", True))

    def _best_chain(self):
        candidates = []
        for c in self.graph.channels:
            a, b = self.root(c.producer), self.root(c.consumer)
            if a == b:
                continue
            movers = [n for n in (a, b) if self.work(n) == 0]
            weight = (c.puts or 1) * nbytes(c.elem)
            key = (not movers, -weight, self.work(a) + self.work(b), c.name)
            candidates.append((key, c, a, b, movers))
        for _, c, a, b, movers in sorted(candidates, key=lambda item: item[0]):
            if self.creates_cycle(a, b) or self._refused(a, b):
                continue
            if movers:
                reason = f"{self.describe(movers[0])} only moves data, so it shares a core"
            else:
                reason = f"channel {c.name} is the heaviest left between two nodes"
            return "chain", c.producer, c.consumer, reason
        return None

    def _best_bundle(self):
        by_task: dict[str, list[str]] = {}
        for root in self.groups():
            by_task.setdefault(self._task_of(root), []).append(root)
        best = None
        for task, roots in by_task.items():
            roots = sorted(roots, key=self.work)
            if len(roots) < 2 or not all(self._bundleable(r) for r in roots[:2]):
                continue
            roots = [r for r in roots if self._bundleable(r)]
            pair = next(
                ((a, b) for a, b in combinations(roots, 2) if not self._refused(a, b)), None
            )
            if pair:
                lightest = pair == tuple(roots[:2])
                key = (not lightest, self.work(pair[0]) + self.work(pair[1]), task)
                if best is None or key < best[0]:
                    which = "two lightest" if lightest else "two lightest fitting"
                    reason = f"the {which} '{task}' nodes share one core"
                    best = (key, ("bundle", pair[0], pair[1], reason))
        return best[1] if best else None

    def _refused(self, a: str, b: str) -> bool:
        """Whether merging nodes a and b made a tile that broke a limit in an earlier try."""
        if not self.refused:
            return False
        groups = self.groups()
        return frozenset(groups[a] + groups[b]) in self.refused

    def _task_of(self, root: str) -> str:
        return self.graph.instance(root).task

    def _bundleable(self, root: str) -> bool:
        return "chain" not in self.kinds[root]


def virtual_graph(graph: Graph, profiles: dict[str, InstanceProfile], primitives) -> VirtualGraph:
    vg = VirtualGraph(graph, profiles)
    for p in primitives:
        if isinstance(p, Chain):
            vg.chain(p)
        elif isinstance(p, Bundle):
            vg.bundle(p)
        else:
            raise MappingError(f"{p!r} is not a mapping primitive; use dato.chain or dato.bundle")
    return vg
