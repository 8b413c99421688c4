"""The task graph as Graphviz DOT (instances coloured by utilisation, merged nodes marked,
channels labelled with element type, tile shape and depth) and its SVG rendering, which fits
any box: the panel zooms and pans it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from datobench.core.errors import BackendUnavailable, CapabilityError, InternalError
from datobench.visual.colors import escape, heat
from datobench.visual.dot import ddr_cluster, elem, header, q, utilisation
from datobench.visual.instances import accesses, box_statements, instance_dot, task_boxes

# Past this many instances the graph is drawn per task (grids summarised), not per instance.
INSTANCE_LIMIT = 48


def task_graph_dot(program, perf=None) -> str:
    """The graph Graphviz's ``dot`` lays out: per instance (``visual.instances``) up to
    INSTANCE_LIMIT instances, per task past that."""
    if len(program.graph.instances) > INSTANCE_LIMIT:
        return _task_level_dot(program, perf)
    return instance_dot(program, perf)


def task_graph_svg(program, perf=None) -> str:
    """The task graph as SVG, scalable to any box (``scalable``): laid out by ``dot``, then
    the boxes around the tasks of several instances and the DDR edges bundled to those boxes
    drawn over that layout (``neato -n2`` keeps every position ``dot`` chose)."""
    dot = task_graph_dot(program, perf)
    boxes = task_boxes(program) if len(program.graph.instances) <= INSTANCE_LIMIT else []
    if not boxes:
        return scalable(render_svg(dot))
    laid = _graphviz(["dot", "-Tdot"], dot)
    sizes = json.loads(_graphviz(["dot", "-Tjson"], dot))
    under, over = box_statements(boxes, _node_boxes(sizes), program)
    start, end = laid.index("{") + 1, laid.rindex("}")  # the boxes beneath the nodes
    drawn = laid[:start] + "\n" + under + laid[start:end] + over + "}\n"
    return scalable(render_svg(drawn, engine=["neato", "-n2"]))


def _node_boxes(layout: dict) -> dict[str, tuple[float, float, float, float]]:
    """Each node's box (x0, y0, x1, y1) in points, and the DDR box's, from ``dot -Tjson``."""
    out = {}
    for obj in layout.get("objects", []):
        if obj["name"] == "cluster_ddr":  # in the way of a task box as much as a node
            out[obj["name"]] = tuple(map(float, obj["bb"].split(",")))
        elif "pos" in obj:
            x, y = map(float, obj["pos"].split(","))
            w, h = float(obj["width"]) * 36, float(obj["height"]) * 36
            out[obj["name"]] = (x - w, y - h, x + w, y + h)
    return out


def scalable(svg: str) -> str:
    """An SVG that fits whatever box it is put in: its size in points becomes ``data-width``
    and ``data-height`` (in CSS pixels, what the panel fits and zooms by), and it keeps its
    viewBox; as static HTML it is as wide as its box, at most its natural size."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if match is None:
        return svg
    w, h = (float(v) * 4 / 3 for v in match.groups())
    head = (
        f'<svg data-width="{w:.0f}" data-height="{h:.0f}" preserveAspectRatio="xMidYMid meet" '
        f'style="width:100%;max-width:{w:.0f}px;height:auto"'
    )
    return svg[: match.start()] + head + svg[match.end() :]


def _task_level_dot(program, perf) -> str:
    """One node per task (its grid and mean utilisation), one edge per stream between tasks."""
    graph = program.graph
    util = utilisation(program, perf)
    lines = header(graph.region.name, "LR")
    lines += ddr_cluster(graph.region.params)
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
            f"  {q(task.name)} [label={q(label)}, fillcolor={q(heat(mean))}, fontcolor={q(font)}];"
        )
    edges: dict[tuple[str, str, str], list] = {}
    for c in graph.channels:
        key = (task_of[c.producer], task_of[c.consumer], c.stream)
        edges.setdefault(key, []).append(c)
    for (src, dst, stream), channels in edges.items():
        c = channels[0]
        label = f"{stream}: {elem(c.elem)} x{c.depth}\n{len(channels)} channels"
        lines.append(f"  {q(src)} -> {q(dst)} [label={q(label)}];")
    for (buffer, task, direction), users in accesses(graph).items():
        buf, verb = q("buf:" + buffer), "reads" if direction == "read" else "writes"
        src, dst = (buf, q(task)) if direction == "read" else (q(task), buf)
        label = q(f"{len(users)} {verb}")
        lines.append(f'  {src} -> {dst} [style=dashed, color="#d97706", label={label}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(dot: str, engine: list[str] | None = None) -> str:
    """SVG from DOT with Graphviz's ``dot`` (or ``engine``, a command line); comments such as
    its version are removed."""
    svg = _graphviz([*(engine or ["dot"]), "-Tsvg"], dot)
    svg = re.sub(r"<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    return svg.strip()


def _graphviz(command: list[str], dot: str) -> str:
    """The output of a Graphviz command run on ``dot``."""
    exe = shutil.which(command[0])
    if exe is None:
        raise BackendUnavailable(
            "the task graph is drawn by Graphviz's `dot`, which is not installed: "
            "apt-get install graphviz (or make sysdeps)"
        )
    try:
        done = subprocess.run(
            [exe, *command[1:]], input=dot.encode(), capture_output=True, timeout=30
        )
    except subprocess.TimeoutExpired:
        raise CapabilityError("Graphviz took over 30 s to lay out the task graph") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace")[:500]
        raise InternalError.failed(f"{command[0]} failed: {detail}")
    return done.stdout.decode()


__all__ = ["escape", "render_svg", "scalable", "task_graph_dot", "task_graph_svg", "utilisation"]
