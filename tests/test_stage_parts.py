"""A staged panel held in parts (``dato.stage("mem", panel=..., parts=P)``) in the perf model:
part j of the next panel loads as soon as the readers' last pass has been sent part j of this
one, so the refill hides behind that pass; nothing else changes (values, DDR bytes, an FPGA's
timing). Also the front end's refusals, at the user's line."""

from __future__ import annotations

import numpy as np
import pytest

import datobench as dato
from datobench import R, S, int8, int32
from datobench.core.errors import DatoTypeError
from datobench.programs import staged_gemm

SIZES = (256, 256, 256, 32, 32, 32, int8, int32, 2, 2)  # 4 panels per column, 4 passes each


def timed(target: str, parts: int):
    prog = dato.compile(staged_gemm(*SIZES, parts=parts), target=target)
    a = np.arange(256 * 256).reshape(256, 256).astype(np.int8)
    return prog.run(a, a.T.copy(), np.zeros((256, 256), np.int32), backend="perf", values=False)


def spans(result, kind: str) -> list[tuple[float, float, int]]:
    buffer = next(iter(result.l2))  # the first column's staged buffer
    return [(s, e, k) for s, e, k, what in result.l2[buffer] if what == kind]


@pytest.mark.parametrize("target", ["npu1_4col", "npu2"])
def test_parts_refill_behind_the_last_pass_and_move_the_same_bytes(target):
    whole, halves, quarters = (timed(target, p) for p in (1, 2, 4))
    assert quarters.cycles < halves.cycles < whole.cycles
    assert quarters.dram_moved == halves.dram_moved == whole.dram_moved
    for result, overlapped in ((whole, False), (halves, True), (quarters, True)):
        refills, serves = spans(result, "refill"), spans(result, "serve")
        assert len(refills) == 4  # each panel loaded once, parts or not
        for k in range(1, 4):
            last_sent = max(e for _, e, p in serves if p == k - 1)
            # whole: the load waits for the last slice; in parts it starts while it is sent
            assert (refills[k][0] < last_sent) == overlapped
            first_served = min(s for s, _, p in serves if p == k)
            assert first_served >= refills[k][0]


def test_an_fpga_loads_a_panel_whole_parts_or_not():
    assert timed("u280", 4).cycles == timed("u280", 1).cycles


def test_parts_do_not_change_values():
    a = np.arange(64 * 64).reshape(64, 64).astype(np.int8)
    b = (a.T // 3).astype(np.int8)
    want = a.astype(np.int32) @ b.astype(np.int32)
    sizes = (64, 64, 64, 8, 16, 16, int8, int32, 2, 2)
    for target in ("npu1_4col", "u280"):
        prog = dato.compile(staged_gemm(*sizes, parts=2), target=target)
        for backend in ("sim", "perf"):
            c = np.zeros((64, 64), np.int32)
            prog.run(a, b, c, backend=backend)
            np.testing.assert_array_equal(c, want)


def test_parts_that_do_not_divide_the_panel_are_refused_at_the_annotation():
    @dato.region
    def gemm(A: int8[64, 64], B: int8[64, 64], C: int32[64, 64]):
        @dato.task(mapping=[2, 2], args=[A, B, C])
        def core(
            a: int8[64, 64] @ [S(0), R],
            b: int8[64, 64] @ [R, S(1)] @ dato.stage("mem", panel=(64, 16), parts=3),  # here
            c: int32[64, 64] @ [S(0), S(1)],
        ):
            c[:, :] = dato.matmul(a[:, :], b[:, :], acc=int32)

    with pytest.raises(
        DatoTypeError, match=r"cannot be held in 3 parts: its first dimension \(64\) is not"
    ) as info:
        dato.compile(gemm, target="npu1_4col")
    assert info.value.loc.file == __file__
    line = next(i for i, t in enumerate(open(__file__), 1) if "parts=3),  # here" in t)
    assert info.value.loc.line == line


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"parts": 0}, "a staged panel's parts is a positive int, not 0"),
        ({"parts": 2.0}, "positive int"),
        ({"parts": 2, "depth": 2}, "refills one panel part by part; with depth=2 the next panel"),
    ],
)
def test_bad_parts_are_refused_where_the_stage_is_written(kwargs, match):
    with pytest.raises(DatoTypeError, match=match) as info:
        dato.stage("mem", panel=(64, 16), **kwargs)
    assert info.value.loc.file == __file__
