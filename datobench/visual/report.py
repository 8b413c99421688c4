"""The resource report and run summary as HTML."""

from __future__ import annotations

from datobench.visual import l2
from datobench.visual.colors import escape


def report_html(program, perf=None, staged: list[l2.StagedBuffer] | None = None) -> str:
    """The run's summary (given ``perf``; with its staged buffers, ``visual.l2``, the L2
    traffic beside DDR's), then the mapper's resource table, merges and diagnostics."""
    parts = ['<div class="dato-report">']
    if perf is not None:
        share = (
            f"{perf.macs:,} MACs &middot; <b>{perf.utilization:.1%}</b> of peak"
            if perf.macs
            else "no multiply-accumulates"
        )
        parts.append(
            f"<p><b>{perf.cycles:,}</b> cycles ({perf.seconds * 1e6:,.2f} &micro;s at "
            f"{perf.clock_hz / 1e9:g} GHz) &middot; {share}</p>"
        )
        path = " &larr; ".join(escape(step) for step in perf.critical_path)
        parts.append(f"<p>critical path: {path}</p>")
        if staged:
            line = f"{l2.traffic_line(staged)}; DDR moved {perf.dram_moved / 1e6:,.2f} MB in all"
            parts.append(f"<p>{escape(line)}</p>")
    if program.report is not None:
        rows = program.report.rows()
        cols = [
            "tile",
            "kind",
            "data memory",
            "input DMA channels",
            "output DMA channels",
            "buffer descriptors",
            "locks",
            "DSP slices",
            "on-chip memory",
            "ports",
            "instances",
        ]
        cols = [c for c in cols if any(c in r for r in rows)]
        parts.append(
            '<table class="dato-table"><thead><tr>'
            + "".join(f"<th>{escape(c)}</th>" for c in cols)
            + "</tr></thead><tbody>"
        )
        for r in rows:
            cells = []
            for c in cols:
                value = r.get(c, "")
                hot = _full(value)
                cells.append(f'<td class="{"dato-hot" if hot else ""}">{escape(value)}</td>')
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
        if program.mapping.merges:
            parts.append("<p><b>merges</b></p><ul>")
            for m in program.mapping.merges:
                how = f"automatic: {m.reason}" if m.automatic else "requested"
                parts.append(f"<li>{m.kind} {escape(' + '.join(m.instances))} ({escape(how)})</li>")
            parts.append("</ul>")
        if program.report.diagnostics:
            parts.append("<p><b>diagnostics</b></p><ul>")
            parts += [f"<li>{escape(d)}</li>" for d in program.report.diagnostics]
            parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def _full(cell: str) -> bool:
    """Is a 'used/capacity' cell at capacity?"""
    if "/" not in cell:
        return False
    used, cap = cell.split("/", 1)
    return used.strip() == cap.strip() and not used.startswith("0")
