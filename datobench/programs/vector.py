"""A sharded vector add: the smallest program with a mapping and a layout."""

from __future__ import annotations

import datobench as dato
from datobench import RegionFunction, S, float32


def vector_add(N: int = 1024, P: int = 4, CHUNK: int = 64) -> RegionFunction:
    """C = A + B for float32 vectors of N elements on P instances of the task ``add``.

    ``mapping=[P]`` makes the instances add_0 ... add_{P-1}; the layout ``@ [S(0)]`` splits each
    vector across them, so inside the task ``a``, ``b`` and ``c`` have the local shape
    float32[N // P], which the instance works through in CHUNK-element steps
    (examples/02_vector_add.py).
    """
    LOCAL = N // P  # elements owned by one instance

    @dato.region
    def vector_add(A: float32[N], B: float32[N], C: float32[N]):
        @dato.task(mapping=[P], args=[A, B, C])
        def add(a: float32[N] @ [S(0)], b: float32[N] @ [S(0)], c: float32[N] @ [S(0)]):
            # Each instance loops over its own shard; indices are local to the shard.
            for t in range(LOCAL // CHUNK):
                c[t * CHUNK : (t + 1) * CHUNK] = (
                    a[t * CHUNK : (t + 1) * CHUNK] + b[t * CHUNK : (t + 1) * CHUNK]
                )

    return vector_add
