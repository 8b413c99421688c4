"""Channel checks: each declared stream is used, each channel has one producer and one
consumer instance, and statically countable put and get totals fit. Of a stream array, the
channels no task uses are legitimate (a grid's edge often needs fewer); an array none of whose
channels is used is refused like a stream no task uses. A producer may put up to ``depth``
elements more than its consumer gets: they are left in the FIFO at exit (Cannon's GEMM)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from datobench.core.errors import DatoTypeError, Loc
from datobench.core.ir.nodes import (
    Expr,
    Get,
    Put,
    Stmt,
    channel_name,
    children,
    stmt_exprs,
    walk,
)
from datobench.core.ir.program import Channel, Instance, Region, StreamDecl
from datobench.core.passes.counts import exact_count


@dataclass
class _Ends:
    producers: dict[str, list[Loc]] = field(default_factory=dict)
    consumers: dict[str, list[Loc]] = field(default_factory=dict)


def wire_channels(region: Region, instances: tuple[Instance, ...]) -> tuple[Channel, ...]:
    ends: dict[str, _Ends] = {}
    for inst in instances:
        for kind, ref, loc in _stream_ops(inst.body):
            side = ends.setdefault(ref.channel(), _Ends())
            table = side.producers if kind == "put" else side.consumers
            table.setdefault(inst.name, []).append(loc)
    by_name = {i.name: i for i in instances}
    channels = []
    for decl in region.streams:
        used = [
            idx
            for idx in itertools.product(*(range(n) for n in decl.shape))
            if channel_name(decl.name, idx) in ends
        ]
        if not used:
            raise _unused(decl)
        for idx in used:  # a stream array's other channels are legitimately unused
            name = channel_name(decl.name, idx)
            side = ends[name]
            producer = _single(name, "producer", side.producers, side.consumers, decl.loc)
            consumer = _single(name, "consumer", side.consumers, side.producers, decl.loc)
            puts = count_ops(by_name[producer].body, "put", name)
            gets = count_ops(by_name[consumer].body, "get", name)
            if puts is not None and gets is not None:
                _check_counts(name, decl, producer, consumer, puts, gets, side)
            channels.append(
                Channel(name, decl.name, idx, decl.elem, decl.depth, producer, consumer, puts, gets)
            )
    return tuple(channels)


def _check_counts(
    name: str, decl: StreamDecl, producer: str, consumer: str, puts: int, gets: int, side: _Ends
) -> None:
    """Up to ``depth`` elements more put than got are legal: they stay in the FIFO at exit, as
    on hardware. More than fit, or fewer put than got, and some instance waits forever."""
    extra = puts - gets
    if 0 <= extra <= decl.depth:
        return
    if extra > 0:
        why = (
            f"; the {extra} left over do not fit in its depth of {decl.depth} (up to depth "
            "elements may stay in a FIFO at exit)"
        )
    else:
        why = f"; '{consumer}' would wait forever for the last {-extra}"
    raise DatoTypeError(
        f"stream channel '{name}': '{producer}' puts {puts} element"
        f"{'s' * (puts != 1)} but '{consumer}' gets {gets}{why}",
        decl.loc,
        notes=(
            f"put at {side.producers[producer][0]}",
            f"get at {side.consumers[consumer][0]}",
        ),
    )


def _unused(decl: StreamDecl) -> DatoTypeError:
    """A declared stream that no task uses (of a stream array, one that no task uses any
    channel of): refused like a channel with one end, at the declaration."""
    what = f"stream array '{decl.name}'" if decl.shape else f"stream '{decl.name}'"
    channels = " any of its channels" if decl.shape else " it"
    return DatoTypeError(
        f"{what} is declared but no task puts to or gets from{channels}; remove the "
        "declaration, or give it a producer and a consumer",
        decl.loc,
    )


def _single(name: str, role: str, mine: dict, theirs: dict, loc: Loc) -> str:
    other = "consumer" if role == "producer" else "producer"
    if not mine:
        (peer, locs), *_ = theirs.items()
        raise DatoTypeError(
            f"stream channel '{name}' has no {role}; its {other} is '{peer}'",
            loc,
            notes=(f"{'get' if other == 'consumer' else 'put'} at {locs[0]}",),
        )
    if len(mine) > 1:
        names = ", ".join(f"'{n}'" for n in mine)
        raise DatoTypeError(
            f"stream channel '{name}' has {len(mine)} {role}s ({names}); a channel joins "
            "exactly one producer instance to one consumer instance",
            loc,
            notes=tuple(f"'{n}' at {locs[0]}" for n, locs in mine.items()),
        )
    return next(iter(mine))


def _stream_ops(stmts: tuple[Stmt, ...]):
    """Every put and get in a body, as (kind, stream ref, location), in evaluation order."""
    for s in walk(stmts):
        for e in stmt_exprs(s):
            yield from _gets(e)
        if isinstance(s, Put):
            yield "put", s.stream, s.loc


def _gets(e: Expr):
    for c in children(e):
        yield from _gets(c)
    if isinstance(e, Get):
        yield "get", e.stream, e.loc


def count_ops(stmts: tuple[Stmt, ...], kind: str, channel: str) -> int | None:
    """How many times a body puts to (or gets from) a channel; None if data-dependent."""

    def weight(s: Stmt) -> int:
        return sum(1 for k, ref, _ in _stream_ops((s,)) if k == kind and ref.channel() == channel)

    return exact_count(stmts, weight)
