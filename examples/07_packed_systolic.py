"""Example 7: a systolic GEMM whose int4 weights travel packed in 32-bit words.

Activations A are int8, weights B are int4 (a numpy int8 array holding values -8..7; in DDR
and tile memory two int4 take one byte). Each load_b_j packs its weight tiles, eight weights
to a UInt(32) word (``dato.pack``: the first weight in the low 4 bits), and sends the words
south through the grid; every PE forwards the words untouched and unpacks a copy
(``dato.unpack``) for its int8 x int4 product, accumulated exactly in int32:

               load_b_0   load_b_1            (packed UInt(32)[8, 1] tiles)
                  |          |
                  v          v
    load_a_0 -> pe_0_0 --> pe_0_1             (int8[8, 8] tiles)
                  |          |
                  v          v
    load_a_1 -> pe_1_0 --> pe_1_1

The program is written in datobench/programs/packed.py. On an NPU target the performance
simulator times these products at the target's int8 x int4 MAC rate (twice int8's on AIE-ML).
"""

import numpy as np

import datobench as dato
from datobench import UInt
from datobench.programs import packed_systolic_gemm

P = 2  # the PE grid is P x P
T = 8  # every PE owns an 8 x 8 block of C and takes 8-deep steps of K
K = 64
M = N = P * T

packed_systolic = packed_systolic_gemm(P, P, T, T, T, K, UInt(32))


def main():
    rng = np.random.default_rng(0)
    A = rng.integers(-128, 127, size=(M, K), endpoint=True).astype(np.int8)
    B = rng.integers(-8, 7, size=(K, N), endpoint=True).astype(np.int8)  # int4 values
    C = np.zeros((M, N), dtype=np.int32)

    prog = dato.compile(packed_systolic)
    prog.run(A, B, C, backend="sim")
    expected = A.astype(np.int32) @ B.astype(np.int32)
    assert np.array_equal(C, expected), "C != A @ B"

    timed = dato.compile(packed_systolic, target="npu1_4col").run(A, B, C, backend="perf")
    assert np.array_equal(C, expected), "the performance simulator computed another C"
    print(
        f"07_packed_systolic: ok, int8 {M}x{K} @ int4 {K}x{N} on a {P}x{P} array, weights "
        f"packed 8 to a UInt(32) word, {timed.cycles} cycles on npu1_4col"
    )


if __name__ == "__main__":
    main()
