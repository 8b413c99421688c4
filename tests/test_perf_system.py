"""The performance simulator as a whole: DMA and DRAM bandwidth, invariants over the examples,
deadlock, progress and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import check_error, line_of, load_example, random_arrays
from perf_rules import (
    ddr_cycles,
    dram_bytes_per_cycle,
    store_cycles,
    target_file,
    tile_of,
)

import datobench as dato
from datobench import S, Stream, float32, int32

# -- 4. DMA and DRAM bandwidth ------------------------------------------------------------------


def ddr_copy(N: int, P: int, tile: int = 256):
    """Each of P instances copies its shard of A to B in float32 tiles, through its core."""

    @dato.region
    def copy(A: float32[N], B: float32[N]):
        @dato.task(mapping=[P], args=[A, B])
        def cp(a: float32[N] @ [S(0)], b: float32[N] @ [S(0)]):
            for i in range(N // P // tile):
                b[i * tile : (i + 1) * tile] = a[i * tile : (i + 1) * tile]

    return copy


@pytest.mark.parametrize("target_name", ["npu1_4col", "npu2", "generic"])
@pytest.mark.parametrize("P", [1, 4])
def test_ddr_copy_is_bandwidth_bound(target_name, P):
    tg = dato.load_target(target_name)
    port = tg.param("timing.stream_bytes_per_cycle")
    dram = dram_bytes_per_cycle(tg)
    cycles = {}
    for N in (16384, 32768):
        prog = dato.compile(ddr_copy(N, P), target=target_name)
        A = np.arange(N, dtype=np.float32)
        B = np.zeros(N, np.float32)
        result = prog.run(A, B, backend="perf")
        np.testing.assert_array_equal(A, B)
        moved = 2 * 4 * N  # read once and written once
        assert result.dram_bytes == moved
        # each instance's shard passes through one read port and one write port, and all of
        # it through DRAM
        assert result.cycles >= 4 * N / P / port
        assert result.cycles >= moved / dram
        # the cores only copy: they mostly wait for the DMA
        for t in result.tiles.values():
            assert t.busy < t.stall_in
        cycles[N] = result.cycles
    assert abs(cycles[32768] / cycles[16384] - 2) <= 0.1  # twice the data, twice the time


@pytest.mark.parametrize("target_name", ["npu1_4col", "npu2"])
def test_single_stream_copy_time_is_exact(target_name):
    """One instance on a target whose DRAM outruns a read and a write port together: tile i's
    read starts when tile i-1's ends (double buffering), each costs setup + bytes / port;
    after the last read the core copies the tile (store bandwidth) and the write drains it."""
    tg = dato.load_target(target_name)
    port = tg.param("timing.stream_bytes_per_cycle")
    assert 2 * port < dram_bytes_per_cycle(tg)
    N, tile = 16384, 256
    result = dato.compile(ddr_copy(N, 1, tile), target=target_name).run(
        backend="perf", values=False
    )
    one = ddr_cycles(tg, 4 * tile)
    expected = (N // tile) * one + store_cycles(tg, 4 * tile) + one
    assert result.cycles == math.ceil(expected)
    cp = tile_of(result, "cp")
    assert cp.busy == (N // tile) * store_cycles(tg, 4 * tile)
    assert cp.stall_in == math.ceil(
        (N // tile) * one - (N // tile - 1) * store_cycles(tg, 4 * tile)
    )
    assert result.critical_path == ["cp", "DDR"]


def test_dram_bound_copy_respects_the_dram_bandwidth(tmp_path):
    path = target_file(tmp_path, "npu1_4col", dram_bytes_per_s="2e9")  # 2 B/cycle < port
    tg = dato.load_target(path)
    for N in (256, 16384):
        result = dato.compile(ddr_copy(N, 1), target=path).run(backend="perf", values=False)
        assert result.cycles >= 2 * 4 * N / dram_bytes_per_cycle(tg), N


def test_another_reader_of_the_same_buffer_never_makes_a_reader_faster():
    N = 1024

    @dato.region
    def alone(A: float32[N], C: float32[N]):
        @dato.task(args=[A, C])
        def big(a: float32[N], c: float32[N]):
            _delay = dato.zeros((64,), float32)  # big reaches DDR a little later
            c[:] = a[:]

    @dato.region
    def together(A: float32[N], B: float32[16], C: float32[N]):
        @dato.task(args=[A, B])
        def small(a: float32[N], b: float32[16]):
            b[:] = a[0:16]

        @dato.task(args=[A, C])
        def big(a: float32[N], c: float32[N]):
            _delay = dato.zeros((64,), float32)  # big reaches DDR a little later
            c[:] = a[:]

    tg = dato.load_target("npu1_4col")
    first = dato.compile(alone, target="npu1_4col").run(backend="perf", values=False)
    second = dato.compile(together, target="npu1_4col").run(backend="perf", values=False)
    # all of A (4 KiB) has to pass one port before big can copy it
    whole = ddr_cycles(tg, 4 * N)
    assert tile_of(first, "big").stall_in >= whole - store_cycles(tg, 4 * 64)
    assert tile_of(second, "big").stall_in >= whole - store_cycles(tg, 4 * 64)
    assert second.cycles >= first.cycles


# -- 5. invariants over the examples ------------------------------------------------------------

EXAMPLES = [
    ("01_producer_consumer", "pipeline"),
    ("02_vector_add", "vector_add"),
    ("03_gemm_output_stationary", "gemm"),
    ("04_systolic_gemm", "systolic"),
    ("06_flash_attention", "attention"),
]
CASES = [(stem, fn, t) for t in ("npu1_4col", "npu2") for stem, fn in EXAMPLES] + [
    ("04_systolic_gemm", "systolic", "u280"),
    ("06_flash_attention", "attention", "u280"),
]


def expected_macs(stem: str, ex) -> tuple[int, str | None]:
    """MACs of the whole run and the matmul operand type, from the example's sizes."""
    if stem in ("03_gemm_output_stationary", "04_systolic_gemm"):
        return ex.M * ex.K * ex.N, "int16"
    if stem == "06_flash_attention":
        return 2 * ex.LQ * ex.LKV * ex.D, "bf16"  # Q.K^T and P.V
    return 0, None


def peak(tg, dtype: str) -> float:
    if tg.kind == "fpga":
        return tg.param("device.dsp") / tg.param("compute.dsp_per_mac")[dtype]
    rates = tg.param("compute.macs_per_cycle")
    per_tile = (
        rates[dtype] if dtype in rates else tg.param("compute.emulated_macs_per_cycle")[dtype]
    )
    return per_tile * len(tg.compute_tiles())


@pytest.mark.parametrize("stem, fn, target_name", CASES, ids=[f"{s[:2]}-{t}" for s, _, t in CASES])
def test_perf_invariants_on_the_examples(stem, fn, target_name):
    ex = load_example(stem)
    prog = dato.compile(getattr(ex, fn), target=target_name)
    tg = prog.target
    inputs = random_arrays(prog)
    by_sim = [a.copy() for a in inputs]
    by_perf = [a.copy() for a in inputs]
    prog.run(*by_sim, backend="sim")
    result = prog.run(*by_perf, backend="perf")

    # the same values as the functional simulator
    for buf, s, p in zip(prog.region.params, by_sim, by_perf):
        if np.issubdtype(s.dtype, np.integer):
            np.testing.assert_array_equal(p, s, err_msg=buf.name)
        else:
            np.testing.assert_allclose(
                p.astype(np.float64), s.astype(np.float64), rtol=1e-6, err_msg=buf.name
            )

    # the per-tile breakdown covers the whole run
    assert isinstance(result.cycles, int) and result.cycles > 0
    placed = {name for t in result.tiles.values() for name in t.instances}
    assert placed == {inst.name for inst in prog.graph.instances}
    for key, t in result.tiles.items():
        assert min(t.busy, t.stall_in, t.stall_out, t.idle) >= 0, (key, t)
        assert t.busy + t.stall_in + t.stall_out + t.idle == result.cycles, (key, t)
        for start, end, kind in t.segments:
            assert 0 <= start <= end <= result.cycles and kind in ("in", "out")

    # occupancy: time moves forward, fills stay within the declared depth, all is consumed
    depths = {c.name: c.depth for c in prog.graph.channels}
    assert set(result.channels) == set(depths)
    for name, points in result.channels.items():
        times = [c for c, _ in points]
        assert times == sorted(times), name
        assert all(0 <= fill <= depths[name] for _, fill in points), name
        assert points[-1][1] == 0, name

    # units and utilisation
    assert result.clock_hz == tg.clock_hz
    assert result.seconds == pytest.approx(result.cycles / tg.clock_hz, rel=1e-12)
    macs, dtype = expected_macs(stem, ex)
    assert result.macs == macs
    if dtype:
        assert result.peak_macs_per_cycle == pytest.approx(peak(tg, dtype))
        assert result.utilization == pytest.approx(
            macs / (result.cycles * result.peak_macs_per_cycle)
        )
        assert 0 < result.utilization <= 1
    else:
        assert result.utilization == 0.0

    # the critical path names instances (possibly merged), channels, and DDR
    names = {inst.name for inst in prog.graph.instances} | set(depths) | {"DDR"}
    assert result.critical_path
    for entry in result.critical_path:
        assert set(entry.split("+")) <= names, entry

    # timing without values: the same times
    untimed = prog.run(backend="perf", values=False)
    assert untimed.cycles == result.cycles
    assert {k: (t.busy, t.stall_in, t.stall_out, t.idle) for k, t in untimed.tiles.items()} == {
        k: (t.busy, t.stall_in, t.stall_out, t.idle) for k, t in result.tiles.items()
    }
    assert untimed.channels == result.channels
    # and a second timed run of the same program gives the same answer
    assert prog.run(*[a.copy() for a in inputs], backend="perf").cycles == result.cycles


def test_the_clock_scales_seconds_not_compute_cycles(tmp_path):
    ex = load_example("04_systolic_gemm")
    fast = target_file(tmp_path, "npu1_4col", clock_hz="1.6e9", dram_bytes_per_s="24e9")
    base = dato.compile(ex.systolic, target="npu1_4col").run(backend="perf", values=False)
    quick = dato.compile(ex.systolic, target=fast).run(backend="perf", values=False)
    # DRAM bytes per cycle are unchanged (both scaled by 1.6), so the cycles are too
    assert quick.cycles == base.cycles
    assert quick.seconds == pytest.approx(base.seconds / 1.6)


# -- 6. deadlock ---------------------------------------------------------------------------------


@pytest.mark.parametrize("values", [True, False])
def test_deadlock_example_is_reported_like_the_functional_simulator(values):
    ex = load_example("05_deadlock")
    prog = dato.compile(ex.crossed, target="npu1_4col")
    X = np.arange(64, dtype=np.float32)
    with pytest.raises(dato.DeadlockError) as by_sim:
        prog.run(X, np.zeros(64, np.float32), backend="sim")
    with pytest.raises(dato.DeadlockError) as by_perf:
        prog.run(X, np.zeros(64, np.float32), backend="perf", values=values)
    assert str(by_perf.value) == str(by_sim.value)
    assert by_perf.value.loc == by_sim.value.loc
    assert by_perf.value.notes == by_sim.value.notes
    text = str(by_perf.value)
    assert "every live task instance is blocked ('producer', 'consumer')" in text
    assert "'producer' waits to put on 'a' (full: 1 of 1)" in text
    assert "'consumer' waits to get from 'b' (empty: 0 of 2)" in text


def test_starved_consumer_is_a_deadlock_in_perf_too():
    @dato.region
    def top(A: int32[4], B: int32[4]):
        s: Stream[int32, 2]

        @dato.task(args=[A])
        def prod(a: int32[4]):
            for i in range(4):
                if a[i] > 0:
                    s.put(a[i])

        @dato.task(args=[B])
        def cons(b: int32[4]):
            for i in range(4):
                b[i] = s.get()  # P-starve

    prog = dato.compile(top, target="npu1_4col")
    with pytest.raises(dato.DeadlockError) as info:
        prog.run(np.array([1, 2, 0, 3], np.int32), np.zeros(4, np.int32), backend="perf")
    check_error(info, "# P-starve", "('cons')", "'cons' waits to get from 's' (empty: 0 of 2)")
    # with every element positive it runs, and agrees with the functional simulator
    B = np.zeros(4, np.int32)
    prog.run(np.array([1, 2, 5, 3], np.int32), B, backend="perf")
    np.testing.assert_array_equal(B, [1, 2, 5, 3])


# -- 7. progress -----------------------------------------------------------------------------------


def test_progress_reports_non_decreasing_fractions_ending_at_one():
    n = 20_000  # enough resumes for several reports

    @dato.region
    def top(B: float32[1]):
        s: Stream[float32, 1]

        @dato.task()
        def prod():
            v = 0.0
            for i in range(n):
                v = v + 1.0
                s.put(v)

        @dato.task(args=[B])
        def cons(b: float32[1]):
            acc = 0.0
            for i in range(n):
                acc = acc + s.get()
            b[0] = acc

    prog = dato.compile(top, target="npu1_4col")
    for values in (True, False):
        seen: list[float] = []
        arrays = [np.zeros(1, np.float32)] if values else []
        result = prog.run(*arrays, backend="perf", values=values, progress=seen.append)
        assert seen[-1] == 1.0
        assert seen == sorted(seen)
        assert all(0.0 <= f <= 1.0 for f in seen)
        inside = [f for f in seen if 0.0 < f < 1.0]
        assert len(inside) >= 3, seen
        assert result.events >= 2 * n


def test_progress_advances_for_a_dma_only_program():
    prog = dato.compile(ddr_copy(16 * 8192, 1, tile=16), target="npu1_4col")
    seen: list[float] = []
    prog.run(backend="perf", values=False, progress=seen.append)
    assert seen[-1] == 1.0
    assert any(0.0 < f < 1.0 for f in seen), seen


# -- 8. errors -------------------------------------------------------------------------------------


def make_vadd():
    @dato.region
    def vadd(A: float32[64], B: float32[64]):
        @dato.task(args=[A, B])
        def t(a: float32[64], b: float32[64]):
            b[:] = a[:] + 1.0

    return vadd


def test_perf_needs_a_target():
    prog = dato.compile(make_vadd())
    A, B = np.zeros(64, np.float32), np.zeros(64, np.float32)
    with pytest.raises(dato.DatoError) as info:
        prog.run(A, B, backend="perf")
    text = str(info.value)
    assert "backend='perf'" in text
    assert "compile with a target" in text
    assert "target='npu1_4col'" in text
    np.testing.assert_array_equal(B, 0)  # nothing ran


def test_perf_without_a_target_points_at_the_call():
    prog = dato.compile(make_vadd())
    A, B = np.zeros(64, np.float32), np.zeros(64, np.float32)
    with pytest.raises(dato.DatoError) as info:
        prog.run(A, B, backend="perf")  # E-notarget
    check_error(info, "# E-notarget", "compile with a target")


def test_timing_without_values_cannot_follow_a_data_dependent_if():
    @dato.region
    def top(A: float32[4], B: float32[4]):
        @dato.task(args=[A, B])
        def t(a: float32[4], b: float32[4]):
            for i in range(4):
                if a[i] > 0.0:  # E-datadep
                    b[i] = 1.0

    prog = dato.compile(top, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as info:
        prog.run(backend="perf", values=False)
    check_error(
        info,
        "# E-datadep",
        "in instance 't'",
        "timing without values (values=False) cannot follow a condition that depends on data",
        "run with values=True",
    )
    assert info.value.loc.line == line_of("# E-datadep")
    # with values the same program is timed, and computes what the functional simulator does
    A = np.array([1.0, -1.0, 2.0, -2.0], np.float32)
    B = np.zeros(4, np.float32)
    result = prog.run(A, B, backend="perf")
    np.testing.assert_array_equal(B, [1.0, 0.0, 1.0, 0.0])
    assert result.cycles > 0


def test_a_condition_on_indices_only_is_timed_without_values():
    @dato.region
    def top(B: float32[64]):
        @dato.task(args=[B])
        def t(b: float32[64]):
            for i in range(4):
                if i < 2:
                    b[i * 16 : (i + 1) * 16] = dato.full((16,), 1.0, float32)

    prog = dato.compile(top, target="npu1_4col")
    tg = prog.target
    result = prog.run(backend="perf", values=False)
    assert tile_of(result, "t").busy == 2 * store_cycles(tg, 4 * 16)  # only two branches taken
