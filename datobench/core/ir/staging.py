"""Staged parameters (``dato.stage``): which panel of its shard a read lies in.

A staged parameter's panels tile the shard an instance sees (the panel grid); every read of
it must lie inside one panel, and nothing may write it. These are the facts the front end's
static check, the simulator's run-time check and the timed simulator's panel tracking share:
for a slice ``start : start + length`` of one dimension, with ``start`` affine in loop
variables and pids, whether it provably stays in one panel, provably straddles two (with the
values that show it), or only the run can tell.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from datobench.core.errors import DatoError, DatoRuntimeError, DatoTypeError, Loc
from datobench.core.ir.affine import affine, interval
from datobench.core.ir.nodes import (
    Const,
    Expr,
    For,
    If,
    Index,
    Load,
    ParamRef,
    Stmt,
    children,
)
from datobench.core.ir.types import index

ENUMERATED = 1 << 14  # variable assignments tried before leaving a slice to the run


@dataclass(frozen=True)
class Straddle:
    """Values of the variables under which a slice crosses a panel boundary."""

    values: dict[tuple, int]
    start: int  # the slice's start under them

    def where(self) -> str:
        """``with kk = 5, pid[0] = 1`` (empty when the slice straddles for every value)."""
        shown = [
            f"{f'pid[{n}]' if kind == 'pid' else n} = {v}"
            for (kind, n), v in sorted(self.values.items(), key=str)
        ]
        return f" with {', '.join(shown)}" if shown else ""


def panel_fit(
    start: Expr, length: int, panel: int, domains: dict[tuple, range]
) -> bool | Straddle | None:
    """Does ``start : start + length`` lie inside one ``panel``-long panel for every value of
    the variables (``domains``: the values each loop variable and pid takes)? True when it
    provably does, a ``Straddle`` when some values make it cross, None when only the run can
    tell (bounds not affine, or too many values of variables of unknown or large range)."""
    form = affine(start)
    if form is None:
        return None
    terms, const = form
    if length > panel:
        return Straddle({}, const) if not terms else _witness(form, domains, panel, length)
    ranges = {v: (r[0], r[-1]) for v, r in domains.items() if len(r)}
    bounds = interval(start, ranges)
    if bounds is not None and bounds[0] // panel == (bounds[1] + length - 1) // panel:
        return True
    # every start is const modulo the coefficients' gcd with the panel, so its offset inside
    # a panel is at most panel - g + const % g
    g = math.gcd(panel, *terms.values())
    if const % g + length <= g:
        return True
    return _witness(form, domains, panel, length)


def _witness(form, domains, panel: int, length: int) -> bool | Straddle | None:
    """The first values of the variables that make the slice straddle, by trying them all:
    True if none does, None if there are too many to try or a variable's range is unknown."""
    terms, const = form
    names = sorted(terms, key=str)
    if any(v not in domains for v in names):
        return None
    if math.prod(len(domains[v]) for v in names) > ENUMERATED:
        return None
    for values in itertools.product(*(domains[v] for v in names)):
        at = const + sum(terms[v] * x for v, x in zip(names, values))
        if at // panel != (at + length - 1) // panel:
            return Straddle(dict(zip(names, values)), at)
    return True


def param_reads(e: Expr) -> Iterator[Load | ParamRef]:
    """The DDR reads of parameters in an expression, in evaluation order (one for each read
    ``effects.transfers`` lists)."""
    if isinstance(e, ParamRef):
        yield e
        return
    for c in children(e):
        yield from param_reads(c)
    if isinstance(e, Load) and isinstance(e.base, ParamRef):
        yield e


def read_name(read: Load | ParamRef) -> str:
    return read.name if isinstance(read, ParamRef) else read.base.name


def slice_bounds(read: Load | ParamRef) -> list[tuple[Expr, int]]:
    """(start, length) of each dimension a read of a parameter takes."""
    if isinstance(read, ParamRef):
        return [(Const(0, index), n) for n in read.type.shape]
    out = []
    for sub in read.indices:
        if isinstance(sub, Index):
            out.append((sub.at, 1))
        else:
            out.append((sub.start, sub.length))
    return out


def walk_domains(
    stmts: tuple[Stmt, ...], domains: dict[tuple, range]
) -> Iterator[tuple[Stmt, dict[tuple, range]]]:
    """Every statement of a body with the values its loop variables (and the given pids)
    take there; a loop whose bounds are not constants leaves its variable unknown."""
    for s in stmts:
        yield s, domains
        if isinstance(s, For):
            inner = dict(domains)
            key = ("var", s.var)
            if isinstance(s.start, Const) and isinstance(s.stop, Const):
                inner[key] = range(s.start.value, s.stop.value, s.step)
            else:
                inner.pop(key, None)
            yield from walk_domains(s.body, inner)
        elif isinstance(s, If):
            yield from walk_domains(s.then, domains)
            yield from walk_domains(s.orelse, domains)


def straddle_error(
    read: str,
    name: str,
    dim: int,
    start: int,
    length: int,
    panel: tuple[int, ...],
    loc: Loc | None,
    where: str = "",
    instance: str | None = None,
) -> DatoError:
    """A read that crosses a panel edge, worded alike by the front end (``where`` the values
    that make it cross, ``Straddle.where``) and by the run (in ``instance``)."""
    size = panel[dim]
    edge = (start // size + 1) * size
    text = (
        f"the read {read} of staged '{name}' straddles two panels{where}: dimension {dim} "
        f"reads {start}:{start + length}, across the edge at {edge} between panel "
        f"{start // size} and panel {start // size + 1} of the panel {tuple(panel)}; each "
        "read of a staged parameter must lie inside one panel"
    )
    if instance is None:
        return DatoTypeError(text, loc)
    return DatoRuntimeError(f"in instance '{instance}': {text}", loc)
