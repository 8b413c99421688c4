"""The panel's static fallback: a PNG of the panel in an output of its own, right below the
live panel's output, so that a saved notebook still shows the panel where its widgets cannot
be drawn.

JupyterLab draws a widget output with the widget renderer whenever the notebook is trusted,
even when the widget's model is gone (after a kernel restart, or in a reopened notebook):
"Error displaying widget: model not found", whatever else the bundle holds. So the picture is
a second output, an ``<img>`` of a PNG (which JupyterLab's sanitiser keeps in untrusted
notebooks, unlike inline SVG) and the PNG itself, and CSS decides which of the two shows: the
live panel's stylesheet hides the picture below it; the picture's own stylesheet (trusted
notebooks only) hides the output above it while no live panel is there. An untrusted notebook
draws no widgets: it shows the panel's one-line summary, then the picture.

The PNG is drawn by resvg (the ``resvg-py`` package of the ``lab`` and ``ui`` extras); without
it there is no picture, and the live panel is unchanged.
"""

from __future__ import annotations

import base64
import html
import re

from datobench.visual.snapshot import panel_svg, tile_array_svg

# In the live panel's stylesheet: the picture below a live panel is not shown.
LIVE_STYLE = (
    "<style>.jp-OutputArea-child:has(.dato-panel) + .jp-OutputArea-child:has(.dato-snapshot) "
    "{ display: none; }</style>"
)
# In the picture's own stylesheet: the output above it is not shown unless a live panel is
# drawn there (the widget's "model not found" or "Loading widget..." line).
STATIC_CSS = (
    ".jp-OutputArea-child:not(:has(.dato-panel)):has(+ .jp-OutputArea-child .dato-snapshot) "
    "{ display: none; }"
)


def png(svg: str) -> bytes | None:
    """``svg`` rasterised on white, or None without resvg."""
    try:
        import resvg_py
    except ImportError:
        return None
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff"))


def picture_svg(workbench) -> str:
    """The panel as one SVG, from the views it shows now."""
    graph = workbench.graph.value if workbench.graph.value.startswith("<svg") else None
    charts = []
    if workbench.perf is not None:
        charts = [
            ("Stream buffers over time", workbench.streams.value),
            ("Tiles over time", workbench.timeline.value),
        ]
    return panel_svg(
        picture_lines(workbench), graph, tile_array_svg(workbench.editor.model), charts
    )


def picture_lines(workbench) -> list[str]:
    """The picture's header: the summary, then what the timing was computed on and what the
    device did, as the panel's rows say them."""
    return [workbench.summary(), *_texts(workbench.basis.value, workbench.device.value)]


_TAGS = re.compile(r"<[^>]+>")


def _texts(*fragments: str) -> list[str]:
    """The text of the panel's one-line HTML rows (basis, device), tags removed."""
    out = []
    for fragment in fragments:
        text = html.unescape(_TAGS.sub(" ", fragment)).split()
        if text:
            out.append(" ".join(text))
    return out


def bundle(workbench) -> dict | None:
    """The picture's output: a PNG, an ``<img>`` of it for HTML renderers, and what it is in
    text; None when no PNG can be drawn."""
    data = png(picture_svg(workbench))
    if data is None:
        return None
    encoded = base64.b64encode(data).decode()
    summary = workbench.summary()
    return {
        "image/png": encoded,
        "text/html": (
            f'<div class="dato-snapshot"><style>{STATIC_CSS}</style>'
            f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(summary)}" '
            'style="max-width: 100%; height: auto;"/></div>'
        ),
        "text/plain": f"[picture of the panel: {summary}]",
    }
