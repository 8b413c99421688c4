"""Region scalar parameters in instance bodies: the names a body reads but never binds.

A task body reads a scalar parameter of its region (``alpha: float32``) by name, as a ``Var``
that no statement of the body assigns and no loop binds; each backend binds those names once,
before the body runs, to the value the run was given."""

from __future__ import annotations

from datobench.core.ir.nodes import Assign, For, Stmt, Var, children, stmt_exprs, walk


def scalar_reads(body: tuple[Stmt, ...]) -> list[str]:
    """The region scalars a body reads, in the order it first reads them."""
    bound = {s.name for s in walk(body) if isinstance(s, Assign)}
    bound |= {s.var for s in walk(body) if isinstance(s, For)}
    out: list[str] = []
    for s in walk(body):
        pending = list(reversed(stmt_exprs(s)))
        while pending:
            e = pending.pop()
            if isinstance(e, Var) and e.name not in bound and e.name not in out:
                out.append(e.name)
            pending.extend(reversed(children(e)))
    return out
