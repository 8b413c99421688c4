"""The code view's listing: the program's generated code as HTML, with one task's part
highlighted (for NPU targets, the MLIR-AIE design with the selected instance's core)."""

from __future__ import annotations

import html

from datobench.core.errors import DatoError
from datobench.core.kinds import kind_of


def core_lines(design: str, instance: str) -> tuple[int, int] | None:
    """The 0-based [first, last] lines of the core running ``instance`` in a design (its
    ``// node`` comment, ``a+b`` for a chain, through the core's closing brace), or None."""
    lines = design.splitlines()
    for first, text in enumerate(lines):
        if text.strip().startswith("// ") and instance in text.strip()[3:].split("+"):
            indent = len(lines[first]) - len(lines[first].lstrip())
            for last in range(first + 1, len(lines)):
                if lines[last].startswith(" " * indent + "}"):
                    return first, last
    return None


def code_html(program, selected: str | None = None) -> str:
    """The design of an NPU program (the IR when it has none, with the reason) as a
    ``<pre>``, the selected instance's core marked; other targets show the IR."""
    if program.target is None or not kind_of(program.target).runs_aie:
        return f'<pre class="dato-pre">{html.escape(program.emit("ir"))}</pre>'
    try:
        design = program.emit("mlir-aie")
    except DatoError as error:
        note = f"no MLIR-AIE design: {error}"
        return (
            f'<pre class="dato-pre">{html.escape(note)}</pre>'
            f'<pre class="dato-pre">{html.escape(program.emit("ir"))}</pre>'
        )
    span = core_lines(design, selected) if selected else None
    out = []
    for n, text in enumerate(design.splitlines()):
        line = html.escape(text)
        if span and span[0] <= n <= span[1]:
            line = f'<mark class="dato-core">{line}</mark>'
        out.append(line)
    return '<pre class="dato-pre dato-mlir">' + "\n".join(out) + "</pre>"
