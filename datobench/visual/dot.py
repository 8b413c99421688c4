"""DOT pieces shared by the task graph's two views (per instance and per task): quoting, the
graph's header, the DDR box with the region's buffers, an instance coloured by utilisation."""

from __future__ import annotations

from datobench.core.ir.types import TensorType
from datobench.visual.colors import FONT, heat


def q(text: str) -> str:
    """A DOT string; a newline in ``text`` becomes a line break of the label."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def elem(t) -> str:
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


def header(name: str, rankdir: str) -> list[str]:
    """Graph, node and edge defaults. Top to bottom (a grid's rows), the nodes of a rank stand
    apart enough for the labels of the streams between them."""
    nodesep = 0.5 if rankdir == "TB" else 0.25
    return [
        f"digraph {q(name)} {{",
        f"  rankdir={rankdir}; bgcolor=transparent; nodesep={nodesep}; ranksep=0.45; newrank=true;",
        "  compound=true;",
        f'  node [shape=box, style="rounded,filled", fontname={q(FONT)}, fontsize=11, '
        'color="#94a3b8", penwidth=1.2];',
        f'  edge [fontname={q(FONT)}, fontsize=9, color="#64748b", fontcolor="#334155"];',
    ]


def ddr_cluster(buffers, name: str = "ddr") -> list[str]:
    """The region's buffers, which live in DDR, side by side in one box."""
    if not buffers:
        return []
    names = " ".join(q("buf:" + b.name) for b in buffers)
    return [
        f'  subgraph cluster_{name} {{ label="DDR"; style="rounded,filled"; fillcolor="#fffbeb"; '
        f'color="#fcd34d"; fontname={q(FONT)}; fontsize=9; fontcolor="#b45309";',
        *("    " + buffer_node(b) for b in buffers),
        f"    {{rank=same; {names}}}",
        "  }",
    ]


def buffer_node(buf) -> str:
    label = f"{buf.name}\n{elem(buf.type)}"
    return (
        f"{q('buf:' + buf.name)} [label={q(label)}, shape=cylinder, "
        'fillcolor="#fef3c7", color="#d97706"];'
    )


def instance_node(name: str, util: dict[str, float], merged: str | None = None) -> str:
    """An instance coloured by its utilisation; one merged with others on a tile says so and
    has a double border."""
    u = util.get(name)
    label = name if u is None else f"{name}\n{u:.0%} busy"
    extra = ""
    if merged is not None:
        label += f"\n{merged}"
        extra = ", peripheries=2"
    color = heat(u)
    font = "white" if u is not None and u > 0.55 else "#111827"
    return f"{q(name)} [label={q(label)}, fillcolor={q(color)}, fontcolor={q(font)}{extra}];"
