"""The instance graph as Graphviz DOT text (rendering it is the visual layer's business)."""

from __future__ import annotations

from datobench.core.ir.program import Graph


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph_dot(graph: Graph) -> str:
    lines = [
        f"digraph {_quote(graph.region.name)} {{",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname=Helvetica];',
        "  edge [fontname=Helvetica, fontsize=10];",
    ]
    for buf in graph.region.params:
        lines.append(
            f"  {_quote('buf:' + buf.name)} [label={_quote(f'{buf.name}: {buf.type}')}, "
            'shape=cylinder, fillcolor="#f6f1e7"];'
        )
    for inst in graph.instances:
        lines.append(f"  {_quote(inst.name)};")
        for arg in inst.args:
            lines.append(
                f"  {_quote('buf:' + arg.buffer)} -> {_quote(inst.name)} "
                '[style=dashed, arrowhead=none, color="#999999"];'
            )
    for c in graph.channels:
        label = f"{c.name}\\n{c.elem} x{c.depth}"
        lines.append(f'  {_quote(c.producer)} -> {_quote(c.consumer)} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
