"""The asymmetric GEMM of mlir-aie's XDNA2 examples: C = A @ B with bf16 A and C and a bfp16
B, where each core keeps a large C tile in its memory and A streams past in thin slices.

Buffering is asymmetric: the 128 x 128 bf16 C tile (32 KiB) stays in the core for the whole
of K, B arrives in 64 x 128 bfp16 tiles (9 KiB), and A, instead of a whole 128 x 64 tile per
step, arrives in 32-row slices (4 KiB), each product added in place into its band of 32 rows
of the C tile (one local: the kernel adds into those rows where they lie). Double buffered,
whole A tiles would need 32 KiB beside C and B and overflow the 64 KiB of a core;
slices need 8 KiB.
"""

from __future__ import annotations

import numpy as np

import datobench as dato
from datobench import R, RegionFunction, S, bf16, bfp16
from datobench.core.ir import bfp
from datobench.core.targets import load_target

# mlir-aie's XDNA2 example: 4096 x 4096 x 2048 (M x K x N) on 4 rows x 8 columns of cores
FULL_SIZE = (4096, 4096, 2048)
# The largest K (a multiple of 512, M and N as above) at which B's K x 128 bfp16 panel fits
# a memory tile beside the C tiles draining through it: at K = 4096 the panel alone is
# 576 KiB of the tile's 512 KiB; at 1536 it is 216 KiB, with 4 x 64 KiB of C and 8 KiB of A
STAGED_SIZE = (4096, 1536, 2048)


def asymmetric_gemm(
    M: int,
    K: int,
    N: int,
    m: int = 128,
    k: int = 64,
    n: int = 128,
    rows: int = 4,
    cols: int = 8,
    panel: int | None = None,
) -> RegionFunction:
    """C[M, N] = A[M, K] @ B[K, N] on a rows x cols grid of instances of the task ``core``,
    bf16 A and C, bfp16 B (blocks of 8 down its K rows); ``panel``: B's K x ``panel`` panels
    staged in each column's memory tile (README "Staging"), so that B is read from DDR once
    per panel rather than once per block row of C.

    A is broadcast along the rows of the grid and B along its columns, as in the whole-array
    GEMM; each core walks its share of C in m x n tiles, each accumulated in bf16 in its own
    memory over k-wide steps. A step reads one k x n tile of B and the m x k tile of A in four
    slices of m / 4 rows, each multiplied on the bfp16 datapath and added into its band of
    m / 4 rows of the C tile where they are (the kernel takes the tile and the band's first
    row: no buffer for the band or the product). A core takes the n columns of B outermost,
    so that, staged, a panel serves every block row of C before the next is read."""
    q = m // 4
    b_type = bfp16[K, N] @ [R, S(1)]
    if panel is not None:
        b_type = b_type @ dato.stage("mem", panel=(K, panel))

    @dato.region
    def gemm(A: bf16[M, K], B: bfp16[K, N], C: bf16[M, N]):
        @dato.task(mapping=[rows, cols], args=[A, B, C])
        def core(a: bf16[M, K] @ [S(0), R], b: b_type, c: bf16[M, N] @ [S(0), S(1)]):
            for bj in range(N // cols // n):
                for bi in range(M // rows // m):
                    acc = dato.zeros((m, n), bf16)  # the C tile, resident for all of K
                    for kk in range(K // k):
                        b_tile = b[kk * k : kk * k + k, bj * n : bj * n + n]
                        for s in range(4):  # A in slices of q rows, one per band of C
                            a_slice = a[bi * m + s * q : bi * m + s * q + q, kk * k : kk * k + k]
                            acc[s * q : s * q + q, :] += dato.matmul(a_slice, b_tile, acc=bf16)
                    c[bi * m : bi * m + m, bj * n : bj * n + n] = acc

    return gemm


def unsliced_gemm(
    M: int,
    K: int,
    N: int,
    m: int = 128,
    k: int = 64,
    n: int = 128,
    rows: int = 4,
    cols: int = 8,
) -> RegionFunction:
    """The same GEMM with A read in whole m x k tiles, double-buffered as every DDR read is:
    the symmetric buffering the asymmetric design avoids (at 128 x 64 x 128, A's two 16 KiB
    buffers beside the C tile and B's do not fit a core)."""

    @dato.region
    def gemm(A: bf16[M, K], B: bfp16[K, N], C: bf16[M, N]):
        @dato.task(mapping=[rows, cols], args=[A, B, C])
        def core(
            a: bf16[M, K] @ [S(0), R], b: bfp16[K, N] @ [R, S(1)], c: bf16[M, N] @ [S(0), S(1)]
        ):
            for bi in range(M // rows // m):
                for bj in range(N // cols // n):
                    acc = dato.zeros((m, n), bf16)
                    for kk in range(K // k):
                        acc += dato.matmul(
                            a[bi * m : bi * m + m, kk * k : kk * k + k],
                            b[kk * k : kk * k + k, bj * n : bj * n + n],
                            acc=bf16,
                        )
                    c[bi * m : bi * m + m, bj * n : bj * n + n] = acc

    return gemm


def reference(A: np.ndarray, B: np.ndarray, k: int = 64, m: int = 128) -> np.ndarray:
    """What the design computes, in numpy: each k-wide step's product on the bfp16 datapath
    (``bfp.matmul``: A quantised along K, float32 sums, rounded once to bf16) added to the bf16
    C tile and rounded again, step by step, as the core accumulates."""
    C = np.zeros((A.shape[0], B.shape[1]), bf16.np)
    for kk in range(0, A.shape[1], k):
        step = bfp.matmul(A[:, kk : kk + k], B[kk : kk + k], bf16, (bf16, bfp16))
        C = (C.astype(np.float32) + step.astype(np.float32)).astype(bf16.np)
    return C


def timed(size=FULL_SIZE, panel: int | None = None, target: str = "npu2"):
    """The GEMM at ``size`` (B staged in ``panel``-column panels, if given) in the
    cycle-approximate model, timing only: its ``PerfResult``."""
    prog = dato.compile(asymmetric_gemm(*size, panel=panel), target=target)
    return prog.run(backend="perf", values=False)


def bound(result, target: str = "npu2") -> str:
    """Whether DDR or the cores hold a timed run back: the share of DDR's bandwidth it used
    and of the time the cores computed."""
    spec = load_target(target)
    ddr = result.dram_moved / (result.cycles * spec.param("memory.dram_bytes_per_s"))
    busy = sum(t.busy for t in result.tiles.values()) / (len(result.tiles) * result.cycles)
    return f"DDR at {ddr * spec.clock_hz:.0%} of its bandwidth, cores busy {busy:.0%}"


def utilization_row(target: str = "npu2") -> tuple[str, str, float, str]:
    """The asymmetric GEMM's row of ``benchmarks/gemm_utilization.py``: (target, dtype,
    predicted share of peak, per-core tile), timed at the full size."""
    result = timed(target=target)
    return target, "bf16 x bfp16", result.utilization, "128x64x128 (A in 32-row slices)"


def staging_rows(target: str = "npu2") -> list[str]:
    """What staging B does to the asymmetric GEMM, as lines to print: at the full size its
    panel cannot fit a memory tile (the mapper's reason), at ``STAGED_SIZE`` it can, and the
    share of peak and the DDR bytes moved unstaged and staged."""
    try:
        timed(panel=128, target=target)
        lines = ["B staged at the full size: maps"]
    except dato.MappingError as error:
        reason = str(error).splitlines()[0].split(": ", 1)[1]
        lines = [f"B staged at {'x'.join(map(str, FULL_SIZE))}: refused: {reason}"]
    size = "x".join(map(str, STAGED_SIZE))
    for name, panel in (("unstaged", None), ("B staged", 128)):
        r = timed(STAGED_SIZE, panel, target)
        lines.append(
            f"{name} at {size}: {r.utilization:.1%} of peak, {r.dram_moved / 1e6:.1f} MB "
            f"from and to DDR ({bound(r, target)})"
        )
    return lines
