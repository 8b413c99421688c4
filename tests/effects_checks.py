"""What the backends do, observed, for comparison with ``ir.effects``: the DDR bytes the
mapper counts, the copies the functional simulator's generated code makes and those perf
charges, and the tile memory the simulator's named tensors occupy while it runs."""

from __future__ import annotations

import re
import sys
from collections import Counter

import numpy as np

from datobench.core.ir import effects
from datobench.core.ir.effects import Window
from datobench.core.ir.nodes import Assign, For, Store, mutated_names, walk
from datobench.core.ir.types import TensorType
from datobench.core.passes.analysis import profiles
from datobench.core.passes.counts import exact_count
from datobench.core.perf.cost import CostModel
from datobench.core.sim.scheduler import compile_graph, drive, start


def ddr_expected(graph) -> Counter:
    """The mapper's view: DDR bytes per (buffer, direction), summed over instances."""
    out: Counter = Counter()
    for prof in profiles(graph).values():
        for a in prof.accesses:
            out[(a.buffer, a.direction)] += a.bytes
    return out


# A store's right-hand side in the simulator's code that is an existing array (a name, a
# slice or a received element, maybe transposed) rather than a computation.
EXISTING = re.compile(r"(v_\w+|p_\w+|t\d+)(\[[^()]*\])?(\.T)?")
STORE = re.compile(r"\s*(v_|p_)\w+\[.*?\] = (.*)")


def sim_copy_sites(prog) -> Counter:
    """Statement locations at which the simulator's generated code copies a tile: an explicit
    ``.copy()``, or a store (a numpy slice assignment, itself a copy) of an existing tensor;
    a store into DDR of a local name is the DMA's transfer, not a copy."""
    units, _, _ = compile_graph(prog.graph)
    sites: Counter = Counter()
    for unit in units:
        tensor_stores = {
            s.loc
            for s in walk(unit.inst.body)
            if isinstance(s, Store) and isinstance(s.value.type, TensorType)
        }
        source = unit.lowered.source.splitlines()
        for text, loc in zip(source, unit.lowered.lines):
            store = STORE.fullmatch(text)
            if ".copy()" in text:
                sites[(unit.inst.name, loc)] += 1
            elif store and loc in tensor_stores and EXISTING.fullmatch(store[2]):
                if not (store[1] == "p_" and store[2].startswith("v_")):
                    sites[(unit.inst.name, loc)] += 1
    return sites


def perf_copy_sites(prog) -> Counter:
    """Statement locations at which perf charges a copy: the core's DMA snapshots of written
    DDR windows (which the simulator also takes) are added as the transfers they are."""
    cost = CostModel(prog.target, prog.mapping)
    written = effects.written_buffers(prog.graph)
    sites: Counter = Counter()
    for inst in prog.graph.instances:
        mutated = mutated_names(inst.body)
        changing = {a.param for a in inst.args if a.buffer in written}
        for s in walk(inst.body):
            view = effects.view_of(s, mutated) if isinstance(s, Assign) else None
            snapshot = isinstance(view, Window) and view.param in changing
            if not isinstance(s, For) and (cost.copy_cycles(s, mutated) or snapshot):
                sites[(inst.name, s.loc)] += 1
    return sites


class TileMemoryWatch:
    """Traces the simulator's generated code and records, per instance, the largest number
    of bytes its named tensors occupied at once in tile memory: arrays that are neither views
    of the global DDR arrays nor elements received from a stream."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.globals = list(arrays.values())
        self.received: dict[int, np.ndarray] = {}  # id -> element (kept alive)
        self.kept: Counter = Counter()

    def local(self, frame, event, arg):
        for value in frame.f_locals.values():
            if hasattr(value, "popleft"):  # a channel queue: remember what went through it
                for elem in value:
                    if isinstance(elem, np.ndarray):
                        self.received[id(elem)] = elem
        owned = {
            id(v): v.nbytes
            for name, v in frame.f_locals.items()
            if name.startswith("v_")
            and isinstance(v, np.ndarray)
            and id(v) not in self.received
            and not any(np.shares_memory(v, g) for g in self.globals)
        }
        name = frame.f_code.co_filename.removeprefix("<dato instance ").removesuffix(">")
        self.kept[name] = max(self.kept[name], sum(owned.values()))
        return self.local

    def call(self, frame, event, arg):
        return self.local if frame.f_code.co_filename.startswith("<dato instance ") else None


def sim_tile_memory(prog, arrays: dict[str, np.ndarray]) -> Counter:
    compiled = compile_graph(prog.graph)
    gens = start(compiled, arrays, prog.kernels, 10**7)[0]
    watch = TileMemoryWatch(arrays)
    sys.settrace(watch.call)
    try:
        drive(compiled[0], gens)
    finally:
        sys.settrace(None)
    return watch.kept


def check_agreement(prog, arrays: list[np.ndarray]):
    """The simulator, the mapper and perf agree on DDR bytes, copies and local memory."""
    graph = prog.graph
    by_name = {b.name: a for b, a in zip(graph.region.params, arrays)}
    exact = all(exact_count(i.body, lambda s: 1) is not None for i in graph.instances)
    moved = prog.run(*[a.copy() for a in arrays], backend="sim").ddr_bytes
    expected = ddr_expected(graph)
    assert set(moved) <= set(expected)
    for key, size in expected.items():
        if exact:
            assert moved.get(key, 0) == size, key
        else:
            assert moved.get(key, 0) <= size, key
    perf = prog.run(*[a.copy() for a in arrays], backend="perf", values=not exact)
    assert perf.dram_bytes == sum(expected.values())
    if exact:
        assert perf.dram_bytes == sum(moved.values())
    assert sim_copy_sites(prog) == perf_copy_sites(prog)
    # The simulator's named tensors fit in the local memory the mapper reserves; a snapshot
    # of a DDR window that is written during the run lives in that read's ping-pong buffer.
    kept = sim_tile_memory(prog, {k: v.copy() for k, v in by_name.items()})
    written = effects.written_buffers(graph)
    for name, prof in profiles(graph).items():
        snapshots = [a for a in prof.accesses if a.direction == "read" and a.buffer in written]
        reserved = prof.local_bytes + sum(2 * a.tile_bytes for a in snapshots)
        assert kept[name] <= reserved, (name, kept[name], reserved)
