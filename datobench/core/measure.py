"""Measured against predicted: a program run on the device several times, timed beside the
perf model's prediction, so that the model's fidelity on the user's own device can be seen.

One warm-up run comes first (the first run on a freshly loaded xclbin also pays for buffer
allocation and cold caches, which a steady state does not); then ``runs`` timed runs. The
fastest is the measurement, being the one least disturbed by the host; the slowest shows the
spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WARMUP_RUNS = 1
TIMED_RUNS = 3


@dataclass(frozen=True)
class Measurement:
    """The kernel times of the timed device runs (``XrtResult.kernel_seconds``: the call and its
    wait, without the host's copies, which the model does not predict) and the perf model's
    prediction for the same program, in seconds."""

    seconds: tuple[float, ...]
    predicted: float
    warmup: int

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def slowest(self) -> float:
        return max(self.seconds)

    @property
    def ratio(self) -> float:
        """Measured over predicted: above 1 the device is slower than the model says."""
        return self.best / self.predicted


@dataclass(frozen=True)
class NotRun:
    """Why a program was not measured on the device: one line saying what is missing or what
    failed, and the whole message, which says how to get it."""

    line: str
    detail: str


def measure(
    program,
    arrays: list[np.ndarray],
    predicted: float,
    runs: int = TIMED_RUNS,
    warmup: int = WARMUP_RUNS,
    **options,
) -> Measurement:
    """Run ``program`` on the device with ``backend="xrt"`` and ``options`` (``xclbin=``,
    ``insts=``): ``warmup`` untimed runs, then ``runs`` timed ones, all on ``arrays``."""
    for _ in range(warmup):
        program.run(*arrays, backend="xrt", **options)
    seconds = tuple(
        program.run(*arrays, backend="xrt", **options).kernel_seconds for _ in range(runs)
    )
    return Measurement(seconds, predicted, warmup)
