"""Two placements of one program compared: their tile timelines one above the other on one
time axis (the longer run's, so that the same cycle is at the same x in both), then their
report lines side by side, those the other run does not have marked."""

from __future__ import annotations

from dataclasses import replace

from datobench.visual.charts import timeline_svg
from datobench.visual.colors import escape

_STYLE = """<style>
.dato-compare { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 12px; }
.dato-compare h4 { font-size: 12px; margin: 8px 0 2px 0; color: #334155; }
.dato-compare .dato-runs { overflow-x: auto; }
.dato-compare table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.dato-compare td { vertical-align: top; padding: 0 6px; }
.dato-compare ul { list-style: none; margin: 0; padding: 0; }
.dato-compare li { padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.dato-compare li.dato-differs { background: #fef3c7; color: #92400e; }
</style>"""


def report_lines(program, perf) -> list[str]:
    """The report of a timed placement as lines that two placements can share or not: the
    run's totals, then one line per tile with what it holds and uses, then the diagnostics."""
    lines = [
        f"{perf.cycles:,} cycles ({perf.seconds * 1e6:,.2f} us)",
        f"{perf.utilization:.1%} of peak" if perf.macs else "no multiply-accumulates",
        "critical path: " + " \u2190 ".join(perf.critical_path),
    ]
    if program.report is not None:
        for row in program.report.rows():
            uses = ", ".join(
                f"{k} {v}" for k, v in row.items() if k not in ("tile", "kind", "instances") and v
            )
            held = f" ({row['instances']})" if row.get("instances") else ""
            lines.append(f"tile {row['tile']} {row['kind']}{held}: {uses}")
        lines += list(program.report.diagnostics)
    return lines


def _lines_html(lines: list[str], other: set[str]) -> str:
    items = "".join(
        f'<li class="{"dato-differs" if line not in other else ""}">{escape(line)}</li>'
        for line in lines
    )
    return f"<ul>{items}</ul>"


def comparison_html(a: tuple, b: tuple) -> str:
    """``a`` and ``b`` are (title, program, perf) of two timed placements of one program."""
    span = max(a[2].cycles, b[2].cycles, 1)
    runs = []
    for name, (title, _, perf) in zip("AB", (a, b)):
        head = f"{name}: {escape(title)} &middot; {perf.cycles:,} cycles"
        runs.append(
            f'<h4 data-compared="{name}">{head}</h4>'
            + timeline_svg(replace(perf, cycles=span))  # drawn on the common axis
        )
    lines = [report_lines(p, perf) for _, p, perf in (a, b)]
    cells = "".join(
        f"<td><h4>{name}</h4>{_lines_html(mine, set(theirs))}</td>"
        for name, mine, theirs in zip("AB", lines, reversed(lines))
    )
    return (
        f'{_STYLE}<div class="dato-compare"><div class="dato-runs">{"".join(runs)}</div>'
        f"<table><tr>{cells}</tr></table></div>"
    )
