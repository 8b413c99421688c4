"""Example 11: the asymmetric GEMM of mlir-aie's XDNA2 examples, with a bfp16 B.

The program is `asymmetric_gemm` in datobench/programs/asymmetric.py (read it next to this
script): bf16 A and C, B in block floating point (`dato.bfp16`: 8 values down a column share
one exponent, 9 bytes per 8 values), on the 4 x 8 cores of npu2. Each core keeps a 128 x 128
bf16 C tile in its memory for all of K, takes B in 64 x 128 tiles and A in 32-row slices, so
that the large C tile, B's buffers and A's fit its 64 KiB; with A in whole 128 x 64 tiles
(`unsliced_gemm`) they do not, and the mapper says so.

It runs small on the functional simulator against numpy (the bfp16 emulation of
`datobench.core.ir.bfp`: B quantised by `dato.quantise_bfp16`, A quantised along K by the
datapath, float32 sums, bf16 results), then maps at the full 4096 x 4096 x 2048 on npu2, prints
what one core's memory holds, and times it (timing only) in the cycle-approximate model: DDR
bound, B being read once per block row of C. Staging B's K x 128 panels in the memory tiles
(`panel=128`) would read it once; at the full size a panel does not fit a memory tile (the
mapper says why), at K = 1536 it does, and the example times both there.
"""

import numpy as np

import datobench as dato
from datobench.programs import asymmetric_gemm, unsliced_gemm
from datobench.programs.asymmetric import FULL_SIZE, bound, reference, staging_rows

M, K, N = 512, 128, 256  # the small run: the example's tiles on a 2 x 2 grid
small = asymmetric_gemm(M, K, N, rows=2, cols=2)


def check_small():
    """sim == numpy at the small size."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((M, K)).astype(dato.bf16.np)
    B = dato.quantise_bfp16(rng.standard_normal((K, N)).astype(np.float32))
    C = np.zeros((M, N), dato.bf16.np)
    small(A, B, C)
    assert np.array_equal(C, reference(A, B)), "C != the bfp16 emulation"
    exact = A.astype(np.float32) @ B
    print(
        f"  small run: sim equals numpy; largest error against float32 A @ B: "
        f"{np.abs(C.astype(np.float32) - exact).max():.3f}"
    )


def show_core(prog):
    """One core's data memory as the mapper's ledger books it."""
    use = prog.mapping.tiles["0,2"]
    used, capacity = use.used["data memory"], use.capacity["data memory"]
    print(f"  core (0, 2) data memory: {used / 1024:.1f} KiB of {capacity / 1024:.1f} KiB")
    for who, amount in use.items["data memory"]:
        print(f"    {who}: {amount / 1024:.1f} KiB")


def main():
    check_small()
    prog = dato.compile(asymmetric_gemm(*FULL_SIZE), target="npu2")
    show_core(prog)
    perf = prog.run(backend="perf", values=False)
    print(
        f"  {'x'.join(map(str, FULL_SIZE))} on npu2: {perf.cycles:,} cycles, "
        f"{perf.utilization:.1%} of the bfp16 peak ({bound(perf)})"
    )
    for line in staging_rows():
        print(" ", line)
    try:
        dato.compile(unsliced_gemm(*FULL_SIZE), target="npu2")
        raise AssertionError("whole A tiles fitted a core")
    except dato.MappingError as error:
        print("  A unsliced:", str(error).splitlines()[0].split(": ", 1)[1])
    print(f"11_asymmetric_gemm: ok, {perf.utilization:.1%} of peak on npu2")


if __name__ == "__main__":
    main()
