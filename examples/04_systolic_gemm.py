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
from datobench import R, S, Stream, int16, int32

M, N, K = 32, 32, 64  # C[M, N] = A[M, K] @ B[K, N]
P = 4  # the PE grid is P x P
T = 8  # tile size: every stream carries int16[8, 8] tiles, each PE owns an 8 x 8 block of C


@dato.region
def systolic(A: int16[M, K], B: int16[K, N], C: int32[M, N]):
    fa: Stream[int16[T, T], 2][P, P + 1]  # A flows east
    fb: Stream[int16[T, T], 2][P + 1, P]  # B flows south

    # West edge: load_a_i sends row block i of A, one K-tile after the other.
    @dato.task(mapping=[P], args=[A])
    def load_a(a: int16[M, K] @ [S(0), R]):  # local shape int16[8, 64]
        i = dato.pid()
        for k in range(K // T):
            fa[i, 0].put(a[:, k * T : (k + 1) * T])

    # North edge: load_b_j sends column block j of B, one K-tile after the other.
    @dato.task(mapping=[P], args=[B])
    # The mapping has one axis, so S(0) here splits dimension 1 of B (its columns) over it.
    def load_b(b: int16[K, N] @ [R, S(0)]):  # local shape int16[64, 8]
        j = dato.pid()
        for k in range(K // T):
            fb[0, j].put(b[k * T : (k + 1) * T, :])

    @dato.task(mapping=[P, P], args=[C])
    def pe(c: int32[M, N] @ [S(0), S(1)]):  # local shape int32[8, 8]
        i, j = dato.pid()
        acc = dato.zeros((T, T), int32)
        for _k in range(K // T):  # one step per K-tile; the index itself is not needed
            a_tile = fa[i, j].get()
            b_tile = fb[i, j].get()
            # pid is a compile-time constant, so these tests are decided per PE.
            if j < P - 1:
                fa[i, j + 1].put(a_tile)
            if i < P - 1:
                fb[i + 1, j].put(b_tile)
            acc += dato.matmul(a_tile, b_tile, acc=int32)
        c[:, :] = acc


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
