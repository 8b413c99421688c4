"""The cycle-approximate performance simulator (``backend="perf"``).

Each tile keeps its own clock; channels carry elements stamped with their arrival time and
return credits for capacity, so a full FIFO stalls its producer (the DAM/STeP style). The
functional scheduler decides the order of execution, and since a dataflow program's channel
histories do not depend on that order, neither do the times.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from datobench.core.ir.effects import transfers, with_conditions
from datobench.core.ir.mapping import tile_key
from datobench.core.ir.nodes import walk
from datobench.core.ir.printer import stmt_lines
from datobench.core.passes.analysis import profiles as instance_profiles
from datobench.core.passes.counts import upper_count
from datobench.core.perf.cost import CostModel
from datobench.core.perf.lower import timed_lowering
from datobench.core.perf.result import (
    PerfResult,
    TileTiming,
    critical_path,
    engine_name,
    fill_history,
    named_segments,
    occupancy,
)
from datobench.core.perf.runtime import (
    BUSY,
    CAUSES,
    CLOCK,
    SEGMENTS,
    STALL_IN,
    STALL_OUT,
    ChannelState,
    DmaState,
    DramCalendar,
    ReadGroup,
    Runtime,
    new_accumulator,
)
from datobench.core.perf.scheduler import drive_in_time
from datobench.core.perf.staging import Staging
from datobench.core.sim.scheduler import compile_graph, start

# The default loop budget of a timed run: each timed iteration costs microseconds (a stream
# or DMA event, its cycles), so a runaway program is stopped after about 10 s; the functional
# simulator's budget (sim.scheduler.DEFAULT_MAX_STEPS) would take minutes here.
PERF_MAX_STEPS = 2_000_000

__all__ = ["PerfResult", "TileTiming", "simulate_perf"]


def prepare(program, values: bool):
    """Cost model, DMA engine numbering and timed code for a mapped program (cacheable;
    ``backends.perf`` checks that the program is mapped)."""
    cost = CostModel(program.target, program.mapping)
    profs = instance_profiles(program.graph)
    engines = []  # (instance, param, direction, broadcast key, transfers) per engine
    ids: dict[str, dict] = {}
    for inst in program.graph.instances:
        ids[inst.name] = {}
        for a in profs[inst.name].accesses:
            ids[inst.name][(a.param, a.direction)] = len(engines)
            pattern = _transfer_pattern(inst.body, a.param, a.direction)
            # readers of one window that read the same tiles in the same order share them
            key = (a.buffer, a.window, pattern[0]) if a.direction == "read" else None
            engines.append((inst.name, a.param, a.direction, key, pattern[1]))
    compiled = compile_graph(program.graph, timed_lowering(cost, ids, values))
    return cost, profs, engines, compiled


def _transfer_pattern(body, param: str, direction: str) -> tuple[str, int]:
    """The DDR tiles a body moves for one parameter: their expressions and how many."""
    sites = []

    def weight(s) -> int:
        return sum(1 for t in transfers(s) if t.param == param and t.direction == direction)

    for s in walk(body):
        if weight(s):
            sites.append(stmt_lines(s, 0)[0])
    return "\n".join(sites), upper_count(with_conditions(body), weight)


def simulate_perf(
    program,
    arrays: dict | None,
    prepared,
    max_steps: int = PERF_MAX_STEPS,
    progress: Callable[[float], None] | None = None,
) -> PerfResult:
    cost, profs, engines, compiled = prepared
    graph, mapping, target = program.graph, program.mapping, program.target
    runtime = Runtime(
        [ChannelState(cost.channel(c), c.depth) for c in graph.channels],
        DramCalendar(cost.dram_bytes_per_cycle()),
    )
    groups: dict = {}
    timing = cost.dma()
    runtime.dmas = [
        DmaState(
            timing,
            direction,
            groups.setdefault(key, ReadGroup()) if key else None,
            ("dma", n),
        )
        for n, (_, _, direction, key, _) in enumerate(engines)
    ]
    staging = Staging(runtime, cost, program, engines, profs)
    tiles: dict[str, list] = {}
    sharing = Counter(tile_key(mapping.placement[inst.name]) for inst in graph.instances)
    for inst in graph.instances:
        tiles.setdefault(tile_key(mapping.placement[inst.name]), new_accumulator())

    # per instance and DDR read engine of its, what the timed code's reads use: the engine's
    # tiles so far, those the window's readers brought in ([] for instances that share a tile:
    # they take turns at every read where another instance goes first), and its read
    def reads(unit, A: list) -> list:
        alone = sharing[tile_key(mapping.placement[unit.inst.name])] == 1
        return [
            (d.ends, d.shared if alone else [], runtime.reader(n, A))
            if inst == unit.inst.name and d.direction == "read"
            else None
            for n, ((inst, *_), d) in enumerate(zip(engines, runtime.dmas))
        ]

    def timing(unit) -> dict:  # the fields TimedArgs adds, by name
        key = tile_key(mapping.placement[unit.inst.name])
        return dict(
            A=tiles[key],
            tput=runtime.tput,
            tget=runtime.tget,
            D=reads(unit, tiles[key]),
            dwrite=runtime.dwrite,
            dwait=runtime.dwait,
            sread=staging.read,
            E=runtime.earliest,
        )

    units = compiled[0]
    gens, _, _, touches = start(compiled, arrays, program.kernels, max_steps, timing)
    expected = sum(c.puts or 0 for c in graph.channels) + sum(e[4] for e in engines)
    on_resume = None
    if progress is not None:

        def on_resume():
            done = sum(len(ch.put_times) for ch in runtime.channels)
            done += sum(len(d.ends) for d in runtime.dmas)
            progress(min(done / max(expected, 1), 0.99))

    accumulators = [tiles[tile_key(mapping.placement[u.inst.name])] for u in units]
    drive_in_time(units, gens, touches, accumulators, runtime.earliest, on_resume)
    if progress is not None:
        progress(1.0)
    ends = [A[CLOCK] for A in tiles.values()]
    ends += [d.ends[-1] for d in runtime.dmas if d.ends]
    total = math.ceil(max(ends, default=0.0))
    timings = {}
    channel_names = [c.name for c in graph.channels]
    engine_names = [engine_name(inst, param, direction) for inst, param, direction, *_ in engines]
    for key, A in tiles.items():
        instances = [i for i, t in mapping.placement.items() if tile_key(t) == key]
        waited_on = named_segments(A[CAUSES], channel_names, engine_names)
        busy, s_in, s_out = A[BUSY], A[STALL_IN], A[STALL_OUT]
        timings[key] = TileTiming(
            instances,
            round(busy),
            round(s_in),
            round(s_out),
            max(total - round(busy) - round(s_in) - round(s_out), 0),
            A[SEGMENTS],
            waited_on,
        )
    dram = staging.dram_bytes(engines, profs)
    fills = {c.name: fill_history(ch) for c, ch in zip(graph.channels, runtime.channels)}
    macs = sum(p.macs for p in profs.values())
    dtypes = [p.macs_dtype for p in profs.values() if p.macs_dtype]
    dtype = max(set(dtypes), key=dtypes.count) if dtypes else None
    peak = cost.peak_macs_per_cycle(dtype, len(target.compute_tiles())) if dtype else 0.0
    return PerfResult(
        cycles=total,
        seconds=total / target.clock_hz,
        clock_hz=target.clock_hz,
        macs=macs,
        peak_macs_per_cycle=peak,
        utilization=(macs / (total * peak)) if total and peak else 0.0,
        tiles=timings,
        channels={name: occupancy(h) for name, h in fills.items()},
        critical_path=critical_path(graph, mapping, tiles, runtime),
        events=sum(len(ch.put_times) + len(ch.taken) for ch in runtime.channels)
        + sum(len(d.ends) for d in runtime.dmas),
        dram_bytes=dram[0],
        dram_moved=dram[1],
        leftover={
            c.name: len(ch.put_times) - len(ch.taken)
            for c, ch in zip(graph.channels, runtime.channels)
            if len(ch.put_times) > len(ch.taken)
        },
        dma={name: d.spans for name, d in zip(engine_names, runtime.dmas) if d.spans},
        fill_arrays=fills,
        staged=staging.fills(),
        l2=staging.spans(),
    )
