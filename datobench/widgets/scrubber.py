"""The cycle scrubber: a slider and a play button whose cursor moves in the browser, and the
zoom of the charts' time axes.

While dragging or playing, the front end (``scrubber.js``) moves the cursor lines of the
panel's charts (``data-dato-cursor``) and its own read-out, and outlines the array's tiles in
their dominant state around that cycle (``states``), with no message to Python; on release or
pause it sets ``value``, and Python answers with the views that depend on the cycle (the tile
array's routes and exact tile states) and ``fills``, each stream's fill at that cycle, which
the front end writes into the occupancy chart's labels (``data-dato-fill``). The charts
themselves are not sent again.

A drag on a chart's time axis (``data-dato-axis``) sets ``window`` to the cycles dragged over,
a double-click empties it (the whole run); Python then draws the charts for that window, once.
"""

from __future__ import annotations

import pathlib

import anywidget
import traitlets

_HERE = pathlib.Path(__file__).parent


class CycleScrubber(anywidget.AnyWidget):
    _esm = _HERE / "scrubber.js"

    value = traitlets.Int(0).tag(sync=True)  # the cycle, set on release or pause
    max = traitlets.Int(1).tag(sync=True)
    step = traitlets.Int(1).tag(sync=True)
    fills = traitlets.Dict().tag(sync=True)  # stream -> "fill/depth" at ``value``
    # tile -> its dominant state per pixel column of the run (buckets.dominant_states)
    states = traitlets.Dict().tag(sync=True)
    window = traitlets.List(traitlets.Int()).tag(sync=True)  # [start, stop] zoomed, or []

    @traitlets.validate("window")
    def _two_cycles(self, proposal):
        """A window is its first and last cycle, or nothing (the whole run)."""
        window = proposal["value"]
        if len(window) not in (0, 2) or (window and window[0] >= window[1]):
            raise traitlets.TraitError(f"a window is [start, stop] with start < stop: {window}")
        return window
