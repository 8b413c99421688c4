"""Target files against their schema (core/targets/schema.py): every figure has a type and a
range, and a bad one is a TargetError naming the file, the entry and what it allows, when the
file is loaded (at the compile line when compile loads it). Figures only the cost models read
may be missing until a simulation needs them; an entry the schema does not know is refused."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import Stream, float32
from datobench.core.targets import TargetError
from datobench.core.targets.schema import ARRAY, GRID, Figures, Table

TARGETS = Path(dato.__file__).parent / "core" / "targets"
PACKAGE = Path(dato.__file__).parent


def edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (TARGETS / f"{name}.toml").read_text()
    assert old in text, old
    path = tmp_path / f"edited_{name}.toml"
    path.write_text(text.replace(old, new, 1))
    return path


# (target, old text, new text, what the error says after "target file <path>: ")
BAD_FIGURES = {
    "columns past any array": (
        "npu1_4col",
        "columns = 4",
        "columns = 1000000000000",
        "target file {path}: columns must be a whole number from 1 to 64, not 1000000000000",
    ),
    "a whole figure written as a float": (
        "npu1_4col",
        "columns = 4",
        "columns = 4.0",
        "target file {path}: columns must be a whole number from 1 to 64, not 4.0",
    ),
    "a negative DRAM bandwidth": (
        "npu1_4col",
        "dram_bytes_per_s = 15e9",
        "dram_bytes_per_s = -15e9",
        "target file {path}: memory.dram_bytes_per_s must be a number from 1e9 to 1e13, "
        "not -15000000000.0",
    ),
    "a stream port that moves nothing": (
        "npu1_4col",
        "stream_bytes_per_cycle = 4",
        "stream_bytes_per_cycle = 0",
        "target file {path}: timing.stream_bytes_per_cycle must be a number from 0.125 to "
        "4096, not 0",
    ),
    "load bits as a word": (
        "npu1_4col",
        "load_bits = 256",
        'load_bits = "wide"',
        "target file {path}: compute.load_bits must be a whole number from 8 to 65536, not 'wide'",
    ),
    "an infinite clock": (
        "npu1_4col",
        "clock_hz = 1.0e9",
        "clock_hz = inf",
        "target file {path}: clock_hz must be a number from 1e6 to 1e10, not inf",
    ),
    "no MACs per cycle": (
        "npu2",
        "int8 = 512,",
        "int8 = 0,",
        "target file {path}: compute.macs_per_cycle.int8 must be a number more than 0 and at "
        "most 1e6, not 0",
    ),
    "a matmul shape of two sizes": (
        "npu2",
        "int8 = [8, 8, 8]",
        "int8 = [8, 8]",
        "target file {path}: compute.matmul_shape.int8 must be a list of 3 entries, not [8, 8]",
    ),
    "row kinds as one word": (
        "npu1",
        'row_kinds = ["shim", "mem", "compute", "compute", "compute", "compute"]',
        'row_kinds = "compute"',
        "target file {path}: row_kinds must be a list of 1 to 32 entries, not 'compute'",
    ),
    "an empty name": (
        "npu1",
        'name = "npu1"',
        'name = ""',
        "target file {path}: name must be a non-empty string, not ''",
    ),
    "a PE grid past any board": (
        "u280",
        "pe_grid = [64, 64]",
        "pe_grid = [100000, 64]",
        "target file {path}: pe_grid[0] must be a whole number from 1 to 64, not 100000",
    ),
    "a PE that unrolls nothing": (
        "u250",
        "elementwise_lanes = 16",
        "elementwise_lanes = 0",
        "target file {path}: timing.elementwise_lanes must be a whole number from 1 to 4096, not 0",
    ),
    "DSP costs without entries": (
        "u250",
        "dsp_per_mac = { float32 = 5.0, bf16 = 2.0, int32 = 3.0, int16 = 1.0, int8 = 0.5 }",
        "dsp_per_mac = {}",
        "target file {path}: compute.dsp_per_mac must be a table with at least 1 entry, not {}",
    ),
    "a device table as a number": (
        "u250",
        "[device]\n",
        "device = 3\n[device_]\n",
        "target file {path}: [device] must be a table, not 3",
    ),
    "an unknown kind": (
        "npu1",
        'kind = "npu"',
        'kind = "gpu"',
        "target file {path}: kind must be 'npu' or 'fpga', not 'gpu'",
    ),
}


@pytest.mark.parametrize("case", BAD_FIGURES, ids=list(BAD_FIGURES))
def test_a_bad_figure_names_the_file_the_entry_and_the_range(tmp_path, case):
    name, old, new, message = BAD_FIGURES[case]
    path = edited(tmp_path, name, old, new)
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert info.value.message == message.replace("{path}", str(path))


@dato.region
def pipe(A: float32[256], B: float32[256]):
    s: Stream[float32[16], 2]

    @dato.task(args=[A])
    def p(a: float32[256]):
        for i in range(16):
            s.put(a[i * 16 : (i + 1) * 16])

    @dato.task(args=[B])
    def c(b: float32[256]):
        for i in range(16):
            b[i * 16 : (i + 1) * 16] = s.get() + 1.0


def test_a_bad_figure_is_reported_at_the_compile_line(tmp_path):
    path = edited(tmp_path, "npu1_4col", "columns = 4", "columns = 1000000000000")
    with pytest.raises(TargetError) as info:
        dato.compile(pipe, target=path)  # E-columns
    check_error(info, "# E-columns", str(path), "columns must be a whole number from 1 to 64")
    assert compiler_frames(info.value) == []


CONSISTENCY = {
    "a shim column outside the array": (
        "shim_dma_columns = [0, 1, 2, 3]",
        "shim_dma_columns = [0, 1, 2, 9]",
        "shim_dma_columns names column 9, but there are 4",
    ),
    "no compute row": (
        'row_kinds = ["shim", "mem", "compute", "compute", "compute", "compute"]',
        'row_kinds = ["shim", "mem"]',
        "row_kinds has no 'compute' row; a tile array needs compute rows and a shim row that "
        "reaches DDR",
    ),
    "no shim row": (
        'row_kinds = ["shim", "mem", "compute", "compute", "compute", "compute"]',
        'row_kinds = ["mem", "compute"]',
        "row_kinds has no 'shim' row",
    ),
    "a stack larger than the memory": (
        "stack_bytes = 1024",
        "stack_bytes = 100000",
        "tile.compute.stack_bytes (100000) is more than its data_memory (65536)",
    ),
    "an emulated rate without its shape": (
        "emulated_matmul_shape = { float32 = [4, 8, 4], int32 = [4, 4, 4] }",
        "emulated_matmul_shape = { float32 = [4, 8, 4] }",
        "compute.emulated_macs_per_cycle.int32 needs compute.emulated_matmul_shape.int32",
    ),
}


@pytest.mark.parametrize("case", CONSISTENCY, ids=list(CONSISTENCY))
def test_entries_that_do_not_hold_together(tmp_path, case):
    old, new, message = CONSISTENCY[case]
    path = edited(tmp_path, "npu1_4col", old, new)
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert info.value.message.startswith(f"target file {path}: {message}")


def test_a_misspelt_entry_is_refused_with_a_suggestion(tmp_path):
    path = edited(tmp_path, "npu1", "dram_bytes_per_s = 15e9", "dram_bytes_per_sec = 15e9")
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert info.value.message == (
        f"target file {path}: unknown entry 'memory.dram_bytes_per_sec'; did you mean "
        "'dram_bytes_per_s'? [memory] holds dram_bytes_per_s, reconfigure_seconds"
    )


def test_an_unknown_direction_of_a_closed_table_is_refused(tmp_path):
    path = edited(tmp_path, "npu2", "ports_out = { north = 6", "ports_out = { up = 6")
    with pytest.raises(TargetError, match=r"unknown entry 'stream_switch\.ports_out\.up'; "):
        dato.load_target(path)


def test_a_missing_required_entry_names_its_table(tmp_path):
    path = edited(tmp_path, "npu1_4col", "dma_out = 2\n", "")
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert info.value.message == f"target file {path} lacks the entry 'dma_out' of [tile.compute]"
    path = edited(tmp_path, "u280", 'kind = "fpga"\n', "")
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert info.value.message == f"target file {path} lacks the entry 'kind'"


def test_a_file_at_the_lowest_bounds_still_simulates_in_moments(tmp_path):
    path = edited(tmp_path, "npu1_4col", "dram_bytes_per_s = 15e9", "dram_bytes_per_s = 1e9")
    text = path.read_text().replace("stream_bytes_per_cycle = 4", "stream_bytes_per_cycle = 0.125")
    path.write_text(text.replace("clock_hz = 1.0e9", "clock_hz = 1e10"))
    prog = dato.compile(pipe, target=path)
    start = time.monotonic()
    result = prog.run(np.ones(256, np.float32), np.zeros(256, np.float32), backend="perf")
    assert time.monotonic() - start < 5
    assert result.cycles > 0


def _in_schema(schema: Table, dotted: str) -> bool:
    node: object = schema
    for part in dotted.split("."):
        if isinstance(node, Table) and part in node.entries:
            node = node.entries[part].spec
        elif isinstance(node, Figures):
            return True  # a table of figures per key
        else:
            return False
    return True


def test_every_figure_the_code_reads_is_in_a_schema():
    read = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        read |= set(re.findall(r"\.param\(\s*\"([\w.]+)\"", text))
        read |= {f"timing.{k}" for k in re.findall(r"timing\[\"(\w+)\"\]", text)}
        read |= {f"timing.{k}" for k in re.findall(r"timing\.get\(\"(\w+)\"", text)}
    assert {"compute.vector_bits", "timing.stream_bytes_per_cycle", "device"} <= read
    missing = sorted(k for k in read if not (_in_schema(ARRAY, k) or _in_schema(GRID, k)))
    assert missing == []


@pytest.mark.parametrize("name", dato.targets())
def test_every_shipped_target_meets_its_schema(name):
    target = dato.load_target(name)
    assert target.columns >= 1 and target.compute_tiles()
