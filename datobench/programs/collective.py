"""A cooperative GEMV built from collectives: a feeder scatters the vector, a row of workers
each multiply their block of columns, and a reducer gathers and sums the partial results."""

from __future__ import annotations

import datobench as dato
from datobench import R, RegionFunction, S, Stream, int16, int32


def cooperative_gemv(M: int = 32, K: int = 64, P: int = 4) -> RegionFunction:
    """Y = A x for an int16 matrix A[M, K] and vector x, accumulated in int32, on P workers.

    x arrives as X[P, K // P], one block per worker. ``dato.scatter(x, xs[:])`` puts block k
    on channel ``xs[k]``; worker k multiplies its columns of A (``@ [R, S(0)]``) by it and puts
    its partial int32[M] result on ``parts[k]``; ``dato.gather(parts[:])`` stacks the P partials
    into an int32[P, M] tile, which the reducer sums over axis 0 (examples/08_collective.py).
    """
    KT = K // P  # columns (and vector entries) per worker

    @dato.region
    def gemv(A: int16[M, K], X: int16[P, KT], Y: int32[M]):
        xs: Stream[int16[KT], 2][P]  # the vector's blocks, one channel per worker
        parts: Stream[int32[M], 2][P]  # the partial results, one channel per worker

        @dato.task(args=[X])
        def feeder(x: int16[P, KT]):
            dato.scatter(x, xs[:])  # x[k] on xs[k], for k = 0 .. P-1

        @dato.task(mapping=[P], args=[A])
        def worker(a: int16[M, K] @ [R, S(0)]):
            k = dato.pid()
            xk = xs[k].get().astype(int32)
            parts[k].put((a.astype(int32) * xk).sum(axis=1))

        @dato.task(args=[Y])
        def reducer(y: int32[M]):
            y[:] = dato.gather(parts[:]).sum(axis=0)  # int32[P, M] summed over the workers

    return gemv
