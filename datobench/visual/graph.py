"""The task graph as Graphviz DOT (instances coloured by utilisation, merged nodes grouped,
channels labelled with element type, tile shape and depth) and its SVG rendering."""

from __future__ import annotations

import re
import shutil
import subprocess

from datobench.core.errors import BackendUnavailable
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


def task_graph_dot(program, perf=None) -> str:
    graph = program.graph
    util = utilisation(program, perf)
    lines = [
        f"digraph {_q(graph.region.name)} {{",
        "  rankdir=LR; bgcolor=transparent; nodesep=0.25; ranksep=0.5;",
        f'  node [shape=box, style="rounded,filled", fontname={_q(FONT)}, fontsize=11, '
        'color="#94a3b8", penwidth=1.2];',
        f'  edge [fontname={_q(FONT)}, fontsize=9, color="#64748b", fontcolor="#334155"];',
    ]
    for buf in graph.region.params:
        label = f"{buf.name}\n{_elem(buf.type)}"
        lines.append(
            f"  {_q('buf:' + buf.name)} [label={_q(label)}, shape=cylinder, "
            'fillcolor="#fef3c7", color="#d97706"];'
        )
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
    done = subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60)
    if done.returncode != 0:
        raise BackendUnavailable(f"dot failed: {done.stderr.decode(errors='replace')[:500]}")
    svg = done.stdout.decode()
    svg = re.sub(r"<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    return svg.strip()


__all__ = ["escape", "render_svg", "task_graph_dot", "utilisation"]
