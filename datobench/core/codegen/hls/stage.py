"""Staged windows (``dato.stage("mem", panel=...)``) on an FPGA: each instance reading a staged
parameter keeps the panel its reads are in as an on-chip array (``depth`` of them for a
double-buffered stage), refilled from the m_axi port only when a read moves to another panel
(``dato::stage_panel`` in ``dato_hls.h``), and its reads index that array.

The array is bound to URAM when a panel is at least one of the board's URAM blocks, else to
BRAM (``#pragma HLS BIND_STORAGE``); ``onchip_panels`` lists them, as the project counts its
on-chip memory."""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.errors import CapabilityError
from datobench.core.ir.effects import written_buffers
from datobench.core.ir.program import Graph, Instance
from datobench.core.kinds import kind_of
from datobench.core.targets import Target, load_target

CSIM_BOARD = "u250"  # the FPGA target a project for a non-FPGA program is configured for


def board(target: Target | None) -> Target:
    """The FPGA target whose clock, memory banks and RAM blocks the project uses."""
    if target is not None and kind_of(target).runs_hls:
        return target
    return load_target(CSIM_BOARD)


@dataclass(frozen=True)
class Panel:
    """The on-chip array of one instance's staged parameter."""

    instance: str
    param: str
    buffer: str
    shape: tuple[int, ...]
    depth: int
    bytes: int  # all ``depth`` buffers
    impl: str  # "bram" or "uram"


def staged_params(graph: Graph, inst: Instance) -> dict[str, object]:
    """The instance's staged parameters and their stages."""
    task = next(t for t in graph.region.tasks if t.name == inst.task)
    return {p.name: p.stage for p in task.params if p.stage is not None}


def onchip_panels(graph: Graph, target: Target | None) -> list[Panel]:
    """Every staged panel array of the kernel, with the RAM it is bound to."""
    uram = board(target).param("device")["uram_block_bytes"]
    written = written_buffers(graph)
    out = []
    for inst in graph.instances:
        if not inst.body:
            continue
        for name, stage in staged_params(graph, inst).items():
            arg = next(a for a in inst.args if a.param == name)
            if arg.buffer in written:
                raise CapabilityError(
                    f"staged '{arg.buffer}' is also written; a staged panel is read-only (the "
                    "kernel's on-chip copy would keep values from before the writes)",
                    inst.loc,
                )
            dtype = graph.region.buffer(arg.buffer).type.dtype
            size = 1
            for d in stage.panel:
                size *= d
            panel = size * dtype.bytes
            impl = "uram" if panel >= uram else "bram"
            out.append(
                Panel(
                    inst.name, name, arg.buffer, stage.panel, stage.depth, panel * stage.depth, impl
                )
            )
    return out


class StagedReads:
    """The on-chip panels of one instance function: their declarations, and for each read of
    a staged parameter the refill before it and the array, shape and starts it indexes."""

    def __init__(self, panels: list[Panel], local, region):
        self.region = region
        self.arrays = {}  # parameter -> (panel, array, origin and slot names)
        for p in panels:
            names = tuple(local.fresh(f"{p.param}_{what}") for what in ("panel", "origin", "slot"))
            self.arrays[p.param] = (p, *names)

    def declarations(self, scalar) -> list[str]:
        """Each panel array (``depth`` buffers, bound to its RAM), the origin of the panel it
        holds (none yet: -1) and the buffer in use, at the top of the function."""
        out = []
        for p, array, origin, slot in self.arrays.values():
            size = 1
            for d in p.shape:
                size *= d
            elem = scalar[self.region.buffer(p.buffer).type.dtype.name]
            out += [
                f"{elem} {array}[{p.depth}][{size}];  // staged panel {list(p.shape)} of "
                f"'{p.param}', {p.depth} deep",
                f"#pragma HLS BIND_STORAGE variable = {array} type = ram_2p impl = {p.impl}",
                f"int {origin}[{len(p.shape)}] = {{{', '.join(['-1'] * len(p.shape))}}};",
                f"int {slot} = 0;",
            ]
        return out

    def staged(self, param: str) -> bool:
        """Whether reads of ``param`` go through a panel."""
        return param in self.arrays

    def read(self, param: str, pointer: str, shape, lo, starts: list[str]):
        """The refill statement and the (array, shape, starts) a read of ``param`` indexes."""
        p, array, origin, slot = self.arrays[param]
        panel = "{" + ", ".join(map(str, p.shape)) + "}"
        refill = (
            f"dato::stage_panel({array}, {origin}, {slot}, {pointer}, "
            f"{{{', '.join(map(str, shape))}}}, {panel}, {{{', '.join(map(str, lo))}}}, "
            f"{{{', '.join(starts)}}});"
        )
        local = [f"({s}) % {n}" for s, n in zip(starts, p.shape)]
        return refill, f"{array}[{slot}]", panel, "{" + ", ".join(local) + "}"
