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
from datobench import R, S, int16, int32

M, K, N = 64, 32, 64  # C[M, N] = A[M, K] @ B[K, N]
P0, P1 = 2, 2  # the mapping grid
TK = 8  # K-tile size
BM, BN = M // P0, N // P1  # block of C owned by one instance: 32 x 32


@dato.region
def gemm(A: int16[M, K], B: int16[K, N], C: int32[M, N]):
    @dato.task(mapping=[P0, P1], args=[A, B, C])
    def block(
        a: int16[M, K] @ [S(0), R],
        b: int16[K, N] @ [R, S(1)],
        c: int32[M, N] @ [S(0), S(1)],
    ):
        acc = dato.zeros((BM, BN), int32)  # lives in the tile's local memory
        for k in range(K // TK):
            # Load one K-tile of each operand, multiply, and accumulate in int32.
            a_tile = a[:, k * TK : (k + 1) * TK]  # int16[32, 8]
            b_tile = b[k * TK : (k + 1) * TK, :]  # int16[8, 32]
            acc += dato.matmul(a_tile, b_tile, acc=int32)
        c[:, :] = acc  # one transfer out at the end


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
