"""The cycle scrubber: a slider whose cursor moves in the browser as it is dragged.

While dragging, the front end (``scrubber.js``) moves the cursor lines of the panel's charts
(``data-dato-cursor``) and its own read-out, with no message to Python; on release it sets
``value``, and Python answers with the views that depend on the cycle (the tile array's
routes) and ``fills``, each stream's fill at that cycle, which the front end writes into the
occupancy chart's labels (``data-dato-fill``). The charts themselves are not sent again.
"""

from __future__ import annotations

import pathlib

import anywidget
import traitlets

_HERE = pathlib.Path(__file__).parent


class CycleScrubber(anywidget.AnyWidget):
    _esm = _HERE / "scrubber.js"

    value = traitlets.Int(0).tag(sync=True)  # the cycle, set on release
    max = traitlets.Int(1).tag(sync=True)
    step = traitlets.Int(1).tag(sync=True)
    fills = traitlets.Dict().tag(sync=True)  # stream -> "fill/depth" at ``value``
