"""The performance simulator's scheduler: resume instances in the order of their clocks.

The functional scheduler (``sim.scheduler``) resumes instances round-robin; timing needs the
runnable instance with the earliest clock to go next, so that shared resources such as DRAM
are claimed in time order. Deadlock is detected and reported as the functional one is.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

import numpy as np

from datobench.core.errors import DatoError
from datobench.core.perf.runtime import CLOCK
from datobench.core.sim.lower import Wait
from datobench.core.sim.scheduler import deadlock_error, instance_failure


def drive_in_time(
    units: list,
    gens: list,
    touches: list[set[int]],
    accumulators: list[list],
    earliest: list[float],
    on_resume: Callable[[], None] | None = None,
    every: int = 4096,
) -> int:
    """Like ``drive``, but always resume the runnable instance whose clock (that of its tile's
    accumulator) is earliest. Generators stop at points where others should catch up (shared
    resources such as DRAM are then claimed in time order) with None, or with a ``Wait`` when
    they block. Only waiters on the channels the resumed instance uses are checked again.

    A catch-up point is only worth a stop if another instance would go first: before each
    resume ``earliest[0]`` is set to the clock of the next runnable instance in the queue (just
    past it when a tie goes to the resumed one, the queue's order being (clock, instance)), and
    the timed code stops there only once its clock has reached it. An instance that may wake a
    waiter (one blocked on its channels) stops at every point, as the waiter may come first;
    so does one running alone when progress is reported (the stops are what counts it)."""
    runnable = [(accumulators[k][CLOCK], k) for k in range(len(units))]
    heapq.heapify(runnable)
    blocked: dict[int, Wait] = {}
    waiters: dict[int, set[int]] = {}  # id(queue) -> instances blocked on it
    resumes = 0
    nexts = [g.__next__ for g in gens]
    pushpop, after, inf = heapq.heappushpop, math.nextafter, math.inf  # the loop's, as locals
    k = heapq.heappop(runnable)[1] if runnable else None
    with np.errstate(all="ignore"):
        while k is not None:
            resumes += 1
            if on_resume is not None and resumes % every == 0:
                on_resume()
            if waiters and any(waiters.get(q) for q in touches[k]):
                earliest[0] = -inf
            elif runnable:  # k would go again before (clock, j) if earlier, or tied and k < j
                clock, j = runnable[0]
                earliest[0] = after(clock, inf) if k < j else clock
            else:  # alone: no stop is needed, unless they are what reports progress
                earliest[0] = inf if on_resume is None else -inf
            try:  # as ``resume``, inline: a stop is the loop's most common step
                wait = nexts[k]()
            except StopIteration:
                wait = False
            except DatoError:
                raise
            except Exception as exc:
                raise instance_failure(units, k, exc) from None
            if wait is None and not waiters:  # the common step: k goes back in line, the
                k = pushpop(runnable, (accumulators[k][CLOCK], k))[1]  # earliest comes out
                continue
            if wait is not None and wait is not False:
                blocked[k] = wait
                waiters.setdefault(id(wait.queue), set()).add(k)
            for q in touches[k]:  # only the queues k uses can have changed
                for j in [j for j in waiters.get(q, ()) if not blocked[j].blocked()]:
                    waiters[q].discard(j)
                    del blocked[j]
                    heapq.heappush(runnable, (accumulators[j][CLOCK], j))
            if wait is None:
                k = pushpop(runnable, (accumulators[k][CLOCK], k))[1]
            elif runnable:
                k = heapq.heappop(runnable)[1]
            elif blocked:
                raise deadlock_error([(units[k].inst.name, blocked[k]) for k in sorted(blocked)])
            else:
                k = None
    return resumes
