"""Example 8: collectives. A cooperative GEMV, y = A x, spread over a row of workers.

    feeder --xs[0..3]--> worker_0 .. worker_3 --parts[0..3]--> reducer

The feeder holds x in P blocks, X[P, K // P], and `dato.scatter(x, xs[:])` puts block k on
channel xs[k] of the stream array xs: one put per channel, in order. Worker k owns columns
k * K/P to (k + 1) * K/P of A (`@ [R, S(0)]`: dimension 1 split over mapping axis 0) and
multiplies them by its block, giving a partial int32[M] result that it puts on parts[k]. The
reducer's `dato.gather(parts[:])` gets one element from each channel of parts and stacks them
along a new leading axis, int32[P, M], which it sums over the workers (axis 0).

A selection of channels reads like numpy indexing of an array shaped like the stream array:
`parts[:]` is all four, `parts[1:3]` two of them, and for a 2-D array `grid[i, :]` is row i
(an index drops its dimension) and `grid[:, j]` column j. The front end expands a collective
into the gets and puts it means, so sim, perf, csim and the NPU design run it alike.
"""

import numpy as np

import datobench as dato
from datobench.programs import cooperative_gemv

M, K = 32, 64  # A is int16[M, K]
P = 4  # workers

# The program is written once, in datobench/programs/collective.py (read it next to this
# script): the stream arrays xs and parts, the tasks feeder, worker (on [P]) and reducer.
gemv = cooperative_gemv(M, K, P)


def main():
    rng = np.random.default_rng(0)
    A = rng.integers(-100, 100, size=(M, K)).astype(np.int16)
    x = rng.integers(-100, 100, size=K).astype(np.int16)
    Y = np.zeros(M, dtype=np.int32)

    prog = dato.compile(gemv)
    prog.run(A, x.reshape(P, K // P), Y, backend="sim")  # x in P blocks, one per worker

    expected = A.astype(np.int32) @ x.astype(np.int32)
    assert np.array_equal(Y, expected), "Y != A @ x"
    timed = dato.compile(gemv, target="npu1_4col").run(
        A, x.reshape(P, K // P), np.zeros_like(Y), backend="perf"
    )
    print(
        f"08_collective: ok, {M}x{K} GEMV scattered to {P} workers and gathered, exact in "
        f"int32; {timed.cycles} cycles on npu1_4col"
    )


if __name__ == "__main__":
    main()
