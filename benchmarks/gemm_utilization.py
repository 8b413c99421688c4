"""Predicted GEMM utilisation of our best mappings against IRON-style and AutoSA-style
baselines, all in the same calibrated model (see calibration.py).

NPU: the whole-array design (A broadcast along rows, B down columns) with the per-core tile
chosen by a small search over tiles that fit, against IRON's whole-array example tiles
(64 x 64 x 64); then the staged design (``staged_gemm``: B's K x n panel held in each column's
memory tile while the column walks down A) and the overlapped one (``overlapped_gemm``: the
same, with A staged in m x ka panels at depth 2 and C written back at depth 2, so that neither
A's slices nor C's drain stop the cores when all of them drain C at once), with the DDR bytes
each GEMM moves against the minimum (A and B read once, C written once) and what bounds it in
the model. FPGA: a systolic
FP32 array sized to the U250's DSPs, against AutoSA's 13 x 16 x SIMD 8. Goals from the Dato
paper: 84% of peak on the NPU, 98% on the FPGA array; issue 16's for the staged GEMMs.

    .venv/bin/python benchmarks/gemm_utilization.py
"""

from __future__ import annotations

import itertools
import time
from collections import Counter

import datobench as dato
from datobench import bf16, float32, int8
from datobench.programs import overlapped_gemm, staged_gemm, systolic_gemm, whole_array_gemm
from datobench.programs.asymmetric import staging_rows, utilization_row

NPU_GOAL, FPGA_GOAL = 0.84, 0.98
GRIDS = {"npu1_4col": (4, 4), "npu2": (4, 8)}
IRON_TILE = (64, 64, 64)
CANDIDATES = [64, 128]
# The staged GEMMs: target, dtype, M x K x N, goal, the per-core tiles (m, k, n) and depths
# tried. Chosen so that the panel (K x n, times its depth), A's and C's memory-tile buffers fit
# 512 KiB, a core's tiles fit 64 KiB, and each core's 4-byte stream ports keep up with its
# kernel (n and m of at least kernel MACs per cycle / 4 bytes per operand byte). A fifth entry
# True pairs the blocks (``staged_gemm(paired=True)``: each B slice feeds two m-row blocks of C,
# so B's port needs only 2m rows to keep up while A's and C's buffers stay those of m rows); a
# sixth holds the panel in that many parts (``parts``: each part of the next panel loads as soon
# as the column's last pass has been sent this one's, so the refill hides behind that pass).
STAGED = [
    (
        "npu1_4col",
        int8,
        (4032, 4032, 4032),
        0.84,
        [
            (72, 56, 112, 1),
            (56, 112, 112, 1),
            (56, 112, 112, 1, True),
            (56, 112, 112, 1, True, 4),
            (56, 112, 112, 1, True, 9),
        ],
    ),
    ("npu2", bf16, (6144, 1536, 6144), 0.70, [(96, 32, 96, 1)]),
]
# The overlapped GEMMs, as STAGED but with (m, k, n, ka): A's panels are m x ka. Besides the
# limits above, a core holds two blocks of C. Sizes: on npu1_4col bf16, K = 1536 so that B's
# 1536 x 96 panel (288 KiB), A's two 64 x 384 panels and C's buffers fit a memory tile; on npu2
# int8, 112 x 72 x 128 is the largest tile whose two blocks of C fit a core with k = 72 (the
# kernel at 82% of peak), and M = 32256 spreads each of the four depth-1 refills per column of
# B's 288 KiB panel (which no design hides: two do not fit) over 72 blocks.
OVERLAPPED = [
    ("npu1_4col", bf16, (8192, 1536, 3072), 0.80, [(64, 48, 96, 384)]),
    ("npu2", int8, (32256, 2304, 4096), 0.70, [(112, 72, 128, 288)]),
]


def npu_run(target, size, t_in, tile):
    """The perf result of the whole-array GEMM with a per-core tile (None if it does not
    divide the sizes or fit)."""
    rows, cols = GRIDS[target]
    m, k, n = tile
    if size % (rows * m) or size % (cols * n) or size % k:
        return None
    region = whole_array_gemm(size, size, size, m, k, n, t_in, t_in, rows, cols)
    try:
        prog = dato.compile(region, target=target)
    except dato.MappingError:
        return None  # the tile does not fit a core's memory
    return prog.run(backend="perf", values=False), prog.target


def best_tile(target, size, t_in):
    best = None
    for tile in itertools.product(CANDIDATES, repeat=3):
        run = npu_run(target, size, t_in, tile)
        if run is not None and (best is None or run[0].utilization > best[0][0].utilization):
            best = (run, tile)
    return best


def best_staged(target, t_in, sizes, tiles, design=staged_gemm):
    """The best of a staged design's candidate tiles and depths (or ka) that map."""
    rows, cols = GRIDS[target]
    best = None
    for m, k, n, last, *more in tiles:
        if design is staged_gemm:
            paired = more[0] if more else False
            parts = more[1] if len(more) > 1 else 1
            region = staged_gemm(*sizes, m, k, n, t_in, t_in, rows, cols, last, paired, parts)
            setting = f"{m}x{k}x{n}{' x2' if paired else ''}, {last}"
            setting += f" in {parts}" if parts > 1 else ""
        else:
            region = overlapped_gemm(*sizes, m, k, n, last, t_in, t_in, rows, cols)
            setting = f"{m}x{k}x{n}, A {last}"
        try:
            prog = dato.compile(region, target=target)
        except dato.MappingError:
            continue  # the panel and the memory tile's other buffers do not fit
        result = prog.run(backend="perf", values=False)
        if best is None or result.utilization > best[0][0].utilization:
            best = ((result, prog.target), setting)
    return best


def ddr_ratio(result, sizes, t_in) -> str:
    """DDR bytes moved against the minimum: each operand read once, C written once."""
    M, K, N = sizes
    least = (M * K + K * N + M * N) * t_in.bytes
    return (
        f"{result.dram_moved / 1e6:7.1f} MB {least / 1e6:6.1f} MB {result.dram_moved / least:5.2f}x"
    )


def bound(result, target) -> str:
    """What holds a GEMM back in the model: the cores' busy share and the kernel's MAC rate
    while busy, what they waited on (a: A from DDR, b: B, from its staged panel when staged,
    c: C draining to DDR), and the share of DRAM's bandwidth the run used."""
    waits = Counter()
    for t in result.tiles.values():
        for (start, stop, _), why in zip(t.segments, t.waited_on):
            waits[why.split(".")[-1].split(" ")[0]] += stop - start
    share = len(result.tiles) * result.cycles
    busy = sum(t.busy for t in result.tiles.values()) / share
    dram = target.param("memory.dram_bytes_per_s") / target.clock_hz
    text = ", ".join(f"{p} {w / share:.0%}" for p, w in sorted(waits.items()) if w / share >= 0.005)
    per_core = result.peak_macs_per_cycle / len(target.compute_tiles())
    kernel = result.macs / sum(t.busy for t in result.tiles.values()) / per_core
    return (
        f"busy {busy:.0%} (the kernel at {kernel:.0%} of peak while busy); waits "
        f"{text or 'none'}; DDR at "
        f"{result.dram_moved / (result.cycles * dram):.0%} of its bandwidth"
    )


def fpga_case(P0, P1, mt, kt, nt, K):
    prog = dato.compile(systolic_gemm(P0, P1, mt, kt, nt, K, float32, float32), target="u250")
    result = prog.run(backend="perf", values=False)
    design_peak = P0 * P1 * kt  # MACs per cycle of the PEs instantiated
    return result.macs / result.cycles / design_peak, result.utilization


def main():
    start = time.perf_counter()
    print("gemm_utilization: predicted share of peak (same calibrated model for all)")
    print(
        f"  {'target':<10} {'dtype':<6} {'size':>5}  {'ours':>6} {'tile':>12}  "
        f"{'IRON-style':>10}  ahead"
    )
    ours_best = 0.0
    for target, t_in, size in itertools.product(GRIDS, (int8, bf16), (1024, 2048)):
        (ours, _), tile = best_tile(target, size, t_in)
        base = npu_run(target, size, t_in, IRON_TILE)
        u = ours.utilization
        ours_best = max(ours_best, u)
        base_text = f"{base[0].utilization:10.1%}" if base is not None else f"{'no fit':>10}"
        ahead = "yes" if base is None or u > base[0].utilization else "no"
        print(
            f"  {target:<10} {t_in.name:<6} {size:>5}  {u:6.1%} {'x'.join(map(str, tile)):>12}"
            f"  {base_text}  {ahead:<5}  DDR {ddr_ratio(ours, (size,) * 3, t_in)}"
        )
    print(
        "  staged: B's K x n panel in each column's memory tile (programs.staged_gemm; tile, "
        "x2 when paired, depth [in P parts]); overlapped: and A's m x ka panels, C written back "
        "at depth 2 "
        "(programs.overlapped_gemm; tile, A ka)"
    )
    print(
        f"  {'target':<10} {'dtype':<6} {'M x K x N':>16}  {'ours':>6} {'tile, depth':>18}"
        f"  {'goal':>4}  {'DDR moved':>10} {'minimum':>9} {'ratio':>6}"
    )
    best_row = None
    rows = [(*row, staged_gemm) for row in STAGED] + [(*row, overlapped_gemm) for row in OVERLAPPED]
    rows.sort(key=lambda row: (row[0], row[1] is not int8))  # by target, int8 first
    for target, t_in, sizes, goal, tiles, design in rows:
        (result, spec), setting = best_staged(target, t_in, sizes, tiles, design)
        u = result.utilization
        if u > ours_best:
            ours_best, best_row = u, (target, t_in.name, bound(result, spec))
        print(
            f"  {target:<10} {t_in.name:<6} {'x'.join(map(str, sizes)):>16}  {u:6.1%} "
            f"{setting:>18}  {goal:4.0%}  {ddr_ratio(result, sizes, t_in)}"
            f"  {'met' if u >= goal else 'not met'}"
        )
        print(f"      bound: {bound(result, spec)}")
    target, dtype, u, tile = utilization_row()
    print(
        f"  asymmetric (mlir-aie's XDNA2 design, 4096x4096x2048): {target} {dtype} {u:.1%} {tile}"
    )
    for line in staging_rows(target):
        print(f"      {line}")
    where = f"; the best is {best_row[0]} {best_row[1]}: {best_row[2]}" if best_row else ""
    print(
        f"  best NPU utilisation {ours_best:.1%} (goal {NPU_GOAL:.0%}: "
        f"{'met' if ours_best >= NPU_GOAL else 'not met'}{where})"
    )
    # K = 4096 for both designs, so that the drain of C at the end is amortised as it would
    # be in a large GEMM (at K = 1024 it costs about 3.5% of the run).
    print("  FPGA u250, FP32 systolic, K = 4096:  array peak   device peak")
    ours = fpga_case(16, 19, 64, 8, 64, 4096)
    base = fpga_case(13, 16, 80, 8, 64, 4096)
    print(f"    ours 16 x 19 PEs x SIMD 8         {ours[0]:10.1%}   {ours[1]:10.1%}")
    print(f"    AutoSA-style 13 x 16 x SIMD 8      {base[0]:10.1%}   {base[1]:10.1%}")
    print(
        f"  FPGA array utilisation {ours[0]:.1%} (goal {FPGA_GOAL:.0%}: "
        f"{'met' if ours[0] >= FPGA_GOAL else 'not met'}); device share ahead of the "
        f"baseline: {'yes' if ours[1] > base[1] else 'no'}"
    )
    print(f"  ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
