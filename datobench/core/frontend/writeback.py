"""The front end's check of ``dato.writeback``: it says how the blocks a task writes leave its
core, so it belongs on a parameter the task writes."""

from __future__ import annotations

from datobench.core.errors import DatoTypeError
from datobench.core.ir.effects import written_params
from datobench.core.ir.program import Task


def check_writeback(task: Task):
    """Refuse, at the parameter, a writeback depth on a parameter the task never writes."""
    written = written_params(task.body)
    for p in task.params:
        if p.writeback != 1 and p.name not in written:
            raise DatoTypeError(
                f"'{p.name}' has a writeback depth (dato.writeback) but task '{task.name}' "
                "never writes it: the depth is that of the output FIFO its written blocks "
                "leave through; drop it or write the parameter",
                p.loc,
            )
