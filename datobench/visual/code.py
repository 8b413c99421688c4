"""The code view's listing: the program's generated code as HTML, with one task's part
highlighted (for NPU targets, the MLIR-AIE design with the selected instance's core).

Generating the design is the costly part (most of a placement change on a large GEMM), so the
workbench asks ``design_of`` only when its Code section is open, once per placement, and
redraws the listing from that text when another instance is selected.
"""

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


def design_of(program) -> str | DatoError | None:
    """The MLIR-AIE design of an NPU program, the error saying why it has none, or None for
    targets without one."""
    if program.target is None or not kind_of(program.target).runs_aie:
        return None
    try:
        return program.emit("mlir-aie")
    except DatoError as error:
        return error


def listing_html(program, design: str | DatoError | None, selected: str | None = None) -> str:
    """A ``<pre>`` of ``design`` (as ``design_of`` gave it) with the selected instance's core
    marked; the IR when there is no design (after the reason, when there is one)."""
    if design is None:
        return f'<pre class="dato-pre">{html.escape(program.emit("ir"))}</pre>'
    if isinstance(design, DatoError):
        note = f"no MLIR-AIE design: {design}"
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


def code_html(program, selected: str | None = None) -> str:
    """The design of an NPU program (the IR when it has none, with the reason) as a
    ``<pre>``, the selected instance's core marked; other targets show the IR."""
    return listing_html(program, design_of(program), selected)
