"""Compile time (front end + expansion + checks + mapping) for the mapping issue's programs.

Prints each program's compile time (best of several runs, caches cleared) and the growth from
a 256-PE to a 1024-PE systolic array on u280: near-linear growth means a ratio near 4.

    .venv/bin/python benchmarks/compile_speed.py
"""

from __future__ import annotations

import time

import datobench as dato
from datobench import R, S, Stream, float32, int16, int32
from datobench.programs import systolic_gemm, whole_array_gemm

REPEATS = 5


def gemm_4x4():
    """Output-stationary int16 GEMM on a [4, 4] mapping (64 x 64 x 64, 16 x 16 blocks)."""
    return whole_array_gemm(64, 64, 64, 16, 16, 16, int16, int32)


def pipeline_32():
    """32 instances on npu2: a [4, 8] grid of stages, each passing tiles to its east neighbour."""

    @dato.region
    def rows(A: float32[4, 8, 64], B: float32[4, 64]):
        s: Stream[float32[64], 2][4, 8]

        @dato.task(mapping=[4, 8], args=[A, B])
        def stage(a: float32[4, 8, 64] @ [S(0), S(1), R], b: float32[4, 64] @ [S(0), R]):
            i, j = dato.pid()
            x = a[0, 0, :]
            if j > 0:
                x = x + s[i, j - 1].get()
            if j < 7:
                s[i, j].put(x)
            else:
                b[0, :] = x

    return rows


def systolic(P: int):
    """A P x P systolic GEMM of 2 x 2 int16 tiles with loaders on the west and north edges."""
    return systolic_gemm(P, P, 2, 2, 2, 16, int16, int32)


def best_compile(region, target: str) -> tuple[float, object]:
    best, prog = float("inf"), None
    for _ in range(REPEATS):
        region._programs.clear()  # measure the front end too, not the per-region cache
        region._source = None
        start = time.perf_counter()
        prog = dato.compile(region, target=target)
        best = min(best, time.perf_counter() - start)
    return best, prog


def main():
    cases = [
        ("[4, 4] GEMM on npu1_4col", gemm_4x4(), "npu1_4col"),
        ("32-instance pipeline on npu2", pipeline_32(), "npu2"),
        ("16x16 systolic (256 PEs) on u280", systolic(16), "u280"),
        ("32x32 systolic (1024 PEs) on u280", systolic(32), "u280"),
    ]
    times = {}
    print(f"compile_speed: front end + expansion + checks + mapping, best of {REPEATS}")
    for label, region, target in cases:
        seconds, prog = best_compile(region, target)
        times[label] = seconds
        print(
            f"  {label:36s} {seconds * 1e3:8.1f} ms  "
            f"({len(prog.graph.instances)} instances, {len(prog.graph.channels)} channels)"
        )
    small, large = times[cases[2][0]], times[cases[3][0]]
    print(f"  growth 256 -> 1024 PEs: x{large / small:.2f} for x4 instances (linear = 4.0)")
    print(
        f"goal: [4, 4] GEMM well under 100 ms (here {times[cases[0][0]] * 1e3:.1f} ms); "
        "near-linear growth"
    )


if __name__ == "__main__":
    main()
