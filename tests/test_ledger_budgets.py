"""The mapper's ledger and the emitted design's budgets are one account (issue 11): the scratch
buffers a core's expressions take are booked and refused like any other memory, and, for
random pipelines (with objects up to a core's memory) and sharded grids, a mapping the ledger
accepts gives a design the verifier accepts, using what the ledger booked on every tile."""

from __future__ import annotations

import pytest
from helpers import check_error
from hypothesis import given
from hypothesis import strategies as st
from test_aie_emit import assert_budgets_are_the_ledger
from test_aie_emu_programs import assert_emu_equals_sim
from test_property import (  # noqa: F401 (gen_dir is a fixture)
    SETTINGS,
    Op,
    gen_dir,
    grid_source,
    grids,
    load_region,
    op_strategy,
    pipeline_source,
)

import datobench as dato
from datobench import Stream, float32
from datobench.core.codegen.aie import verify
from datobench.core.passes.scratch import scratch_bytes

TARGETS = ["npu1_4col", "npu2"]


@dato.region
def temporaries(A: float32[64], B: float32[16, 16], C: float32[64], D: float32[16, 16]):
    s: Stream[float32[32], 2]

    @dato.task(args=[A])
    def p(a: float32[64]):
        x = a[0:64] * 2.0
        x = (x + 1.0) * x  # reads x: computed aside, then copied
        y = x[0:32] + x[32:64] * 0.5  # slices of a local, an operand computed
        s.put(y - x[0:32])
        s.put((y + 1.0) * (y - 1.0))  # two operands of one type at once

    @dato.task(args=[B, C, D])
    def q(b: float32[16, 16], c: float32[64], d: float32[16, 16]):
        w = dato.full((16, 16), 0.5, float32)
        acc = dato.zeros((16, 16), float32)
        for k in range(2):
            acc = acc + dato.matmul(b[0:16, 0:16], w * 2.0)  # accumulates in place
        d[0:16, 0:16] = acc
        u = s.get() * 1.0
        c[0:32] = u + u * 2.0
        c[32:64] = (s.get() - 1.0) * 3.0


@pytest.mark.parametrize("target", TARGETS)
def test_the_scratch_of_expressions_is_booked_as_the_core_allocates_it(target):
    prog = dato.compile(temporaries, target=target)
    verify(prog.emit("mlir-aie"))
    assert_budgets_are_the_ledger(prog)
    assert_emu_equals_sim(prog)
    p = prog.mapping.tiles[",".join(map(str, prog.mapping.placement["p"]))]
    # of 64 elements: x + 1.0 and (x + 1.0) * x; of 32: x[0:32], x[32:64] and x[32:64] * 0.5
    assert ["p scratch buffers", (2 * 64 + 3 * 32) * 4] in p.items["data memory"]


def test_scratch_is_kept_per_type_and_reused_between_statements():
    prog = dato.compile(temporaries, target="npu1_4col")
    q = prog.graph.instance("q")
    # w * 2.0 (16x16) in the loop, u * 2.0 then (s.get() - 1.0) (32) one after the other
    assert scratch_bytes([q.body]) == 16 * 16 * 4 + 32 * 4


@dato.region
def crowded(A: float32[3072], C: float32[3072]):
    @dato.task(args=[A, C])
    def t(a: float32[3072], c: float32[3072]):
        c[0:3072] = (a[0:3072] * 2.0 + 1.0) * 3.0  # two 12 KiB temporaries at once


@pytest.mark.parametrize("target", TARGETS)
def test_scratch_that_overflows_a_core_is_refused_at_the_compile(target):
    with pytest.raises(dato.MappingError) as info:
        dato.compile(crowded, target=target)  # E-scratch
    check_error(
        info,
        "# E-scratch",
        "(compute): data memory: 72.0 KiB used of 63.0 KiB (64.0 KiB less a 1.0 KiB stack)",
        "t scratch buffers (24.0 KiB)",
    )


# -- random programs: accepted by the ledger, accepted by the verifier, the same budgets --------


@st.composite
def large_pipelines(draw):
    """Linear pipelines whose stream objects range up to a quarter of a core's memory, so that
    depths push some tiles to their limits and past."""
    dtype = draw(st.sampled_from(["float32", "int32"]))
    stages = draw(st.integers(2, 4))
    return {
        "dtype": dtype,
        "tile": draw(st.sampled_from([64, 1024, 2048, 4096])),
        "tiles": draw(st.integers(1, 3)),
        "depths": draw(st.lists(st.integers(1, 4), min_size=stages - 1, max_size=stages - 1)),
        "ops": draw(st.lists(op_strategy(dtype), min_size=stages, max_size=stages)),
        "named": draw(st.lists(st.booleans(), min_size=stages, max_size=stages)),
    }


def assert_accepted_means_verified(region, target):
    try:
        prog = dato.compile(region, target=target)
    except dato.MappingError:
        return  # the ledger refused it: no design to check
    verify(prog.emit("mlir-aie"))
    assert_budgets_are_the_ledger(prog)


@SETTINGS
@given(p=large_pipelines(), target=st.sampled_from(TARGETS))
def test_an_accepted_pipeline_verifies_with_the_ledgers_budgets(gen_dir, p, target):  # noqa: F811
    assert_accepted_means_verified(load_region(gen_dir, pipeline_source(p), "pipeline"), target)


@SETTINGS
@given(g=grids().filter(lambda g: all(g["sharded_inputs"])), target=st.sampled_from(TARGETS))
def test_an_accepted_grid_verifies_with_the_ledgers_budgets(gen_dir, g, target):  # noqa: F811
    assert_accepted_means_verified(load_region(gen_dir, grid_source(g), "grid"), target)


def test_objects_at_the_memory_limit_are_refused_or_verified(gen_dir):  # noqa: F811
    # float32 objects of 4096 (16 KiB): each core holds its DDR ping-pong (32 KiB), the
    # consumer the stream's buffers too: depth 1 fits in 63 KiB, depth 2 does not
    outcomes = []
    for depth in (1, 2):
        p = {
            "dtype": "float32",
            "tile": 4096,
            "tiles": 1,
            "depths": [depth],
            "ops": [Op("neg"), Op("add", 1.0)],
            "named": [False, False],
        }
        region = load_region(gen_dir, pipeline_source(p), "pipeline")
        try:
            prog = dato.compile(region, target="npu1_4col")
        except dato.MappingError as error:
            outcomes.append(str(error))
            continue
        verify(prog.emit("mlir-aie"))
        assert_budgets_are_the_ledger(prog)
        outcomes.append("verified")
    assert outcomes[0] == "verified"
    assert "data memory: 64.0 KiB used of 63.0 KiB" in outcomes[1]
