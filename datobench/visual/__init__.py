"""Pure rendering helpers: programs, mappings and performance results -> DOT, SVG, HTML and
the JSON model the placement editor draws. Nothing here imports Jupyter."""

from datobench.visual.charts import occupancy_svg, timeline_svg
from datobench.visual.code import code_html
from datobench.visual.device import device_html, duration, factor
from datobench.visual.graph import render_svg, task_graph_dot, task_graph_svg
from datobench.visual.report import report_html
from datobench.visual.tiles import tile_array_model

__all__ = [
    "code_html",
    "device_html",
    "duration",
    "factor",
    "occupancy_svg",
    "render_svg",
    "report_html",
    "task_graph_dot",
    "task_graph_svg",
    "tile_array_model",
    "timeline_svg",
]
