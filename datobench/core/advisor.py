"""The FIFO depth advisor: per stream, the largest fill its channels reached in a timed run, and
what a deeper FIFO (when one was full) or a shallower, memory-saving one would gain or lose,
found by timing the program again with that one depth changed.

A depth is declared per stream (``Stream[T, depth]``, one depth for every channel of a stream
array, as the HLS and MLIR-AIE code declare it), so a stream is what is edited; each row names
the fullest of its channels. The edit is made as the user would make it:

- a depth written as a ``dato.symbol`` is bound through ``sizes=``, so the program is compiled
  by ``dato.compile`` as the magic compiles it (every stream that depth names changes with it);
- a literal depth has no compiler option to override it, and adding one would widen
  ``dato.compile``'s signature for the advisor's sake; the edit is made to the stream's
  declaration in the region's IR, and the steps that ``dato.compile`` runs after its front end
  (instance expansion, the channel checks, the mapping) run on it, so the put/get counts are
  checked against the new depth and the mapper's budgets apply (a depth that no longer fits is
  reported with the ``MappingError``'s reason). The cell still says the old depth: the row's
  ``edit`` says which line to change.

The re-runs are bounded: at most two per stream (deeper, shallower), timed without values, and
none started once ``seconds`` have passed since the advice began (the rows left say so); the
panel runs the advice in a thread of its own, so that it never waits on it.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from datobench.core.errors import CapabilityError, DatoError, MappingError
from datobench.core.ir.program import Channel, Region, StreamDecl
from datobench.core.ir.types import StreamType, Symbol, TensorType
from datobench.core.passes.pipeline import Pipeline
from datobench.core.passes.route import elem_bytes
from datobench.core.passes.steps import ChannelsStep, ExpandStep, State
from datobench.core.program import Program
from datobench.core.targets import load_target
from datobench.core.validate import MAX_DEPTH

SECONDS = 20.0  # no re-run starts after this long; one re-run may still finish past it
NOT_TIMED = "not timed: the advice's time budget was spent"


@dataclass(frozen=True)
class Recipe:
    """What a program is compiled from: ``dato.compile``'s arguments, and the literal depths
    the advisor changed (stream -> depth). ``compile()`` makes the program."""

    region: object  # the @dato.region function
    target: object  # a target name or Target
    placement: dict | None = None
    primitives: tuple = ()
    sizes: dict | None = None
    depths: dict = field(default_factory=dict)

    def compile(self) -> Program:
        """The program: through ``dato.compile`` without depth edits, else its front end, the
        edited declarations and the steps that follow (see the module's docstring)."""
        from datobench.core.compiler import compile as dato_compile

        if not self.depths:
            return dato_compile(
                self.region, self.target, self.placement, self.primitives, self.sizes
            )
        front = self.region.program(dict(self.sizes or {}))
        region = _redeclared(front.region, self.depths)
        state = State(region=region)
        for step in (ExpandStep(), ChannelsStep()):
            state = step.apply(state)
        target = load_target(self.target)
        mapped = Pipeline().map(
            State.of_graph(state.graph, target, self.placement, self.primitives)
        )
        return Program(region, state.graph, front.kernels, target, mapped.mapping)

    def with_placement(self, placement: dict | None) -> Recipe:
        return replace(self, placement=placement)

    def with_depth(self, stream: str, depth: int) -> Recipe:
        """This recipe with ``stream``'s depth changed: through its symbol's size when it has
        one, else as a literal edit."""
        symbol = depth_symbols(self.region).get(stream)
        if symbol is not None:
            return replace(self, sizes={**(self.sizes or {}), symbol: depth})
        return replace(self, depths={**self.depths, stream: depth})


def _redeclared(region: Region, depths: dict[str, int]) -> Region:
    streams = tuple(replace(s, depth=depths.get(s.name, s.depth)) for s in region.streams)
    return replace(region, streams=streams)


def depth_symbols(region_fn) -> dict[str, str]:
    """The region's streams whose depth is one ``dato.symbol``: stream -> the symbol's name."""
    source = region_fn.source
    out = {}
    for stmt in source.tree.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        try:
            declared = source.evaluate(stmt.annotation, f"the type of '{stmt.target.id}'")
        except DatoError:
            continue  # not a stream's annotation; the front end has judged it already
        depth = getattr(declared, "depth", None) if isinstance(declared, StreamType) else None
        if isinstance(depth, Symbol) and depth.free_names() == {depth.name}:
            out[stmt.target.id] = depth.name
    return out


def zero_inputs(program: Program) -> list:
    """Zero-filled arrays for the region's parameters (and zero for its scalar ones): what
    data-dependent programs are timed on (a timing without values holds for any inputs,
    zeros included)."""
    return [
        np.zeros(p.type.shape, p.type.dtype.np) if isinstance(p.type, TensorType) else p.type(0)
        for p in program.region.signature()
    ]


def timing(program: Program, progress: Callable[[float], None] | None = None):
    """The program's timing without values, or on zero-filled inputs when its branches depend
    on data; and which of the two (``"values"``, ``"zeros"``)."""
    try:
        return program.run(backend="perf", values=False, progress=progress), "values"
    except CapabilityError:
        return program.run(*zero_inputs(program), backend="perf", progress=progress), "zeros"


@dataclass(frozen=True)
class DepthAdvice:
    """One candidate depth for one stream, and what the run with it found."""

    stream: str
    channels: int  # of the stream (a stream array has several)
    depth: int  # declared now
    largest_fill: int  # the most elements any of its channels held in the run
    fullest: str  # the channel that held them
    new_depth: int
    bytes: int  # the on-chip memory the change adds (negative when it saves)
    edit: str  # how the change is made: a size, or the declaration's line
    cycles: int | None = None  # of the run with ``new_depth``; None when not run or not legal
    gain: int | None = None  # cycles saved against the run advised on (negative: lost)
    problem: str = ""  # why it was not timed, or the reason it does not fit

    @property
    def deeper(self) -> bool:
        return self.new_depth > self.depth


def advise_depths(
    program: Program,
    recipe: Recipe,
    perf=None,
    seconds: float = SECONDS,
    on_row: Callable[[DepthAdvice], None] | None = None,
) -> list[DepthAdvice]:
    """The advice for ``program`` (compiled from ``recipe``), on its timing ``perf`` (timed
    here when not given): per stream, a FIFO twice as deep when one of its channels was full,
    and one as shallow as the largest fill (half as deep, when it was full); each row timed
    with that depth, the streams that stalled most first. ``on_row`` hears each row when done."""
    if perf is None:
        perf, _ = timing(program)
    symbols = depth_symbols(recipe.region)
    start = time.monotonic()
    rows = []
    decls = {s.name: s for s in program.region.streams}
    for stream, channels in _by_fullness(program.graph.channels, perf):
        for row in _candidates(stream, channels, perf, symbols, decls[stream]):
            if time.monotonic() - start > seconds:
                row = replace(row, problem=NOT_TIMED)
            else:
                row = _timed(row, recipe, perf.cycles)
            rows.append(row)
            if on_row is not None:
                on_row(row)
    return rows


def _largest(perf, channel: str) -> int:
    return max((fill for _, fill in perf.channels.get(channel, [])), default=0)


def _by_fullness(channels: tuple[Channel, ...], perf) -> list[tuple[str, list[Channel]]]:
    """The streams with their channels, the ones whose channels were full most first."""
    streams: dict[str, list[Channel]] = {}
    for c in channels:
        streams.setdefault(c.stream, []).append(c)

    def fullness(item):
        _, chans = item
        return -max(_largest(perf, c.name) / c.depth for c in chans)

    return sorted(streams.items(), key=fullness)


def _candidates(
    stream: str, channels: list[Channel], perf, symbols: dict, decl: StreamDecl
) -> list[DepthAdvice]:
    depth = channels[0].depth
    fullest = max(channels, key=lambda c: _largest(perf, c.name))
    largest = _largest(perf, fullest.name)
    depths = []
    if largest >= depth and depth < MAX_DEPTH:
        depths.append(min(2 * depth, MAX_DEPTH))
    shallower = max(largest, 1) if largest < depth else depth // 2
    if 1 <= shallower < depth:
        depths.append(shallower)
    per_slot = sum(elem_bytes(c) for c in channels)
    edit = _edit_text(stream, decl, symbols)
    return [
        DepthAdvice(
            stream, len(channels), depth, largest, fullest.name, d, (d - depth) * per_slot, edit
        )
        for d in depths
    ]


def _edit_text(stream: str, decl: StreamDecl, symbols: dict) -> str:
    if stream in symbols:
        return f"sizes: {symbols[stream]}"
    line = f" (line {decl.loc.line})" if decl.loc is not None else ""
    return f"the depth declared for '{stream}'{line}"


def _timed(row: DepthAdvice, recipe: Recipe, cycles: int) -> DepthAdvice:
    """The row with the cycles of the program compiled and timed with its depth."""
    try:
        program = recipe.with_depth(row.stream, row.new_depth).compile()
        perf, _ = timing(program)
    except DatoError as error:
        why = "does not fit" if isinstance(error, MappingError) else "refused"
        return replace(row, problem=f"{why}: {error.message.splitlines()[0]}")
    return replace(row, cycles=perf.cycles, gain=cycles - perf.cycles)
