"""The performance simulator's scheduler: resume instances in the order of their clocks.

The functional scheduler (``sim.scheduler``) resumes instances round-robin; timing needs the
runnable instance with the earliest clock to go next, so that shared resources such as DRAM
are claimed in time order. Deadlock is detected and reported as the functional one is.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

from datobench.core.sim.lower import Wait
from datobench.core.sim.scheduler import deadlock_error, resume


def drive_in_time(
    units: list,
    gens: list,
    touches: list[set[int]],
    clock: Callable[[int], float],
    on_resume: Callable[[], None] | None = None,
    every: int = 4096,
) -> int:
    """Like ``drive``, but always resume the runnable instance whose clock (``clock(k)``) is
    earliest. Generators yield None at points where others should catch up (shared resources
    such as DRAM are then claimed in time order), or a ``Wait`` when they block. Only waiters
    on the channels the resumed instance uses are checked again."""
    runnable = [(clock(k), k) for k in range(len(units))]
    heapq.heapify(runnable)
    blocked: dict[int, Wait] = {}
    waiters: dict[int, set[int]] = {}  # id(queue) -> instances blocked on it
    resumes = 0
    with np.errstate(all="ignore"):
        while runnable or blocked:
            if not runnable:
                raise deadlock_error([(units[k].inst.name, blocked[k]) for k in sorted(blocked)])
            _, k = heapq.heappop(runnable)
            resumes += 1
            if on_resume is not None and resumes % every == 0:
                on_resume()
            wait = resume(units, gens, k)
            if wait is None:
                heapq.heappush(runnable, (clock(k), k))
            elif wait is not False:
                blocked[k] = wait
                waiters.setdefault(id(wait.queue), set()).add(k)
            for q in touches[k]:  # only the queues k uses can have changed
                for j in [j for j in waiters.get(q, ()) if not blocked[j].blocked()]:
                    waiters[q].discard(j)
                    del blocked[j]
                    heapq.heappush(runnable, (clock(j), j))
    return resumes
