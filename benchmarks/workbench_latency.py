"""The Python-side cost of one placement change in the workbench: validate, re-map, re-time
with the performance simulator and re-render every view.

    .venv/bin/python benchmarks/workbench_latency.py

Goal: a drop feels instant for the [4, 4] GEMM on npu1_4col (under about 0.2 s here).
"""

from __future__ import annotations

import time

from datobench import int16, int32
from datobench.programs import systolic_gemm, whole_array_gemm
from datobench.widgets import Workbench

GOAL = 0.2
REPEATS = 5


def latency(workbench: Workbench, moves: list[tuple[str, tuple[int, int]]]) -> float:
    """Best time of one accepted drop (each move is followed by its undo, also timed)."""
    best = float("inf")
    for _ in range(REPEATS):
        for task, tile in moves:
            start = time.perf_counter()
            accepted = workbench.editor.move(task, tile)
            best = min(best, time.perf_counter() - start)
            assert accepted, workbench.editor.error
            workbench.editor.undo()
    return best


def main():
    gemm = Workbench(
        whole_array_gemm(256, 256, 256, 32, 32, 32, int16, int32),
        target="npu1_4col",
        progress=False,
    )
    # swap two cores of the grid (both stay in shim columns)
    gemm_moves = [("core_0_0", (1, 2))]
    systolic = Workbench(
        systolic_gemm(16, 16, 2, 2, 2, 32, int16, int32), target="u280", progress=False
    )
    systolic_moves = [("pe_0_0", (1, 0))]
    rows = [
        ("[4, 4] GEMM on npu1_4col", gemm, latency(gemm, gemm_moves)),
        ("16 x 16 systolic (256 PEs) on u280", systolic, latency(systolic, systolic_moves)),
    ]
    print(
        "workbench_latency: one placement change (validate, re-map, perf, re-render), "
        f"best of {REPEATS}"
    )
    for label, wb, seconds in rows:
        print(
            f"  {label:<38} {seconds * 1e3:8.1f} ms  ({len(wb.program.graph.instances)} "
            f"instances, {wb.perf.cycles:,} cycles)"
        )
    print(
        f"goal: under {GOAL * 1e3:.0f} ms for the GEMM: "
        f"{'met' if rows[0][2] < GOAL else 'not met'} ({rows[0][2] / GOAL:.2f} of the budget)"
    )


if __name__ == "__main__":
    main()
