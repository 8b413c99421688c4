"""A systolic GEMM: a grid of processing elements (PEs) that pass operand tiles to their
neighbours, so that only neighbours talk to each other, which a tile array does cheaply."""

from __future__ import annotations

import datobench as dato
from datobench import DType, R, RegionFunction, S, Stream


def systolic_gemm(
    P0: int, P1: int, mt: int, kt: int, nt: int, K: int, t_in: DType, t_acc: DType
) -> RegionFunction:
    """C = A @ B on a P0 x P1 array of PEs, each owning an mt x nt block of C: A is
    [P0 * mt, K], B is [K, P1 * nt] and C is [P0 * mt, P1 * nt].

    ``load_a_i`` feeds row block i of A into the west edge and ``load_b_j`` column block j of
    B into the north edge, one kt-wide step of K after the other. PE (i, j) takes an A tile
    from the west (``fa[i, j]``) and a B tile from the north (``fb[i, j]``), forwards them east
    and south, and accumulates their product in ``t_acc`` (on an FPGA, kt is the SIMD width of
    a PE). ``fa`` has one more column and ``fb`` one more row than the grid: the channels that
    would leave the grid; the PEs on those edges do not forward, so these stay unused
    (examples/04_systolic_gemm.py).
    """
    M, N = P0 * mt, P1 * nt

    @dato.region
    def systolic(A: t_in[M, K], B: t_in[K, N], C: t_acc[M, N]):
        fa: Stream[t_in[mt, kt], 2][P0, P1 + 1]  # A flows east
        fb: Stream[t_in[kt, nt], 2][P0 + 1, P1]  # B flows south

        # West edge: load_a_i sends row block i of A, one K-tile after the other.
        @dato.task(mapping=[P0], args=[A])
        def load_a(a: t_in[M, K] @ [S(0), R]):  # local shape t_in[mt, K]
            i = dato.pid()
            for k in range(K // kt):
                fa[i, 0].put(a[:, k * kt : (k + 1) * kt])

        # North edge: load_b_j sends column block j of B, one K-tile after the other.
        @dato.task(mapping=[P1], args=[B])
        # The mapping has one axis, so S(0) here splits dimension 1 of B (its columns) over it.
        def load_b(b: t_in[K, N] @ [R, S(0)]):  # local shape t_in[K, nt]
            j = dato.pid()
            for k in range(K // kt):
                fb[0, j].put(b[k * kt : (k + 1) * kt, :])

        @dato.task(mapping=[P0, P1], args=[C])
        def pe(c: t_acc[M, N] @ [S(0), S(1)]):  # local shape t_acc[mt, nt]
            i, j = dato.pid()
            acc = dato.zeros((mt, nt), t_acc)
            for _k in range(K // kt):  # one step per K-tile; the index itself is not needed
                a_tile = fa[i, j].get()
                b_tile = fb[i, j].get()
                # pid is a compile-time constant, so these tests are decided per PE.
                if j < P1 - 1:
                    fa[i, j + 1].put(a_tile)
                if i < P0 - 1:
                    fb[i + 1, j].put(b_tile)
                acc += dato.matmul(a_tile, b_tile, acc=t_acc)
            c[:, :] = acc

    return systolic
