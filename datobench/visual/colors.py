"""The workbench's palette, shared by every view."""

from __future__ import annotations

BUSY = "#3b82f6"
STALL_IN = "#f59e0b"
STALL_OUT = "#ef4444"
IDLE = "#e5e7eb"
INK = "#1f2937"
MUTED = "#6b7280"
FONT = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"


def heat(fraction: float | None) -> str:
    """White (0) to deep blue (1); grey when unknown."""
    if fraction is None:
        return "#f3f4f6"
    f = min(max(fraction, 0.0), 1.0)
    lo, hi = (239, 246, 255), (29, 78, 216)
    r, g, b = (round(a + (c - a) * f) for a, c in zip(lo, hi))
    return f"#{r:02x}{g:02x}{b:02x}"


def fill(fraction: float | None) -> str:
    """Stream fill level: green (empty) through amber to red (full)."""
    if fraction is None:
        return "#94a3b8"
    if fraction >= 1.0:
        return STALL_OUT
    if fraction >= 0.5:
        return STALL_IN
    return "#10b981"


def escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
