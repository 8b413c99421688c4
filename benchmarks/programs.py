"""Program builders shared by the benchmarks: a whole-array GEMM and a systolic GEMM.

Regions see the local variables of the function that defines them, so each builder returns a
region specialised to its arguments.
"""

from __future__ import annotations

import datobench as dato
from datobench import R, S, Stream


def whole_array_gemm(M, K, N, m, k, n, t_in, t_out, rows=4, cols=4):
    """C = A @ B on a rows x cols grid of cores: A broadcast along rows, B along columns; each
    core computes m x n blocks of C over k-wide steps, accumulating in C's type in its own
    memory and draining each block to DDR from there."""

    @dato.region
    def gemm(A: t_in[M, K], B: t_in[K, N], C: t_out[M, N]):
        @dato.task(mapping=[rows, cols], args=[A, B, C])
        def core(
            a: t_in[M, K] @ [S(0), R], b: t_in[K, N] @ [R, S(1)], c: t_out[M, N] @ [S(0), S(1)]
        ):
            for bi in range(M // rows // m):
                for bj in range(N // cols // n):
                    acc = dato.zeros((m, n), t_out)
                    for kk in range(K // k):
                        acc += dato.matmul(
                            a[bi * m : bi * m + m, kk * k : kk * k + k],
                            b[kk * k : kk * k + k, bj * n : bj * n + n],
                            acc=t_out,
                        )
                    c[bi * m : bi * m + m, bj * n : bj * n + n] = acc

    return gemm


def systolic_gemm(P0, P1, mt, kt, nt, K, t_in, t_acc):
    """A P0 x P1 systolic array: loaders push A tiles east along rows and B tiles south along
    columns; PE (i, j) accumulates its mt x nt block of C over K in kt-wide steps (SIMD kt)."""
    M, N = P0 * mt, P1 * nt

    @dato.region
    def systolic(A: t_in[M, K], B: t_in[K, N], C: t_acc[M, N]):
        fa: Stream[t_in[mt, kt], 2][P0, P1]
        fb: Stream[t_in[kt, nt], 2][P0, P1]

        @dato.task(mapping=[P0], args=[A])
        def load_a(a: t_in[M, K] @ [S(0), R]):
            i = dato.pid()
            for ks in range(K // kt):
                fa[i, 0].put(a[:, ks * kt : ks * kt + kt])

        @dato.task(mapping=[P1], args=[B])
        def load_b(b: t_in[K, N] @ [R, S(0)]):
            j = dato.pid()
            for ks in range(K // kt):
                fb[0, j].put(b[ks * kt : ks * kt + kt, :])

        @dato.task(mapping=[P0, P1], args=[C])
        def pe(c: t_acc[M, N] @ [S(0), S(1)]):
            i, j = dato.pid()
            acc = dato.zeros((mt, nt), t_acc)
            for _ks in range(K // kt):
                x = fa[i, j].get()
                y = fb[i, j].get()
                if j < P1 - 1:
                    fa[i, j + 1].put(x)
                if i < P0 - 1:
                    fb[i + 1, j].put(y)
                acc += dato.matmul(x, y, acc=t_acc)
            c[:, :] = acc

    return systolic
