"""Emptying the FIFOs at exit for hardware that runs a design more than once.

A producer may put up to ``depth`` elements more than its consumer gets (``checks``); the
simulators leave them in the FIFO, as one run on hardware does. But on an NPU the cores loop
forever and the next invocation of the loaded design would read those elements first, and an
HLS dataflow kernel's streams keep them between calls (cosim flags such streams). So the
emitters give each such consumer, after its body, the gets that take the leftovers off; the
values are dropped, so the results equal the simulators'.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from datobench.core.ir.nodes import Assign, Const, For, Get, StreamRef
from datobench.core.ir.program import Channel, Graph
from datobench.core.ir.types import index


def leftovers(graph: Graph) -> dict[str, int]:
    """Per channel with statically counted leftovers: how many elements stay at exit."""
    return {
        c.name: c.puts - c.gets
        for c in graph.channels
        if c.puts is not None and c.gets is not None and c.puts > c.gets
    }


def drained(graph: Graph) -> Graph:
    """The graph whose consumers take the leftovers off their channels at the end."""
    extra = leftovers(graph)
    if not extra:
        return graph
    tails: dict[str, list] = {}
    for c in graph.channels:
        if c.name in extra:
            tails.setdefault(c.consumer, []).append(_drain(c, extra[c.name]))
    instances = tuple(
        replace(i, body=i.body + tuple(tails[i.name])) if tails.get(i.name) else i
        for i in graph.instances
    )
    return replace(graph, instances=instances)


def drained_program(program):
    """``program`` seen with its graph ``drained`` (itself when no channel has leftovers)."""
    graph = drained(program.graph)
    if graph is program.graph:
        return program
    view = copy.copy(program)
    view.graph = graph
    return view


def _drain(c: Channel, count: int) -> For:
    """A loop that gets ``count`` elements off a channel and drops them, one per iteration
    (so an NPU core releases each object before it acquires the next), in names no user can
    write."""
    ref = StreamRef(c.stream, tuple(Const(i, index) for i in c.index))
    get = Assign(f"drain.{c.stream}", Get(ref, c.elem))
    return For(f"drain.{c.stream}.k", Const(0, index), Const(count, index), 1, (get,))
