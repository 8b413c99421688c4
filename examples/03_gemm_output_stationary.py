"""Example 3: output-stationary GEMM on a 2 x 2 grid of task instances.

C = A @ B with int16 inputs and an int32 result. "Output-stationary" means every instance owns
one block of C and keeps its accumulator in tile memory for the whole computation; the inputs
stream past it. The layouts say who owns what:

    A @ [S(0), R]     rows of A split across mapping axis 0 (i), columns replicated
    B @ [R, S(1)]     columns of B split across mapping axis 1 (j), rows replicated
    C @ [S(0), S(1)]  instance (i, j) owns block (i, j) of C

So instance (i, j) sees a: int16[32, 32], b: int16[32, 32] and c: int32[32, 32], and it walks
the shared K dimension in tiles of 8, accumulating in int32 as the NPU does natively.
"""

import numpy as np

import datobench as dato
from datobench import int16, int32
from datobench.programs import output_stationary_gemm

M, K, N = 64, 32, 64  # C[M, N] = A[M, K] @ B[K, N]
P0, P1 = 2, 2  # the mapping grid
TK = 8  # K-tile size
BM, BN = M // P0, N // P1  # block of C owned by one instance: 32 x 32

# The program is written once, in datobench/programs/gemm.py (read it next to this script):
# one task `block` on a [P0, P1] mapping with the three layouts above; its body starts an
# int32 accumulator with dato.zeros, adds dato.matmul(a_tile, b_tile, acc=int32) for every
# K-tile, and writes the accumulator to its block of C.
gemm = output_stationary_gemm(M, K, N, P0, P1, TK, int16, int32)


def main():
    rng = np.random.default_rng(0)
    A = rng.integers(-100, 100, size=(M, K), endpoint=True).astype(np.int16)
    B = rng.integers(-100, 100, size=(K, N), endpoint=True).astype(np.int16)
    C = np.zeros((M, N), dtype=np.int32)

    prog = dato.compile(gemm)
    prog.run(A, B, C, backend="sim")

    # Integer arithmetic: the result must match exactly.
    expected = A.astype(np.int32) @ B.astype(np.int32)
    assert np.array_equal(C, expected), "C != A @ B"
    print(f"03_gemm_output_stationary: ok, {M}x{K} @ {K}x{N} on a {P0}x{P1} grid, exact in int32")


if __name__ == "__main__":
    main()
