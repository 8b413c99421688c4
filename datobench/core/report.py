"""``prog.report``: resource use against capacity per tile, merges and diagnostics, as text."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.ir.mapping import Mapping
from datobench.core.passes.resources import MEMORY, ONCHIP, kib
from datobench.core.targets import Target

_COLUMNS = (
    "data memory",
    "input DMA channels",
    "output DMA channels",
    "buffer descriptors",
    "locks",
)
_SHORT = {
    "data memory": "memory",
    "input DMA channels": "DMA in",
    "output DMA channels": "DMA out",
    "buffer descriptors": "BDs",
    "locks": "locks",
    "DSP slices": "DSP",
    "on-chip memory": "on-chip memory",
}


@dataclass
class Report:
    target: Target
    mapping: Mapping
    diagnostics: list[str]

    def rows(self) -> list[dict]:
        """One row per used tile: its kind, instances and 'used/capacity' per resource."""
        out = []
        for key, use in sorted(self.mapping.tiles.items(), key=lambda kv: _order(kv[0])):
            shown = use.instances[:6]
            more = f", ... ({len(use.instances)} in all)" if len(use.instances) > 6 else ""
            row = {"tile": key, "kind": use.kind, "instances": ", ".join(shown) + more}
            for res in list(_COLUMNS) + ["DSP slices", "on-chip memory"]:
                if res in use.capacity:
                    used, cap = use.used.get(res, 0), use.capacity[res]
                    row[res] = (
                        f"{kib(used)}/{kib(cap)}" if res in (MEMORY, ONCHIP) else f"{used}/{cap}"
                    )
            ports = [
                f"{k.split()[1][0].upper()}{v}"
                for k, v in use.used.items()
                if k.startswith("stream-switch")
            ]
            if ports:
                row["ports"] = " ".join(ports)
            out.append(row)
        return out

    def __str__(self) -> str:
        m = self.mapping
        lines = [
            f"target {self.target}",
            f"{len(m.nodes)} nodes on "
            f"{len({n.tile for n in m.nodes})} tiles; {len(m.routes)} channels "
            f"({_count(m, 'shared')} shared-memory, {_count(m, 'stream')} stream-switch, "
            f"{_count(m, 'local')} local); {len(m.offchip)} DDR streams",
            "",
        ]
        rows = self.rows()
        headers = (
            ["tile", "kind"]
            + [
                c
                for c in list(_COLUMNS) + ["DSP slices", "on-chip memory", "ports"]
                if any(c in r for r in rows)
            ]
            + ["instances"]
        )
        table = [[_SHORT.get(h, h) for h in headers]]
        table += [[r.get(h, "") for h in headers] for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
        for n, row in enumerate(table):
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        if m.merges:
            lines += ["", "merges:"]
            for merge in m.merges:
                how = f"automatic: {merge.reason}" if merge.automatic else "requested"
                lines.append(f"  {merge.kind} {' + '.join(merge.instances)} ({how})")
        if self.diagnostics:
            lines += ["", "diagnostics:", *(f"  {d}" for d in self.diagnostics)]
        return "\n".join(lines) + "\n"

    def _repr_pretty_(self, p, cycle):  # IPython shows the table, not a repr
        p.text(str(self))


def _count(m: Mapping, kind: str) -> int:
    return sum(1 for r in m.routes if r.kind == kind)


def _order(key: str):
    return (1, 0, 0) if key == "device" else (0, *map(int, key.split(",")))


def diagnostics(mapping: Mapping) -> list[str]:
    """Observations worth a look: channels that cross the array instead of sharing memory."""
    return [
        f"channel {r.channel} crosses {r.hops} stream-switch hops ({r.src} -> {r.dst}); "
        "placed as neighbours its producer and consumer would share memory"
        for r in mapping.routes
        if r.kind == "stream" and r.hops > 1
    ]
