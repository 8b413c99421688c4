"""Optuna's own plots of a search, drawn with matplotlib (pictures in a notebook, files from a
script). Drawn from the feasible trials only: an infeasible point has no measured value."""

from __future__ import annotations

import warnings

import optuna
from optuna.visualization import matplotlib as optuna_plots

from datobench.core.tune.objective import Goal


def figures(study, goals: tuple[Goal, ...], feasible: list) -> list:
    """The convergence (one objective) or the Pareto front (two or three), and each
    parameter's influence on each objective, as matplotlib figures."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        shown = optuna.create_study(directions=[g.direction for g in goals])
    finally:
        optuna.logging.set_verbosity(level)
    shown.add_trials(feasible)
    names = [g.name for g in goals]
    axes = []
    with warnings.catch_warnings():
        # experimental plots; and the importance evaluator's note that it explains low values
        # (a maximised objective is given to it negated)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", UserWarning)
        if len(goals) == 1:
            axes.append(optuna_plots.plot_optimization_history(shown, target_name=names[0]))
        elif len(goals) <= 3:
            axes.append(optuna_plots.plot_pareto_front(shown, target_names=names))
        if len(feasible) >= 2 and _varied(feasible):
            for k, g in enumerate(goals):
                sign = 1 if g.direction == "minimize" else -1
                axes.append(
                    optuna_plots.plot_param_importances(
                        shown, target=lambda t, k=k, s=sign: s * t.values[k], target_name=g.name
                    )
                )
    return [a.figure for a in axes]


def _varied(trials: list) -> bool:
    """Whether some parameter took more than one value (else there is no influence to show)."""
    return any(len({str(t.params.get(p)) for t in trials}) > 1 for p in trials[0].params)
