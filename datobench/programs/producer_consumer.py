"""The smallest dataflow program: one producer and one consumer joined by a stream."""

from __future__ import annotations

import datobench as dato
from datobench import RegionFunction, Stream, float32


def pipeline(n: int = 16, depth: int = 2) -> RegionFunction:
    """B = A + 1 for two vectors of 4 n float32 elements, passed in n-element tiles.

    The producer reads A from off-chip memory and puts it on the stream ``pipe`` one tile at a
    time; the consumer adds 1.0 and writes B. ``pipe`` holds ``depth`` tiles, so the producer
    waits whenever the consumer falls that far behind (examples/01_producer_consumer.py).
    """

    @dato.region
    def pipeline(A: float32[4 * n], B: float32[4 * n]):
        # A stream of n-element float32 tiles with room for `depth` of them.
        pipe: Stream[float32[n], depth]

        # `args=[A]` binds the task's first parameter to the region's tensor A.
        @dato.task(args=[A])
        def producer(a: float32[4 * n]):
            for i in range(4):
                pipe.put(a[i * n : (i + 1) * n])  # reading a slice of `a` is a DMA transfer in

        @dato.task(args=[B])
        def consumer(b: float32[4 * n]):
            for i in range(4):
                # The literal 1.0 takes the tile's type, float32.
                b[i * n : (i + 1) * n] = pipe.get() + 1.0  # writing a slice is a transfer out

    return pipeline
