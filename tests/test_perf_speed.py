"""The timing-only perf simulator's shortcuts change no cycle: the DRAM calendar's jump over
exhausted buckets against a plain walk of every bucket, and the scheduler's skipped catch-up
stops against cycle counts recorded before they existed."""

from __future__ import annotations

import random

import pytest

import datobench as dato
from datobench import bf16, int8
from datobench.core.perf.runtime import DramCalendar
from datobench.programs import whole_array_gemm


def walk_every_bucket(left: dict, rate: float, width: int, start, size, port_rate) -> float:
    """The calendar's rule, bucket by bucket, with nothing skipped."""
    t = start
    rate_ = min(port_rate, rate)
    while True:
        b = int(t // width)
        bucket_end = (b + 1) * width
        room = left.get(b, rate * width)
        moved = min(room, rate_ * (bucket_end - t), size)
        left[b] = room - moved
        size -= moved
        if size <= 1e-9:
            return min(t + moved / rate_, bucket_end)
        t = bucket_end


@pytest.mark.parametrize("seed", range(4))
def test_jumping_over_exhausted_buckets_gives_exactly_the_bucket_walk(seed):
    rng = random.Random(seed)
    cal, left = DramCalendar(15.0, 256), {}
    for _ in range(400):  # crowded: most transfers meet buckets with nothing left
        start = rng.choice([rng.uniform(0, 5_000), float(rng.randrange(0, 5_000, 256))])
        size = rng.choice([0, rng.randint(1, 20_000)])
        port = rng.choice([2.0, 4.0, 15.0, 32.0])
        assert cal.transfer(start, size, port) == walk_every_bucket(
            left, 15.0, 256, start, size, port
        )
    assert cal.left == left


@pytest.mark.parametrize("seed", range(4))
def test_sizes_at_a_whole_number_of_buckets_give_exactly_the_bucket_walk(seed):
    """Transfers that end at, or within a hair of, a bucket's end: the calendar's steps for a
    whole bucket's worth and for a bucket's last bytes must stop exactly where the walk does."""
    rng = random.Random(seed)
    cal, left = DramCalendar(15.0, 256), {}
    for _ in range(400):
        port = rng.choice([2.0, 4.0, 15.0, 32.0])
        whole = min(port, 15.0) * 256
        hair = rng.choice([0.0, 1e-10, -1e-10, 5e-7, -5e-7, 2e-6, -2e-6, 1e-3])
        size = rng.randint(1, 12) * whole + hair
        start = float(rng.randrange(0, 6_000, 256)) + rng.choice([0.0, 0.0, rng.uniform(0, 256)])
        assert cal.transfer(start, size, port) == walk_every_bucket(
            left, 15.0, 256, start, size, port
        )
    assert cal.left == left


@pytest.mark.parametrize(
    "sizes, dtype, cycles, events",
    [
        ((1024, 1024, 1024, 128, 64, 128), int8, 368_392, 2_112),
        ((4032, 4032, 4032, 112, 112, 112), int8, 20_596_760, 94_608),
        ((1056, 1008, 1056, 96, 56, 96), bf16, 495_616, 2_368),
    ],
)
def test_timing_only_gemm_cycles_are_those_recorded_before_the_speed_up(
    sizes, dtype, cycles, events
):
    prog = dato.compile(whole_array_gemm(*sizes, dtype, dtype), target="npu1_4col")
    result = prog.run(backend="perf", values=False)
    assert (result.cycles, result.events) == (cycles, events)
