"""Example 1: the smallest dataflow program, one producer and one consumer.

The producer reads a 64-element vector from off-chip memory and sends it, 16 elements at a
time, into a stream. The consumer takes the tiles out of the stream, adds 1.0 and writes the
result back to off-chip memory. The stream holds at most 2 tiles, so the producer has to wait
whenever the consumer falls two tiles behind: this is how the two tasks run in lock-step on two
tiles of an accelerator.
"""

import numpy as np

import datobench as dato
from datobench import Stream, float32


@dato.region
def pipeline(A: float32[64], B: float32[64]):
    # A stream of 16-element float32 tiles with room for 2 of them.
    pipe: Stream[float32[16], 2]

    # `args=[A]` binds the task's first parameter to the region's tensor A.
    @dato.task(args=[A])
    def producer(a: float32[64]):
        for i in range(4):
            pipe.put(a[i * 16 : (i + 1) * 16])  # reading a slice of `a` is a DMA transfer in

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        for i in range(4):
            # The literal 1.0 takes the tile's type, float32.
            b[i * 16 : (i + 1) * 16] = pipe.get() + 1.0  # writing a slice is a transfer out


def main():
    A = np.arange(64, dtype=np.float32)
    B = np.zeros(64, dtype=np.float32)

    # Calling the region runs the functional simulator; B is written in place.
    pipeline(A, B)

    assert np.allclose(B, A + 1), "consumer output differs from A + 1"
    print(f"01_producer_consumer: ok, B[:4] = {B[:4]} (A + 1 over 4 tiles of 16)")


if __name__ == "__main__":
    main()
