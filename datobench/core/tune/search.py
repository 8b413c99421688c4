"""``dato.tune``: Optuna chooses the points, workers compile and time them, the study keeps
the results.

Known constraints (the front end's and the mapper's checks) reject a point when it is
compiled, before any simulation; an unknown one shows only when the point is simulated. Both
reach the sampler the same way, through Optuna's constraints: such a trial is complete with a
violated constraint, so TPE learns where the feasible region lies, and its told value (the
worst possible) is never the best.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Mapping
from concurrent.futures import Future

import optuna
import tqdm

from datobench.core.compiler import RegionFunction
from datobench.core.errors import DatoTypeError
from datobench.core.ir.types import Symbol
from datobench.core.targets import load_target
from datobench.core.tune.objective import Goal
from datobench.core.tune.objective import goals as make_goals
from datobench.core.tune.result import COLUMNS, Tuning
from datobench.core.tune.runners import runner
from datobench.core.tune.samplers import make_sampler
from datobench.core.tune.space import TARGET, Space, make_space
from datobench.core.tune.trial import FAILED, INFEASIBLE, OK, make_job, used_names
from datobench.core.validate import whole_number

MAX_TRIALS = 1_000_000
# the points timed in this session: sha256 of a search's job -> point -> record. The job holds
# the region, the space, the target and the objectives (cloudpickled, the same bytes for the
# same search), so a later search of the same job (another sampler or seed, more trials) is
# told these records instead of simulating the points again
TIMED: dict[bytes, dict[tuple, dict]] = {}


def tune(
    region: RegionFunction,
    target=None,
    space: dict | None = None,
    objective="seconds",
    trials: int = 200,
    seed: int = 0,
    scheduler=None,
    workers: int | None = None,
    progress: bool | type = True,
    storage: str | None = None,
    sampler="tpe",
    start=(),
) -> Tuning:
    """Search ``space`` for the point of ``region`` that optimises ``objective`` on ``target``.

    ``trials`` counts the study's trials: a stored study (``storage=``) that has some already
    runs only the rest. ``progress`` is a bool or the tqdm class to draw the bar with.
    ``start`` lists points tried first, before the sampler chooses (Optuna's enqueued
    trials): a known design to improve on; a point the study has tried already is skipped.
    """
    if not isinstance(region, RegionFunction):
        raise DatoTypeError(f"dato.tune takes a @dato.region function, not {region!r}")
    trials = whole_number(trials, "trials", 1, MAX_TRIALS)
    chosen = make_space(space, symbolic_sizes(region), target)
    for each in [target, *chosen.objects.get(TARGET, {}).values()]:
        if each is not None:
            load_target(each)  # a wrong name is refused here, not in every trial
    goals = make_goals(objective)
    first = _start_points(start, chosen)
    the_sampler = make_sampler(sampler, seed, chosen)
    job = make_job(region, chosen, target, goals)
    with _quiet_optuna():
        study = optuna.create_study(
            storage=storage,
            sampler=the_sampler,
            study_name=f"{region.__name__} on {_target_name(target)}",
            directions=[g.direction for g in goals],
            load_if_exists=storage is not None,
        )
        for point in first:
            study.enqueue_trial(point, skip_if_exists=True)
        _run(study, job, chosen, goals, trials - _finished(study), scheduler, workers, progress)
    return Tuning(study, chosen, goals, region, target)


def timed_points(region: RegionFunction, target=None, space=None, objective="seconds") -> dict:
    """The records of this search's points timed in this session (stored point -> record),
    the same dict a search of this region, target, space and objective reads its points from
    and adds to: a caller that kept the records of an earlier session can put them back here
    (``benchmarks/tune_gemm.py --cache``)."""
    chosen = make_space(space, symbolic_sizes(region), target)
    job = make_job(region, chosen, target, make_goals(objective))
    return TIMED.setdefault(hashlib.sha256(job).digest(), {})


def symbolic_sizes(region: RegionFunction) -> set[str]:
    """The names of the symbolic sizes the region's source uses."""
    names: set[str] = set()
    for value in used_names(region).values():
        if isinstance(value, Symbol):
            names |= value.free_names()
    for _, t in region.param_types():
        for d in t.shape:
            if isinstance(d, Symbol):
                names |= d.free_names()
    return names


def _run(study, job: bytes, space: Space, goals, count: int, scheduler, workers, progress):
    """Optuna's loop, with as many trials in flight as there are workers, each waiting for
    its point to be evaluated there. A point already timed (earlier in this study, in flight,
    or by an earlier search of the same job in this session) is told that record, not
    simulated again; the search stops once this study has seen every point."""
    if count <= 0:
        return
    known = TIMED.setdefault(hashlib.sha256(job).digest(), {})
    for t in study.trials:  # the points of a resumed study
        if "state" in t.user_attrs:
            known.setdefault(_key(t.params), {**t.user_attrs, "values": t.values})
    pending = {key: _done(record) for key, record in known.items()}
    here = {_key(t.params) for t in study.trials if t.state.is_finished()}
    lock = threading.Lock()  # Optuna's trials run in threads
    bar = Progress(progress, count, study.study_name, goals[0])
    where = runner(scheduler, workers)

    def objective(trial) -> list[float]:
        params = space.suggest(trial)
        key = _key(params)
        with lock:
            here.add(key)
            future = pending.get(key)
            again = future is not None
            if not again:
                future = pending[key] = where.submit(job, params)
        record = known[key] = future.result()
        if again:  # told the record of the point's first trial, with no time spent on it
            record = {**record, "wall_time": 0.0}
        return _keep(trial, record, goals)

    def told(study, trial) -> None:
        bar.told(trial)
        if len(here) >= space.size():
            study.stop()

    try:
        study.optimize(
            objective,
            n_trials=count,
            n_jobs=min(where.workers, space.size()),
            callbacks=[told],
        )
    finally:
        where.close()
        bar.close()


def _start_points(start, space: Space) -> list[dict]:
    """The stored values of the points of ``start``, checked against the space."""
    if isinstance(start, Mapping) or not isinstance(start, (list, tuple)):
        raise DatoTypeError(
            f"dato.tune's start is a list of points, e.g. [{{'m': 64, 'k': 32}}], not {start!r}"
        )
    return [space.stored(point) for point in start]


def _done(record: dict) -> Future:
    """A record already known, as the future of a trial in flight is."""
    future = Future()
    future.set_result(record)
    return future


def _keep(trial, record: dict, goals) -> list[float]:
    """Keep the trial's record with it (what ``Tuning.trials`` shows, also of a resumed
    study), tell Optuna whether it was feasible, and return its values (the worst possible
    for an infeasible or failed point)."""
    for column in COLUMNS:
        if column in record:
            trial.set_user_attr(column, record[column])
    # > 0: infeasible, by how much (a point far over a core's memory is told so), so that a
    # search whose first points were all refused moves towards the feasible ones
    violation = 0.0 if record["state"] == OK else record.get("violation", 1.0)
    trial.set_constraint("refused", violation)
    if record["state"] != OK:
        return [float("inf") if g.direction == "minimize" else float("-inf") for g in goals]
    for g, v in zip(goals, record["values"]):
        trial.set_user_attr(g.name, v)
    return record["values"]


class Progress:
    """The bar: trials told, the best first objective so far, and how many were infeasible or
    failed."""

    def __init__(self, progress: bool | type, total: int, name: str, goal: Goal):
        bar_class = progress if isinstance(progress, type) else tqdm.tqdm
        self.bar = bar_class(
            total=total, desc=f"tuning {name}", unit="trial", disable=progress is False
        )
        self.goal = goal
        self.best = None
        self.counts = {INFEASIBLE: 0, FAILED: 0}

    def told(self, trial) -> None:
        state = trial.user_attrs.get("state")
        if state == OK:
            value = trial.values[0]
            better = min if self.goal.direction == "minimize" else max
            self.best = value if self.best is None else better(self.best, value)
        elif state in self.counts:
            self.counts[state] += 1
        shown = {} if self.best is None else {f"best {self.goal.name}": f"{self.best:.4g}"}
        self.bar.set_postfix({**shown, **self.counts}, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _finished(study) -> int:
    return sum(t.state.is_finished() for t in study.trials)


def _key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def _target_name(target) -> str:
    """The target in the study's name ('target' when the space chooses it)."""
    if target is None:
        return TARGET
    return getattr(target, "name", None) or str(target)


@contextlib.contextmanager
def _quiet_optuna():
    """No log line per trial: the progress bar says it."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)
