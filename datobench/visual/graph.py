"""The task graph as Graphviz DOT (instances coloured by utilisation, merged nodes grouped,
channels labelled with element type, tile shape and depth) and its SVG rendering."""

from __future__ import annotations

import re
import shutil
import subprocess

from datobench.core.errors import BackendUnavailable, CapabilityError, InternalError
from datobench.core.ir.types import TensorType
from datobench.core.passes.analysis import profiles
from datobench.visual.colors import FONT, escape, heat


def _q(text: str) -> str:
    """A DOT string; a newline in ``text`` becomes a line break of the label."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _elem(t) -> str:
    if isinstance(t, TensorType):
        return f"{t.dtype}[{', '.join(map(str, t.shape))}]"
    return str(t)


def utilisation(program, perf) -> dict[str, float]:
    """Busy share of each instance's tile over the run (needs a perf result)."""
    if perf is None or program.mapping is None:
        return {}
    out = {}
    for name, tile in program.mapping.placement.items():
        t = perf.tiles.get(f"{tile[0]},{tile[1]}")
        if t is not None and perf.cycles:
            out[name] = t.busy / perf.cycles
    return out


# Past this many instances the graph is drawn per task (grids summarised), not per instance.
INSTANCE_LIMIT = 48


def task_graph_dot(program, perf=None) -> str:
    graph = program.graph
    if len(graph.instances) > INSTANCE_LIMIT:
        return _task_level_dot(program, perf)
    util = utilisation(program, perf)
    lines = _header(graph.region.name)
    for buf in graph.region.params:
        lines.append(_buffer(buf))
    groups = {}
    if program.mapping is not None:
        for node in program.mapping.nodes:
            if len(node.instances) > 1:
                groups[node.name] = node
    grouped = {i for node in groups.values() for i in node.instances}
    for n, node in enumerate(groups.values()):
        lines.append(
            f"  subgraph cluster_{n} {{ label={_q(node.kind + ' on ' + str(node.tile))};"
            ' style="rounded,dashed"; color="#6366f1"; fontsize=9; fontcolor="#4338ca";'
        )
        for inst in node.instances:
            lines.append("    " + _node(inst, util))
        lines.append("  }")
    for inst in graph.instances:
        if inst.name not in grouped:
            lines.append("  " + _node(inst.name, util))
    for name, prof in profiles(graph).items():
        for a in prof.accesses:
            buf = "buf:" + a.buffer
            src, dst = (buf, name) if a.direction == "read" else (name, buf)
            lines.append(
                f'  {_q(src)} -> {_q(dst)} [style=dashed, color="#d97706", arrowsize=0.6];'
            )
    for c in graph.channels:
        label = f"{c.name}\n{_elem(c.elem)} x{c.depth}"
        lines.append(f"  {_q(c.producer)} -> {_q(c.consumer)} [label={_q(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _header(name: str) -> list[str]:
    return [
        f"digraph {_q(name)} {{",
        "  rankdir=LR; bgcolor=transparent; nodesep=0.25; ranksep=0.5;",
        f'  node [shape=box, style="rounded,filled", fontname={_q(FONT)}, fontsize=11, '
        'color="#94a3b8", penwidth=1.2];',
        f'  edge [fontname={_q(FONT)}, fontsize=9, color="#64748b", fontcolor="#334155"];',
    ]


def _buffer(buf) -> str:
    label = f"{buf.name}\n{_elem(buf.type)}"
    return (
        f"  {_q('buf:' + buf.name)} [label={_q(label)}, shape=cylinder, "
        'fillcolor="#fef3c7", color="#d97706"];'
    )


def _task_level_dot(program, perf) -> str:
    """One node per task (its grid and mean utilisation), one edge per stream between tasks."""
    graph = program.graph
    util = utilisation(program, perf)
    lines = _header(graph.region.name)
    for buf in graph.region.params:
        lines.append(_buffer(buf))
    task_of = {i.name: i.task for i in graph.instances}
    for task in graph.region.tasks:
        names = [i.name for i in graph.instances if i.task == task.name]
        known = [util[n] for n in names if n in util]
        mean = sum(known) / len(known) if known else None
        grid = " x ".join(map(str, task.mapping))
        label = f"{task.name} [{grid}]\n{len(names)} instances"
        if mean is not None:
            label += f"\n{mean:.0%} busy on average"
        font = "white" if mean is not None and mean > 0.55 else "#111827"
        lines.append(
            f"  {_q(task.name)} [label={_q(label)}, fillcolor={_q(heat(mean))}, "
            f"fontcolor={_q(font)}];"
        )
    edges: dict[tuple[str, str, str], list] = {}
    for c in graph.channels:
        key = (task_of[c.producer], task_of[c.consumer], c.stream)
        edges.setdefault(key, []).append(c)
    for (src, dst, stream), channels in edges.items():
        c = channels[0]
        label = f"{stream}: {_elem(c.elem)} x{c.depth}\n{len(channels)} channels"
        lines.append(f"  {_q(src)} -> {_q(dst)} [label={_q(label)}];")
    seen = set()
    for name, prof in profiles(graph).items():
        for a in prof.accesses:
            buf = "buf:" + a.buffer
            src, dst = (buf, task_of[name]) if a.direction == "read" else (task_of[name], buf)
            if (src, dst) not in seen:
                seen.add((src, dst))
                lines.append(f'  {_q(src)} -> {_q(dst)} [style=dashed, color="#d97706"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(name: str, util: dict[str, float]) -> str:
    u = util.get(name)
    label = name if u is None else f"{name}\n{u:.0%} busy"
    color = heat(u)
    font = "white" if u is not None and u > 0.55 else "#111827"
    return f"{_q(name)} [label={_q(label)}, fillcolor={_q(color)}, fontcolor={_q(font)}];"


def render_svg(dot: str) -> str:
    """SVG from DOT with Graphviz's ``dot`` (comments such as its version are removed)."""
    exe = shutil.which("dot")
    if exe is None:
        raise BackendUnavailable(
            "the task graph is drawn by Graphviz's `dot`, which is not installed: "
            "apt-get install graphviz (or make sysdeps)"
        )
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise CapabilityError("Graphviz took over 30 s to lay out the task graph") from None
    if done.returncode != 0:
        raise InternalError.failed(f"dot failed: {done.stderr.decode(errors='replace')[:500]}")
    svg = done.stdout.decode()
    svg = re.sub(r"<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    return svg.strip()


__all__ = ["escape", "render_svg", "task_graph_dot", "utilisation"]
