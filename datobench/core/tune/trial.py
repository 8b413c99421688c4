"""One trial of a search: compile a point, and time it only when the compiler accepts it.

``evaluate`` is a pure function of the pickled job and the point, run in a worker process (of
the local pool or of a Dask cluster). The job carries what a worker cannot read for itself:
the region's function, the names its source uses, and the source text (a notebook cell exists
only in the kernel that ran it).
"""

from __future__ import annotations

import ast
import functools
import linecache
import math
import os
import socket
import time
import types
from dataclasses import dataclass

from datobench.core.compiler import RegionFunction, compile
from datobench.core.errors import DatoError, InternalError
from datobench.core.passes.resources import MEMORY
from datobench.core.tune.objective import Goal, values
from datobench.core.tune.space import Space

OK, INFEASIBLE, FAILED = "ok", "infeasible", "failed"


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to evaluate any point of one search."""

    function: object  # the region's Python function
    names: dict  # the values of the names its source uses (types, sizes, kernels, helpers)
    lines: dict  # file -> linecache entry, for the region's source and its helpers'
    files: dict  # function -> the file it was defined in (cloudpickle does not keep it)
    space: Space
    target: object  # the target when the space does not choose it
    goals: tuple[Goal, ...]

    def region(self) -> RegionFunction:
        """The region as the caller has it: its functions back in their files, whose text
        the worker's linecache now holds, so that the front end reads it as usual."""
        for file, entry in self.lines.items():
            linecache.cache.setdefault(file, entry)
        for fn, file in self.files.items():
            fn.__code__ = fn.__code__.replace(co_filename=file)
        return RegionFunction(self.function, self.names)


def make_job(region: RegionFunction, space: Space, target, goals) -> bytes:
    """The job of a search, pickled once (cloudpickle: a notebook's functions by value)."""
    names = used_names(region)
    functions = [region.fn, *(v for v in names.values() if isinstance(v, types.FunctionType))]
    files = {fn: fn.__code__.co_filename for fn in functions}
    lines = {f: linecache.cache[f] for f in set(files.values()) if f in linecache.cache}
    job = Job(region.fn, names, lines, files, space, target, tuple(goals))
    import cloudpickle  # Dask's, in the tune extra

    return cloudpickle.dumps(job)


def used_names(region: RegionFunction) -> dict:
    """The names the region's source uses (annotations and nested tasks included), and what
    they stand for in its scope."""
    source = region.source
    used = {n.id for n in ast.walk(source.tree) if isinstance(n, ast.Name)}
    return {k: source.namespace[k] for k in used if k in source.namespace}


@functools.lru_cache(maxsize=4)
def _loaded(data: bytes) -> tuple[Job, RegionFunction]:
    """The job and its region, once per worker (the region keeps its front-end programs)."""
    import cloudpickle

    job = cloudpickle.loads(data)
    return job, job.region()


def evaluate(data: bytes, params: dict) -> dict:
    """Compile the point ``params`` and, when it compiles, time it: a record with the state
    (ok, infeasible with the compiler's reason and how far outside a limit the point lies, or
    failed with the simulator's), the measures,
    the objectives' values, the wall time and the worker."""
    start = time.perf_counter()
    job, region = _loaded(data)
    sizes, primitives, target = job.space.point(params)
    record = {"state": OK, "reason": "", "worker": worker_name()}
    try:
        program = compile(region, target=target or job.target, primitives=primitives, sizes=sizes)
    except InternalError as error:  # datobench itself failed: not the point's fault
        record.update(state=FAILED, reason=_reason(error))
    except DatoError as error:  # a broken limit says by how much (0 to 1), others count as 1
        record.update(
            state=INFEASIBLE, reason=_reason(error), violation=getattr(error, "excess", 1.0)
        )
    else:
        record["memory"] = sum(use.used.get(MEMORY, 0) for use in program.mapping.tiles.values())
        try:
            result = program.run(backend="perf", values=False)
            record.update(
                cycles=result.cycles, seconds=result.seconds, utilization=result.utilization
            )
            record["values"] = values(job.goals, record, result)
            if any(math.isnan(v) for v in record["values"]):
                record.update(state=FAILED, reason="an objective is NaN")
        except DatoError as error:
            record.update(state=FAILED, reason=_reason(error))
        except Exception as error:  # the user's objective, or datobench itself
            record.update(state=FAILED, reason=f"{type(error).__name__}: {error}")
    record["wall_time"] = time.perf_counter() - start
    return record


def _reason(error: DatoError) -> str:
    """The error's message, without the location (the point is the trial's) or the hints."""
    return f"{type(error).__name__}: {error.message}"


def worker_name() -> str:
    """The Dask worker's address, or host:pid in a local pool."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"
