"""Program-level IR: the region as written (tasks over mapping grids) and, after instance
expansion, the graph of task instances joined by concrete channels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datobench.core.errors import Loc
from datobench.core.ir.nodes import Stmt
from datobench.core.ir.printer import block_lines
from datobench.core.ir.types import DType, LayoutDim, Shard, Stage, TensorType, Type


@dataclass(frozen=True)
class Buffer:
    """A global (off-chip) tensor: a parameter of the region, or a numpy constant a task
    captured (``value`` its elements in C order; ``frontend/constants.py``)."""

    name: str
    type: TensorType
    loc: Loc | None = None
    value: tuple | None = None

    def array(self) -> np.ndarray:
        """A fresh array of a constant's value, for a backend to read."""
        return np.array(self.value, self.type.dtype.np).reshape(self.type.shape)


@dataclass(frozen=True)
class RegionScalar:
    """A scalar parameter of the region (``alpha: float32``): a number given with each run.
    Task bodies read it by name, as a ``Var`` that no statement of theirs assigns."""

    name: str
    type: DType
    position: int  # its place among the region's parameters, counted from 0
    loc: Loc | None = None


@dataclass(frozen=True)
class StreamDecl:
    name: str
    elem: Type
    depth: int
    shape: tuple[int, ...] = ()  # () for a single stream, else the stream array's shape
    loc: Loc | None = None


@dataclass(frozen=True)
class TaskParam:
    """A task parameter bound to a region buffer, seen through a layout."""

    name: str
    buffer: str
    layout: tuple[LayoutDim, ...]
    type: TensorType  # the local (shard) type the body sees
    loc: Loc | None = None
    stage: Stage | None = None  # the panel its windows pass through, sizes bound
    writeback: int = 1  # objects of the output FIFO its written blocks leave through


@dataclass(frozen=True)
class KernelSource:
    """A user kernel's C++ for AIE cores: the function ``symbol`` defined in ``text``, read
    from ``file`` (None for text given inline). Its arguments are the tile operands as
    pointers, then a pointer to the output tile, then the scalar operands by value."""

    symbol: str
    text: str
    file: str | None = None

    @property
    def stem(self) -> str:
        """The name the source takes in a project: ``<stem>.cc``, compiled to ``<stem>.o``."""
        return Path(self.file).stem if self.file else self.symbol


@dataclass(frozen=True)
class KernelDecl:
    """An external kernel's signature; its numpy reference lives in the Kernel object.
    ``sources`` are inline texts per backend (``hls``); ``aie`` its C++ for AIE cores."""

    name: str
    params: tuple[Type, ...]
    result: Type
    sources: tuple[tuple[str, str], ...] = ()
    aie: KernelSource | None = None
    loc: Loc | None = None


@dataclass(frozen=True)
class Task:
    name: str
    mapping: tuple[int, ...]
    params: tuple[TaskParam, ...]
    body: tuple[Stmt, ...]
    loc: Loc | None = None


@dataclass(frozen=True)
class Region:
    name: str
    params: tuple[Buffer, ...]
    streams: tuple[StreamDecl, ...]
    tasks: tuple[Task, ...]
    kernels: tuple[KernelDecl, ...] = ()
    loc: Loc | None = None
    scalars: tuple[RegionScalar, ...] = ()

    def signature(self) -> list[Buffer | RegionScalar]:
        """The region's parameters in the order it declares them (and is called with)."""
        ordered: list[Buffer | RegionScalar] = list(self.arguments())
        for s in sorted(self.scalars, key=lambda s: s.position):
            ordered.insert(s.position, s)
        return ordered

    def stream(self, name: str) -> StreamDecl:
        return next(s for s in self.streams if s.name == name)

    def arguments(self) -> tuple[Buffer, ...]:
        """The buffers the caller passes: the parameters, without the captured constants."""
        return tuple(b for b in self.params if b.value is None)

    def buffer(self, name: str) -> Buffer:
        return next(b for b in self.params if b.name == name)

    def __str__(self) -> str:
        return region_text(self)


@dataclass(frozen=True)
class ArgBinding:
    """Which part of a global buffer an instance's parameter sees: ``[lo, hi)`` per dim."""

    param: str
    buffer: str
    window: tuple[tuple[int, int], ...]
    stage: Stage | None = None  # the panel its reads pass through (``TaskParam.stage``)
    writeback: int = 1  # the output FIFO's depth at the core (``TaskParam.writeback``)


@dataclass(frozen=True)
class Instance:
    name: str
    task: str
    pid: tuple[int, ...]
    args: tuple[ArgBinding, ...]
    body: tuple[Stmt, ...]
    loc: Loc | None = None


@dataclass(frozen=True)
class Channel:
    name: str
    stream: str
    index: tuple[int, ...]
    elem: Type
    depth: int
    producer: str
    consumer: str
    puts: int | None = None  # statically counted transfers, None when data-dependent
    gets: int | None = None


@dataclass(frozen=True)
class Graph:
    """The virtual task graph: one node per instance, one edge per channel."""

    region: Region
    instances: tuple[Instance, ...]
    channels: tuple[Channel, ...]

    def instance(self, name: str) -> Instance:
        return next(i for i in self.instances if i.name == name)

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    def __str__(self) -> str:
        return graph_text(self)


def shard_window(
    global_type: TensorType,
    layout: tuple[LayoutDim, ...],
    mapping: tuple[int, ...],
    pid: tuple[int, ...],
) -> tuple[tuple[int, int], ...]:
    """The ``[lo, hi)`` window per dimension that instance ``pid`` sees of a sharded tensor."""
    window = []
    for size, dim in zip(global_type.shape, layout):
        if isinstance(dim, Shard):
            local = size // mapping[dim.axis]
            lo = pid[dim.axis] * local
            window.append((lo, lo + local))
        else:
            window.append((0, size))
    return tuple(window)


def task_lines(task: Task) -> list[str]:
    """A task's header and body, indented as in ``region_text``."""
    params = ", ".join(
        f"{p.name}: {p.type} = {p.buffer}"
        + (f" @ [{', '.join(map(str, p.layout))}]" if any(str(d) != "R" for d in p.layout) else "")
        + (f" @ {p.stage}" if p.stage is not None else "")
        + (f" @ writeback(depth={p.writeback})" if p.writeback != 1 else "")
        for p in task.params
    )
    return [
        f"  task {task.name} mapping={list(task.mapping)} ({params}):",
        *block_lines(task.body, 2),
    ]


def region_text(region: Region) -> str:
    """The region as written, as text: ``str(region)`` and ``emit("ir")``."""
    params = ", ".join(f"{b.name}: {b.type}" for b in region.signature())
    lines = [f"region {region.name}({params}):"]
    lines += [f"  constant {b.name}: {b.type}" for b in region.params if b.value is not None]
    for s in region.streams:
        shape = f"[{', '.join(map(str, s.shape))}]" if s.shape else ""
        lines.append(f"  stream {s.name}{shape}: {s.elem}, depth {s.depth}")
    for k in region.kernels:
        lines.append(f"  kernel {k.name}({', '.join(map(str, k.params))}) -> {k.result}")
    for task in region.tasks:
        lines += task_lines(task)
    return "\n".join(lines) + "\n"


def graph_text(graph: Graph) -> str:
    """The instances and channels, as text: ``str(graph)`` and ``emit("graph")``."""
    lines = [
        f"graph {graph.region.name}: {len(graph.instances)} instances, "
        f"{len(graph.channels)} channels"
    ]
    for inst in graph.instances:
        args = ", ".join(
            f"{a.param} = {a.buffer}[{', '.join(f'{lo}:{hi}' for lo, hi in a.window)}]"
            for a in inst.args
        )
        lines.append(f"  instance {inst.name} of {inst.task} pid={list(inst.pid)} ({args}):")
        lines += block_lines(inst.body, 2)
    for c in graph.channels:
        count = "" if c.puts is None else f", {c.puts} transfer{'s' * (c.puts != 1)}"
        lines.append(
            f"  channel {c.name}: {c.producer} -> {c.consumer}, {c.elem}, depth {c.depth}{count}"
        )
    return "\n".join(lines) + "\n"
