"""Speed of the cycle-approximate simulator: wall time and simulated events per second.

.venv/bin/python benchmarks/perf_sim_speed.py
"""

from __future__ import annotations

import time

import numpy as np

import datobench as dato
from datobench import bf16, int8, int16, int32
from datobench.programs import systolic_gemm, whole_array_gemm


def timed(prog, *arrays, values=True):
    start = time.perf_counter()
    result = prog.run(*arrays, backend="perf", values=values)
    return time.perf_counter() - start, result


def main():
    rng = np.random.default_rng(0)
    cases = []
    gemm = dato.compile(
        whole_array_gemm(1024, 1024, 1024, 128, 64, 128, int8, int8), target="npu1_4col"
    )
    A = rng.integers(-8, 8, (1024, 1024)).astype(np.int8)
    B = rng.integers(-8, 8, (1024, 1024)).astype(np.int8)
    C = np.zeros((1024, 1024), np.int8)
    cases.append(("1024^3 int8 GEMM, npu1_4col, values", *timed(gemm, A, B, C)))
    cases.append(("1024^3 int8 GEMM, npu1_4col, timing only", *timed(gemm, values=False)))
    big = dato.compile(
        whole_array_gemm(4032, 4032, 4032, 112, 112, 112, int8, int8), target="npu1_4col"
    )
    cases.append(("4032^3 int8 GEMM, npu1_4col, timing only", *timed(big, values=False)))
    bfl = dato.compile(
        whole_array_gemm(4224, 4032, 4224, 96, 56, 96, bf16, bf16), target="npu1_4col"
    )
    cases.append(("4224x4032x4224 bf16 GEMM, npu1_4col, timing only", *timed(bfl, values=False)))
    systolic = dato.compile(systolic_gemm(32, 32, 4, 4, 4, 256, int16, int32), target="u280")
    A = rng.integers(-8, 8, (128, 256)).astype(np.int16)
    B = rng.integers(-8, 8, (256, 128)).astype(np.int16)
    C = np.zeros((128, 128), np.int32)
    cases.append(("32x32 systolic, u280, values", *timed(systolic, A, B, C)))
    assert (C == A.astype(np.int32) @ B.astype(np.int32)).all()
    print("perf_sim_speed: wall time and simulated events per second")
    for label, seconds, result in cases:
        print(
            f"  {label:<50} {seconds:7.2f} s  {result.events:>10,} events  "
            f"{result.events / seconds:>10,.0f} events/s  ({result.cycles:,} cycles)"
        )


if __name__ == "__main__":
    main()
