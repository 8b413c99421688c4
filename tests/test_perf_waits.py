"""perf/lower.py: a wait for a drained tile (``dwait``) is left out where every path since the
last one wrote nothing through its engine. The runs keep the cycles, stalls and events of a
lowering that waits before every write of the tile (a subclass here that never leaves one out),
in loops, in an If's branches and after them, with and without values."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import datobench as dato
from datobench import float32, int8
from datobench.core import perf
from datobench.core.perf.lower import TimedLowerer
from datobench.core.sim.scheduler import compile_graph
from datobench.programs import whole_array_gemm

N, T = 64, 16


@dato.region
def drained_in_branches(A: float32[N], B: float32[N]):
    """A local tile written to DDR in place, in one branch of an If inside a loop, then
    rewritten: the rewrite after the branch and in the next iteration must wait for the DMA."""

    @dato.task(args=[A, B])
    def t(a: float32[N], b: float32[N]):
        for i in range(N // T):
            x = a[i * T : (i + 1) * T] + 1.0
            for k in range(3):
                x = x * 2.0  # no write inside: waiting once before the loop is enough
            if i % 2 == 0:
                b[i * T : (i + 1) * T] = x  # read in place by the DMA
            x = x + 1.0  # after the branch: the DMA may still be reading x
            b[(N // T - 1 - i) * T : (N // T - i) * T] = x


class EveryWait(TimedLowerer):
    """The lowering without the shortcut: it waits before every write of a drained tile."""

    @property
    def waited(self) -> dict[int, int]:
        return {}

    @waited.setter
    def waited(self, value: dict[int, int]):
        pass


def every_wait(program, values: bool):
    """``perf.prepare`` with ``EveryWait`` for the timed code."""
    cost, profs, engines, _ = perf.prepare(program, values)
    ids: dict[str, dict] = {}
    for n, (inst, param, direction, _, _) in enumerate(engines):
        ids.setdefault(inst, {})[(param, direction)] = n

    def lower(inst, channels, written):
        return EveryWait(inst, channels, written, cost, ids[inst.name], values).lower()

    return cost, profs, engines, compile_graph(program.graph, lower)


def timings(result) -> tuple:
    tiles = {k: (t.busy, t.stall_in, t.stall_out, t.segments) for k, t in result.tiles.items()}
    return result.cycles, result.events, tiles, result.dma


def waits_in(prepared) -> int:
    return sum(unit.lowered.source.count("dwait(") for unit in prepared[3][0])


@pytest.mark.parametrize("values", [False, True])
def test_waits_left_out_keep_every_cycle_of_a_drained_tile_in_branches(values):
    prog = dato.compile(drained_in_branches, target="npu1_4col")
    A = np.arange(N, dtype=np.float32)
    arrays = {"A": A, "B": np.zeros(N, np.float32)} if values else None
    fast = perf.simulate_perf(prog, arrays, perf.prepare(prog, values))
    slow = perf.simulate_perf(prog, arrays, every_wait(prog, values))
    assert timings(fast) == timings(slow)
    assert sum(t.stall_out for t in fast.tiles.values()) > 0  # the waits do hold the core


def test_a_gemm_waits_once_per_output_tile_not_in_its_inner_loop():
    prog = dato.compile(whole_array_gemm(128, 128, 128, 32, 32, 32, int8, int8), target="npu1_4col")
    fast, slow = perf.prepare(prog, False), every_wait(prog, False)
    assert waits_in(fast) < waits_in(slow)
    assert timings(perf.simulate_perf(prog, None, fast)) == timings(
        perf.simulate_perf(prog, None, slow)
    )


@dato.region
def two_blocks(A: float32[4 * T], C: float32[4 * T]):
    """Two local tiles written to one output in turn each pass (two blocks of C computed
    together): each lives in an object of its own."""

    @dato.task(args=[A, C])
    def t(a: float32[4 * T], c: float32[4 * T]):
        for i in range(2):
            upper = a[2 * i * T : (2 * i + 1) * T] + 1.0
            lower = a[(2 * i + 1) * T : (2 * i + 2) * T] + 2.0
            c[2 * i * T : (2 * i + 1) * T] = upper
            c[(2 * i + 1) * T : (2 * i + 2) * T] = lower


def test_each_of_two_locals_waits_for_the_write_that_last_filled_its_own_object():
    """With two locals drained through one engine, the first defined again must wait for its
    own last write (two back), the second for the last one; at writeback depth 2 each has two
    objects, so four and three back."""
    from datobench.core.perf.lower import _objects_back

    inst = dato.compile(two_blocks, target="npu1_4col").graph.instances[0]
    assert _objects_back(inst) == {"upper": {"c": 2}, "lower": {"c": 1}}
    deeper = replace(inst, args=(inst.args[0], replace(inst.args[1], writeback=2)))
    assert _objects_back(deeper) == {"upper": {"c": 4}, "lower": {"c": 3}}
