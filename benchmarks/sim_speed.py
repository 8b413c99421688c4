"""How fast is the functional simulator on a big, tile-friendly program?

A 1024 x 1024 x 1024 float32 GEMM on a [4, 4] mapping: instance (i, j) owns a 256 x 256 block
of C and computes it in 128 x 128 tiles, each accumulated over K in 128-wide steps. The whole
simulated run is compared with numpy's own `A @ B` on the same machine; the simulator should
stay within a small factor of it (it does the same multiplications, tile by tile, plus the
bookkeeping of 16 task instances).
"""

import time

import numpy as np

import datobench as dato
from datobench import float32
from datobench.programs import whole_array_gemm

M = N = K = 1024
P0, P1 = 4, 4
T = 128  # tile edge in all three dimensions
REPEATS = 5
GOAL = 3.0  # simulated time / numpy time

gemm = whole_array_gemm(M, K, N, T, T, T, float32, float32, P0, P1)


def best_of(repeats, fn):
    """The shortest wall-clock time of `repeats` calls to fn()."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((M, K)).astype(np.float32)
    B = rng.standard_normal((K, N)).astype(np.float32)
    C = np.zeros((M, N), dtype=np.float32)

    prog = dato.compile(gemm)  # compiled once, outside the timing

    t_sim = best_of(REPEATS, lambda: prog.run(A, B, C, backend="sim"))
    t_np = best_of(REPEATS, lambda: A @ B)

    expected = A @ B
    assert np.allclose(C, expected, rtol=1e-4, atol=1e-3), "simulated GEMM differs from numpy"

    ratio = t_sim / t_np
    print(f"sim_speed: {M}x{K}x{N} float32 GEMM, {T}^3 tiles, [{P0}, {P1}] mapping")
    print(f"  sim   {t_sim * 1e3:9.2f} ms (best of {REPEATS})")
    print(f"  numpy {t_np * 1e3:9.2f} ms (best of {REPEATS})")
    print(f"  ratio {ratio:9.2f}")
    print(f"goal: ratio <= {GOAL:g}")


if __name__ == "__main__":
    main()
