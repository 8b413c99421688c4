"""Example 10: Cannon's GEMM on a 4 x 4 torus of PEs.

The program is `cannon_gemm` in datobench/programs/cannon.py (read it next to this script):
PE (i, j) keeps its block of C and, at every one of the P steps, passes its A block to the left
and its B block up (both wrapping around), multiplies the two blocks it holds and takes the
next ones from its right and lower neighbours. No PE reads an operand block from DDR twice.
After the last step the blocks passed on stay in the FIFOs, one per channel: a producer may
leave up to a stream's depth behind, and the run's summary says so.

It runs on the functional simulator (checked against numpy) and is timed on the Alveo U280,
whose PEs are joined by FIFOs of any topology. The NPU refuses it: the wrap-around channels
fa[i, P - 1] and fb[P - 1, j] join PEs P - 1 columns (rows) apart, which are not neighbours,
so they go through the stream switch and each takes an output DMA channel of its producer.
PE (0, 0) produces both wrap-arounds and writes its block of C to DDR: 3 output DMA channels,
where an AIE-ML compute tile has 2. The mapper says so, naming the tile and who uses what.
"""

import numpy as np

import datobench as dato
from datobench.programs import cannon_gemm

P = 4  # a P x P torus
MT = KT = NT = 16  # block sizes: A is [P * MT, P * KT], B [P * KT, P * NT]
cannon = cannon_gemm(P, MT, KT, NT, dato.int16, dato.int32)


def main():
    rng = np.random.default_rng(0)
    A = rng.integers(-100, 100, (P * MT, P * KT)).astype(np.int16)
    B = rng.integers(-100, 100, (P * KT, P * NT)).astype(np.int16)
    want = A.astype(np.int32) @ B.astype(np.int32)

    C = np.zeros((P * MT, P * NT), np.int32)
    result = cannon(A, B, C)  # the functional simulator
    assert np.array_equal(C, want), "C != A @ B"
    assert len(result.leftover) == 2 * P * P  # one block left in each fa and fb channel

    prog = dato.compile(cannon, target="u280")
    C[:] = 0
    perf = prog.run(A, B, C, backend="perf")
    assert np.array_equal(C, want)

    try:
        dato.compile(cannon, target="npu1_4col")
        raise AssertionError("the NPU mapped the torus")
    except dato.MappingError as error:
        assert "output DMA channels: 3 used of 2" in str(error)
        print(str(error).splitlines()[0].split(": ", 1)[1])  # the refusal, without the path
    print(f"10_cannon_gemm: ok, {P}x{P} PEs, {perf.cycles} cycles on u280")


if __name__ == "__main__":
    main()
