"""The cycle-approximate simulator (``backend="perf"``): per-statement costs derived from the
target files, pipelines limited by their slowest stage, FIFO depth and credits, stream links,
DMA and DRAM bandwidth, invariants over the examples, deadlock, progress and errors.

Every expected number is worked out here from the target's parameters (read with
``Target.param``) and the cost rules DESIGN.md section 4 and ``perf/cost.py`` describe:

- a vector operation on n elements of b bits costs ceil(n / (vector_bits / b)) vectors times
  ``timing.vector_op_cycles[op]`` (1 when the op is not listed);
- ``zeros``/``full`` and copies (of a name, a slice or a received tile) cost the tensor's bits
  over the store width, ``store_bits * stores_per_cycle``;
- a matmul follows the 2x2-blocked AIE-ML kernel (see ``matmul_cycles`` below);
- a channel between neighbours (shared memory) delivers ``lock_cycles`` after the put and a get
  costs ``lock_cycles``; a stream-switch route carries ``stream_bytes_per_cycle`` and adds
  ``dma_setup_cycles + hops * hop_cycles`` of latency;
- a DDR transfer moves at most ``stream_bytes_per_cycle`` after ``dma_setup_cycles``, and all
  transfers share ``memory.dram_bytes_per_s / clock_hz``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import load_example
from perf_rules import (
    bits,
    ddr_cycles,
    dram_bytes_per_cycle,
    matmul_cycles,
    resolve,
    store_cycles,
    tile_of,
    vector_cycles,
)

import datobench as dato
from datobench import S, Stream, bf16, float32, int8, int16, int32
from datobench.programs import single_core_gemm

# -- 1. single-tile costs ---------------------------------------------------------------------


@pytest.mark.parametrize("target_name", ["npu1_4col", "npu2", "generic", "u280", "edited"])
def test_elementwise_statement_costs_follow_the_target(target_name, tmp_path):
    N = 1001  # odd: the last vector (and the last store word) is partial on every target

    @dato.region
    def fill_add_copy(B: float32[N]):
        @dato.task(args=[B])
        def t(b: float32[N]):
            x = dato.zeros((N,), float32)  # a fill: store bandwidth
            y = x + 1.0  # one vector op
            b[:] = y  # a local tensor: the DMA reads it in place (no core time)

    @dato.region
    def exp_div(B: float32[N]):
        @dato.task(args=[B])
        def t(b: float32[N]):
            x = dato.full((N,), 2.0, float32)
            b[:] = dato.exp(x) / 3.0  # computed where it goes: no copy

    @dato.region
    def half_width(C: bf16[N]):
        @dato.task(args=[C])
        def t(c: bf16[N]):
            x = dato.zeros((N,), bf16)
            c[:] = x * x  # 16-bit elements: twice the lanes of float32

    @dato.region
    def reduce_and_cast(B: float32[1], C: bf16[N]):
        @dato.task(args=[B, C])
        def t(b: float32[1], c: bf16[N]):
            x = dato.full((N,), 0.5, float32)
            b[0] = x.sum(axis=0)  # one pass over the source's vectors
            c[:] = x.astype(bf16)  # lanes of the source type

    path = resolve(target_name, tmp_path)
    tg = dato.load_target(path)
    f32, b16 = 4 * N, 2 * N  # bytes
    cases = [
        (
            fill_add_copy,
            [np.zeros(N, np.float32)],
            store_cycles(tg, f32) + vector_cycles(tg, N, float32, "+"),
        ),
        (
            exp_div,
            [np.zeros(N, np.float32)],
            store_cycles(tg, f32)
            + vector_cycles(tg, N, float32, "exp")
            + vector_cycles(tg, N, float32, "/"),
        ),
        (
            half_width,
            [np.zeros(N, bf16.np)],
            store_cycles(tg, b16) + vector_cycles(tg, N, bf16, "*"),
        ),
        (
            reduce_and_cast,
            [np.zeros(1, np.float32), np.zeros(N, bf16.np)],
            store_cycles(tg, f32)
            + vector_cycles(tg, N, float32, "sum")
            + vector_cycles(tg, N, float32, "astype"),
        ),
    ]
    for region, arrays, expected in cases:
        prog = dato.compile(region, target=path)
        result = prog.run(*arrays, backend="perf")
        t = tile_of(result, "t")
        assert t.busy == expected, (region.__name__, t, expected)
        assert t.stall_out == 0
        # nothing is read from DDR, so the core never waits; the output's DMA to DDR comes
        # after the core's work
        assert t.stall_in == 0
        assert result.cycles > t.busy
    # the values are still computed, as by the functional simulator
    out = np.zeros(N, np.float32)
    dato.compile(exp_div, target=path).run(out, backend="perf")
    np.testing.assert_allclose(out, np.exp(np.float32(2.0)) / np.float32(3.0), rtol=1e-6)


MATMULS = [
    # target, operand type, result type, m, k, n
    ("npu1_4col", int8, int32, 64, 64, 64),  # the blocked kernel is slower than the measured rate
    ("npu1_4col", bf16, bf16, 64, 64, 64),  # the measured bf16 rate is the limit
    ("npu1_4col", int8, int8, 40, 24, 48),  # sizes that leave partial blocks and steps
    ("npu1_4col", float32, float32, 32, 32, 32),  # emulated: its own rate and shape
    ("npu2", int8, int32, 64, 64, 64),
    ("npu2", int16, int32, 32, 32, 32),
    ("npu2", bf16, bf16, 64, 64, 64),
    ("generic", int8, int8, 64, 64, 64),  # no measured rates in the teaching target
    ("generic", int16, int32, 32, 32, 32),
    ("edited", int8, int32, 64, 64, 64),  # a user's file: 1 x 4 blocking, a slow measured rate
    ("edited", int8, int8, 48, 32, 64),
    ("u280", int8, int32, 64, 64, 64),
]


@pytest.mark.parametrize(
    "target_name, t_in, t_out, m, k, n",
    MATMULS,
    ids=[f"{t}-{bits(a)}to{bits(b)}-{m}x{k}x{n}" for t, a, b, m, k, n in MATMULS],
)
def test_single_matmul_busy_is_the_kernel_model(target_name, t_in, t_out, m, k, n, tmp_path):
    gemm = single_core_gemm(m, k, n, t_in, t_out)
    path = resolve(target_name, tmp_path)
    tg = dato.load_target(path)
    result = dato.compile(gemm, target=path).run(backend="perf", values=False)
    core = tile_of(result, "core")
    assert core.busy == matmul_cycles(tg, m, k, n, t_in, t_out)
    assert result.macs == m * k * n
    # both operands come from DDR, each through its own port, before the kernel can start
    port = tg.param(
        "timing.m_axi_bytes_per_cycle" if tg.kind == "fpga" else "timing.stream_bytes_per_cycle"
    )
    assert core.stall_in >= max(m * k, k * n) * bits(t_in) // 8 / port


def test_the_measured_rate_is_a_floor_only_when_it_is_slower():
    tg = dato.load_target("npu1_4col")
    rates = tg.param("compute.kernel_macs_per_cycle")
    # the cases above cover both sides of the max(): check that they really do
    blocked = matmul_cycles(tg, 64, 64, 64, int8, int32)
    assert blocked > math.ceil(64**3 / rates["int8->int32"])
    assert matmul_cycles(tg, 64, 64, 64, bf16, bf16) == math.ceil(64**3 / rates["bf16->bf16"])


def test_accumulating_matmul_over_k_tiles():
    """Example 3's instance body: the += of a matmul is done by the MAC unit (free); operand
    slices bound to names refer to the DMA buffers they arrived in (free); the accumulator is
    filled once and read in place by the DMA that writes it out (free)."""
    ex = load_example("03_gemm_output_stationary")
    tg = dato.load_target("npu1_4col")
    bm, bn, tk, steps = ex.BM, ex.BN, ex.TK, ex.K // ex.TK
    per_step = matmul_cycles(tg, bm, tk, bn, int16, int32)
    expected = store_cycles(tg, bm * bn * 4) + steps * per_step  # the zeros, then the steps
    result = dato.compile(ex.gemm, target="npu1_4col").run(backend="perf", values=False)
    for i in range(ex.P0):
        for j in range(ex.P1):
            assert tile_of(result, f"block_{i}_{j}").busy == expected


def test_bundled_instances_take_turns_on_one_core():
    n = 256

    @dato.region
    def vexp(A: float32[2 * n], B: float32[2 * n]):
        @dato.task(mapping=[2], args=[A, B])
        def f(a: float32[2 * n] @ [S(0)], b: float32[2 * n] @ [S(0)]):
            b[:] = dato.exp(a[:])

    tg = dato.load_target("npu1_4col")
    assert 2 * tg.param("timing.stream_bytes_per_cycle") < dram_bytes_per_cycle(tg)
    read = write = ddr_cycles(tg, 4 * n)  # each instance has its own DMA engines
    work = vector_cycles(tg, n, float32, "exp")
    apart = dato.compile(vexp, target="npu1_4col")
    shared = dato.compile(vexp, target="npu1_4col", primitives=[dato.bundle(["f_0", "f_1"])])
    assert len(set(shared.mapping.placement.values())) == 1
    A = np.linspace(-1, 1, 2 * n, dtype=np.float32)
    for prog, turns in ((apart, 1), (shared, 2)):
        B = np.zeros(2 * n, np.float32)
        result = prog.run(A, B, backend="perf")
        np.testing.assert_allclose(B, np.exp(A), rtol=1e-6)
        # both shards arrive together; the core then runs the instances one after the other,
        # and the last one's result drains to DDR
        assert result.cycles == math.ceil(read + turns * work + write)
        assert len(result.tiles) == 2 // turns
        for t in result.tiles.values():
            assert t.busy == turns * work
            assert len(t.instances) == turns


# -- 2. a pipeline runs at the pace of its slower stage ---------------------------------------

T = 256  # float32 elements per streamed tile
NT = 64  # tiles


def consumer_bound(depth: int):
    @dato.region
    def top(B: float32[T]):
        s: Stream[float32[T], depth]

        @dato.task()
        def prod():
            for i in range(NT):
                s.put(dato.full((T,), 1.0, float32))  # cheap: one fill

        @dato.task(args=[B])
        def cons(b: float32[T]):
            acc = dato.zeros((T,), float32)
            for i in range(NT):
                acc = acc + dato.exp(s.get())  # expensive: exp and an add per tile
            b[:] = acc

    return top


def test_consumer_bound_pipeline_runs_at_the_consumers_pace():
    tg = dato.load_target("npu1_4col")
    lock = tg.param("timing.lock_cycles")
    P = store_cycles(tg, 4 * T)  # producer, per tile
    C = lock + vector_cycles(tg, T, float32, "exp") + vector_cycles(tg, T, float32, "+")
    assert C > P
    prog = dato.compile(consumer_bound(2), target="npu1_4col")
    assert prog.mapping.route("s").kind == "shared"  # neighbours: no link bandwidth limit
    B = np.zeros(T, np.float32)
    result = prog.run(B, backend="perf")
    np.testing.assert_allclose(B, NT * np.exp(np.float32(1.0)), rtol=1e-5)

    # fill and drain: the consumer's zeros before the first tile, the first tile's production
    # and hand-over, and the DMA of acc to DDR at the end (read in place: no copy)
    fill = P + 2 * lock + store_cycles(tg, 4 * T) + ddr_cycles(tg, 4 * T)
    assert NT * C <= result.cycles <= NT * C + fill
    assert abs(result.cycles / (NT * C) - 1) < 0.07
    prod, cons = tile_of(result, "prod"), tile_of(result, "cons")
    assert prod.busy == NT * P
    assert cons.busy == NT * C + store_cycles(tg, 4 * T)  # the zeros
    # the producer finishes only after the consumer has freed room for its last tile, which
    # it takes no earlier than tile NT-1-depth, (NT-1-depth) * C cycles in
    assert prod.stall_out >= (NT - 1 - 2) * C - NT * P
    assert prod.stall_in == 0
    assert cons.stall_in <= P + lock  # at most waiting for the very first tile
    assert cons.stall_out == 0
    assert result.critical_path[0] == "cons"


def test_producer_bound_pipeline_runs_at_the_producers_pace():
    @dato.region
    def top(B: float32[T]):
        s: Stream[float32[T], 2]

        @dato.task()
        def prod():
            for i in range(NT):
                s.put(dato.exp(dato.full((T,), 1.0, float32)))  # expensive

        @dato.task(args=[B])
        def cons(b: float32[T]):
            acc = dato.zeros((T,), float32)
            for i in range(NT):
                acc = acc + s.get()  # cheap
            b[:] = acc

    tg = dato.load_target("npu1_4col")
    lock = tg.param("timing.lock_cycles")
    P = store_cycles(tg, 4 * T) + vector_cycles(tg, T, float32, "exp")
    C = lock + vector_cycles(tg, T, float32, "+")
    assert P > C
    B = np.zeros(T, np.float32)
    result = dato.compile(top, target="npu1_4col").run(B, backend="perf")
    np.testing.assert_allclose(B, NT * np.exp(np.float32(1.0)), rtol=1e-5)

    drain = 2 * lock + C + store_cycles(tg, 4 * T) + ddr_cycles(tg, 4 * T)
    assert NT * P <= result.cycles <= NT * P + drain
    prod, cons = tile_of(result, "prod"), tile_of(result, "cons")
    assert prod.busy == NT * P
    assert prod.stall_out == 0  # the consumer always makes room in time
    # the consumer waits for every tile: it cannot take the last before (NT-1)*P
    assert cons.stall_in >= (NT - 1) * (P - C) - store_cycles(tg, 4 * T)
    assert "prod" in result.critical_path


# -- 3. FIFO depth ------------------------------------------------------------------------------


def test_shallower_fifo_stalls_the_fast_producer_longer_at_the_same_total():
    tg = dato.load_target("npu1_4col")
    lock = tg.param("timing.lock_cycles")
    C = lock + vector_cycles(tg, T, float32, "exp") + vector_cycles(tg, T, float32, "+")
    runs = {}
    for depth in (1, 4):
        result = dato.compile(consumer_bound(depth), target="npu1_4col").run(
            backend="perf", values=False
        )
        runs[depth] = result
        fills = [f for _, f in result.channels["s"]]
        assert max(fills) == depth  # the fast producer keeps the FIFO full
        assert fills[-1] == 0
    shallow, deep = runs[1], runs[4]
    assert shallow.cycles == deep.cycles  # the consumer sets the pace either way
    assert tile_of(shallow, "cons").busy == tile_of(deep, "cons").busy
    assert tile_of(shallow, "prod").busy == tile_of(deep, "prod").busy
    # In steady state the producer puts tile k when the consumer frees tile k - depth, one
    # tile per C cycles; it therefore ends (4 - 1) * C cycles earlier with three more slots.
    stall_1 = tile_of(shallow, "prod").stall_out
    stall_4 = tile_of(deep, "prod").stall_out
    assert stall_1 > stall_4
    assert stall_1 - stall_4 == (4 - 1) * C


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_fifo_depth_stall_out_from_first_principles(depth):
    """Scalars, so that a put costs nothing and every time is exact.

    producer, per element: v = v + 1.0 (one vector op, P cycles), then put v (free).
    consumer, per element: get (lock), exp (one vector of exp), add (one vector): C cycles.
    Element k is put at put_k and arrives at put_k + lock (neighbours share memory); the
    consumer takes it when both it and the element are ready, and the get costs lock. The
    producer's put of element k >= depth waits for the credit of element k - depth, returned
    lock cycles after that element was taken. The producer ends at its last put, so its
    stall_out is put_last - n * P; the run ends when the consumer's result (4 bytes) is in DDR.
    """
    n = 64

    @dato.region
    def top(B: float32[1]):
        s: Stream[float32, depth]

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
                acc = acc + dato.exp(s.get())
            b[0] = acc

    tg = dato.load_target("npu1_4col")
    lock = tg.param("timing.lock_cycles")
    P = vector_cycles(tg, 1, float32, "+")
    C = lock + vector_cycles(tg, 1, float32, "exp") + vector_cycles(tg, 1, float32, "+")
    # walk the protocol element by element (put k needs only taken[k - depth], known by then)
    put: list[int] = []
    taken: list[int] = []
    clock = 0  # the producer's
    for k in range(n):
        clock += P
        if k >= depth:
            clock = max(clock, taken[k - depth] + lock)
        put.append(clock)
        consumer_free = taken[-1] + (C - lock) if taken else 0
        taken.append(max(put[k] + lock, consumer_free) + lock)
    expected_stall_out = put[-1] - n * P
    expected_total = taken[-1] + (C - lock) + ddr_cycles(tg, 4)

    B = np.zeros(1, np.float32)
    result = dato.compile(top, target="npu1_4col").run(B, backend="perf")
    prod = tile_of(result, "prod")
    assert prod.busy == n * P
    assert prod.stall_out == expected_stall_out
    assert result.cycles == math.ceil(expected_total)
    assert B[0] == pytest.approx(sum(np.exp(np.arange(1, n + 1, dtype=np.float64))), rel=1e-5)


def test_a_put_value_is_available_only_after_it_is_computed():
    @dato.region
    def top(B: float32[T]):
        s: Stream[float32[T], 1]

        @dato.task()
        def prod():
            s.put(dato.exp(dato.full((T,), 1.0, float32)))

        @dato.task(args=[B])
        def cons(b: float32[T]):
            b[:] = s.get()

    tg = dato.load_target("npu1_4col")
    lock = tg.param("timing.lock_cycles")
    made = store_cycles(tg, 4 * T) + vector_cycles(tg, T, float32, "exp")
    result = dato.compile(top, target="npu1_4col").run(backend="perf", values=False)
    assert tile_of(result, "prod").busy == made
    # the FIFO holds the element from the moment the producer has computed and put it
    assert result.channels["s"][0] == (made, 1)
    # the consumer waits for it, then takes it (lock) and copies it (store)
    cons = tile_of(result, "cons")
    assert cons.stall_in == made + lock


def test_link_bound_pipeline_over_the_stream_switch():
    """Producer and consumer two and six hops apart: each tile occupies the link for
    bytes / stream_bytes_per_cycle cycles, which is slower than either stage."""
    n = 16

    @dato.region
    def top(B: float32[T]):
        s: Stream[float32[T], 2]

        @dato.task()
        def prod():
            for i in range(n):
                s.put(dato.full((T,), 1.0, float32))

        @dato.task(args=[B])
        def cons(b: float32[T]):
            acc = dato.zeros((T,), float32)
            for i in range(n):
                acc = acc + s.get()
            b[:] = acc

    tg = dato.load_target("npu1_4col")
    timing = tg.param("timing")
    hop = tg.param("stream_switch.hop_cycles")
    transfer = math.ceil(4 * T / timing["stream_bytes_per_cycle"])
    P = store_cycles(tg, 4 * T)
    C = timing["lock_cycles"] + vector_cycles(tg, T, float32, "+")
    assert transfer > max(P, C)
    cycles = {}
    for far in ((2, 2), (3, 5)):
        prog = dato.compile(top, target="npu1_4col", placement={"prod": (0, 2), "cons": far})
        route = prog.mapping.route("s")
        assert route.kind == "stream"
        latency = timing["dma_setup_cycles"] + route.hops * hop
        B = np.zeros(T, np.float32)
        result = prog.run(B, backend="perf")
        np.testing.assert_array_equal(B, n)
        tail = P + C + 2 * store_cycles(tg, 4 * T) + ddr_cycles(tg, 4 * T)
        assert n * transfer + latency <= result.cycles <= n * transfer + latency + tail
        cons = tile_of(result, "cons")
        assert cons.stall_in > cons.busy  # mostly waiting for the link
        cycles[route.hops] = result.cycles
    (near, c_near), (far_hops, c_far) = sorted(cycles.items())
    assert far_hops > near
    assert c_far - c_near == (far_hops - near) * hop  # latency is paid once, not per tile
