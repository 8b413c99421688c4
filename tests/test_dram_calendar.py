"""perf/runtime.py DramCalendar: DRAM bandwidth booked in time buckets and shared by the
transfers that overlap."""

from __future__ import annotations

import random

import pytest

from datobench.core.perf.runtime import DramCalendar

RATE, WIDTH = 4.0, 256  # bytes per cycle, cycles per bucket


def booked(cal: DramCalendar) -> dict[int, float]:
    """Bytes moved in each bucket so far."""
    return {b: cal.rate * cal.width - left for b, left in cal.left.items()}


def test_one_transfer_moves_at_the_dram_rate():
    cal = DramCalendar(RATE, WIDTH)
    assert cal.transfer(0.0, 1024, port_rate=8.0) == pytest.approx(256.0)  # 1024 B / 4 B/cycle


def test_a_transfer_across_buckets_ends_where_its_last_byte_arrives():
    cal = DramCalendar(RATE, WIDTH)
    assert cal.transfer(100.0, 2000, port_rate=RATE) == pytest.approx(600.0)
    assert booked(cal) == pytest.approx({0: 156 * RATE, 1: 1024, 2: 88 * RATE})


def test_a_port_slower_than_dram_caps_the_transfer():
    cal = DramCalendar(RATE, WIDTH)
    assert cal.transfer(0.0, 512, port_rate=1.0) == pytest.approx(512.0)


def test_two_slow_ports_share_dram_without_slowing_each_other():
    cal = DramCalendar(RATE, WIDTH)
    first = cal.transfer(0.0, 512, port_rate=RATE / 2)
    second = cal.transfer(0.0, 512, port_rate=RATE / 2)
    assert first == second == pytest.approx(256.0)


def test_overlapping_transfers_share_the_bandwidth():
    cal = DramCalendar(RATE, WIDTH)
    first = cal.transfer(0.0, 1024, port_rate=RATE)
    second = cal.transfer(0.0, 1024, port_rate=RATE)
    assert first == pytest.approx(256.0)
    assert second == pytest.approx(512.0)  # waits for what the first left over
    assert 2048 / second == pytest.approx(RATE)  # together they ran at DRAM's rate


def test_a_later_transfer_is_not_slowed_by_an_earlier_one_that_has_finished():
    cal = DramCalendar(RATE, WIDTH)
    cal.transfer(0.0, 1024, port_rate=RATE)
    assert cal.transfer(1024.0, 1024, port_rate=RATE) == pytest.approx(1280.0)


@pytest.mark.parametrize("seed", range(5))
def test_dram_bandwidth_is_never_exceeded_and_every_byte_is_booked(seed):
    rng = random.Random(seed)
    cal = DramCalendar(RATE, WIDTH)
    total = 0.0
    for _ in range(200):
        start = rng.uniform(0, 20_000)
        size = rng.randint(1, 8192)
        port = rng.choice([0.5, 1.0, 2.0, 4.0, 8.0])
        end = cal.transfer(start, size, port)
        total += size
        # no transfer outruns its port or DRAM itself
        assert end - start >= size / min(port, RATE) - 1e-6
    per_bucket = booked(cal)
    assert all(-1e-6 <= b <= RATE * WIDTH + 1e-6 for b in per_bucket.values())
    assert sum(per_bucket.values()) == pytest.approx(total)
