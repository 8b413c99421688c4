"""dato.tune against the published hand-tuned whole-array GEMMs, in the same calibrated model.

For each published design (Taka et al., "Striking the Balance", arXiv 2512.13282: Table 2 on
XDNA / npu1_4col, Table 3 on XDNA2 / npu2; REFERENCES.md), the per-core tile sizes m, k, n are
searched over every multiple of 8 that divides the core's share of the problem, from 64 along
m and n and from 32 along k: a smaller tile is never competitive (each element of A and B is
fetched once per tile of C across it) and takes minutes to simulate. There is no upper bound:
a tile too large for a core's memory is refused by the mapper in milliseconds, before any
simulation, as a user's search would meet it.

The objective is deterministic, so each row's space (a few hundred to a thousand points, most
of them refused) is enumerated once, in the local pool (``dato.tune(sampler="grid")``): that
gives the exhaustive optimum, the published tiles' time, and the table every later search of
the row reads its points from (dato.tune's per-job record of timed points), so the searches
are exactly the searches a user would run and cost no simulation. Printed for each row:

- the published tiles simulated in our model, and the exhaustive optimum;
- tuned: the best point TPE found within the budget, from nothing (no warm start), for the
  median seed and for the worst, and the ratios published time / that time (goal: at least
  1; a user runs one search, so the median seed is the typical one, the worst the bound);
- the trials TPE and random search (same budget, same seeds, neither warm-started) needed to
  get within 2% of the exhaustive optimum: the median over the seeds and the range; a search
  that never got there counts as budget + 1 (shown as >budget). Goal: TPE's median at most
  half of random's.

The default (the npu1_4col int8/int8 row, 5 seeds, 200 trials) is what ``make bench``
affords: one enumeration of 1029 points (98 feasible), a few minutes on two idle cores; the
searches themselves take seconds. The issue's full benchmark (every row, 10 seeds) is

    .venv/bin/python benchmarks/tune_gemm.py --all --seeds 10 [--workers N]

one enumeration per row (420 to 1029 points); the npu2 rows cost the most (their feasible
points simulate 32 cores), so plan on an hour or more on two cores. With ``--cache DIR``
(off by default; the run says when it is on) each row's records are kept in DIR, in a file
named by the row, its space and the text of every datobench source that decides a record (all
but the files of dato.tune that choose and show the points), and a later run reads them there
instead of enumerating: a change to the sampler is measured on every row in minutes.
``--rows 0,7`` runs those rows only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import time
from pathlib import Path

import datobench as dato
from datobench import bf16, int8, int16, int32
from datobench.core.tune.search import timed_points
from datobench.core.tune.space import make_space
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
TRIALS, SEEDS = 200, 5
SAMPLERS = ("tpe", "random")
# the files that choose and show a search's points, not what a point's record holds: a cached
# enumeration stays valid when they change (every other file of datobench keys the cache)
SEARCH_ONLY = {
    "search.py",
    "samplers.py",
    "space.py",
    "result.py",
    "plots.py",
    "runners.py",
    "__init__.py",
}


def tiles(extent: int, dimension: str) -> list[int]:
    """The candidate tile sizes along a dimension of ``extent`` elements per core."""
    return [d for d in dato.divisors_of(extent, multiple_of=8) if d >= SMALLEST[dimension]]


def points(space: dict) -> int:
    """How many points a space has."""
    return math.prod(len(candidates) for candidates in space.values())


def trials_to_reach(tuning, goal: float) -> int | None:
    """The number of trials after which the best time so far is within ``goal``."""
    best = float("inf")
    for n, seconds in enumerate(tuning.trials.seconds, start=1):
        if seconds == seconds:  # not NaN: the point was feasible
            best = min(best, seconds)
        if best <= goal:
            return n
    return None


def row_search(design):
    """The region and space of one row."""
    target, M, K, N, *_, t_in, t_out = design
    rows, cols = GRIDS[target]
    m, k, n = dato.symbol("m"), dato.symbol("k"), dato.symbol("n")
    region = whole_array_gemm(M, K, N, m, k, n, t_in, t_out, rows, cols)
    extents = {"m": M // rows, "k": K, "n": N // cols}
    return region, {d: tiles(extent, d) for d, extent in extents.items()}


def cache_file(cache: Path, design, space: dict) -> Path:
    """Where a row's enumeration is cached: named by the row, its space and the text of every
    datobench source that decides a point's record (the compiler, the mapper, the model)."""
    root = Path(dato.__file__).parent
    digest = hashlib.sha256(repr((design, space)).encode())
    for file in sorted(root.rglob("*.py")):
        if not (file.parent.name == "tune" and file.name in SEARCH_ONLY):
            digest.update(file.relative_to(root).as_posix().encode() + file.read_bytes())
    target, M, K, N, *_, t_in, t_out = design
    name = f"{target}_{t_in.name}_{t_out.name}_{M}x{K}x{N}_{digest.hexdigest()[:16]}.json"
    return cache / name


def load_cached(file: Path, region, target: str, space: dict) -> bool:
    """Put a cached enumeration's records back into dato.tune's session table of timed
    points, so that the grid search reads every point from there; False when there is none."""
    if not file.exists():
        return False
    chosen = make_space(space, set(space), target)
    known = timed_points(region, target=target, space=space)
    for point, record in json.loads(file.read_text()):
        known[tuple(sorted(chosen.stored(point).items()))] = record
    return True


def save_cached(file: Path, region, target: str, space: dict) -> None:
    """Write the session's records of this row's points, keyed by their tile sizes."""
    chosen = make_space(space, set(space), target)
    known = timed_points(region, target=target, space=space)
    rows = [[chosen.values(dict(key)), record] for key, record in known.items()]
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(rows))


def tune_design(design, trials: int, seeds: int, workers: int | None, cache: Path | None):
    """One row: its space enumerated once (or read from ``cache``), then TPE and random search
    for every seed, which read their points from that enumeration (nothing is simulated
    twice)."""
    target, _, _, _, pm, pk, pn, *_ = design
    region, space = row_search(design)
    file = cache and cache_file(cache, design, space)
    cached = file is not None and load_cached(file, region, target, space)
    start = time.perf_counter()
    # twice the points as trials: the search stops once it has seen every one
    grid = dato.tune(
        region, target=target, space=space, sampler="grid", trials=2 * points(space),
        workers=workers, progress=False,
    )  # fmt: skip
    table = grid.trials
    enumerated = time.perf_counter() - start
    if file is not None and not cached:
        save_cached(file, region, target, space)
    published = table.query("m == @pm and k == @pk and n == @pn").seconds.iloc[0]
    optimum = grid.best
    goal = WITHIN * optimum.values["seconds"]
    reached = {s: [] for s in SAMPLERS}
    tuned = []
    for seed in range(seeds):
        for sampler in SAMPLERS:
            run = dato.tune(
                region, target=target, space=space, trials=trials, sampler=sampler, seed=seed,
                workers=1, progress=False,
            )  # fmt: skip
            reached[sampler].append(trials_to_reach(run, goal) or trials + 1)
            if sampler == "tpe":  # NaN when none of its trials was feasible
                tuned.append(run.trials.seconds.min())
    return {
        "points": len(table),
        "feasible": int((table.state == "ok").sum()),
        "enumerated": enumerated,
        "cached": cached,
        "published": published,
        "optimum": optimum,
        # a seed whose TPE search found nothing feasible counts as infinitely slow
        "tuned": sorted(math.inf if math.isnan(t) else t for t in tuned),
        "reached": reached,
    }


def spread(counts: list[int], trials: int) -> str:
    """The median and range of the trials to 2%, a count past the budget shown as such."""

    def shown(n: float) -> str:
        return f">{trials}" if n > trials else f"{n:g}"

    return f"{shown(statistics.median(counts))} [{shown(min(counts))}-{shown(max(counts))}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=TRIALS)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--all", action="store_true", help="every row, not only the first")
    parser.add_argument(
        "--rows", type=lambda s: [int(i) for i in s.split(",")], help="these rows (0-7), e.g. 0,7"
    )
    parser.add_argument(
        "--cache", type=Path, help="keep each row's enumeration in this folder and reuse it"
    )
    options = parser.parse_args()
    designs = DESIGNS if options.all else DESIGNS[:1]
    if options.rows:
        designs = [DESIGNS[i] for i in options.rows]
    if options.cache:
        print(f"tune_gemm: enumerations cached in {options.cache} (enum s: - when read there)")
    start = time.perf_counter()
    print(
        f"tune_gemm: published tiles vs dato.tune, same model; each row's space enumerated once "
        f"(the exhaustive optimum), every search reads its points from it; {options.seeds} seeds "
        f"x {options.trials} trials per sampler, no warm start; tuned: TPE's best, median / "
        "worst seed; trials to within 2% of the optimum: median [range] over the seeds"
    )
    print(
        f"  {'target':<10} {'dtype':<10} {'M x K x N':<15} {'points':>9}  {'published':>11} "
        f"{'us':>7}  {'optimum':>11} {'us':>7}  {'tuned us (med/worst)':>20} {'ratios':>9}  "
        f"{'TPE':>14} {'random':>16}  {'enum s':>6}"
    )
    ratios, worst, halves = [], [], 0
    for design in designs:
        target, M, K, N, pm, pk, pn, t_in, t_out = design
        row = tune_design(design, options.trials, options.seeds, options.workers, options.cache)
        enumerated = "-" if row["cached"] else f"{row['enumerated']:.0f}"
        best = row["optimum"]
        middle, last = statistics.median(row["tuned"]), row["tuned"][-1]
        ratio = row["published"] / middle
        ratios.append(ratio)
        worst.append(row["published"] / last)
        tpe, rnd = (statistics.median(row["reached"][s]) for s in SAMPLERS)
        halves += 2 * tpe <= rnd
        print(
            f"  {target:<10} {t_in.name + '/' + t_out.name:<10} {f'{M}x{K}x{N}':<15} "
            f"{row['feasible']:>4}/{row['points']:<4}  {f'{pm}x{pk}x{pn}':>11} "
            f"{row['published'] * 1e6:7.0f}  {'x'.join(str(best.params[d]) for d in 'mkn'):>11} "
            f"{best.values['seconds'] * 1e6:7.0f}  {middle * 1e6:9.0f} / {last * 1e6:8.0f} "
            f"{ratio:4.2f}/{worst[-1]:4.2f}  "
            f"{spread(row['reached']['tpe'], options.trials):>14} "
            f"{spread(row['reached']['random'], options.trials):>16}  {enumerated:>6}",
            flush=True,
        )
    print(
        f"  tuned at least as fast on every row: median seed {'yes' if min(ratios) >= 1 else 'no'} "
        f"(ratios {min(ratios):.2f} to {max(ratios):.2f}), worst seed "
        f"{'yes' if min(worst) >= 1 else 'no'} ({min(worst):.2f} to {max(worst):.2f}); "
        f"TPE's median at most half of "
        f"random's on {halves} of {len(designs)} rows  ({time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
