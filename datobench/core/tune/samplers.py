"""The samplers ``dato.tune`` offers: TPE that never proposes a point twice (the default),
random search, or the grid of every point.

A point's record never changes (compiling and timing it is deterministic), so a trial of a
point tried before is a trial spent learning nothing. Optuna's TPE does not know that: on a
tile-size space of a thousand points it proposes a third of its trials again, more and more
as its model of the good points narrows (on the npu1_4col int8/int8 row of
``benchmarks/tune_gemm.py``, 68 of 200 trials in the median of 10 seeds). ``FreshTPE`` takes,
of the candidates TPE draws from its model, the most promising one not tried yet.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

from datobench.core.errors import DatoTypeError
from datobench.core.tune.space import Space

# random trials before TPE models the results (Optuna's default is 10): tile-size spaces are
# mostly refused points around a small fast corner, which TPE finds once it has a few results
# to model (on the npu1_4col spaces of benchmarks/tune_gemm.py, 30 seeds: 10-30% fewer
# trials to within 2% of the optimum than with 10 on three rows of four, in the median)
TPE_STARTUP = 5
# TPE draws Optuna's default 24 candidates from its model of the good points and takes the most
# promising untried one. On benchmarks/tune_gemm.py (10 seeds, trials to within 2% of the
# optimum, median), 64 candidates did better on four rows of five (npu1_4col int8/int8 20.5 vs
# 23, int8/int16 35.5 vs 49, int8/int32 21.5 vs 26.5; npu2 bf16 49 vs 37) but on npu1_4col bf16
# (15 feasible points in 1029) one seed met no feasible point in 200 trials: a narrower model
# that does not leave the refused region
# the states of the trials whose points are tried (or being tried)
TRIED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)


class FreshTPE(optuna.samplers.TPESampler):
    """Optuna's multivariate TPE, choosing among its candidates only points no trial of the
    study has (finished or in flight). Its first trials (``TPE_STARTUP``), and any trial whose
    candidates were all tried, take a random point not tried yet. (The study's first trial
    knows no space yet: Optuna's random sampling chooses it.)"""

    def __init__(self, seed: int | None = None):
        with warnings.catch_warnings():  # multivariate TPE: tile sizes interact
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            super().__init__(
                seed=seed,
                multivariate=True,
                n_startup_trials=TPE_STARTUP,
            )
        self._draws = np.random.default_rng(seed)
        # one trial chooses at a time (Optuna's trials run in threads), knowing the points
        # chosen for the trials in flight, which have not all asked for their values yet
        self._lock = threading.Lock()
        self._given: dict[int, dict] = {}  # trial number -> the point chosen for it
        self._tried = None  # while choosing: the names and the points tried

    def sample_relative(
        self, study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict:
        names = sorted(search_space)
        with self._lock:
            tried = set()
            for other in study.get_trials(deepcopy=False, states=TRIED):
                params = {**self._given.get(other.number, {}), **other.params}
                if other.number != trial.number and all(n in params for n in names):
                    tried.add(_internal(params, search_space, names))
            self._tried = names, tried
            try:
                chosen = super().sample_relative(study, trial, search_space)
            finally:
                self._tried = None
            # nothing chosen: one of the first trials, random; or every candidate was tried
            if not chosen or _internal(chosen, search_space, names) in tried:
                chosen = self._untried(search_space, names, tried) or chosen
            self._given[trial.number] = chosen
        return chosen

    def _compute_acquisition_func(self, samples: dict, mpe_below, mpe_above) -> np.ndarray:
        """TPE's score of each candidate (Optuna's hook, called by its sampling in
        ``sample_relative``), with the points tried already scored lowest, so that they are
        never taken while another candidate is new."""
        scores = super()._compute_acquisition_func(samples, mpe_below, mpe_above)
        names, tried = self._tried or ((), set())
        if tried and all(n in samples for n in names):
            old = [tuple(map(float, point)) in tried for point in zip(*(samples[n] for n in names))]
            scores = np.where(old, -np.inf, scores)
        return scores

    def _untried(self, search_space: dict, names: list[str], tried: set, draws: int = 1000):
        """A random point not tried yet (None when ``draws`` draws found none)."""
        for _ in range(draws):
            point = {n: _draw(self._draws, search_space[n]) for n in names}
            if _internal(point, search_space, names) not in tried:
                return point
        return None


def _internal(point: dict, search_space: dict, names: list[str]) -> tuple:
    """A point as Optuna's distributions store it (a category by its position)."""
    return tuple(float(search_space[n].to_internal_repr(point[n])) for n in names)


def _draw(draws: np.random.Generator, distribution: BaseDistribution):
    """A random value of one of the space's distributions (categories or a step of ints)."""
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[draws.integers(len(distribution.choices))]
    steps = (distribution.high - distribution.low) // distribution.step
    return int(distribution.low + distribution.step * draws.integers(steps + 1))


def make_sampler(sampler, seed: int, space: Space):
    """Optuna's sampler: TPE that proposes no point twice (learning from the trials'
    constraints where the feasible points lie), random, or the grid of every point; or the
    user's own sampler instance."""
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    if sampler == "tpe":
        return FreshTPE(seed=seed)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if sampler == "grid":
        return optuna.samplers.GridSampler(space.grid(), seed=seed)
    raise DatoTypeError(
        f"sampler {sampler!r} is not 'tpe', 'random' or 'grid', nor an optuna sampler"
    )
