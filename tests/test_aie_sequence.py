"""The runtime sequence's issue order and waits: it never waits for a transfer whose end needs
one not issued yet, keeps at most 4 transfers queued per shim channel and numbers buffer
descriptors per shim tile; designs verify and ``aie-emu`` equals ``sim`` for grids of every
size, bundled or not, and for tasks that read everything before they write."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_aie_bundles import scale
from test_aie_emu_programs import assert_emu_equals_sim

import datobench as dato
from datobench import Stream, float32
from datobench.core.codegen.aie import verify
from datobench.programs import vector_add

TARGETS = ["npu1_4col", "npu2"]


def in_flight(text: str) -> dict[str, int]:
    """The most transfers each FIFO has queued at once, checking that no BD id of a shim
    tile is taken twice (the tile is the FIFO's column suffix ``_c<n>``)."""
    queued: dict[str, list[int]] = {}
    most: dict[str, int] = {}
    for line in text[text.index("runtime_sequence") :].splitlines():
        if m := re.search(r"dma_wait \{symbol = @(\w+)\}", line):
            queued[m[1]] = []
        elif m := re.search(r"id = (\d+) : i64, issue_token = true, metadata = @(\w+)\}", line):
            bd, fifo = int(m[1]), m[2]
            column = fifo.rsplit("_c", 1)[1].split("_")[0]
            taken = [
                b
                for f, ids in queued.items()
                if f.rsplit("_c", 1)[1].split("_")[0] == column
                for b in ids
            ]
            assert bd not in taken, line
            queued.setdefault(fifo, []).append(bd)
            most[fifo] = max(most.get(fifo, 0), len(queued[fifo]))
    return most


def check(prog) -> str:
    text = prog.emit("mlir-aie")
    verify(text)
    assert max(in_flight(text).values()) <= 4
    assert_emu_equals_sim(prog)
    return text


def test_32_instances_merged_into_16_bundles_run_to_the_end():
    prog = dato.compile(scale(32), target="npu1_4col")
    assert len(prog.mapping.nodes) == 16
    A = np.arange(1024, dtype=np.float32)
    C = np.zeros_like(A)
    prog.run(A, C, backend="aie-emu")
    np.testing.assert_array_equal(C, 3 * A)
    text = check(prog)
    # more transfers than one tile's 16 BDs: ids repeat across shim tiles and after waits
    assert text.count("dma_memcpy_nd") > 16 and "dma_wait {symbol = @A_in_c0}" in text


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("P", [1, 8, 17, 29, 43, 57, 64])
def test_scale_grids_of_every_size(target, P):
    check(dato.compile(scale(P), target=target))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("P", [8, 16, 32, 64])
def test_vector_add_grids(target, P):
    check(dato.compile(vector_add(64 * P, P, 32), target=target))


READS, WRITES = 20, 8  # 16-element slices, in descending order: a transfer each


@dato.region
def read_then_write(A: float32[16 * READS], C: float32[16 * WRITES]):
    @dato.task(args=[A, C])
    def t(a: float32[16 * READS], c: float32[16 * WRITES]):
        s = a[16 * READS - 16 : 16 * READS]
        for k in range(1, READS):
            s = s + a[16 * (READS - k) - 16 : 16 * (READS - k)]
        for k in range(WRITES):
            c[16 * (WRITES - k) - 16 : 16 * (WRITES - k)] = s + 1.0


@dato.region
def read_then_stream(A: float32[16 * READS], C: float32[16 * WRITES]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A])
    def prod(a: float32[16 * READS]):
        s = a[16 * READS - 16 : 16 * READS]
        for k in range(1, READS):
            s = s + a[16 * (READS - k) - 16 : 16 * (READS - k)]
        for k in range(WRITES):
            pipe.put(s)

    @dato.task(args=[C])
    def cons(c: float32[16 * WRITES]):
        for k in range(WRITES):
            c[16 * (WRITES - k) - 16 : 16 * (WRITES - k)] = pipe.get() * 2.0


@pytest.mark.parametrize(
    "region", [read_then_write, read_then_stream], ids=["read-then-write", "read-then-stream"]
)
def test_writes_that_need_every_read_wait_after_all_reads_are_issued(region):
    text = check(dato.compile(region, target="npu1_4col"))
    sequence = text[text.index("runtime_sequence") :]
    reads = [m.start() for m in re.finditer(r"dma_memcpy_nd\(%A", sequence)]
    waits = [m.start() for m in re.finditer(r"dma_wait \{symbol = @C_", sequence)]
    assert len(reads) == READS and len(waits) >= 2
    # the first wait for C needs all of A: every read is issued before it
    assert reads[-1] < waits[0]
