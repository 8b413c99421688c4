"""Design-space exploration: ``dato.tune`` searches a region's symbolic sizes, mapping
primitives and targets with Optuna, running trials on a local process pool or a Dask cluster.

    space.py      the candidates of each dimension (``dato.choice``, ``dato.divisors_of``)
    objective.py  what is optimised: seconds, cycles, utilisation, memory, or a function
    trial.py      one trial, a pure function run in a worker: compile, then time if feasible
    runners.py    the local process pool and the Dask cluster
    search.py     the search loop: Optuna's ask and tell, the progress bar
    result.py     ``Tuning``: the best point, the Pareto front, the trials table
    plots.py      Optuna's plots, drawn with matplotlib

Optuna, pandas and Dask are the ``tune`` extra: only ``search``, ``runners`` and ``plots``
import them, so that ``import datobench`` works without.
"""
