"""Captured numpy constants: an array a task body reads from the enclosing scope becomes a
read-only tensor of the region. A small one is copied into the tile's memory at the task's
start (the mapper's ledger counts it there), a large one stays in DDR (each read a DDR read).
sim, perf, csim and the NPU emulator all read the same values."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import Stream, float32, int32
from datobench.core.frontend.constants import TILE_CONSTANT_BYTES
from datobench.core.passes.analysis import profiles
from datobench.core.passes.resources import MEMORY

WEIGHTS = np.array([3, -1, 4, 1], dtype=np.int32)  # small: copied into the tile
TABLE = np.linspace(-1.0, 1.0, 2048, dtype=np.float32)  # 8 KiB: stays in DDR
assert TABLE.nbytes > TILE_CONSTANT_BYTES >= WEIGHTS.nbytes


def scaled(x):
    """A helper reading a constant of its own module: the same constant tensor."""
    return x * WEIGHTS


@dato.region
def weighted(A: int32[4, 4], B: int32[4, 4], C: float32[16]):
    s: Stream[int32[4], 2]

    @dato.task(args=[A])
    def produce(a: int32[4, 4]):
        for r in range(4):
            s.put(a[r, :] + WEIGHTS)

    @dato.task(args=[B, C])
    def consume(b: int32[4, 4], c: float32[16]):
        for r in range(4):
            b[r, :] = scaled(s.get()) + WEIGHTS[r]
        for i in range(16):
            c[i] = TABLE[i * 128] * 2.0


def reference(A):
    B = (A + WEIGHTS) * WEIGHTS + WEIGHTS[:, None]
    C = TABLE[::128] * np.float32(2.0)
    return B, C


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-50, 50, (4, 4)).astype(np.int32)
    return A, np.zeros((4, 4), np.int32), np.zeros(16, np.float32)


def check(prog, backend):
    A, B, C = arrays()
    prog.run(A, B, C, backend=backend)
    want_b, want_c = reference(A)
    np.testing.assert_array_equal(B, want_b)
    np.testing.assert_array_equal(C, want_c)


def test_constants_become_read_only_tensors_of_the_region():
    prog = dato.compile(weighted)
    consts = [b for b in prog.region.params if b.value is not None]
    assert [(b.name, str(b.type)) for b in consts] == [
        ("WEIGHTS", "int32[4]"),
        ("TABLE", "float32[2048]"),
    ]
    np.testing.assert_array_equal(consts[0].array(), WEIGHTS)
    text = prog.emit("ir")
    assert "region weighted(A: int32[4, 4], B: int32[4, 4], C: float32[16]):" in text
    assert "  constant WEIGHTS: int32[4]" in text
    assert "WEIGHTS_tile: int32[4] = WEIGHTS[0:+4]" in text  # copied into the tile once
    assert "TABLE_tile" not in text  # read from DDR
    assert dato.core.ir.serialize.from_json(prog.emit("json")).region == prog.region
    check(prog, "sim")


def test_the_caller_passes_only_its_own_arrays():
    A, B, C = arrays()
    weighted(A, B, C)
    np.testing.assert_array_equal(B, reference(A)[0])
    with pytest.raises(dato.DatoTypeError, match=r"weighted takes 3 arrays \(A, B, C\), got 4"):
        weighted(A, B, C, np.zeros(4, np.int32))


def test_the_ledger_counts_small_constants_in_tile_memory_and_large_ones_as_ddr_reads():
    prog = dato.compile(weighted, target="npu1_4col")
    prof = profiles(prog.graph)
    reads = {a.buffer: a for a in prof["consume"].accesses if a.direction == "read"}
    # WEIGHTS arrives whole, once, into a buffer of the tile's memory; TABLE element by element
    assert (reads["WEIGHTS"].bytes, reads["WEIGHTS"].tile_bytes) == (16, 16)
    assert (reads["TABLE"].bytes, reads["TABLE"].tile_bytes) == (16 * 4, 4)
    check(prog, "perf")


def tile_memory(region) -> int:
    """The memory the ledger counts on the compute tile of a one-task region, in bytes."""
    prog = dato.compile(region, target="npu1_4col")
    (use,) = [u for u in prog.mapping.tiles.values() if u.kind == "compute"]
    return use.used[MEMORY]


def test_a_small_constant_takes_tile_memory_as_a_tensor_read_whole_does():
    @dato.region
    def constant(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[0:4] = a[0:4] + WEIGHTS

    @dato.region
    def parameter(A: int32[4], W: int32[4]):
        @dato.task(args=[A, W])
        def t(a: int32[4], w: int32[4]):
            a[0:4] = a[0:4] + w

    @dato.region
    def neither(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[0:4] = a[0:4] + 1

    assert tile_memory(constant) == tile_memory(parameter) > tile_memory(neither)


def test_csim_and_the_npu_emulator_equal_sim():
    check(dato.compile(weighted, target="u280"), "csim")
    check(dato.compile(weighted, target="u280"), "perf")
    check(dato.compile(weighted, target="npu1_4col"), "aie-emu")


def test_writing_a_constant_is_a_located_error():
    @dato.region
    def writes(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            WEIGHTS[0] = a[0]  # E-write-small

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(writes)
    check_error(
        info,
        "# E-write-small",
        "`WEIGHTS` is a numpy constant captured from the enclosing scope, which is "
        "read-only in a task body",
    )

    @dato.region
    def writes_ddr(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            TABLE[0:4] = a[0:4].astype(float32)  # E-write-ddr

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(writes_ddr)
    check_error(info, "# E-write-ddr", "`TABLE` is a numpy constant")


WIDE = np.arange(4)  # int64: no element type of the language
SCALAR = np.array(2.0, dtype=np.float32)


def test_arrays_of_other_types_or_without_elements_are_located_errors():
    @dato.region
    def wide(A: int32[4]):
        @dato.task(args=[A])
        def t(a: int32[4]):
            a[0] = WIDE[1]  # E-int64

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(wide)
    check_error(
        info,
        "# E-int64",
        "`WIDE` is a numpy array of int64; a constant tensor holds one of int8, int16, int32, "
        "bf16, float32: convert it, e.g. WIDE.astype(np.float32)",
    )

    @dato.region
    def zero_d(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = SCALAR + 1.0  # E-0d

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(zero_d)
    check_error(info, "# E-0d", "`SCALAR` is a numpy array of shape []; a constant tensor has")


def test_a_constant_name_taken_by_a_parameter_gets_a_number():
    @dato.region
    def named(WEIGHTS: int32[4]):  # noqa: N803
        @dato.task(args=[WEIGHTS])
        def t(a: int32[4]):
            a[0:4] = a[0:4] + weights_alias

    weights_alias = WEIGHTS
    prog = dato.compile(named)
    assert [b.name for b in prog.region.params] == ["WEIGHTS", "weights_alias"]
    A = np.zeros(4, np.int32)
    named(A)
    np.testing.assert_array_equal(A, WEIGHTS)


def test_the_hls_kernel_holds_constants_as_static_const_arrays():
    prog = dato.compile(weighted, target="u280")
    kernel = prog.emit("hls")
    assert 'extern "C" void weighted(const int32_t* A, int32_t* B, float* C) {' in kernel
    assert "  static const int32_t WEIGHTS[4] = {3, -1, 4, 1};" in kernel
    assert "  static const float TABLE[2048] = {-1.0f, " in kernel
    check(prog, "csim")
