"""The MLIR-AIE emulator against the functional simulator on the GEMM programs: time of
backend="aie-emu" (emit + parse + verify once, then run the design) next to backend="sim",
with both results checked equal bit for bit.

    PYTHONPATH=. .venv/bin/python benchmarks/aie_emu_speed.py
"""

from __future__ import annotations

import time

import numpy as np

import datobench as dato
from datobench import programs

CASES = [
    ("single_core 32x64x32 i16", programs.single_core_gemm(32, 64, 32, dato.int16, dato.int32)),
    (
        "output_stationary 128^3 i16 2x2",
        programs.output_stationary_gemm(128, 128, 128, 2, 2, 32, dato.int16, dato.int32),
    ),
    (
        "whole_array 128^3 i16 4x4",
        programs.whole_array_gemm(128, 128, 128, 16, 32, 16, dato.int16, dato.int32),
    ),
    (
        "output_stationary 64^3 f32 2x2",
        programs.output_stationary_gemm(64, 64, 64, 2, 2, 16, dato.float32, dato.float32),
    ),
]


def arrays(prog):
    rng = np.random.default_rng(0)
    out = []
    for b in prog.region.params:
        t = b.type
        if t.dtype.kind == "int":
            out.append(rng.integers(-50, 50, t.shape).astype(t.dtype.np))
        else:
            out.append(rng.standard_normal(t.shape).astype(t.dtype.np))
    return out


def timed(prog, arrays, backend: str) -> float:
    start = time.perf_counter()
    prog.run(*arrays, backend=backend)
    return time.perf_counter() - start


def main():
    print("aie_emu_speed: emulated MLIR-AIE design (aie-emu) vs functional simulator (sim)")
    print(f"  {'program':<34} {'sim ms':>8} {'emu first ms':>13} {'emu run ms':>11} {'run/sim':>8}")
    for name, region in CASES:
        prog = dato.compile(region, target="npu1_4col")
        sim_in, emu_in, again = arrays(prog), arrays(prog), arrays(prog)
        sim = timed(prog, sim_in, "sim")
        first = timed(prog, emu_in, "aie-emu")  # emit, parse, verify, run
        run = timed(prog, again, "aie-emu")  # prepared already: run only
        for a, b, c in zip(sim_in, emu_in, again):
            assert np.array_equal(a, b) and np.array_equal(a, c), name
        print(
            f"  {name:<34} {sim * 1e3:8.1f} {first * 1e3:13.1f} {run * 1e3:11.1f} {run / sim:7.1f}x"
        )


if __name__ == "__main__":
    main()
