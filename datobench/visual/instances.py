"""The task graph per instance, drawn the way the program is written: a 2-D task's ``pe[i, j]``
at row i, column j; a 1-D task that feeds or drains the rows of a grid (a systolic array's
loaders) beside those rows; the DDR buffers in one box (in a left-to-right graph, the ones
only written in a second box after their writers); one edge per pair of nodes, labelled
with the count when several channels join them.

Graphviz's ``dot`` lays this out. Its clusters would reorder the rows of a grid, so the boxes
around the tasks of several instances, and the DDR reads and writes bundled into one edge per
buffer and task, are drawn afterwards over ``dot``'s layout (``box_statements``).
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.passes.analysis import profiles
from datobench.visual.colors import FONT
from datobench.visual.dot import ddr_cluster, elem, header, instance_node, q, utilisation

ACCESS = 'style=dashed, color="#d97706", arrowsize=0.6'
# room around a task's instances inside its box, in points: the sides, and the top (its label)
PAD, PAD_TOP = 6.0, 15.0
SHOWN_NAMES = 3  # a bundled edge names its channels up to this many (all in its tooltip)


@dataclass(frozen=True)
class TaskBox:
    """The box drawn around the instances of one task."""

    task: str
    label: str  # the task and its mapping: "pe [4 x 4]"
    members: tuple[str, ...]


def instance_dot(program, perf=None) -> str:
    """The DOT ``dot`` lays out (the task boxes and bundled DDR edges come after)."""
    graph = program.graph
    util = utilisation(program, perf)
    by_task = instances_by_task(graph)
    grids = {t: insts for t, insts in by_task.items() if len(insts[0].pid) == 2 and len(insts) > 1}
    lines = header(graph.region.name, "TB" if grids else "LR")
    outputs = set() if grids else _written_only(graph)
    lines += ddr_cluster([b for b in graph.region.params if b.name not in outputs])
    lines += ddr_cluster([b for b in graph.region.params if b.name in outputs], "ddr_out")
    merged = _merged(program)
    for insts in by_task.values():
        lines += ["  " + instance_node(i.name, util, merged.get(i.name)) for i in insts]
    for insts in grids.values():
        lines += ["  " + line for line in _grid_order(insts)]
    beside = _beside_rows(graph, by_task, grids)
    for pairs in beside.values():
        lines += [f"  {{rank=same; {q(a)}; {q(b)}}}" for a, b in pairs]
    lines += _channel_edges(graph, xlabels=bool(grids))
    lines += _access_edges(graph, by_task, set(grids) | set(beside), outputs)
    lines.append("}")
    return "\n".join(lines) + "\n"


def instances_by_task(graph) -> dict[str, list]:
    """Each task's instances in pid order (row-major for a grid)."""
    out: dict[str, list] = {t.name: [] for t in graph.region.tasks}
    for inst in graph.instances:
        out[inst.task].append(inst)
    return {t: sorted(insts, key=lambda i: i.pid) for t, insts in out.items() if insts}


def _merged(program) -> dict[str, str]:
    """The line telling that an instance shares its tile with others (a merged mapping node)."""
    if program.mapping is None:
        return {}
    return {
        inst: f"{node.kind} on {node.tile[0]},{node.tile[1]}"
        for node in program.mapping.nodes
        if len(node.instances) > 1
        for inst in node.instances
    }


def _grid_order(insts) -> list[str]:
    """Row i of a grid on one rank with its columns in order, each column kept straight
    (invisible edges and ``group``), so that ``pe[i, j]`` lands at row i, column j whatever
    streams join the instances."""
    at = {i.pid: i.name for i in insts}
    lines = []
    for r in sorted({p[0] for p in at}):
        row = [at[p] for p in sorted(at) if p[0] == r]
        lines.append("{rank=same; " + " ".join(q(n) for n in row) + "}")
        lines += [f"{q(a)} -> {q(b)} [style=invis];" for a, b in zip(row, row[1:])]
    for (r, c), name in sorted(at.items()):
        lines.append(f"{q(name)} [group={q(f'{insts[0].task}:{c}')}];")
        below = at.get((r + 1, c))
        if below is not None:
            lines.append(f"{q(name)} -> {q(below)} [style=invis, weight=8];")
    return lines


def _beside_rows(graph, by_task: dict[str, list], grids: dict[str, list]) -> dict[str, list]:
    """The 1-D tasks whose instance k talks only to row k of a grid (a systolic array's west
    loaders), drawn on that row's rank, beside it: task -> (instance, its peer in the row)."""
    row_of = {i.name: i.pid[0] for insts in grids.values() for i in insts}
    peers: dict[str, set[str]] = {}
    for c in graph.channels:
        peers.setdefault(c.producer, set()).add(c.consumer)
        peers.setdefault(c.consumer, set()).add(c.producer)
    out = {}
    for task, insts in by_task.items():
        if task in grids or len(insts) < 2 or len(insts[0].pid) != 1:
            continue
        pairs = []
        for inst in insts:
            linked = peers.get(inst.name, set())
            if not linked or any(row_of.get(p) != inst.pid[0] for p in linked):
                break
            pairs.append((inst.name, min(linked)))
        else:
            out[task] = pairs
    return out


def _channel_edges(graph, xlabels: bool) -> list[str]:
    """One edge per producer/consumer pair. The first channel of each stream is labelled with
    its element type and depth, the others with their name alone (the same type and depth).
    In a grid the labels are placed after the layout (``xlabel``), so that they do not push
    the columns apart."""
    pairs: dict[tuple[str, str], list] = {}
    for c in graph.channels:
        pairs.setdefault((c.producer, c.consumer), []).append(c)
    described: set[str] = set()
    key = "xlabel" if xlabels else "label"
    lines = []
    for (src, dst), channels in pairs.items():
        if len(channels) == 1:
            c = channels[0]
            label = c.name
            if c.stream not in described:
                label += f"\n{elem(c.elem)} x{c.depth}"
            described.add(c.stream)
            attrs = f"{key}={q(label)}"
        else:
            names = ", ".join(c.name for c in channels)
            label = f"{len(channels)} channels"
            if len(channels) <= SHOWN_NAMES:
                label += "\n" + names
            attrs = f"{key}={q(label)}, tooltip={q(names)}, penwidth=2"
        lines.append(f"  {q(src)} -> {q(dst)} [{attrs}, weight=2];")
    return lines


def accesses(graph) -> dict[tuple[str, str, str], list[str]]:
    """(buffer, task, "read" or "write") -> the instances of the task that do so."""
    task_of = {i.name: i.task for i in graph.instances}
    out: dict[tuple[str, str, str], list[str]] = {}
    for name, prof in profiles(graph).items():
        for a in prof.accesses:
            users = out.setdefault((a.buffer, task_of[name], a.direction), [])
            if name not in users:
                users.append(name)
    return out


def _written_only(graph) -> set[str]:
    """The buffers the program writes and never reads: in a left-to-right layout they get a
    DDR box of their own after their writers, so that no write runs back across the graph."""
    found = accesses(graph)
    read = {b for b, _, d in found if d == "read"}
    return {b for b, _, d in found if d == "write"} - read


def _access_edges(
    graph, by_task: dict[str, list], ranked: set[str], outputs: set[str]
) -> list[str]:
    """DDR reads and writes of single instances. Those of a task of several instances are
    drawn later to its box; here invisible read edges keep the DDR box before its readers
    (before the first row only of the tasks ``ranked`` by rows: more would widen the layout).
    Writes do not rank the graph, so that the DDR box stays on top, except writes to the
    ``outputs`` box, which goes after its writers."""
    lines = []
    for (buffer, task, direction), users in accesses(graph).items():
        buf = q("buf:" + buffer)
        insts = by_task[task]
        if len(insts) > 1:
            if direction == "read":
                if task in ranked:
                    first = [i.name for i in insts if i.pid[0] == insts[0].pid[0]]
                    users = [first[len(first) // 2]]
                lines += [f"  {buf} -> {q(user)} [style=invis];" for user in users]
            elif buffer in outputs:
                lines += [f"  {q(user)} -> {buf} [style=invis];" for user in users]
        elif direction == "read":
            lines.append(f"  {buf} -> {q(users[0])} [{ACCESS}];")
        else:
            rank = "" if buffer in outputs else ", constraint=false"
            lines.append(f"  {q(users[0])} -> {buf} [{ACCESS}{rank}];")
    return lines


def task_boxes(program) -> list[TaskBox]:
    """A box for each task of several instances."""
    grid = {t.name: " x ".join(map(str, t.mapping)) for t in program.graph.region.tasks}
    return [
        TaskBox(task, f"{task} [{grid[task]}]", tuple(i.name for i in insts))
        for task, insts in instances_by_task(program.graph).items()
        if len(insts) > 1
    ]


def box_statements(boxes: list[TaskBox], nodes: dict[str, tuple], program) -> tuple[str, str]:
    """DOT for the task boxes (placed around their instances' boxes ``nodes`` from the
    layout, in points), to go first so that they are drawn beneath; and for the DDR edges
    bundled to them, labelled with how many instances read or write, to go last. A task whose
    instances ``dot`` did not keep together (its box would hold other nodes) has no box, and
    an edge to each instance instead."""
    lines = []
    drawn = set()
    for box in boxes:
        x0 = min(nodes[m][0] for m in box.members) - PAD
        y0 = min(nodes[m][1] for m in box.members) - PAD
        x1 = max(nodes[m][2] for m in box.members) + PAD
        y1 = max(nodes[m][3] for m in box.members) + PAD_TOP
        others = (b for name, b in nodes.items() if name not in box.members)
        if any(b[0] < x1 and b[2] > x0 and b[1] < y1 and b[3] > y0 for b in others):
            continue
        drawn.add(box.task)
        lines.append(
            f"  {q('box:' + box.task)} [label={q(box.label)}, shape=box, "
            f'style="rounded,dashed", color="#a5b4fc", fontname={q(FONT)}, fontsize=9, '
            'fontcolor="#4338ca", '
            f'labelloc=t, fixedsize=true, pos="{(x0 + x1) / 2:.1f},{(y0 + y1) / 2:.1f}", '
            f"width={(x1 - x0) / 72:.3f}, height={(y1 - y0) / 72:.3f}];"
        )
    edges = []
    boxed = {b.task for b in boxes}
    for (buffer, task, direction), users in accesses(program.graph).items():
        if task not in boxed:
            continue
        buf = q("buf:" + buffer)
        if task in drawn:
            box, verb = q("box:" + task), "reads" if direction == "read" else "writes"
            src, dst = (buf, box) if direction == "read" else (box, buf)
            label = q(f"{len(users)} {verb}")
            edges.append(f'  {src} -> {dst} [{ACCESS}, label={label}, fontcolor="#b45309"];')
            continue
        for user in users:
            src, dst = (buf, q(user)) if direction == "read" else (q(user), buf)
            edges.append(f"  {src} -> {dst} [{ACCESS}];")
    return "\n".join(lines) + "\n", "\n".join(edges) + "\n"
