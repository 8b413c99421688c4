"""Output-stationary GEMMs, C = A @ B: every instance owns blocks of C and keeps their
accumulators in its own memory while the operands stream past.

Three sizes of the same idea: one matmul on one core, one block of C per instance of a grid,
and a whole tile array whose cores each walk their share of C in blocks that fit a core.
"""

from __future__ import annotations

import datobench as dato
from datobench import DType, R, RegionFunction, S


def single_core_gemm(m: int, k: int, n: int, t_in: DType, t_out: DType) -> RegionFunction:
    """One ``dato.matmul`` of an m x k by a k x n block on a single core, accumulated in
    ``t_out``: the kernel alone, as vendor tutorials time it."""

    @dato.region
    def gemm(A: t_in[m, k], B: t_in[k, n], C: t_out[m, n]):
        @dato.task(args=[A, B, C])
        def core(a: t_in[m, k], b: t_in[k, n], c: t_out[m, n]):
            c[:, :] = dato.matmul(a[:, :], b[:, :], acc=t_out)

    return gemm


def output_stationary_gemm(
    M: int, K: int, N: int, P0: int, P1: int, TK: int, t_in: DType, t_acc: DType
) -> RegionFunction:
    """C[M, N] = A[M, K] @ B[K, N] on a P0 x P1 grid of instances of the task ``block``.

    The layouts say who owns what: ``A @ [S(0), R]`` splits the rows of A across mapping axis
    0, ``B @ [R, S(1)]`` the columns of B across axis 1, and ``C @ [S(0), S(1)]`` gives
    instance (i, j) block (i, j) of C. Each instance walks K in TK-wide tiles and accumulates
    in ``t_acc`` (int16 operands in int32, as the NPU does natively); its block of C leaves in
    one transfer at the end (examples/03_gemm_output_stationary.py).
    """
    BM, BN = M // P0, N // P1  # the block of C owned by one instance

    @dato.region
    def gemm(A: t_in[M, K], B: t_in[K, N], C: t_acc[M, N]):
        @dato.task(mapping=[P0, P1], args=[A, B, C])
        def block(
            a: t_in[M, K] @ [S(0), R],
            b: t_in[K, N] @ [R, S(1)],
            c: t_acc[M, N] @ [S(0), S(1)],
        ):
            acc = dato.zeros((BM, BN), t_acc)  # lives in the tile's local memory
            for k in range(K // TK):
                # Load one K-tile of each operand, multiply, and accumulate.
                a_tile = a[:, k * TK : (k + 1) * TK]  # t_in[BM, TK]
                b_tile = b[k * TK : (k + 1) * TK, :]  # t_in[TK, BN]
                acc += dato.matmul(a_tile, b_tile, acc=t_acc)
            c[:, :] = acc  # one transfer out at the end

    return gemm


def whole_array_gemm(
    M: int,
    K: int,
    N: int,
    m: int,
    k: int,
    n: int,
    t_in: DType,
    t_out: DType,
    rows: int = 4,
    cols: int = 4,
) -> RegionFunction:
    """C[M, N] = A[M, K] @ B[K, N] on a rows x cols grid of instances of the task ``core``.

    A is broadcast along the rows of the grid and B along its columns; each core computes its
    share of C in m x n blocks over k-wide steps, accumulating in C's type in its own memory
    and draining each block to DDR from there. m, k and n are the per-core tile sizes, chosen
    so that the operands and one block fit a core's memory (the benchmarks search them).
    """

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


def staged_gemm(
    M: int,
    K: int,
    N: int,
    m: int,
    k: int,
    n: int,
    t_in: DType,
    t_out: DType,
    rows: int = 4,
    cols: int = 4,
    depth: int = 1,
    paired: bool = False,
    parts: int = 1,
) -> RegionFunction:
    """``whole_array_gemm`` with B's K x n panel staged in the memory tile of each column.

    The loops walk down A: a core's outer loop picks the n columns of B, and for them the
    column computes every m-row block of its share of C, so that the panel ``b[:, bj]`` is read
    from DDR once and then served from the memory tile to the column's cores (which share it)
    while A streams past, broadcast along the rows as before. B is then read from DDR once in
    all (each panel once per column) and A once per panel, instead of B once per block row of
    A. ``depth=2`` loads the next panel while the cores read this one, if two fit.

    ``paired``: each k x n slice of B feeds two m-row blocks of C (two accumulators), so that
    the memory tile sends each slice half as often and B's stream port carries half the bytes
    per MAC (a core whose m is below the kernel's MACs per cycle over the port's 4 bytes waits
    on it otherwise); C still leaves in m x n blocks, so the memory tile's buffers for A and C
    stay those of an m-row tile.

    ``parts``: the panel is held in that many parts along K, each refilled with the next
    panel's part once the column's last pass over this panel has sent it (``dato.stage``'s
    ``parts``), so that a refill hides behind the last pass at depth 1.
    """
    blocks = 2 if paired else 1  # m-row blocks of C per slice of B

    @dato.region
    def gemm(A: t_in[M, K], B: t_in[K, N], C: t_out[M, N]):
        @dato.task(mapping=[rows, cols], args=[A, B, C])
        def core(
            a: t_in[M, K] @ [S(0), R],
            b: t_in[K, N] @ [R, S(1)] @ dato.stage("mem", panel=(K, n), depth=depth, parts=parts),
            c: t_out[M, N] @ [S(0), S(1)],
        ):
            for bj in range(N // cols // n):  # one panel of B per step
                for bi in range(M // rows // (blocks * m)):
                    acc = dato.zeros((m, n), t_out)
                    if not paired:
                        for kk in range(K // k):
                            acc += dato.matmul(
                                a[bi * m : bi * m + m, kk * k : kk * k + k],
                                b[kk * k : kk * k + k, bj * n : bj * n + n],
                                acc=t_out,
                            )
                        c[bi * m : bi * m + m, bj * n : bj * n + n] = acc
                    else:  # rows 2 m bi onwards: acc the upper block, below the lower one
                        below = dato.zeros((m, n), t_out)
                        for kk in range(K // k):
                            slab = b[kk * k : kk * k + k, bj * n : bj * n + n]  # read once
                            acc += dato.matmul(
                                a[2 * bi * m : 2 * bi * m + m, kk * k : kk * k + k], slab, acc=t_out
                            )
                            below += dato.matmul(
                                a[2 * bi * m + m : 2 * bi * m + 2 * m, kk * k : kk * k + k],
                                slab,
                                acc=t_out,
                            )
                        c[2 * bi * m : 2 * bi * m + m, bj * n : bj * n + n] = acc
                        c[2 * bi * m + m : 2 * bi * m + 2 * m, bj * n : bj * n + n] = below

    return gemm
