"""Example 5: a deadlock, and how datobench reports it.

The producer sends two tiles on stream `a`, then two on stream `b`. The consumer reads `b`
first. Stream `a` has room for only one tile, so:

    producer: a.put(tile 0)  ok, a is now full
    producer: a.put(tile 1)  waits for room in a ...
    consumer: b.get()        waits for data in b ...

Each task waits for the other and neither can move: a deadlock. On hardware this is a hang
with no message. The functional simulator notices that every live task instance is blocked
and raises `dato.DeadlockError`, naming the instances, the streams they wait on, the source
lines and how full each stream is. Giving `a` depth 2, or reading `a` first, fixes it.
"""

import re

import numpy as np

import datobench as dato
from datobench import Stream, float32


@dato.region
def crossed(X: float32[64], Y: float32[64]):
    a: Stream[float32[16], 1]  # room for one tile only
    b: Stream[float32[16], 2]

    @dato.task(args=[X])
    def producer(x: float32[64]):
        for i in range(2):
            a.put(x[i * 16 : (i + 1) * 16])  # the second put blocks: a is full
        for i in range(2):
            b.put(x[(i + 2) * 16 : (i + 3) * 16])

    @dato.task(args=[Y])
    def consumer(y: float32[64]):
        for i in range(2):
            y[(i + 2) * 16 : (i + 3) * 16] = b.get()  # blocks: b is still empty
        for i in range(2):
            y[i * 16 : (i + 1) * 16] = a.get()


def main():
    X = np.arange(64, dtype=np.float32)
    Y = np.zeros(64, dtype=np.float32)

    try:
        crossed(X, Y)
    except dato.DeadlockError as err:
        message = str(err)
    else:
        raise AssertionError("expected a DeadlockError, but the program finished")

    print(message)

    # The report must name both task instances and both streams.
    for word in ("producer", "consumer", "a", "b"):
        assert re.search(rf"\b{word}\b", message), f"deadlock report does not mention {word!r}"
    print("05_deadlock: ok, the simulator reported the deadlock instead of hanging")


if __name__ == "__main__":
    main()
