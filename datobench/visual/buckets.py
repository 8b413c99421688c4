"""A run's histories summarised per pixel column, so that a chart costs the same whatever the
run's length: a stream's mean and largest fill in each column (and the share of the run it
was full), and the share of each column's cycles a tile spent busy, waiting for input, waiting
for room or idle.

Each summary integrates the piecewise-constant history exactly over the column's cycles, so
that a column's shares add up to one and the columns' mean agrees with the run's totals.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

STATES = ("busy", "in", "out", "idle")  # bottom to top in a timeline lane
STATE_LETTERS = "bwri"  # per STATES: busy, waiting for input, waiting for room, idle


def edges(total: int, columns: int, window: tuple[float, float] | None = None) -> np.ndarray:
    """The cycle at each column boundary (``columns + 1`` of them), over the run or over a
    window of it (a zoomed chart)."""
    start, stop = window if window is not None else (0.0, float(total))
    return np.linspace(float(start), float(stop), columns + 1)


@dataclass
class FillColumns:
    mean: np.ndarray  # time-weighted mean fill per column
    largest: np.ndarray  # largest fill per column
    full_share: float  # share of the run the stream was at its depth


def fill_arrays(perf, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A stream's (cycles, fills) change points as arrays: the simulator's own, or made from
    ``perf.channels`` for a result built otherwise."""
    if name in perf.fill_arrays:
        return perf.fill_arrays[name]
    points = perf.channels[name]
    flat = np.fromiter(itertools.chain.from_iterable(points), float, count=2 * len(points))
    return flat[0::2], flat[1::2]


def fill_columns(
    history: tuple[np.ndarray, np.ndarray], depth: int, total: int, columns: int, window=None
):
    """A stream's fill summarised per column of the run (or of ``window``), from its change
    points (``fill_arrays``); the fill is zero before the first."""
    at, fill = (np.asarray(a, float) for a in history)
    if not len(at) or at[0] > 0:
        at, fill = np.concatenate(([0.0], at)), np.concatenate(([0.0], fill))
    e = edges(total, columns, window)
    length = np.diff(np.concatenate((at, [max(float(total), at[-1])])))
    # the integral of the fill up to each change point, then up to each edge
    area = np.concatenate(([0.0], np.cumsum(fill[:-1] * length[:-1])))
    j = np.searchsorted(at, e, side="right") - 1
    integral = area[j] + fill[j] * (e - at[j])
    mean = np.diff(integral) / np.diff(e)
    # the largest of the change points from the one in force at a column's start to the last
    # one before its end
    first = j[:-1]
    last = np.maximum(np.searchsorted(at, e[1:], side="left") - 1, first)
    largest = np.maximum(np.maximum.reduceat(fill, first), fill[last])
    full = float(length[fill >= depth].sum()) / max(total, 1)
    return FillColumns(mean, largest, full)


def _covered(starts: np.ndarray, stops: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Cycles up to each edge covered by the (disjoint, sorted) intervals."""
    if not len(starts):
        return np.zeros_like(e)
    length = stops - starts
    before = np.concatenate(([0.0], np.cumsum(length)))  # cycles of the intervals before j
    j = np.searchsorted(starts, e, side="right") - 1
    k = np.maximum(j, 0)
    partial = np.clip(e - starts[k], 0.0, length[k])
    return np.where(j >= 0, before[k] + partial, 0.0)


def state_columns(tile, total: int, columns: int, window=None) -> dict[str, np.ndarray]:
    """Share of each column's cycles per state (STATES). A tile's clock only moves forward,
    by busy cycles or by a stall (so its stall segments are in time order and disjoint): it is
    busy wherever it is not stalled until its clock stops, and idle after that."""
    e = edges(total, columns, window)
    width = np.diff(e)
    end = tile.busy + tile.stall_in + tile.stall_out
    active = np.diff(np.minimum(e, end))
    starts, stops, waits_in = tile.segment_arrays()
    shares = {}
    for kind, mask in (("in", waits_in), ("out", ~waits_in)):
        shares[kind] = np.diff(_covered(starts[mask], stops[mask], e)) / width
    shares["busy"] = np.clip(active / width - shares["in"] - shares["out"], 0.0, 1.0)
    shares["idle"] = np.clip(1.0 - active / width, 0.0, 1.0)
    return {s: shares[s] for s in STATES}


def dominant_states(tile, total: int, columns: int) -> str:
    """Each column's dominant state as one letter of STATE_LETTERS: what the browser colours
    a tile by while the scrubber plays, without asking Python."""
    shares = state_columns(tile, total, columns)
    top = np.argmax(np.stack([shares[s] for s in STATES]), axis=0)
    return "".join(np.array(list(STATE_LETTERS))[top])


def covered_columns(spans, e: np.ndarray) -> np.ndarray:
    """Share of each column between edges ``e`` that the (disjoint, sorted) spans cover: a
    DMA engine's transfers one after another."""
    flat = np.asarray(spans, float).reshape(-1, 2)
    return np.diff(_covered(flat[:, 0], flat[:, 1], e)) / np.diff(e)


def union(spans: np.ndarray) -> np.ndarray:
    """Overlapping spans merged: when at least one of them was in flight."""
    if not len(spans):
        return spans.reshape(0, 2)
    spans = spans[np.argsort(spans[:, 0], kind="stable")]
    reach = np.maximum.accumulate(spans[:, 1])
    new = np.concatenate(([True], spans[1:, 0] > reach[:-1]))
    first = np.flatnonzero(new)
    last = np.concatenate((first[1:], [len(spans)])) - 1
    return np.stack((spans[first, 0], reach[last]), axis=1)


class SpreadBytes:
    """Transfers' bytes spread evenly over their spans (one of no length counts where it
    starts), summarised per column exactly. The bytes moved up to a cycle are sums over the
    transfers started and finished by then: sorted once here, each chart's columns then cost
    a binary search per edge, however many transfers there are."""

    def __init__(self, starts: np.ndarray, stops: np.ndarray, sizes: np.ndarray):
        length = stops - starts
        point = length <= 0
        rate = np.where(point, 0.0, sizes / np.where(point, 1.0, length))
        point_sizes = np.where(point, sizes, 0.0)
        self._starts = _prefix_sums(starts, rate, rate * starts, point_sizes)
        self._stops = _prefix_sums(stops, rate, rate * stops)

    def per_cycle(self, e: np.ndarray) -> np.ndarray:
        """Bytes per cycle in each column between edges ``e``."""
        at, (rate, rate_start, points) = self._starts
        k = np.searchsorted(at, e, side="right")
        moved = e * rate[k] - rate_start[k] + points[k]  # rate * (e - start), started ones
        at, (rate, rate_stop) = self._stops
        k = np.searchsorted(at, e, side="right")
        moved -= e * rate[k] - rate_stop[k]  # less what is past the stops of finished ones
        return np.diff(moved) / np.diff(e)


def _prefix_sums(at: np.ndarray, *weights: np.ndarray):
    """``at`` sorted, and each weight's sums over the first k of them (k = 0..n)."""
    order = np.argsort(at, kind="stable")
    return at[order], [np.concatenate(([0.0], np.cumsum(w[order]))) for w in weights]


def waits(tile) -> dict[str, dict[str, float]]:
    """Cycles a tile waited on each stream (or DDR transfer), for "in" and for "out"."""
    return tile.waits()
