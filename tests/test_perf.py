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

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, line_of

import datobench as dato
from datobench import S, Stream, bf16, float32, int8, int16, int32

ROOT = Path(__file__).resolve().parent.parent
TARGET_DIR = Path(dato.__file__).parent / "core" / "targets"


# -- helpers: the cost rules, written out independently from the target's numbers ------------


def target_file(tmp_path: Path, base: str, **edits) -> str:
    """A copy of a shipped target file with some ``key = value`` lines replaced."""
    text = (TARGET_DIR / f"{base}.toml").read_text()
    for key, value in edits.items():
        line = re.compile(rf"^{re.escape(key)} = .*$", re.MULTILINE)
        assert len(line.findall(text)) == 1, f"{key} is not one line of {base}.toml"
        text = line.sub(f"{key} = {value}", text)
    path = tmp_path / f"{base}_edited.toml"
    path.write_text(text)
    return str(path)


def resolve(target: str, tmp_path: Path) -> str:
    """Shipped targets by name; ``edited`` is npu1_4col with other compute and timing figures."""
    if target != "edited":
        return target
    return target_file(
        tmp_path,
        "npu1_4col",
        name='"edited"',
        vector_bits="128",
        store_bits="128",
        stores_per_cycle="2",
        loads_per_cycle="1",
        matmul_a_reuse="1",
        matmul_b_reuse="4",
        vector_op_cycles='{ exp = 7, "/" = 3, "+" = 2 }',
        kernel_macs_per_cycle='{ "int8->int32" = 50.0 }',
    )


def bits(dtype) -> int:
    return {int8: 8, int16: 16, int32: 32, bf16: 16, float32: 32}[dtype]


def vector_cycles(target, n: int, dtype, op: str) -> int:
    """One elementwise operation on n elements of ``dtype``."""
    if target.is_fpga:  # an unrolled loop: elementwise_lanes elements per cycle, any op
        return math.ceil(n / target.param("timing.elementwise_lanes"))
    lanes = target.param("compute.vector_bits") // bits(dtype)
    per_vector = target.param("timing.vector_op_cycles").get(op, 1)
    return math.ceil(n / lanes) * per_vector


def store_cycles(target, nbytes: int) -> int:
    """Writing nbytes into tile memory (a fill or a copy); FPGA PEs write as they compute."""
    if target.is_fpga:
        return 0
    c = target.param("compute")
    return math.ceil(nbytes * 8 / (c["store_bits"] * c["stores_per_cycle"]))


def matmul_cycles(target, m: int, k: int, n: int, t_in, t_out) -> int:
    """The AIE-ML kernel model: the output is computed in blocks of a_reuse x b_reuse
    intrinsic (r x s x t) tiles. A step along k loads a_reuse A sub-tiles (r x s) and b_reuse
    B sub-tiles (s x t) over the load ports while the MAC unit issues a_reuse * b_reuse
    intrinsics of ceil(r*s*t / macs) cycles each, so a step costs the larger of the two. A
    block takes ceil(k / s) steps and then stores its a_reuse*b_reuse accumulators (r x t of
    t_out). A measured kernel rate for "in->out", when the target lists one, is a floor."""
    if target.is_fpga:  # an II=1 pipeline over the m x n outputs with the k products unrolled
        return m * n
    c, timing = target.param("compute"), target.param("timing")
    name_in = {int8: "int8", int16: "int16", int32: "int32", bf16: "bf16", float32: "float32"}
    name_out = name_in[t_out]
    if name_in[t_in] in c["macs_per_cycle"]:
        macs = c["macs_per_cycle"][name_in[t_in]]
        r, s, t = c["matmul_shape"][name_in[t_in]]
    else:
        macs = c["emulated_macs_per_cycle"][name_in[t_in]]
        r, s, t = c["emulated_matmul_shape"][name_in[t_in]]
    a, b = timing["matmul_a_reuse"], timing["matmul_b_reuse"]
    loads = math.ceil(
        (a * r * s + b * s * t) * bits(t_in) / (c["load_bits"] * c["loads_per_cycle"])
    )
    issue = a * b * math.ceil(r * s * t / macs)
    step = max(loads, issue)
    block_store = math.ceil(a * b * r * t * bits(t_out) / (c["store_bits"] * c["stores_per_cycle"]))
    blocks = math.ceil(m / (r * a)) * math.ceil(n / (t * b))
    cycles = blocks * (math.ceil(k / s) * step + block_store)
    measured = c.get("kernel_macs_per_cycle", {}).get(f"{name_in[t_in]}->{name_out}")
    if measured:
        cycles = max(cycles, math.ceil(m * k * n / measured))
    return cycles


def ddr_cycles(target, nbytes: int) -> float:
    """One DDR transfer through one port when DRAM is not the limit: setup, then the port."""
    timing = target.param("timing")
    return timing["dma_setup_cycles"] + nbytes / timing["stream_bytes_per_cycle"]


def dram_bytes_per_cycle(target) -> float:
    return target.param("memory.dram_bytes_per_s") / target.clock_hz


def tile_of(result, instance: str):
    (timing,) = [t for t in result.tiles.values() if instance in t.instances]
    return timing


def load_example(stem: str):
    """Import ``examples/<stem>.py`` by path (its ``main()`` is not run)."""
    path = ROOT / "examples" / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"perf_example_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_arrays(prog, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = []
    for buf in prog.region.params:
        np_type = buf.type.dtype.np
        shape = buf.type.shape
        if np.issubdtype(np_type, np.integer):
            arrays.append(rng.integers(-100, 100, size=shape, endpoint=True).astype(np_type))
        else:
            arrays.append(rng.standard_normal(shape).astype(np_type))
    return arrays


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
    @dato.region
    def gemm(A: t_in[m, k], B: t_in[k, n], C: t_out[m, n]):
        @dato.task(args=[A, B, C])
        def core(a: t_in[m, k], b: t_in[k, n], c: t_out[m, n]):
            c[:, :] = dato.matmul(a[:, :], b[:, :], acc=t_out)

    path = resolve(target_name, tmp_path)
    tg = dato.load_target(path)
    result = dato.compile(gemm, target=path).run(backend="perf", values=False)
    core = tile_of(result, "core")
    assert core.busy == matmul_cycles(tg, m, k, n, t_in, t_out)
    assert result.macs == m * k * n
    # both operands come from DDR, each through its own port, before the kernel can start
    port = tg.param(
        "timing.m_axi_bytes_per_cycle" if tg.is_fpga else "timing.stream_bytes_per_cycle"
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
    assert 1.9 <= cycles[32768] / cycles[16384] <= 2.1


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
    if tg.is_fpga:
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
    with pytest.raises(dato.BackendUnavailable) as info:
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
