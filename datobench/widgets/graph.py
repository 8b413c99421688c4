"""The task graph's view: the SVG of ``visual.task_graph_svg`` fitted to its box (never drawn
larger than its natural size), zoomed with the wheel or the buttons, panned by dragging, and
fitted again with "fit". ``value`` is the SVG (or the HTML saying why there is none)."""

from __future__ import annotations

import pathlib

import anywidget
import traitlets

_HERE = pathlib.Path(__file__).parent


class GraphView(anywidget.AnyWidget):
    _esm = _HERE / "graph.js"
    _css = _HERE / "graph.css"

    value = traitlets.Unicode("").tag(sync=True)
    max_height = traitlets.Int(460).tag(sync=True)  # the box's height at most, in pixels
