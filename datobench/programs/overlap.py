"""The staged whole-array GEMM with its DDR traffic moved off the cores' critical path.

In ``staged_gemm`` the cores still wait at every block of C: A's k-slices come from DDR one
step ahead of the kernel, and when all cores drain their blocks of C at once those writes fill
DRAM's bandwidth just as the next block's first slices of A are wanted; the core then waits
for its own block to drain before it starts the next. Here A reaches the cores in larger
pieces, each of a row's ``ka``-wide panels staged double-buffered in a memory tile (the next
loads while the cores compute on this one: the published designs' "memory-tile k"), and C
leaves through a two-object output FIFO (``dato.writeback(depth=2)``), so a core computes its
next block while the DMA drains the last.
"""

from __future__ import annotations

import datobench as dato
from datobench import DType, R, RegionFunction, S


def overlapped_gemm(
    M: int,
    K: int,
    N: int,
    m: int,
    k: int,
    n: int,
    ka: int,
    t_in: DType,
    t_out: DType,
    rows: int = 4,
    cols: int = 4,
) -> RegionFunction:
    """``staged_gemm`` (B's K x n panel in each column's memory tile, depth 1) with A staged
    in m x ka panels at depth 2 (``ka`` a multiple of k that divides K) and C written back at
    depth 2. Values equal ``staged_gemm``'s and ``whole_array_gemm``'s."""

    @dato.region
    def gemm(A: t_in[M, K], B: t_in[K, N], C: t_out[M, N]):
        @dato.task(mapping=[rows, cols], args=[A, B, C])
        def core(
            a: t_in[M, K] @ [S(0), R] @ dato.stage("mem", panel=(m, ka), depth=2),
            b: t_in[K, N] @ [R, S(1)] @ dato.stage("mem", panel=(K, n)),
            c: t_out[M, N] @ [S(0), S(1)] @ dato.writeback(depth=2),
        ):
            for bj in range(N // cols // n):  # one panel of B per step
                for bi in range(M // rows // m):
                    acc = dato.zeros((m, n), t_out)  # in one of C's two output objects
                    for kk in range(K // k):
                        acc += dato.matmul(
                            a[bi * m : bi * m + m, kk * k : kk * k + k],
                            b[kk * k : kk * k + k, bj * n : bj * n + n],
                            acc=t_out,
                        )
                    c[bi * m : bi * m + m, bj * n : bj * n + n] = acc

    return gemm
