"""Cycle counts pinned as the perf simulator computed them before its second speed-up (issue
15), so that no shortcut in the timing-only path drifts a figure: the speed benchmark's own
programs, a GEMM on npu2, FIFO-heavy programs on an FPGA, and instances chained on one tile
(which take turns at every stop), with and without values."""

from __future__ import annotations

import numpy as np
import pytest

import datobench as dato
from datobench import bf16, int8, int16, int32
from datobench.programs import cannon_gemm, mesh_pipeline, systolic_gemm, whole_array_gemm


@pytest.mark.parametrize(
    "region, target, cycles, events",
    [
        (
            whole_array_gemm(4224, 4032, 4224, 96, 56, 96, bf16, bf16),
            "npu1_4col",
            52_341_152,
            280_720,
        ),
        (whole_array_gemm(2048, 2048, 2048, 64, 64, 64, int8, int16), "npu2", 2_720_512, 66_560),
        (systolic_gemm(16, 16, 4, 4, 4, 128, int16, int32), "u280", 576, 34_048),
    ],
)
def test_timing_only_cycles_and_events_are_those_pinned(region, target, cycles, events):
    result = dato.compile(region, target=target).run(backend="perf", values=False)
    assert (result.cycles, result.events) == (cycles, events)


def test_a_torus_with_values_keeps_its_pinned_cycles():
    P, T = 4, 16
    rng = np.random.default_rng(0)
    A = rng.integers(-100, 100, (P * T, P * T)).astype(np.int16)
    B = rng.integers(-100, 100, (P * T, P * T)).astype(np.int16)
    C = np.zeros((P * T, P * T), np.int32)
    prog = dato.compile(cannon_gemm(P, T, T, T, int16, int32), target="u280")
    result = prog.run(A, B, C, backend="perf")
    assert (result.cycles, result.events) == (1_048, 272)
    assert np.array_equal(C, A.astype(np.int32) @ B.astype(np.int32))


def test_instances_chained_on_one_tile_keep_their_pinned_cycles():
    A = np.arange(2 * 16, dtype=np.int32).reshape(2, 16)
    B = np.zeros_like(A)
    chain = [dato.chain("mesh0.pe[0, 0]", "mesh0.pe[0, 1]")]
    prog = dato.compile(mesh_pipeline(2, 3, 2), target="npu1_4col", primitives=chain)
    result = prog.run(A, B, backend="perf")
    assert (result.cycles, result.events) == (107, 112)
    assert np.array_equal(B, A + 5)
