"""Example 4: a systolic GEMM on a 4 x 4 grid of processing elements (PEs).

Tiles of A enter the grid on the west edge and move east; tiles of B enter on the north edge
and move south. PE (i, j) multiplies every pair it sees and keeps its 8 x 8 block of C:

               load_b_0   load_b_1   load_b_2   load_b_3
                  |          |          |          |
                  v          v          v          v
    load_a_0 -> pe_0_0 --> pe_0_1 --> pe_0_2 --> pe_0_3
                  |          |          |          |
                  v          v          v          v
    load_a_1 -> pe_1_0 --> pe_1_1 --> pe_1_2 --> pe_1_3
                  :          :          :          :        (4 rows in all)

The arrow into pe_i_j from the west is the stream fa[i, j], the one from the north fb[i, j].
Only neighbours talk to each other, which is what a tile array does cheaply. fa has one more
column and fb one more row than the grid: those are the channels that would leave the grid to
the east and south. The PEs on those edges do not forward, so the extra channels stay unused.
"""

import numpy as np

import datobench as dato
from datobench import int16, int32
from datobench.programs import systolic_gemm

M, N, K = 32, 32, 64  # C[M, N] = A[M, K] @ B[K, N]
P = 4  # the PE grid is P x P
T = 8  # tile size: every stream carries int16[8, 8] tiles, each PE owns an 8 x 8 block of C

# The program is written once, in datobench/programs/systolic.py (read it next to this
# script): the stream arrays fa and fb, the tasks load_a and load_b on [P] mappings, and the
# task pe on a [P, P] mapping whose `if j < P - 1` / `if i < P - 1` are decided per PE.
systolic = systolic_gemm(P, P, T, T, T, K, int16, int32)


def main():
    rng = np.random.default_rng(0)
    A = rng.integers(-100, 100, size=(M, K), endpoint=True).astype(np.int16)
    B = rng.integers(-100, 100, size=(K, N), endpoint=True).astype(np.int16)
    C = np.zeros((M, N), dtype=np.int32)

    prog = dato.compile(systolic)
    prog.run(A, B, C, backend="sim")

    expected = A.astype(np.int32) @ B.astype(np.int32)
    assert np.array_equal(C, expected), "C != A @ B"
    print(f"04_systolic_gemm: ok, {M}x{K} @ {K}x{N} on a {P}x{P} systolic array, exact in int32")


if __name__ == "__main__":
    main()
