"""``PerfResult.trace(path)`` writes Chrome/Perfetto trace-event JSON: a track per tile and per
DMA engine whose slices add up to the run's totals, and each stream's fill as a counter."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

import datobench as dato
from datobench import int16, int32
from datobench.programs import systolic_gemm, whole_array_gemm


def load(perf, tmp_path):
    path = perf.trace(tmp_path / "run.json")
    assert path == tmp_path / "run.json"
    trace = json.loads(path.read_text())
    assert trace["otherData"] == {"cycles": perf.cycles, "clock_hz": perf.clock_hz}
    return trace["traceEvents"]


def tracks(events):
    """(pid, tid) -> track name, from the metadata events."""
    return {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e["ph"] == "M" and e["name"] == "thread_name"
    }


@pytest.fixture(scope="module")
def gemm():
    region = whole_array_gemm(256, 256, 256, 32, 32, 32, int16, int32)
    return dato.compile(region, target="npu1_4col").run(backend="perf", values=False)


def test_every_tile_has_a_track_whose_slices_add_up_to_its_cycles(gemm, tmp_path):
    events = load(gemm, tmp_path)
    names = tracks(events)
    totals: dict = defaultdict(lambda: defaultdict(float))
    us: dict = defaultdict(float)
    for e in events:
        if e["ph"] == "X" and e["pid"] == 1:
            totals[names[(1, e["tid"])]][e["name"]] += e["args"]["cycles"]
            us[names[(1, e["tid"])]] += e["dur"]
    assert len(totals) == len(gemm.tiles)
    for key, tile in gemm.tiles.items():
        track = f"tile {key}: {', '.join(tile.instances)}"
        spent = totals[track]
        assert spent["busy"] == pytest.approx(tile.busy, abs=1)
        assert spent["waiting for input"] == pytest.approx(tile.stall_in, abs=1)
        assert spent.get("waiting for room", 0.0) == pytest.approx(tile.stall_out, abs=1)
        assert spent.get("idle", 0.0) == pytest.approx(tile.idle, abs=2)
        assert us[track] == pytest.approx(gemm.seconds * 1e6, rel=1e-6)  # the whole run


def test_slices_are_in_time_order_and_do_not_overlap(gemm, tmp_path):
    events = load(gemm, tmp_path)
    by_track = defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            by_track[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
    for spans in by_track.values():
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start >= end - 1e-6


def test_stalls_name_what_they_waited_on_and_dma_engines_have_tracks(gemm, tmp_path):
    events = load(gemm, tmp_path)
    names = tracks(events)
    stalls = [e for e in events if e["ph"] == "X" and e["name"] == "waiting for input"]
    assert stalls and all(e["args"]["stream"].startswith("DDR -> core_") for e in stalls)
    engines = {names[(2, e["tid"])] for e in events if e["ph"] == "X" and e["pid"] == 2}
    assert engines == set(gemm.dma)
    assert "DDR -> core_0_0.a" in engines and "core_0_0.c -> DDR" in engines


def test_stream_fill_is_a_counter_per_change(tmp_path):
    region = systolic_gemm(2, 2, 8, 8, 8, 64, int16, int32)
    perf = dato.compile(region, target="u280").run(backend="perf", values=False)
    events = load(perf, tmp_path)
    counters = defaultdict(list)
    for e in events:
        if e["ph"] == "C":
            counters[e["name"]].append((e["ts"], e["args"]["fill"]))
    assert set(counters) == set(perf.channels)
    us = 1e6 / perf.clock_hz
    for name, points in perf.channels.items():
        assert counters[name] == [pytest.approx((c * us, f), abs=1e-6) for c, f in points]
