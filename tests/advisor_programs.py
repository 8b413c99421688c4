"""Programs for the FIFO depth advisor's tests: a producer held up by a shallow FIFO (with a
symbolic and with a literal depth), and one whose second FIFO slot does not fit an NPU tile."""

from __future__ import annotations

import datobench as dato
from datobench import Stream, float32

D = dato.symbol("D")


# The producer puts its eight tiles, then has work of its own; the consumer is slow on each
# tile. A shallow FIFO keeps the producer waiting on a full FIFO before its own work.
@dato.region
def burst(
    A: float32[8, 32, 32],
    W: float32[32, 32],
    B: float32[8, 32, 32],
    C: float32[64, 64],
    E: float32[64, 64],
):
    pipe: Stream[float32[32, 32], D]

    @dato.task(args=[A, C, E])
    def producer(a: float32[8, 32, 32], c: float32[64, 64], e: float32[64, 64]):
        for i in range(8):
            pipe.put(a[i, :, :])
        e[:, :] = dato.matmul(c[:, :], c[:, :])

    @dato.task(args=[W, B])
    def consumer(w: float32[32, 32], b: float32[8, 32, 32]):
        for i in range(8):
            x = pipe.get()
            b[i, :, :] = dato.matmul(x, w[:, :])


# the same with a literal depth
@dato.region
def burst_literal(
    A: float32[8, 32, 32],
    W: float32[32, 32],
    B: float32[8, 32, 32],
    C: float32[64, 64],
    E: float32[64, 64],
):
    pipe: Stream[float32[32, 32], 1]

    @dato.task(args=[A, C, E])
    def producer(a: float32[8, 32, 32], c: float32[64, 64], e: float32[64, 64]):
        for i in range(8):
            pipe.put(a[i, :, :])
        e[:, :] = dato.matmul(c[:, :], c[:, :])

    @dato.task(args=[W, B])
    def consumer(w: float32[32, 32], b: float32[8, 32, 32]):
        for i in range(8):
            x = pipe.get()
            b[i, :, :] = dato.matmul(x, w[:, :])


# A tile of 16 KiB: on an npu1 compute tile the input's ping-pong buffer and one FIFO slot fit
# (48 KiB of 63), a second slot does not.
@dato.region
def big_tiles(A: float32[8, 32, 128], W: float32[128, 32], B: float32[8, 32, 32]):
    pipe: Stream[float32[32, 128], D]

    @dato.task(args=[A])
    def producer(a: float32[8, 32, 128]):
        for i in range(8):
            pipe.put(a[i, :, :])

    @dato.task(args=[W, B])
    def consumer(w: float32[128, 32], b: float32[8, 32, 32]):
        for i in range(8):
            x = pipe.get()
            b[i, :, :] = dato.matmul(x, w[:, :])
