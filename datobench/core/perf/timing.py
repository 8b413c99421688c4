"""What the cost model tells the perf runtime about a channel and about a DDR stream, for
every target kind."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelTiming:
    latency: int  # cycles from a put to the element being available to the consumer
    transfer: int  # cycles the link is busy per element (serialises successive puts)
    get_cycles: int


@dataclass(frozen=True)
class DmaTiming:
    cycles_per_byte: float
    setup: int


def fifo_timing(timing: dict, element_bytes: int) -> ChannelTiming:
    """A plain FIFO: ``fifo_latency`` cycles through it, ``fifo_bytes_per_cycle`` per cycle."""
    latency = timing.get("fifo_latency", 1)
    return ChannelTiming(latency, math.ceil(element_bytes / timing["fifo_bytes_per_cycle"]), 0)
