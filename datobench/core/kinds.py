"""Target kinds: what differs between an NPU's tile array and an FPGA's PE grid, said once.

A target file names its ``kind``; ``kind_of(target)`` is the one place that reads it, and the
``Kind`` it returns names the placer, the routing rules and the cost model the compiler uses
for such targets, how the mapper and the resource ledger count budgets, and the facts that
views, code generation and the runtime need. Adding a kind is adding an entry to ``KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from datobench.core.passes.place_fpga import FpgaPlacer
from datobench.core.passes.place_npu import NpuPlacer
from datobench.core.passes.route_fpga import FpgaRouting
from datobench.core.passes.route_npu import NpuRouting
from datobench.core.perf.cost_fpga import FpgaCost
from datobench.core.perf.cost_npu import NpuCost
from datobench.core.targets import Target, TargetError


@dataclass(frozen=True)
class Kind:
    """One kind of target and the parts of the compiler that serve it.

    ``placer(target)`` gives the default placer's kind-specific choices (``anchor``,
    ``fill_key``, ``improve``); ``routing(target, vg, tile_of, ledger)`` routes channels
    between nodes and DDR traffic (``channel``, ``offchip``); ``cost_model(target, mapping)``
    prices operations, channels and DDR streams for the perf simulator.
    """

    name: str
    placer: Callable[[Target], Any]
    routing: Callable[..., Any]
    cost_model: Callable[..., Any]
    # budgets belong to the whole device, not to a tile: the ledger counts them there, and
    # merging nodes onto fewer slots cannot make a mapping fit
    device_wide: bool
    slots: str  # what the places a node runs on are called, in messages
    # the slots are a fixed array of physical tiles (drawn whole, counted), not a grid of PE
    # slots drawn as far as it is used
    physical_tiles: bool
    # programs run as Vitis HLS kernels through XRT (prog.build, backend="xrt"), and the
    # generated v++ configuration takes the target's clock and memory banks
    runs_hls: bool
    # programs are MLIR-AIE designs (emit("mlir-aie"), backend="aie-emu"), the device named
    # by the target file's [mlir_aie] table
    runs_aie: bool


KINDS: dict[str, Kind] = {
    "npu": Kind(
        "npu",
        placer=NpuPlacer,
        routing=NpuRouting,
        cost_model=NpuCost,
        device_wide=False,
        slots="compute tiles",
        physical_tiles=True,
        runs_hls=False,
        runs_aie=True,
    ),
    "fpga": Kind(
        "fpga",
        placer=FpgaPlacer,
        routing=FpgaRouting,
        cost_model=FpgaCost,
        device_wide=True,
        slots="PE slots",
        physical_tiles=False,
        runs_hls=True,
        runs_aie=False,
    ),
}


def kind_of(target: Target) -> Kind:
    """The kind of ``target``, from its file's ``kind`` entry."""
    try:
        return KINDS[target.kind]
    except KeyError:
        raise TargetError(
            f"target '{target.name}' has kind {target.kind!r}, which is not one of "
            f"{', '.join(KINDS)}"
        ) from None
