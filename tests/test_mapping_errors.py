"""Every mapping error: which tile, which resource, used vs capacity, which instances."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error
from mapping_programs import (
    DMA_IN,
    assert_within_capacity,
    make_fan,
    make_fpga_systolic,
    make_gemm,
    make_replicated,
    make_triangle,
    systolic_example,
    used_and_capacity,
)

import datobench as dato
from datobench import Stream, float32, int16, int32

# -- every mapping error: which tile, which resource, used vs capacity, which instances ---------


def test_task_on_a_shim_tile():
    gemm = make_gemm()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(gemm, target="npu1_4col", placement={"block_0_0": (1, 0)})  # E-shim
    check_error(
        info,
        "# E-shim",
        "tile (1, 0) is a shim tile",
        "'block_0_0'",
        "can only run on a compute tile",
        "compute tiles are columns 0-3, rows 2-5",
    )


def test_task_on_a_memory_tile():
    gemm = make_gemm()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(gemm, target="npu1_4col", placement={"block_0_0": (1, 1)})  # E-memtile
    check_error(
        info,
        "# E-memtile",
        "tile (1, 1) is a memory tile",
        "'block_0_0'",
        "can only run on a compute tile",
    )


def test_task_outside_the_array():
    gemm = make_gemm()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(gemm, target="npu1_4col", placement={"block_0_0": (7, 3)})  # E-outside
    check_error(
        info,
        "# E-outside",
        "tile (7, 3) for 'block_0_0' is outside the npu1_4col array",
        "4 columns x 6 rows",
    )


def test_pe_outside_the_fpga_grid():
    region = make_fpga_systolic(4, 4, int16, int32)
    with pytest.raises(dato.MappingError) as info:
        dato.compile(region, target="u280", placement={"pe_0_0": (64, 0)})  # E-fpga-out
    check_error(
        info,
        "# E-fpga-out",
        "tile (64, 0) for 'pe_0_0' is outside the u280 array",
        "PE slots are columns 0-63",
    )


def test_a_placement_that_is_not_a_pair():
    gemm = make_gemm()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(gemm, target="npu1_4col", placement={"block_0_0": (1, 2, 3)})  # E-pair
    check_error(info, "# E-pair", "placement of 'block_0_0' must be a (column, row) pair")


def test_two_unbundled_instances_on_one_tile():
    gemm = make_gemm()
    pins = {"block_0_0": (1, 3), "block_0_1": (1, 3)}
    with pytest.raises(dato.MappingError) as info:
        dato.compile(gemm, target="npu1_4col", placement=pins)  # E-two
    check_error(
        info,
        "# E-two",
        "tile (1, 3): 2 unbundled instances ('block_0_0', 'block_0_1')",
        "time-multiplex them with dato.bundle(['block_0_0', 'block_0_1'])",
    )


def test_a_tile_over_its_data_memory():
    @dato.region
    def big(A: float32[8192]):
        s: Stream[float32[4096], 4]  # 64 KiB of buffers

        @dato.task(args=[A])
        def p(a: float32[8192]):
            s.put(a[0:4096])

        @dato.task(args=[A])
        def q(a: float32[8192]):
            a[4096:8192] = s.get()

    with pytest.raises(dato.MappingError) as info:
        dato.compile(big, target="npu1_4col")  # E-memory
    error = check_error(
        info,
        "# E-memory",
        "(compute): data memory: 96.0 KiB used of 63.0 KiB (64.0 KiB less a 1.0 KiB stack)",
        "instances there: p",
        "s buffer (64.0 KiB)",
        "A[0:8192] ping-pong buffer (32.0 KiB)",
        "hint: use smaller tiles or shallower streams",
    )
    assert re.search(r"tile \(\d, \d\) \(compute\)", str(error))


def test_a_fan_in_maps_when_the_producers_surround_the_consumer():
    m = dato.compile(make_fan(), target="npu1_4col").mapping
    sink = m.placement["sink"]
    kinds = sorted(r.kind for r in m.routes)
    assert kinds == ["shared"] * 4 + ["stream"]  # four neighbours share memory, one streams
    assert m.tiles[f"{sink[0]},{sink[1]}"].used[DMA_IN] == 1
    assert_within_capacity(m)


def test_too_many_incoming_channels_at_a_corner_tile():
    fan = make_fan()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(fan, target="npu1_4col", placement={"sink": (0, 2)})  # E-fanin
    error = check_error(
        info,
        "# E-fanin",
        "tile (0, 2) (compute): input DMA channels:",
        "instances there: sink",
        "hint: channels between neighbouring tiles use shared memory, not DMA",
    )
    # at the corner only (0, 3) and (1, 2) share memory with (0, 2): the other 3 need a DMA
    used, capacity = used_and_capacity(str(error), "input DMA channels")
    assert (used, capacity) == (3, 2)
    assert len(re.findall(r"s\[\d\] \(1\)", str(error))) == 3


def test_a_column_without_shim_dma():
    gemm = make_gemm()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(gemm, target="npu1", placement={"block_0_0": (0, 2)})  # E-noshim
    check_error(
        info,
        "# E-noshim",
        "tile (0, 2) (compute): shim DMA:",
        "column 0 has no shim DMA",
        "'block_0_0' writes 'C' to DDR",
        "place it in a column with one (1, 2, 3, 4)",
    )


def test_column_zero_takes_instances_without_ddr_traffic():
    prog = dato.compile(make_triangle(), target="npu1", placement={"x": (0, 3)})
    m = prog.mapping
    assert m.placement["x"] == (0, 3)
    assert m.placement["a"][0] != 0 and m.placement["b"][0] != 0  # they use DDR
    A = np.arange(16, dtype=np.float32)
    B = np.zeros_like(A)
    prog.run(A, B, backend="sim")
    assert np.array_equal(B, A + (2 * A + 1))


def test_an_unknown_instance_in_a_placement():
    gemm = make_gemm()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(gemm, target="npu1_4col", placement={"gg": (0, 2)})  # E-name
    check_error(
        info,
        "# E-name",
        "placement names 'gg', which is not an instance",
        "instances are named like 'block_0_0'",
    )


@pytest.mark.parametrize("pair", [("a", "b"), ("b", "a")])
def test_chain_that_would_make_a_core_wait_on_itself(pair):
    tri = make_triangle()
    chain = dato.chain(*pair)
    with pytest.raises(dato.MappingError) as info:
        dato.compile(tri, target="npu1_4col", primitives=[chain])  # E-cycle
    check_error(
        info,
        "# E-cycle",
        f"cannot chain '{pair[0]}' and '{pair[1]}'",
        "through other tiles (a -> x -> b)",
        "one core would wait on itself",
    )


def test_chaining_the_whole_triangle_is_legal():
    prog = dato.compile(
        make_triangle(),
        target="npu1_4col",
        primitives=[dato.chain("a", "x"), dato.chain("a", "b")],
    )
    m = prog.mapping
    assert len(m.nodes) == 1 and m.nodes[0].kind == "chain"
    assert len(set(m.placement.values())) == 1
    assert {r.kind for r in m.routes} == {"local"}
    A = np.arange(16, dtype=np.float32)
    B = np.zeros_like(A)
    prog.run(A, B, backend="sim")
    assert np.array_equal(B, A + (2 * A + 1))


def test_chain_with_selections_of_different_sizes():
    systolic = systolic_example().systolic
    chain = dato.chain("load_a", "pe[:, 0:2]")
    with pytest.raises(dato.MappingError) as info:
        dato.compile(systolic, target="npu1_4col", primitives=[chain])  # E-sizes
    check_error(
        info,
        "# E-sizes",
        "chain('load_a', 'pe[:, 0:2]') pairs 4 instances with 8",
        "select as many on each side",
    )


@pytest.mark.parametrize(
    "name, message",
    [
        ("nope", "no instance or task named 'nope'; tasks: load_a, load_b, pe"),
        ("pe[0]", "'pe[0]': task 'pe' has a 2-D mapping [4, 4]"),
        ("pe[0, q]", "'pe[0, q]': 'q' is not an index or a slice"),
        ("pe[7, 0]", "'pe[7, 0]' selects no instance"),
    ],
)
def test_bad_selections_in_primitives(name, message):
    systolic = systolic_example().systolic
    with pytest.raises(dato.MappingError) as info:
        dato.compile(systolic, target="npu1_4col", primitives=[dato.chain(name, "pe")])  # E-sel
    check_error(info, "# E-sel", message)


def test_bundle_of_a_single_instance():
    rep = make_replicated()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(rep, target="npu1_4col", primitives=[dato.bundle(["scale_0"])])  # E-one
    check_error(info, "# E-one", "selects fewer than 2 distinct instances")


def test_bundle_naming_one_instance_twice_is_refused():
    rep = make_replicated()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(rep, target="npu1_4col", primitives=[dato.bundle(["scale_0", "scale_0"])])
    assert "fewer than 2 distinct instances" in str(info.value)


def test_bundled_instances_pinned_to_different_tiles():
    rep = make_replicated()
    bundle = dato.bundle(["scale[0:2]"])
    pins = {"scale_0": (1, 2), "scale_1": (2, 2)}
    with pytest.raises(dato.MappingError) as info:
        dato.compile(rep, target="npu1_4col", primitives=[bundle], placement=pins)  # E-split
    check_error(
        info, "# E-split", "'scale_1' and 'scale_0'", "onto one tile", "placed on (2, 2) and (1, 2)"
    )


def test_bundled_instances_pinned_apart_are_reported_in_plain_english():
    rep = make_replicated()
    pins = {"scale_0": (1, 2), "scale_1": (2, 2)}
    with pytest.raises(dato.MappingError) as info:
        dato.compile(
            rep, target="npu1_4col", primitives=[dato.bundle(["scale[0:2]"])], placement=pins
        )
    assert "bundleed" not in str(info.value)
    assert "are bundled onto one tile" in str(info.value)


def test_a_placement_with_a_bool_is_a_mapping_error():
    rep = make_replicated()
    with pytest.raises(dato.MappingError):
        dato.compile(rep, target="npu1_4col", placement={"scale_0": (True, 2)})


def test_not_a_primitive():
    rep = make_replicated()
    with pytest.raises(dato.MappingError) as info:
        dato.compile(rep, target="npu1_4col", primitives=["scale"])  # E-prim
    check_error(info, "# E-prim", "is not a mapping primitive; use dato.chain or dato.bundle")


def test_an_array_too_small_even_after_merging_reports_the_limit():
    systolic = systolic_example().systolic
    with pytest.raises(dato.MappingError) as info:
        dato.compile(systolic, target="generic")  # E-fit
    check_error(info, "# E-fit", " used of ", "did not make it fit either")


def test_too_many_unmergeable_nodes_for_the_array():
    # three different bodies and no channels: nothing can be chained or bundled
    @dato.region
    def three(A: float32[4], B: float32[4], C: float32[4]):
        @dato.task(args=[A])
        def t1(a: float32[4]):
            a[:] = a[:] + 1.0

        @dato.task(args=[B])
        def t2(b: float32[4]):
            b[:] = b[:] * 2.0

        @dato.task(args=[C])
        def t3(c: float32[4]):
            c[:] = c[:] - 3.0

    path = _tiny_target(compute_rows=1, columns=2)
    with pytest.raises(dato.MappingError) as info:
        dato.compile(three, target=path)  # E-nofit
    check_error(
        info,
        "# E-nofit",
        "3 nodes do not fit the 2 compute tiles",
        "no more chains or bundles are legal",
    )


def _tiny_target(compute_rows: int, columns: int) -> str:
    """A copy of the generic target with fewer tiles, written next to the test's tmp files."""
    text = (Path(dato.core.targets.__file__).parent / "generic.toml").read_text()
    text = text.replace(
        'row_kinds = ["shim", "mem", "compute", "compute", "compute"]',
        'row_kinds = ["shim", "mem"' + ', "compute"' * compute_rows + "]",
    )
    text = text.replace("columns = 4", f"columns = {columns}")
    text = text.replace(
        "shim_dma_columns = [0, 1, 2, 3]", f"shim_dma_columns = {list(range(columns))}"
    )
    path = Path(tempfile.mkdtemp()) / "tiny.toml"
    path.write_text(text)
    return str(path)
