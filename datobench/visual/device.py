"""The panel's device row as HTML: measured time beside the perf model's prediction and their
ratio, or the one line saying why the program did not run on the device."""

from __future__ import annotations

from datobench.core.measure import Measurement, NotRun
from datobench.visual.colors import escape

MEASURED = (
    "measured: the fastest kernel time of prog.run(backend='xrt') (the call and its wait, "
    "without the host's copies) after a warm-up run; predicted: the perf model's time at the "
    "target's clock"
)
STALE = "for the placement the cell ran; re-run the cell to measure this one"
SIMULATED_BELOW = "simulated views below"
_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))


def duration(seconds: float) -> str:
    """Seconds in the unit that reads best, to three significant digits (``1.23 ms``)."""
    seconds = float(f"{seconds:.3g}")  # rounded first, so 0.9999 ms reads 1 ms
    unit, scale = next(((u, f) for u, f in _UNITS if seconds >= f), _UNITS[-1])
    return f"{seconds / scale:.3g} {unit}"


def factor(ratio: float) -> str:
    """A ratio as a factor: two decimals near 1, whole numbers past 10 (``1.23×``, ``1,027×``)."""
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:,.0f}×"


def device_html(result: Measurement | NotRun | None, stale: bool = False) -> str:
    """The row for a ``Measurement`` (``stale`` once the placement differs from the one
    measured), or for a ``NotRun``; empty for None (the panel did not ask for the device)."""
    if result is None:
        return ""
    if isinstance(result, NotRun):
        return (
            f'<div class="dato-device dato-missing" title="{escape(result.detail)}">'
            f"{escape(result.line)}; {SIMULATED_BELOW}</div>"
        )
    runs = len(result.seconds)
    spread = f"best of {runs} after a warm-up" if runs > 1 else "one run after a warm-up"
    if runs > 1:
        spread += f", slowest {duration(result.slowest)}"
    note = f' <span class="dato-stale">({STALE})</span>' if stale else ""
    return (
        f'<div class="dato-device" title="{escape(MEASURED)}">on the device: '
        f"measured <b>{duration(result.best)}</b> ({spread}) &middot; "
        f"predicted <b>{duration(result.predicted)}</b> &middot; "
        f"ratio <b>{factor(result.ratio)}</b>{note}</div>"
    )
