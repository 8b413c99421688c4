"""Where trials run: a local process pool, or a Dask cluster. Both give futures with a
``result()``, which each of Optuna's trial threads waits on, so the search does not know which
it drives."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ClassVar

from datobench.core.errors import DatoTypeError
from datobench.core.tune.trial import evaluate


class PoolRunner:
    """``workers`` processes of this machine, started once and kept for the next searches (a
    worker spends seconds importing datobench). They are started by a fork server, not forked
    from the caller, whose threads (a notebook kernel's, a progress bar's) a fork would copy
    in whatever state they are in."""

    _pools: ClassVar[dict[int, ProcessPoolExecutor]] = {}

    def __init__(self, workers: int):
        self.workers = workers

    def submit(self, job: bytes, params: dict):
        try:
            return self._pool().submit(evaluate, job, params)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            del self._pools[self.workers]
            return self._pool().submit(evaluate, job, params)

    def _pool(self) -> ProcessPoolExecutor:
        if self.workers not in self._pools:
            context = multiprocessing.get_context("forkserver")
            self._pools[self.workers] = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pools[self.workers]

    def close(self) -> None:
        """The pool stays for the next search (and ends with the interpreter)."""


class DaskRunner:
    """A Dask cluster, by its scheduler's address (connected for this search) or through the
    caller's ``distributed.Client``. As many trials are in flight as the cluster has threads,
    unless ``workers`` says otherwise."""

    def __init__(self, scheduler, workers: int | None):
        import distributed

        self._distributed = distributed
        self._own = isinstance(scheduler, str)
        if self._own:
            self.client = distributed.Client(scheduler)
        elif isinstance(scheduler, distributed.Client):
            self.client = scheduler
        else:
            raise DatoTypeError(
                "scheduler= is a Dask scheduler's address ('tcp://host:8786') or a "
                f"distributed.Client, not {scheduler!r}"
            )
        self.workers = workers or max(sum(self.client.nthreads().values()), 1)
        self._job = None

    def submit(self, job: bytes, params: dict):
        if self._job is None:  # sent to every worker once, not with each trial
            self._job = self.client.scatter(job, broadcast=True)
        return self.client.submit(evaluate, self._job, params, pure=False)

    def close(self) -> None:
        if self._own:
            self.client.close()


def runner(scheduler, workers: int | None):
    """The local pool (``workers`` processes, the CPU count by default) or the Dask cluster."""
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise DatoTypeError(f"workers= is a positive number of processes, not {workers!r}")
    if scheduler is None:
        return PoolRunner(workers or os.cpu_count() or 1)
    return DaskRunner(scheduler, workers)
