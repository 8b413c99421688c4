"""Resource accounting: what each tile (or the whole FPGA) uses, against its capacity.

Every use is recorded with who made it, so that a broken limit is reported with the tile,
the resource, the amount used, the capacity and the instances involved.
"""

from __future__ import annotations

from datobench.core.errors import MappingError
from datobench.core.ir.mapping import Tile, TileUse, tile_key
from datobench.core.passes.bd_pools import EVEN_BDS, ODD_BDS, POOLS, pool_label, pool_size
from datobench.core.passes.luts import LUTS
from datobench.core.targets import COMPUTE, MEM, Target

MEMORY = "data memory"
DMA_IN = "input DMA channels"
DMA_OUT = "output DMA channels"
BDS = "buffer descriptors"
LOCKS = "locks"
DSP = "DSP slices"
ONCHIP = "on-chip memory"


def ports(direction: str) -> str:
    return f"stream-switch {direction} ports"


def memory_resource(tile: Tile | None) -> str:
    """The memory a buffer takes: a tile's data memory, or the device's on-chip memory."""
    return ONCHIP if tile is None else MEMORY


def kib(n: int) -> str:
    return f"{n / 1024:.1f} KiB"


class Ledger:
    def __init__(self, target: Target):
        self.target = target
        self.uses: dict[str, TileUse] = {}

    def _use(self, tile: Tile | None) -> TileUse:
        key = "device" if tile is None else tile_key(tile)
        if key not in self.uses:
            if tile is None:
                self.uses[key] = TileUse((-1, -1), "device", capacity=device_capacity(self.target))
            else:
                kind = self.target.tile_kind(*tile)
                self.uses[key] = TileUse(tile, kind, capacity=_tile_capacity(self.target, kind))
        return self.uses[key]

    def host(self, tile: Tile | None, instance: str):
        use = self._use(tile)
        if instance not in use.instances:
            use.instances.append(instance)

    def add(self, tile: Tile | None, resource: str, amount: int, who: str):
        use = self._use(tile)
        use.used[resource] = use.used.get(resource, 0) + amount
        use.items.setdefault(resource, []).append([who, amount])

    def buffer(self, tile: Tile | None, who: str, size: int):
        """A buffer of ``size`` bytes on a tile (with its two locks) or on the device."""
        self.add(tile, memory_resource(tile), size, f"{who} buffer")
        if tile is not None:
            self.add(tile, LOCKS, 2, who)

    def check(self):
        """Raise a MappingError for the first broken limit (tiles in order)."""
        for key in sorted(self.uses, key=_order):
            use = self.uses[key]
            for resource, used in use.used.items():
                cap = use.capacity.get(resource)
                if cap is not None and used > cap:
                    raise _violation(self.target, use, resource, used, cap)


def _order(key: str):
    return (1, 0, 0) if key == "device" else (0, *map(int, key.split(",")))


def _amount(resource: str, n: int) -> str:
    return kib(n) if resource in (MEMORY, ONCHIP) else str(n)


def shortlist(names: list[str], limit: int = 8) -> str:
    """At most ``limit`` names, then how many more."""
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _violation(target: Target, use: TileUse, resource: str, used: int, cap: int) -> MappingError:
    where = f"device {target.name}" if use.kind == "device" else f"tile {use.tile} ({use.kind})"
    amount = f"{_amount(resource, used)} used of {_amount(resource, cap)}"
    spec = target.tiles.get(use.kind)
    label = pool_label(resource, spec.buffer_descriptors) if resource in POOLS else resource
    if resource == MEMORY and spec and spec.stack_bytes:
        amount += f" ({kib(spec.data_memory)} less a {kib(spec.stack_bytes)} stack)"
    hint = _HINTS.get(resource, "")
    largest = sorted(use.items.get(resource, []), key=lambda item: -item[1])
    who = shortlist([f"{name} ({_amount(resource, n)})" for name, n in largest])
    instances = f"; instances there: {shortlist(use.instances)}" if use.instances else ""
    error = MappingError(
        f"{where}: {label}: {amount}{instances}",
        notes=(f"used by: {who}", *((hint,) if hint else ())),
    )
    error.instances = tuple(use.instances)  # which node broke it, for the mapper's retry
    error.excess = 1 - cap / used  # the share of the need that does not fit: dato.tune's
    # sampler is told how far outside the limit a point lies
    return error


_POOL_HINT = (
    "hint: mlir-aie gives a memory tile's even channels BDs 0-23 and its odd ones 24-47; use "
    "fewer parts or shallower staged panels, or spread the readers' windows over more columns"
)
_HINTS = {
    MEMORY: "hint: use smaller tiles or shallower streams, or move an instance elsewhere",
    DMA_IN: "hint: channels between neighbouring tiles use shared memory, not DMA; each DDR "
    "buffer a tile reads takes one DMA channel",
    DMA_OUT: "hint: channels between neighbouring tiles use shared memory, not DMA; each DDR "
    "buffer a tile writes takes one DMA channel",
    DSP: "hint: use fewer PEs or smaller tiles per PE",
    EVEN_BDS: _POOL_HINT,
    ODD_BDS: _POOL_HINT,
    LUTS: "hint: the LUTs are estimated from each PE's operations (passes/luts.py): use fewer "
    "PEs or fewer operations per PE",
}


def _tile_capacity(target: Target, kind: str) -> dict[str, int]:
    spec = target.tiles[kind]
    cap = {
        DMA_IN: spec.dma_in,
        DMA_OUT: spec.dma_out,
        BDS: spec.buffer_descriptors,
        LOCKS: spec.locks,
    }
    if kind in (COMPUTE, MEM):
        cap[MEMORY] = spec.usable_memory
    if kind == MEM:  # its BDs in two pools by channel parity (passes/bd_pools.py)
        cap.update(dict.fromkeys(POOLS, pool_size(spec.buffer_descriptors)))
    if kind == COMPUTE:
        for d, n in target.param("stream_switch.ports_out").items():
            cap[ports(d)] = n
    return cap


def device_capacity(target: Target) -> dict[str, int]:
    dev = target.param("device")
    return {
        DSP: dev["dsp"],
        ONCHIP: dev["bram_blocks"] * dev["bram_block_bytes"]
        + dev["uram_blocks"] * dev["uram_block_bytes"],
        **({LUTS: dev["luts"]} if "luts" in dev else {}),
    }
