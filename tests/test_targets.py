"""Hardware targets as data: the shipped TOML files, their figures against REFERENCES.md, the
AIE-ML shared-memory neighbourhood, user target files and broken ones."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench.core.kinds import KINDS, kind_of
from datobench.core.targets import TargetError
from datobench.programs import pipeline as make_pipeline

TARGET_DIR = Path(dato.__file__).parent / "core" / "targets"
SHIPPED = ["generic", "npu1", "npu1_4col", "npu2", "u250", "u280"]
NPUS = ["npu1", "npu1_4col", "npu2"]
KIB = 1024


def user_target(tmp_path: Path, name: str, edit) -> Path:
    """A copy of npu1_4col.toml, renamed ``name`` and changed by ``edit(text) -> text``."""
    text = (TARGET_DIR / "npu1_4col.toml").read_text()
    text = text.replace('name = "npu1_4col"', f'name = "{name}"')
    path = tmp_path / f"{name}.toml"
    path.write_text(edit(text))
    return path


def set_compute_memory(text: str, nbytes: int) -> str:
    """Change the data memory of [tile.compute] (the first data_memory entry of the file)."""
    assert text.index("[tile.compute]") < text.index("data_memory = 65536")
    return text.replace("data_memory = 65536", f"data_memory = {nbytes}", 1)


# -- the shipped targets ----------------------------------------------------------------------


def test_the_shipped_targets_are_listed():
    assert dato.targets() == SHIPPED
    assert sorted(p.stem for p in TARGET_DIR.glob("*.toml")) == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_target_loads(name):
    target = dato.load_target(name)
    assert isinstance(target, dato.Target)
    assert target.name == name
    assert target.kind in ("npu", "fpga")
    assert target.clock_hz > 0
    assert str(target).startswith(f"{name}: ")
    assert dato.load_target(target) is target  # a Target passes through


@pytest.mark.parametrize("name", SHIPPED)
def test_every_target_file_names_its_sources(name):
    text = (TARGET_DIR / f"{name}.toml").read_text()
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    if name == "generic":
        assert "Not a real device" in comments
    else:
        assert "Sources" in comments or "source" in comments
        assert "REFERENCES.md" in comments or "mlir-aie" in comments or "data sheet" in comments


def test_npu1_array():
    t = dato.load_target("npu1")
    assert t.kind == "npu"
    assert (t.columns, t.rows) == (5, 6)
    assert t.row_kinds == ("shim", "mem", "compute", "compute", "compute", "compute")
    assert 0 not in t.shim_dma_columns  # column 0 has no shim DMA
    assert t.shim_dma_columns == (1, 2, 3, 4)
    assert len(t.compute_tiles()) == 20
    assert set(t.compute_tiles()) == {(c, r) for c in range(5) for r in range(2, 6)}
    assert t.clock_hz == 1.0e9  # Phoenix, as in the Riallto material


def test_npu1_4col_partition():
    t = dato.load_target("npu1_4col")
    assert (t.columns, t.rows) == (4, 6)
    assert t.shim_dma_columns == (0, 1, 2, 3)
    assert len(t.compute_tiles()) == 16


def test_npu2_array():
    t = dato.load_target("npu2")
    assert (t.columns, t.rows) == (8, 6)
    assert t.row_kinds == ("shim", "mem", "compute", "compute", "compute", "compute")
    assert t.shim_dma_columns == tuple(range(8))
    assert len(t.compute_tiles()) == 32
    assert t.clock_hz == 1.8e9


def test_tile_kinds_by_position():
    t = dato.load_target("npu1")
    assert t.tile_kind(1, 0) == "shim"
    assert t.tile_kind(1, 1) == "mem"
    assert t.tile_kind(1, 5) == "compute"
    assert t.tile_kind(5, 2) is None  # outside the array
    assert t.tile_kind(0, 6) is None
    assert t.rows_of("compute") == [2, 3, 4, 5]
    assert t.mem_tile(3) == (3, 1)
    assert t.shim_tile(3) == (3, 0)


@pytest.mark.parametrize("name", NPUS)
def test_aie_ml_tile_resources(name):
    tiles = dato.load_target(name).tiles
    compute, mem, shim = tiles["compute"], tiles["mem"], tiles["shim"]
    assert compute.data_memory == 64 * KIB
    assert (compute.dma_in, compute.dma_out) == (2, 2)
    assert (compute.buffer_descriptors, compute.locks) == (16, 16)
    assert compute.dma_dims == 3
    assert compute.stack_bytes == 1024
    assert compute.usable_memory == 63 * KIB
    assert mem.data_memory == 512 * KIB
    assert (mem.dma_in, mem.dma_out) == (6, 6)
    assert (mem.buffer_descriptors, mem.locks) == (48, 64)
    assert mem.dma_dims == 4
    assert shim.data_memory == 0
    assert (shim.dma_in, shim.dma_out) == (2, 2)
    assert (shim.buffer_descriptors, shim.locks) == (16, 16)
    t = dato.load_target(name)
    assert t.param("tile.compute.program_memory") == 16 * KIB
    assert t.param("tile.shim.dma_bytes_per_cycle") == 4
    assert t.param("stream_switch.width_bits") == 32
    assert t.param("stream_switch.hop_cycles") == 2
    assert t.param("compute.load_bits") == 256 and t.param("compute.loads_per_cycle") == 2
    assert t.param("compute.store_bits") == 256 and t.param("compute.stores_per_cycle") == 1
    assert t.param("tile.mem.read_bytes_per_s") == 30e9
    assert t.param("tile.mem.write_bytes_per_s") == 30e9


@pytest.mark.parametrize("name", ["npu1", "npu1_4col"])
def test_npu1_compute_figures(name):
    t = dato.load_target(name)
    macs = t.param("compute.macs_per_cycle")
    assert t.param("compute.macs_per_cycle.int8") == 256
    assert macs == {"int8": 256, "int16": 64, "bf16": 128, "int16xint8": 128, "int8xint4": 512}
    assert t.param("compute.matmul_shape") == {
        "int8": [4, 8, 8],
        "int16": [4, 4, 4],
        "bf16": [4, 8, 4],
        "int8xint4": [4, 16, 8],
    }
    assert t.param("memory.dram_bytes_per_s") == 15e9
    assert t.param("memory.reconfigure_seconds") == 3.4e-3
    assert t.param("compute.kernel_macs_per_cycle") == {
        "int8->int8": 233.0,
        "int8->int16": 217.6,
        "int8->int32": 192.0,
        "bf16->bf16": 112.6,
    }


def test_npu2_compute_figures():
    t = dato.load_target("npu2")
    assert t.param("compute.macs_per_cycle.int8") == 512
    assert t.param("compute.macs_per_cycle.int16") == 128
    assert t.param("compute.macs_per_cycle.bf16") == 256
    assert t.param("compute.macs_per_cycle.bfp16") == 512
    assert t.param("compute.matmul_shape.int8") == [8, 8, 8]
    assert t.param("compute.matmul_shape.int16") == [4, 4, 8]
    assert t.param("compute.matmul_shape.bfp16") == [8, 8, 8]
    assert t.param("memory.dram_bytes_per_s") == 50e9
    assert t.param("compute.kernel_macs_per_cycle") == {
        "int8->int8": 450.6,
        "int8->int16": 419.8,
        "int8->int32": 384.0,
        "bf16->bf16": 158.1,
    }


@pytest.mark.parametrize("name, dsp, dram", [("u250", 12_288, 77e9), ("u280", 9_024, 460e9)])
def test_alveo_figures(name, dsp, dram):
    t = dato.load_target(name)
    assert t.kind == "fpga" and kind_of(t) is KINDS["fpga"]
    assert t.clock_hz == 300e6
    assert t.param("device.dsp") == dsp
    assert t.param("memory.dram_bytes_per_s") == dram
    assert t.param("device.stream_default_depth") == 2  # hls::stream in hardware
    assert t.param("compute.dsp_per_mac.float32") == 5.0  # an FP32 MAC: about 5 DSPs
    assert t.param("compute.dsp_per_mac.int8") == 0.5  # two int8 MACs fit one DSP
    assert t.tiles == {}
    assert len(t.compute_tiles()) == t.columns * t.rows  # the PE grid


def test_param_names_the_missing_entry_and_honours_a_default():
    t = dato.load_target("npu2")
    assert t.param("compute.macs_per_cycle.int4", default=7) == 7
    with pytest.raises(TargetError) as info:
        t.param("compute.macs_per_cycle.int4")
    assert "compute.macs_per_cycle.int4" in str(info.value)
    assert "npu2.toml" in str(info.value)


# -- shared memory between neighbours (AIE-ML) ------------------------------------------------


def test_a_core_reaches_its_own_west_north_and_south_memories():
    t = dato.load_target("npu1")
    assert t.tiles["compute"].shared_memory == ("self", "west", "north", "south")
    assert t.reachable_memories((1, 3)) == {(1, 3), (0, 3), (1, 4), (1, 2)}
    assert (2, 3) not in t.reachable_memories((1, 3))  # not east


def test_shared_memory_stops_at_the_memory_tile_row_and_the_array_edge():
    t = dato.load_target("npu1")
    bottom = t.reachable_memories((1, 2))
    assert bottom == {(1, 2), (0, 2), (1, 3)}
    assert (1, 1) not in bottom  # the memory tile below is not a core's shared memory
    assert t.reachable_memories((0, 2)) == {(0, 2), (0, 3)}  # no west neighbour in column 0
    assert t.reachable_memories((4, 5)) == {(4, 5), (3, 5), (4, 4)}  # top row: no north
    for tile in t.compute_tiles():
        for other in t.reachable_memories(tile):
            assert t.tile_kind(*other) == "compute"
            assert abs(other[0] - tile[0]) + abs(other[1] - tile[1]) <= 1


# -- unknown names and user files --------------------------------------------------------------


def test_unknown_target_lists_the_available_ones():
    with pytest.raises(TargetError) as info:
        dato.load_target("npu9")
    assert isinstance(info.value, dato.DatoError)
    text = str(info.value)
    assert "unknown target 'npu9'" in text
    assert "available: generic, npu1, npu1_4col, npu2, u250, u280" in text


def test_unknown_target_at_compile_points_at_the_call():
    pipeline = make_pipeline(16, 2)
    with pytest.raises(TargetError) as info:
        dato.compile(pipeline, target="npu9")  # E-target
    check_error(info, "# E-target", "unknown target 'npu9'", "npu1_4col")


def test_missing_target_file(tmp_path):
    missing = tmp_path / "nothing.toml"
    with pytest.raises(TargetError) as info:
        dato.load_target(missing)
    assert str(missing) in str(info.value)


def test_user_target_file_loads_from_a_path(tmp_path):
    path = user_target(tmp_path, "my_npu", lambda text: set_compute_memory(text, 128 * KIB))
    for form in (path, str(path)):
        t = dato.load_target(form)
        assert t.name == "my_npu"
        assert t.tiles["compute"].data_memory == 128 * KIB
        assert t.tiles["mem"].data_memory == 512 * KIB  # the rest as in the copied file
        assert len(t.compute_tiles()) == 16


def test_the_mapper_uses_a_smaller_memory_from_a_user_file(tmp_path):
    pipeline = make_pipeline(1024, 4)  # a 16 KiB stream buffer and 8 KiB ping-pong buffers
    shipped = dato.compile(pipeline, target="npu1_4col")
    for use in shipped.mapping.tiles.values():
        if use.kind == "compute":
            assert use.capacity["data memory"] == 63 * KIB
    path = user_target(tmp_path, "small_npu", lambda text: set_compute_memory(text, 16 * KIB))
    with pytest.raises(dato.MappingError) as info:
        dato.compile(pipeline, target=str(path))  # E-small
    check_error(
        info, "# E-small", "data memory:", "used of 15.0 KiB", "(16.0 KiB less a 1.0 KiB stack)"
    )


def test_the_mapper_uses_a_larger_memory_from_a_user_file(tmp_path):
    pipeline = make_pipeline(4096, 4)  # a 64 KiB stream buffer alone: too big for 63 KiB
    with pytest.raises(dato.MappingError) as info:
        dato.compile(pipeline, target="npu1_4col")
    assert "used of 63.0 KiB" in str(info.value)
    path = user_target(tmp_path, "big_npu", lambda text: set_compute_memory(text, 256 * KIB))
    prog = dato.compile(pipeline, target=path)
    assert prog.mapping.target == "big_npu"
    assert prog.target.name == "big_npu"
    compute = [u for u in prog.mapping.tiles.values() if u.kind == "compute"]
    assert compute
    for use in compute:
        assert use.capacity["data memory"] == 255 * KIB
    assert max(u.used["data memory"] for u in compute) > 63 * KIB
    A = np.arange(4 * 4096, dtype=np.float32)
    B = np.zeros_like(A)
    prog.run(A, B, backend="sim")
    assert np.array_equal(B, A + 1)


def test_a_user_file_with_fewer_dma_channels_is_enforced(tmp_path):
    path = user_target(
        tmp_path, "one_dma", lambda text: text.replace("dma_in = 2\n", "dma_in = 1\n", 1)
    )
    assert dato.load_target(path).tiles["compute"].dma_in == 1
    pipeline = make_pipeline(16, 2)
    # producer and consumer far apart: the consumer takes the stream and nothing else
    prog = dato.compile(pipeline, target=path, placement={"producer": (0, 2), "consumer": (3, 5)})
    assert prog.mapping.tiles["3,5"].used["input DMA channels"] == 1
    assert prog.mapping.tiles["3,5"].capacity["input DMA channels"] == 1


def test_an_edited_target_file_is_read_again(tmp_path):
    path = user_target(tmp_path, "edited", lambda text: set_compute_memory(text, 32 * KIB))
    assert dato.load_target(path).tiles["compute"].data_memory == 32 * KIB
    assert user_target(tmp_path, "edited", lambda text: set_compute_memory(text, 16 * KIB)) == path
    assert dato.load_target(path).tiles["compute"].data_memory == 16 * KIB


# -- broken target files -----------------------------------------------------------------------


def test_a_file_missing_an_entry_names_the_file_and_the_entry(tmp_path):
    path = user_target(tmp_path, "no_dma", lambda text: text.replace("dma_in = 2\n", "", 1))
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    text = str(info.value)
    assert str(path) in text
    assert "'dma_in'" in text


def test_a_file_missing_a_tile_table_names_the_row_kind(tmp_path):
    path = user_target(
        tmp_path, "no_mem", lambda text: re.sub(r"\[tile\.mem\].*?\n\n", "", text, flags=re.S)
    )
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert str(path) in str(info.value)
    assert "row kind 'mem' has no [tile.mem] table" in str(info.value)


def test_invalid_toml_names_the_file(tmp_path):
    path = user_target(tmp_path, "bad", lambda text: text.replace("columns = 4", "columns = = 4"))
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    text = str(info.value)
    assert str(path) in text
    assert "not valid TOML" in text
    assert "line 18" in text  # where the parser stopped


def test_a_broken_file_at_compile_points_at_the_call(tmp_path):
    path = user_target(tmp_path, "broken", lambda text: text.replace("locks = 16\n", "", 1))
    pipeline = make_pipeline(16, 2)
    with pytest.raises(TargetError) as info:
        dato.compile(pipeline, target=path)  # E-broken
    check_error(info, "# E-broken", str(path), "'locks'")


def test_a_missing_table_used_only_by_the_mapper_is_a_target_error(tmp_path):
    path = user_target(
        tmp_path,
        "no_switch",
        lambda text: re.sub(r"\[stream_switch\].*?\n\n", "", text, flags=re.S),
    )
    pipeline = make_pipeline(16, 2)
    with pytest.raises(TargetError) as info:
        dato.compile(pipeline, target=path)  # E-switch
    check_error(info, "# E-switch", "lacks the entry 'stream_switch'", str(path))


BAD_VALUES = {
    "columns as text": ("columns = 4", 'columns = "4"'),
    "a DMA count as text": ("dma_in = 2\n", 'dma_in = "two"\n'),
    "an unknown shared-memory direction": ('"self", "west", "north", "south"', '"self", "up"'),
    "an unknown kind": ('kind = "npu"', 'kind = "gpu"'),
    "a shim column outside the array": (
        "shim_dma_columns = [0, 1, 2, 3]",
        "shim_dma_columns = [0, 1, 2, 9]",
    ),
}


@pytest.mark.parametrize("case", BAD_VALUES, ids=list(BAD_VALUES))
def test_a_file_with_a_bad_value_is_a_target_error(tmp_path, case):
    old, new = BAD_VALUES[case]
    assert old in (TARGET_DIR / "npu1_4col.toml").read_text()
    path = user_target(tmp_path, "bad_value", lambda text: text.replace(old, new, 1))
    pipeline = make_pipeline(16, 2)
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
        dato.compile(pipeline, target=path)
    assert str(path) in str(info.value)
