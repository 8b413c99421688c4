"""Jupyter views (anywidget / ipywidgets) and the placement editor; never imported by core."""

from datobench.widgets.editor import PlacementEditor, placement_code
from datobench.widgets.panel import Workbench

__all__ = ["PlacementEditor", "Workbench", "placement_code"]
