"""Cannon's GEMM: a P x P torus of processing elements (PEs) in which the operand blocks
rotate, A one PE to the left and B one PE up at every step, while each PE keeps its block of
C. No PE ever reads an operand block twice from DDR, and only neighbours talk."""

from __future__ import annotations

import datobench as dato
from datobench import DType, R, RegionFunction, S, Stream


def cannon_gemm(P: int, mt: int, kt: int, nt: int, t_in: DType, t_acc: DType) -> RegionFunction:
    """C = A @ B on a P x P grid of PEs (P >= 2), PE (i, j) owning the mt x nt block (i, j) of
    C: A is [P * mt, P * kt], B is [P * kt, P * nt] and C is [P * mt, P * nt].

    The skew: PE (i, j) starts with the K-block kk = (i + j) mod P of its row of A and of its
    column of B, so that at every step the two blocks it holds meet in K. It then does P steps:
    pass its blocks on (A left through ``fa``, B up through ``fb``, both wrapping around), add
    their product to its accumulator, and take the next blocks from its right and lower
    neighbours. The last step takes none: the blocks passed on then stay in the FIFOs at exit,
    one per channel, which is legal since each FIFO has room for them (the run's summary
    notes them, and the NPU and HLS designs drain them so the next invocation starts clean).
    """
    M, K, N = P * mt, P * kt, P * nt

    @dato.region
    def cannon(A: t_in[M, K], B: t_in[K, N], C: t_acc[M, N]):
        fa: Stream[t_in[mt, kt], 2][P, P]  # fa[i, j] brings A blocks into PE (i, j)
        fb: Stream[t_in[kt, nt], 2][P, P]  # fb[i, j] brings B blocks into PE (i, j)

        @dato.task(mapping=[P, P], args=[A, B, C])
        def pe(
            a: t_in[M, K] @ [S(0), R],  # local shape t_in[mt, K]: the PE's row of A
            b: t_in[K, N] @ [R, S(1)],  # local shape t_in[K, nt]: the PE's column of B
            c: t_acc[M, N] @ [S(0), S(1)],  # local shape t_acc[mt, nt]
        ):
            i, j = dato.pid()
            kk = (i + j) % P  # the skew, a compile-time constant per PE
            a_blk = a[:, kk * kt : (kk + 1) * kt]
            b_blk = b[kk * kt : (kk + 1) * kt, :]
            acc = dato.zeros((mt, nt), t_acc)
            for step in range(P):
                fa[i, (j + P - 1) % P].put(a_blk)  # pass on first: the neighbours need not wait
                fb[(i + P - 1) % P, j].put(b_blk)
                acc += dato.matmul(a_blk, b_blk, acc=t_acc)
                if step < P - 1:  # after the last step no block is needed
                    a_blk = fa[i, j].get()
                    b_blk = fb[i, j].get()
            c[:, :] = acc

    return cannon
