"""dato.tune against the published hand-tuned whole-array GEMMs, in the same calibrated model.

For each published design (Taka et al., "Striking the Balance", arXiv 2512.13282: Table 2 on
XDNA / npu1_4col, Table 3 on XDNA2 / npu2; REFERENCES.md), the per-core tile sizes m, k, n are
tuned over the multiples of 8 that divide the core's share of the problem, from 64 along m and
n and from 32 along k, up to 256: a smaller tile is never competitive (each element of A and
B is fetched once per tile of C across it) and takes minutes to simulate.

Printed side by side: the published tiles simulated in our model; the tuned ones, from a TPE
search warm-started from the published tiles (``dato.tune(start=)``, Optuna's enqueued trial),
so never slower; their ratio (published time / tuned time; goal: at least 1 on every row);
and the trials TPE needed to get within 2% of the best it or random search found, against
random search, both with the same budget and neither warm-started (goal: at most half).

The three searches of a row are one job (same region, space, target and objective), so each
point is simulated once per run and the later searches are told its record. The default
budget (16 trials per search) is what ``make bench`` affords; the issue's full budget is

    .venv/bin/python benchmarks/tune_gemm.py --trials 200 [--workers N]

which simulates a few hundred 4K GEMMs (seconds to a minute each): an hour or more on two
cores.
"""

from __future__ import annotations

import argparse
import math
import time

import datobench as dato
from datobench import bf16, int8, int16, int32
from datobench.programs import whole_array_gemm

GRIDS = {"npu1_4col": (4, 4), "npu2": (4, 8)}
DESIGNS = [
    # target, M, K, N, published per-core m, k, n, in, out
    ("npu1_4col", 4032, 4032, 4032, 112, 112, 112, int8, int8),
    ("npu1_4col", 4224, 4032, 4224, 96, 112, 96, int8, int16),
    ("npu1_4col", 4160, 4224, 4224, 80, 88, 96, int8, int32),
    ("npu1_4col", 4224, 4032, 4224, 96, 56, 96, bf16, bf16),
    ("npu2", 4032, 4320, 4608, 144, 72, 144, int8, int8),
    ("npu2", 4096, 4320, 4480, 128, 72, 112, int8, int16),
    ("npu2", 4224, 4224, 4608, 96, 64, 96, int8, int32),
    ("npu2", 4032, 4224, 4608, 112, 48, 96, bf16, bf16),
]
WITHIN = 1.02
SMALLEST = {"m": 64, "k": 32, "n": 64}
LARGEST = 256
BUDGET = 16  # trials per search by default: what `make bench` affords


def tiles(extent: int, dimension: str) -> list[int]:
    """The candidate tile sizes along a dimension of ``extent`` elements per core."""
    found = dato.divisors_of(extent, multiple_of=8)
    return [d for d in found if SMALLEST[dimension] <= d <= LARGEST]


def trials_to_reach(tuning, goal: float) -> int | None:
    """The number of trials after which the best time so far is within ``goal``."""
    best = float("inf")
    for n, seconds in enumerate(tuning.trials.seconds, start=1):
        if seconds == seconds:  # not NaN: the point was feasible
            best = min(best, seconds)
        if best <= goal:
            return n
    return None


def tune_design(design, trials: int, workers: int | None):
    """TPE and random search from nothing, and TPE started from the published tiles."""
    target, M, K, N, pm, pk, pn, t_in, t_out = design
    rows, cols = GRIDS[target]
    m, k, n = dato.symbol("m"), dato.symbol("k"), dato.symbol("n")
    region = whole_array_gemm(M, K, N, m, k, n, t_in, t_out, rows, cols)
    extents = {"m": M // rows, "k": K, "n": N // cols}
    space = {d: tiles(extent, d) for d, extent in extents.items()}
    runs = {}
    for name, sampler, start in (
        ("tpe", "tpe", []),
        ("random", "random", []),
        ("warm", "tpe", [{"m": pm, "k": pk, "n": pn}]),
    ):
        runs[name] = dato.tune(
            region, target=target, space=space, trials=trials, sampler=sampler,
            workers=workers, progress=False, start=start,
        )  # fmt: skip
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=BUDGET)
    parser.add_argument("--workers", type=int, default=None)
    options = parser.parse_args()
    start = time.perf_counter()
    print(
        f"tune_gemm: published tiles vs dato.tune, same model, {options.trials} trials per "
        "search; tuned: TPE started from the published tiles; trials to 2%: TPE and random "
        "search, neither warm-started"
    )
    print(
        f"  {'target':<10} {'dtype':<10} {'M x K x N':<16} {'published':>13} {'us':>9}  "
        f"{'tuned':>13} {'us':>9}  {'ratio':>5}  {'TPE':>5} {'random':>6}  (trials to 2%)"
    )
    ratios, speedups = [], []
    for design in DESIGNS:
        target, M, K, N, pm, pk, pn, t_in, t_out = design
        runs = tune_design(design, options.trials, options.workers)
        published = runs["warm"].trials.seconds[0]  # its first trial
        tuned = runs["warm"].best
        seconds = tuned.values["seconds"]
        found = [runs[s].trials.seconds.min() for s in ("tpe", "random")]  # NaN: none feasible
        goal = WITHIN * min((f for f in found if f == f), default=math.nan)
        tpe, rnd = (trials_to_reach(runs[s], goal) for s in ("tpe", "random"))
        ratios.append(published / seconds)
        if tpe is not None:
            speedups.append((rnd or options.trials + 1) / tpe)
        tile = "x".join(str(tuned.params[d]) for d in "mkn")
        print(
            f"  {target:<10} {t_in.name + '/' + t_out.name:<10} {f'{M}x{K}x{N}':<16} "
            f"{f'{pm}x{pk}x{pn}':>13} {published * 1e6:9.0f}  {tile:>13} {seconds * 1e6:9.0f}  "
            f"{published / seconds:5.2f}  {tpe or '-':>5} {rnd or f'>{options.trials}':>6}",
            flush=True,
        )
    print(
        f"  tuned at least as fast on every row: {'yes' if min(ratios) >= 1 else 'no'} "
        f"(ratios {min(ratios):.2f} to {max(ratios):.2f}); TPE needed at most half of random's "
        f"trials on {sum(s >= 2 for s in speedups)} of {len(DESIGNS)} rows"
    )
    print(f"  ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
