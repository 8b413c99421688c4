"""Example 1: the smallest dataflow program, one producer and one consumer.

The producer reads a 64-element vector from off-chip memory and sends it, 16 elements at a
time, into a stream. The consumer takes the tiles out of the stream, adds 1.0 and writes the
result back to off-chip memory. The stream holds at most 2 tiles, so the producer has to wait
whenever the consumer falls two tiles behind: this is how the two tasks run in lock-step on two
tiles of an accelerator.
"""

import numpy as np

from datobench.programs import pipeline as make_pipeline

# The program is written once, in datobench/programs/producer_consumer.py (read it next to
# this script): a region with a stream `pipe` of 16-element float32 tiles, depth 2, a task
# `producer` that puts A on it tile by tile, and a task `consumer` that writes B = tile + 1.
pipeline = make_pipeline(n=16, depth=2)


def main():
    A = np.arange(64, dtype=np.float32)
    B = np.zeros(64, dtype=np.float32)

    # Calling the region runs the functional simulator; B is written in place.
    pipeline(A, B)

    assert np.allclose(B, A + 1), "consumer output differs from A + 1"
    print(f"01_producer_consumer: ok, B[:4] = {B[:4]} (A + 1 over 4 tiles of 16)")


if __name__ == "__main__":
    main()
