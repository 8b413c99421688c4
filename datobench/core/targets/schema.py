"""The schema of a target file: every entry, what it holds, and whether the file must have it;
one table per file layout (``ARRAY``, a tile array; ``GRID``, a PE grid), which
``core/targets/__init__.py`` picks by the file's kind.

The entries the mapper and the code generators read are required; the cost models' figures
are optional in the file and reported by ``Target.param`` when a simulation needs one that is
missing. Every entry present is checked, against a ``Whole`` or ``Real`` range of
``core.validate`` for a figure, so that a figure no device has (``columns = 10**12``, a
negative bandwidth, ``stream_bytes_per_cycle = 0``, ``load_bits = "wide"``) is refused when
the file is loaded, naming the file, the entry and what it allows; so is an entry the schema
does not know (a misspelt name would otherwise be ignored). The tables of figures per data type
(``macs_per_cycle``...) take any key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from datobench.core.errors import TargetError
from datobench.core.validate import MAX_DEPTH, Real, Whole

COMPUTE, MEM, SHIM = "compute", "mem", "shim"
TILE_KINDS = (COMPUTE, MEM, SHIM)
DIRECTIONS = {"self": (0, 0), "west": (-1, 0), "east": (1, 0), "north": (0, 1), "south": (0, -1)}
BANK_KINDS = ("DDR", "HBM", "PLRAM", "HOST")  # memories v++ connectivity names: HBM[0] ...


@dataclass(frozen=True)
class Text:
    """A non-empty string, one of ``choices`` when there are some."""

    choices: tuple[str, ...] = ()

    def fits(self, value: object) -> bool:
        return (
            isinstance(value, str) and bool(value) and (not self.choices or value in self.choices)
        )

    def describe(self) -> str:
        if not self.choices:
            return "a non-empty string"
        quoted = [repr(c) for c in self.choices]
        if len(quoted) == 2:
            return " or ".join(quoted)
        return f"one of {', '.join(quoted)}"


@dataclass(frozen=True)
class Items:
    """A list of ``low`` to ``high`` entries, each an ``entry``."""

    entry: object
    low: int
    high: int

    def describe(self) -> str:
        count = f"{self.low}" if self.low == self.high else f"{self.low} to {self.high}"
        return f"a list of {count} entries"


@dataclass(frozen=True)
class Figures:
    """A table of ``entry`` values under any keys (or only ``keys``, when given), with at
    least ``least`` of them."""

    entry: object
    keys: tuple[str, ...] = ()
    least: int = 0


@dataclass(frozen=True)
class Table:
    """A table of named entries: name -> ``Entry``."""

    entries: dict[str, Entry]


@dataclass(frozen=True)
class Entry:
    spec: object
    required: bool = field(default=True)


def need(spec: object) -> Entry:
    return Entry(spec, True)


def may(spec: object) -> Entry:
    return Entry(spec, False)


# Lower bounds keep the perf simulator's DRAM calendar, which walks a transfer in buckets of
# cycles, within seconds for the largest tensors; every real device is well above them.
CYCLES = Whole(0, 10**6)
PORT_BYTES = Real(0.125, 4096, low_included=True)  # bytes per cycle of a port, stream, AXI master
BANDWIDTH = Real(1e9, 1e13, low_included=True)  # bytes per second
RATE = Real(0, 1e6)  # MACs per cycle
SHAPE = Items(Whole(1, 1024), 3, 3)  # the (m, k, n) of a matmul intrinsic
BITS = Whole(8, 65536)

COMMON = {
    "name": need(Text()),
    "kind": need(Text()),  # one of the layouts' kinds, checked before the layout is chosen
    "description": may(Text()),
    "clock_hz": need(Real(1e6, 1e10, low_included=True)),
}

TILE = Table(
    {
        "data_memory": need(Whole(0, 2**30)),
        "program_memory": may(Whole(0, 2**30)),
        "stack_bytes": may(Whole(0, 2**30)),
        "dma_in": need(Whole(0, 64)),
        "dma_out": need(Whole(0, 64)),
        "dma_dims": may(Whole(0, 16)),
        "buffer_descriptors": need(Whole(0, 1024)),
        "locks": need(Whole(0, 1024)),
        "shared_memory": may(Items(Text(tuple(DIRECTIONS)), 0, len(DIRECTIONS))),
        "read_bytes_per_s": may(BANDWIDTH),
        "write_bytes_per_s": may(BANDWIDTH),
        "dma_bytes_per_cycle": may(PORT_BYTES),
    }
)

ARRAY = Table(
    {
        **COMMON,
        "columns": need(Whole(1, 64)),
        "row_kinds": need(Items(Text(TILE_KINDS), 1, 32)),
        "shim_dma_columns": need(Items(Whole(0, 63), 0, 64)),
        "tile": need(Figures(TILE, TILE_KINDS)),
        "stream_switch": need(
            Table(
                {
                    "width_bits": may(Whole(1, 4096)),
                    "hop_cycles": may(CYCLES),
                    "ports_out": need(Figures(Whole(0, 64), ("north", "south", "east", "west"))),
                }
            )
        ),
        "compute": may(
            Table(
                {
                    "macs_per_cycle": may(Figures(RATE)),
                    "matmul_shape": may(Figures(SHAPE)),
                    "emulated_macs_per_cycle": may(Figures(RATE)),
                    "emulated_matmul_shape": may(Figures(SHAPE)),
                    "kernel_macs_per_cycle": may(Figures(RATE)),
                    "vector_bits": may(BITS),
                    "load_bits": may(BITS),
                    "loads_per_cycle": may(Whole(1, 64)),
                    "store_bits": may(BITS),
                    "stores_per_cycle": may(Whole(1, 64)),
                }
            )
        ),
        "memory": may(
            Table(
                {
                    "dram_bytes_per_s": may(BANDWIDTH),
                    "reconfigure_seconds": may(Real(0, 10, low_included=True)),
                }
            )
        ),
        "timing": may(
            Table(
                {
                    "matmul_a_reuse": may(Whole(1, 64)),
                    "matmul_b_reuse": may(Whole(1, 64)),
                    "lock_cycles": may(CYCLES),
                    "dma_setup_cycles": may(CYCLES),
                    "stream_bytes_per_cycle": may(PORT_BYTES),
                    "vector_op_cycles": may(Figures(Whole(1, 10**6))),
                    "fifo_latency": may(CYCLES),  # a channel timed without a mapping
                    "fifo_bytes_per_cycle": may(PORT_BYTES),
                }
            )
        ),
        # the device's name in mlir-aie (spelt per release by codegen/aie/releases.py) and its
        # tiles' architecture, which the kernel compilers target (runtime/npu_build.py)
        "mlir_aie": may(Table({"device": need(Text()), "arch": may(Text(("aie2", "aie2p")))})),
    }
)

GRID = Table(
    {
        **COMMON,
        "pe_grid": need(Items(Whole(1, 64), 2, 2)),  # [columns, rows]
        "device": need(
            Table(
                {
                    "dsp": need(Whole(1, 10**7)),
                    "bram_blocks": need(Whole(0, 10**6)),
                    "bram_block_bytes": need(Whole(0, 2**20)),
                    "uram_blocks": need(Whole(0, 10**6)),
                    "uram_block_bytes": need(Whole(0, 2**20)),
                    "luts": may(Whole(0, 10**8)),  # the budget of LUT estimates (passes/luts.py)
                    "stream_default_depth": may(Whole(1, MAX_DEPTH)),
                }
            )
        ),
        "compute": need(Table({"dsp_per_mac": need(Figures(Real(0, 1000), least=1))})),
        # the super logic regions, SLR0 first: each one's share of the device and the memory
        # banks (as v++ connectivity names them) that attach to it
        "slrs": may(
            Items(
                Table(
                    {
                        "dsp": need(Whole(0, 10**7)),
                        "luts": need(Whole(0, 10**8)),
                        "bram_blocks": need(Whole(0, 10**6)),
                        "uram_blocks": need(Whole(0, 10**6)),
                        "memory": need(Items(Text(), 0, 64)),
                    }
                ),
                1,
                16,
            )
        ),
        "memory": need(
            Table(
                {
                    "dram_bytes_per_s": may(BANDWIDTH),
                    "bank_kind": need(Text(BANK_KINDS)),
                    "banks": need(Whole(1, 1024)),
                }
            )
        ),
        "timing": may(
            Table(
                {
                    "fifo_latency": may(CYCLES),
                    "fifo_bytes_per_cycle": may(PORT_BYTES),
                    "elementwise_lanes": may(Whole(1, 4096)),
                    "m_axi_bytes_per_cycle": may(PORT_BYTES),
                }
            )
        ),
    }
)


def check(schema: Table, data: dict, path: str, consistency=None) -> None:
    """Check a target file's entries against its layout's schema, then ``consistency(data,
    path)`` (what holds the entries together), then that it has no entry the schema does not
    know; a ``TargetError`` naming the file and the entry for the first that breaks."""
    checker = _Checker(path)
    checker.table(schema, data, "")
    if consistency is not None:
        consistency(data, path)
    checker.report_unknown()


class _Checker:
    """Walks a file's tables against the schema, collecting the entries it does not know (they
    are reported last, after the entries it does know are found to hold together)."""

    def __init__(self, path: str):
        self.path = path
        self.unknown: list[tuple[str, str, tuple[str, ...]]] = []  # (table, key, known keys)

    def table(self, schema: Table, value: object, where: str):
        if not isinstance(value, dict):
            raise TargetError(f"target file {self.path}: [{where}] must be a table, not {value!r}")
        for key, entry in schema.entries.items():
            if key in value:
                self.check(entry.spec, value[key], _join(where, key))
            elif entry.required:
                table = f" of [{where}]" if where else ""
                raise TargetError(f"target file {self.path} lacks the entry '{key}'{table}")
        self._unknown(value, where, tuple(schema.entries))

    def check(self, spec: object, value: object, key: str):
        if isinstance(spec, Table):
            self.table(spec, value, key)
        elif isinstance(spec, Figures):
            if not isinstance(value, dict) or len(value) < spec.least:
                least = f" with at least {spec.least} entry" if spec.least else ""
                raise TargetError(
                    f"target file {self.path}: {key} must be a table{least}, not {value!r}"
                )
            for name, figure in value.items():
                if not spec.keys or name in spec.keys:
                    self.check(spec.entry, figure, _join(key, name))
            if spec.keys:
                self._unknown(value, key, spec.keys)
        elif isinstance(spec, Items):
            if not isinstance(value, list) or not spec.low <= len(value) <= spec.high:
                raise TargetError(
                    f"target file {self.path}: {key} must be {spec.describe()}, not {value!r}"
                )
            for n, item in enumerate(value):
                self.check(spec.entry, item, f"{key}[{n}]")
        elif not spec.fits(value):
            raise TargetError(
                f"target file {self.path}: {key} must be {spec.describe()}, not {value!r}"
            )

    def _unknown(self, value: dict, where: str, known: tuple[str, ...]):
        self.unknown.extend((where, k, known) for k in value if k not in known)

    def report_unknown(self):
        if not self.unknown:
            return
        where, key, known = self.unknown[0]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        table = f"[{where}]" if where else "the top level"
        raise TargetError(
            f"target file {self.path}: unknown entry '{_join(where, key)}'; {hint}"
            f"{table} holds {', '.join(known)}"
        )


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def array_consistency(data: dict, path: str) -> None:
    """A tile array: its rows have tile tables, it computes and reaches DDR, its shim DMA
    columns are in it, and a tile's stack fits its memory."""
    columns, row_kinds = data["columns"], data["row_kinds"]
    for col in data["shim_dma_columns"]:
        if col >= columns:
            raise TargetError(
                f"target file {path}: shim_dma_columns names column {col}, but there are {columns}"
            )
    for kind in dict.fromkeys(row_kinds):
        if kind not in data["tile"]:
            raise TargetError(f"target file {path}: row kind '{kind}' has no [tile.{kind}] table")
    for kind in (COMPUTE, SHIM):
        if kind not in row_kinds:
            raise TargetError(
                f"target file {path}: row_kinds has no '{kind}' row; a tile array needs compute "
                "rows and a shim row that reaches DDR"
            )
    for kind, spec in data["tile"].items():
        if spec.get("stack_bytes", 0) > spec["data_memory"]:
            raise TargetError(
                f"target file {path}: tile.{kind}.stack_bytes ({spec['stack_bytes']}) is more "
                f"than its data_memory ({spec['data_memory']})"
            )
    compute = data.get("compute", {})
    for dtype in compute.get("emulated_macs_per_cycle", {}):
        if dtype not in compute.get("emulated_matmul_shape", {}):
            raise TargetError(
                f"target file {path}: compute.emulated_macs_per_cycle.{dtype} needs "
                f"compute.emulated_matmul_shape.{dtype}"
            )


def grid_consistency(data: dict, path: str) -> None:
    """A PE grid's SLRs share the device: their shares add up to no more than its budgets."""
    device = data["device"]
    for key in ("dsp", "luts", "bram_blocks", "uram_blocks"):
        shares = sum(slr[key] for slr in data.get("slrs", []))
        if key in device and shares > device[key]:
            raise TargetError(
                f"target file {path}: the SLRs' {key} add up to {shares}, more than the "
                f"device's {device[key]} (device.{key})"
            )
