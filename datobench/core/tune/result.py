"""What ``dato.tune`` returns: the best point (or the Pareto front), the trials as a table, and
Optuna's plots. Everything is read from the study, so a resumed study shows all its trials."""

from __future__ import annotations

import functools
import math

from datobench.core.compiler import compile
from datobench.core.errors import DatoError, user_facing
from datobench.core.tune.objective import Goal
from datobench.core.tune.space import PRIMITIVES, TARGET, Space
from datobench.core.tune.trial import INFEASIBLE, OK

# per-trial record fields kept as the study's user attributes, in the table's column order
MEASURED = ("cycles", "seconds", "utilization", "memory")
COLUMNS = ("state", "reason", *MEASURED, "wall_time", "worker")


class Best:
    """One chosen point: ``params`` (sizes, and the primitives and target when searched), its
    objectives' ``values``, and, compiled and timed again here, its ``program`` and ``result``
    (the ``PerfResult``)."""

    def __init__(self, tuning: Tuning, trial):
        self._tuning = tuning
        self.trial = trial.number
        sizes, primitives, target = tuning.space.point(trial.params)
        self.params = dict(sizes)
        if PRIMITIVES in trial.params:
            self.params[PRIMITIVES] = list(primitives)
        if TARGET in trial.params:
            self.params[TARGET] = target
        self._compile_args = {"sizes": sizes, "primitives": primitives, "target": target}
        self.values = {g.name: v for g, v in zip(tuning.goals, trial.values)}

    @functools.cached_property
    def program(self):
        args = self._compile_args
        return compile(
            self._tuning.region,
            target=args["target"] or self._tuning.target,
            primitives=args["primitives"],
            sizes=args["sizes"],
        )

    @functools.cached_property
    def result(self):
        return self.program.run(backend="perf", values=False)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"Best(trial {self.trial}: {self.params}; {shown})"


class Tuning:
    """The outcome of a search: ``.best``, ``.program``, ``.trials``, ``.pareto``, ``.plot()``."""

    def __init__(self, study, space: Space, goals: tuple[Goal, ...], region, target):
        self.study = study
        self.space = space
        self.goals = goals
        self.region = region
        self.target = target

    def _feasible(self) -> list:
        return [t for t in self.study.trials if t.user_attrs.get("state") == OK]

    @property
    @user_facing
    def pareto(self) -> list[Best]:
        """Optuna's Pareto front of the feasible trials, best first in the first objective
        (the best trial, for a single objective)."""
        return self._front

    @functools.cached_property
    def _front(self) -> list[Best]:
        if not self._feasible():
            trials = self.study.trials
            reasons = [t.user_attrs["reason"] for t in trials if t.user_attrs.get("reason")]
            infeasible = sum(t.user_attrs.get("state") == INFEASIBLE for t in trials)
            raise DatoError(
                f"none of the {len(trials)} trials was feasible ({infeasible} infeasible, the "
                f"rest failed); the first reason: {reasons[0] if reasons else 'none'}; "
                "see .trials"
            )
        signs = [1 if g.direction == "minimize" else -1 for g in self.goals]
        front = [t for t in self.study.best_trials if t.user_attrs.get("state") == OK]
        front.sort(key=lambda t: ([s * v for s, v in zip(signs, t.values)], t.number))
        return [Best(self, t) for t in front]

    @property
    @user_facing
    def best(self) -> Best:
        """The best feasible point (in the first objective, for a multi-objective search)."""
        return self.pareto[0]

    @property
    @user_facing
    def program(self):
        """The best point's compiled program."""
        return self.best.program

    @property
    @user_facing
    def trials(self):
        """One row per trial: its number, parameters, state (ok, infeasible or failed), the
        reason when not ok, the objectives, cycles, seconds, utilisation, memory (bytes of data
        memory used on all tiles), wall time (s) and worker."""
        import pandas

        names = list(self.space.dimensions)
        extra = [g.name for g in self.goals if g.name not in MEASURED]
        rows = []
        for t in self.study.trials:
            row = {"trial": t.number, **self.space.values(t.params)}
            for column in COLUMNS[:2] + tuple(extra) + COLUMNS[2:]:
                row[column] = t.user_attrs.get(column, math.nan if column != "reason" else "")
            if "state" not in t.user_attrs:  # a trial still running (or left so by a stop)
                row["state"] = t.state.name.lower()
            rows.append(row)
        return pandas.DataFrame(rows, columns=["trial", *names, *COLUMNS[:2], *extra, *COLUMNS[2:]])

    @user_facing
    def plot(self) -> list:
        """Optuna's plots of the feasible trials, as matplotlib figures: the convergence (or
        the Pareto front) and each parameter's influence on each objective."""
        from datobench.core.tune.plots import figures

        return figures(self.study, self.goals, self._feasible())

    def __repr__(self) -> str:
        states = self.trials["state"].value_counts().to_dict()
        counts = ", ".join(f"{n} {s}" for s, n in states.items())
        return f"Tuning({len(self.study.trials)} trials: {counts})"
