"""A deterministic scheduler over task instances joined by bounded FIFOs.

Each instance is a generator (see ``lower``) that runs until a stream operation blocks. The
scheduler resumes instances round-robin; when a full pass finds every live instance still
blocked, no instance can ever move again, which is exactly a deadlock.
"""

from __future__ import annotations

import collections
import linecache
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from datobench.core.errors import DatoError, DatoRuntimeError, DeadlockError, Loc
from datobench.core.ir.effects import written_buffers
from datobench.core.ir.program import Graph, Instance, KernelDecl
from datobench.core.ir.types import TensorType
from datobench.core.sim.lower import (
    NAMESPACE,
    DdrCounter,
    KernelSlot,
    Lowered,
    Wait,
    lower_instance,
)

DEFAULT_MAX_STEPS = 10_000_000  # a runaway loop nest ends within about 10 s


@dataclass
class SimResult:
    """What a functional run did (outputs are written into the caller's arrays)."""

    backend: ClassVar[str] = "sim"
    transfers: dict[str, int]  # elements put on each channel
    leftover: dict[str, int]  # elements never taken off a channel (at most its depth)
    resumes: int  # times the scheduler resumed an instance
    # DDR bytes moved per (buffer, "read" | "write"), counted as the statements ran (no zeros)
    ddr_bytes: dict[tuple[str, str], int] = field(default_factory=dict)

    def summary(self) -> str:
        total = sum(self.transfers.values())
        return (
            f"SimResult({len(self.transfers)} channels, {total} transfers, {self.resumes} resumes"
            f"{left_at_exit(self.leftover)})"
        )

    __repr__ = summary


def left_at_exit(leftover: dict[str, int], shown: int = 4) -> str:
    """The note a run's summary ends with when elements stayed in FIFOs (a producer may put up
    to ``depth`` more than its consumer gets): which channels, how many; empty otherwise."""
    if not leftover:
        return ""
    items = [f"{n} in '{name}'" for name, n in leftover.items()]
    if len(items) <= shown:
        return f"; elements left in FIFOs at exit: {', '.join(items)}"
    total = sum(leftover.values())
    return (
        f"; elements left in FIFOs at exit: {total} in {len(items)} channels "
        f"({', '.join(items[:shown])}, ...)"
    )


class _Compiled:
    """An instance's generator function and the tables that map it back to the user."""

    def __init__(self, inst: Instance, lowered: Lowered):
        self.inst = inst
        self.lowered = lowered
        self.filename = f"<dato instance {inst.name}>"
        linecache.cache[self.filename] = (
            len(lowered.source),
            None,
            lowered.source.splitlines(True),
            self.filename,
        )
        namespace = dict(NAMESPACE)
        exec(compile(lowered.source, self.filename, "exec"), namespace)
        self.run = namespace["run"]

    def loc_of(self, tb) -> Loc | None:
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        if line is None:
            return self.inst.loc
        return self.lowered.lines[line - 1]


def compile_graph(
    graph: Graph, lower=lower_instance
) -> tuple[list[_Compiled], list[str], list[int]]:
    """Lower every instance once (with ``lower(instance, channels, written_buffers)``); a
    compiled program reuses the result for every run."""
    names = [c.name for c in graph.channels]
    depths = [c.depth for c in graph.channels]
    slots = {c.name: (n, c.depth) for n, c in enumerate(graph.channels)}
    written = written_buffers(graph)
    compiled = []
    for inst in graph.instances:
        used = {
            c.name: slots[c.name] for c in graph.channels if inst.name in (c.producer, c.consumer)
        }
        compiled.append(_Compiled(inst, lower(inst, used, written)))
    return compiled, names, depths


def start(
    compiled,
    arrays: dict | None,
    kernels: dict,
    max_steps: int,
    more_args: Callable[[_Compiled], dict] | None = None,
    ddr: dict | None = None,
):
    """A generator per instance, ready for ``drive``; also the channel queues and counters.
    ``more_args(unit)`` gives, by name, the arguments a subclassed lowering's convention adds
    (see ``InstanceArgs``); ``ddr`` (a dict) receives the run's DDR byte counters,
    one-element lists by (buffer, direction)."""
    ddr = {} if ddr is None else ddr
    units, channel_names, depths = compiled
    slot_of = {name: n for n, name in enumerate(channel_names)}
    queues = [collections.deque() for _ in channel_names]
    counts = [0] * len(channel_names)
    budget = [max_steps]
    gens = []
    touches = []  # per instance: the queues it puts to or gets from
    for unit in units:
        inst = unit.inst
        params = [
            arrays[a.buffer][tuple(slice(lo, hi) for lo, hi in a.window)] if arrays else None
            for a in inst.args
        ]
        constants = [
            _checked_kernel(kernels[c.name])
            if isinstance(c, KernelSlot)
            else ddr.setdefault((c.buffer, c.direction), [0])
            if isinstance(c, DdrCounter)
            else c
            for c in unit.lowered.constants
        ]
        waits = [
            Wait(kind, queues[slot_of[ch]], depths[slot_of[ch]], ch, loc)
            for kind, ch, loc in unit.lowered.waits
        ]
        touches.append({id(w.queue) for w in waits})
        args = unit.lowered.calling(
            P=params,
            Q=queues,
            C=counts,
            K=constants,
            S=budget,
            W=waits,
            fail=_failer(unit),
            budget=_budget_failer(unit, max_steps),
            V={name: arrays[name] if arrays else None for name in unit.lowered.scalars},
            **(more_args(unit) if more_args else {}),
        )
        gens.append(args.call(unit.run))
    return gens, queues, counts, touches


def simulate(
    graph: Graph,
    compiled,
    arrays: dict[str, np.ndarray],
    kernels: dict,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> SimResult:
    units, channel_names, _ = compiled
    ddr: dict[tuple[str, str], list[int]] = {}
    gens, queues, counts, _ = start(compiled, arrays, kernels, max_steps, ddr=ddr)
    resumes = drive(units, gens)
    transfers = dict(zip(channel_names, counts))
    leftover = {name: len(q) for name, q in zip(channel_names, queues) if q}
    moved = {key: n for key, (n,) in sorted(ddr.items()) if n}
    return SimResult(transfers, leftover, resumes, moved)


def resume(units: list, gens: list, k: int):
    """Run instance k until it blocks: its Wait, None at a catch-up point, False when it has
    finished. A failure inside the instance is reported at the user's line."""
    try:
        return next(gens[k])
    except StopIteration:
        return False
    except DatoError:
        raise
    except Exception as exc:
        raise instance_failure(units, k, exc) from None


def instance_failure(units: list, k: int, exc: Exception) -> DatoRuntimeError:
    """A Python error inside instance k, reported at the user's line."""
    return DatoRuntimeError(
        f"in instance '{units[k].inst.name}': {type(exc).__name__}: {exc}",
        units[k].loc_of(exc.__traceback__),
    )


def drive(units: list, gens: list, on_resume=None, every: int = 4096) -> int:
    """Resume instances round-robin until all finish; a full pass in which every live instance
    is still blocked is a deadlock. Returns how many resumes it took."""
    pending: list[Wait | None] = [None] * len(units)
    live = list(range(len(units)))
    resumes = 0
    with np.errstate(all="ignore"):
        while live:
            still = []
            progressed = False
            for k in live:
                wait = pending[k]
                if wait is not None and wait.blocked():
                    still.append(k)
                    continue
                progressed = True
                resumes += 1
                if on_resume is not None and resumes % every == 0:
                    on_resume()
                pending[k] = resume(units, gens, k)
                if pending[k] is not False:
                    still.append(k)
            live = still
            if not progressed:
                raise deadlock_error([(units[k].inst.name, pending[k]) for k in live])
    return resumes


def _checked_kernel(kernel):
    """The kernel's numpy reference, with its result checked against the declared type."""
    decl: KernelDecl = kernel.decl
    expected = decl.result
    np_type = expected.dtype.np if isinstance(expected, TensorType) else expected.np
    shape = expected.shape if isinstance(expected, TensorType) else ()

    def call(*args):
        result = np.asarray(kernel.fn(*args))
        if result.shape != tuple(shape) or result.dtype != np_type:
            raise TypeError(
                f"kernel '{decl.name}' returned {result.dtype}{list(result.shape)} but is "
                f"declared to return {expected}"
            )
        return result.copy() if isinstance(expected, TensorType) else np_type.type(result)

    return call


def _failer(unit: _Compiled):
    def fail(check: int, start: int, length: int):
        loc, what = unit.lowered.checks[check]
        stop = start + length
        shown = f"index {start}" if length == 1 else f"slice {start}:{stop}"
        raise DatoRuntimeError(
            f"in instance '{unit.inst.name}': {shown} is out of range for {what}", loc
        )

    return fail


def budget_error(instance: str, max_steps: int, loc: Loc | None) -> DatoRuntimeError:
    """A run stopped at the loop at ``loc`` of ``instance`` for spending its loop budget
    (worded alike by every backend that has one)."""
    return DatoRuntimeError(
        f"in instance '{instance}': the simulation exceeded its budget of "
        f"{max_steps:,} loop iterations; pass max_steps= to run() to allow more",
        loc,
    )


def _budget_failer(unit: _Compiled, max_steps: int):
    def budget(loc: Loc):
        raise budget_error(unit.inst.name, max_steps, loc)

    return budget


def deadlock_error(blocked: list[tuple[str, Wait]]) -> DeadlockError:
    lines = []
    for name, wait in blocked:
        fill = len(wait.queue)
        state = "full" if wait.kind == "put" else "empty"
        verb = "put on" if wait.kind == "put" else "get from"
        text = wait.loc.source_line().strip() if wait.loc else ""
        lines.append(
            f"'{name}' waits to {verb} '{wait.channel}' ({state}: {fill} of {wait.depth}) "
            f"at {wait.loc}" + (f"\n        {text}" if text else "")
        )
    names = ", ".join(f"'{n}'" for n, _ in blocked)
    return DeadlockError(
        f"deadlock: every live task instance is blocked ({names})",
        blocked[0][1].loc,
        notes=tuple(lines),
    )
