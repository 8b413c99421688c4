"""Jupyter views (anywidget / ipywidgets) and the placement editor; never imported by core."""
