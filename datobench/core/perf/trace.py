"""A timed run as Chrome trace-event JSON, the format ui.perfetto.dev and chrome://tracing open,
so that a simulated run can sit beside a hardware trace.

One process holds a thread per tile, with a slice per busy, stalled or idle period; another a
thread per DMA engine, with a slice per transfer; a third a counter per stream, its fill at
each change. Times are in microseconds at the target's clock; each slice's ``args`` carry its
cycles, so that the slices of a tile add up to the cycles of ``PerfResult.tiles``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

TILES, DMAS, STREAMS = 1, 2, 3  # process ids
STATE_NAMES = {"busy": "busy", "in": "waiting for input", "out": "waiting for room", "idle": "idle"}


def tile_periods(tile, total: int):
    """(start, end, state, stream or None) of a tile from cycle 0 to ``total``: busy between
    its stalls until its clock stops, idle after."""
    clock = 0.0
    for (start, stop, kind), stream in zip(tile.segments, tile.waited_on):
        if start > clock:
            yield clock, start, "busy", None
        yield start, stop, kind, stream
        clock = stop
    end = tile.busy + tile.stall_in + tile.stall_out
    if end > clock:
        yield clock, float(end), "busy", None
        clock = float(end)
    if total > clock:
        yield clock, float(total), "idle", None


def trace_events(perf):
    """The run's trace events but the counters: metadata, then each track's slices."""
    us = 1e6 / perf.clock_hz

    def name(pid, tid, text, kind="thread_name"):
        return {"ph": "M", "pid": pid, "tid": tid, "name": kind, "args": {"name": text}}

    yield name(TILES, 0, "tiles", "process_name")
    yield name(DMAS, 0, "DMA engines", "process_name")
    yield name(STREAMS, 0, "streams", "process_name")
    tiles = sorted(perf.tiles.items(), key=lambda kv: tuple(int(x) for x in kv[0].split(",")))
    for tid, (key, tile) in enumerate(tiles, 1):
        yield name(TILES, tid, f"tile {key}: {', '.join(tile.instances)}")
        yield {
            "ph": "M",
            "pid": TILES,
            "tid": tid,
            "name": "thread_sort_index",
            "args": {"sort_index": tid},
        }
        for start, stop, state, stream in tile_periods(tile, perf.cycles):
            args = {"cycles": stop - start}
            if stream is not None:
                args["stream"] = stream
            yield {
                "ph": "X",
                "pid": TILES,
                "tid": tid,
                "name": STATE_NAMES[state],
                "ts": start * us,
                "dur": (stop - start) * us,
                "args": args,
            }
    for tid, (engine, spans) in enumerate(sorted(perf.dma.items()), 1):
        yield name(DMAS, tid, engine)
        for start, stop in spans:
            yield {
                "ph": "X",
                "pid": DMAS,
                "tid": tid,
                "name": "transfer",
                "ts": start * us,
                "dur": (stop - start) * us,
                "args": {"cycles": stop - start},
            }


def counter_lines(perf):
    """Each stream's fill at each change, as JSON text: a long run has millions of these, and
    formatting them directly is several times faster than through ``json.dumps``."""
    us = 1e6 / perf.clock_hz
    for channel, points in sorted(perf.channels.items()):
        head = f'{{"ph":"C","pid":{STREAMS},"tid":0,"name":{json.dumps(channel)},"ts":'
        for cycle, fill in points:
            yield f'{head}{cycle * us:.6f},"args":{{"fill":{fill}}}}}'


def write_trace(perf, path) -> Path:
    """Write the trace one event a line (a long run has millions of fill changes)."""
    path = Path(path)
    with path.open("w") as out:
        out.write('{"displayTimeUnit": "ns", "otherData": ')
        out.write(json.dumps({"cycles": perf.cycles, "clock_hz": perf.clock_hz}))
        out.write(', "traceEvents": [\n')
        lines = itertools.chain(
            (json.dumps(e, separators=(",", ":")) for e in trace_events(perf)),
            counter_lines(perf),
        )
        for n, line in enumerate(lines):
            out.write(",\n" + line if n else line)
        out.write("\n]}\n")
    return path
