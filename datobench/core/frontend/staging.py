"""The front end's checks of staged parameters (``dato.stage``): nothing writes one, and
every read whose slice bounds are affine in loop variables and pids lies inside one panel.
Reads the front end cannot decide are checked by the simulator as they run
(``sim/staging.py``)."""

from __future__ import annotations

from datobench.core.errors import DatoTypeError
from datobench.core.ir.nodes import ParamRef, Store, stmt_exprs
from datobench.core.ir.printer import expr_text
from datobench.core.ir.program import Task
from datobench.core.ir.staging import (
    Straddle,
    panel_fit,
    param_reads,
    read_name,
    slice_bounds,
    straddle_error,
    walk_domains,
)


def check_staging(task: Task):
    """Refuse, at the statement, a write to a staged parameter or a read that provably
    straddles two of its panels."""
    stages = {p.name: p.stage for p in task.params if p.stage is not None}
    if not stages:
        return
    pids = {("pid", axis): range(n) for axis, n in enumerate(task.mapping)}
    for s, domains in walk_domains(task.body, pids):
        if isinstance(s, Store) and isinstance(s.base, ParamRef) and s.base.name in stages:
            raise DatoTypeError(
                f"'{s.base.name}' is staged (dato.stage): a staged parameter is read-only, so "
                "a task may not write it; drop the stage or write another parameter",
                s.loc,
            )
        for x in stmt_exprs(s):
            for read in param_reads(x):
                name = read_name(read)
                if name not in stages:
                    continue
                panel = stages[name].panel
                for dim, (start, length) in enumerate(slice_bounds(read)):
                    fit = panel_fit(start, length, panel[dim], domains)
                    if isinstance(fit, Straddle):
                        raise straddle_error(
                            expr_text(read),
                            name,
                            dim,
                            fit.start,
                            length,
                            panel,
                            s.loc,
                            fit.where(),
                        )
