"""The MLIR-AIE verifier: legal designs of several partitions and both release syntaxes pass;
each design of the illegal catalogue (tests/aie_designs/bad_*.mlir, the offending op marked
``// expected-error @+1 {{wording}}``) is rejected at that line with that wording; budgets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import datobench as dato
from datobench.core.codegen.aie import AieVerifyError, budgets, verify
from datobench.core.codegen.aie.devices import PARTITIONS, device

DESIGNS = Path(__file__).parent / "aie_designs"
LEGAL = sorted(p for p in DESIGNS.glob("*.mlir") if not p.name.startswith("bad_"))
ILLEGAL = sorted(DESIGNS.glob("bad_*.mlir"))
EXPECTED = re.compile(r"//\s*expected-error @\+1 \{\{(.*)\}\}")
# catalogue design (bad_<name>.mlir) -> the start of the wording its mark expects
WORDING = {
    "access_beyond_acquire": "subview.access [1] of an acquire of 1 element(s)",
    "acquire_beyond_depth": "aie.objectfifo.acquire of 3 elements of @in, whose depth at tile (0,",
    "acquire_not_consumer": "on the core of tile (0, 2), which is not the FIFO's consumer",
    "acquire_outside_core": "aie.objectfifo.acquire @in outside an aie.core",
    "acquire_wrong_type": "acquire of @in as memref<128xi32>; its elements are memref<256xi32>",
    "buffer_on_shim": "aie.buffer on shim tile (0, 0): a shim tile has no memory",
    "compute_input_channels": "tile (0, 2) (compute): input DMA channels: 3 used of 2",
    "compute_locks": "tile (0, 2) (compute): locks: 17 used of 16",
    "compute_memory": "tile (0, 2) (compute): data memory: 128.0 KiB used of 63.0 KiB (64.0 KiB",
    "core_on_memtile": "aie.core on tile (0, 1), a mem tile: cores are on rows 2, 3, 4, 5",
    "depth_array_length": "object FIFO @in: a depth array needs 1 + consumers = 2 entries, got 1",
    "dma_d0_stride": "dma_memcpy_nd d0 stride 2000000 exceeds 1048576 words",
    "dma_d0_too_long": "dma_memcpy_nd d0 size of 2048 words exceeds 1023 (not a linear transfer)",
    "dma_d1_size": "dma_memcpy_nd d1 size 1024 exceeds 1023",
    "dma_id_range": "dma_memcpy_nd id 16: shim BD ids are 0-15",
    "dma_id_reused": "dma_memcpy_nd id 1 is still in use by the transfer at line 26",
    "dma_not_host_buffer": "dma_memcpy_nd moves a host buffer: an argument of the sequence",
    "dma_out_of_bounds": "dma_memcpy_nd reaches element 2047 of a host buffer of 1024 elements",
    "dma_repeat": "dma_memcpy_nd d3 (repeat) size 65 exceeds 64",
    "dma_stride": "dma_memcpy_nd d3 stride of 2000000 words exceeds 1048576",
    "dma_sub_word": "dma_memcpy_nd d0 size of 3 bytes: not a whole number of 32-bit words",
    "dma_sub_word_stride": "dma_memcpy_nd d0 stride 2: sub-word elements need stride 1",
    "dma_three_dims": "dma_memcpy_nd needs exactly 4 offsets (outermost first), got 3",
    "dma_unknown_fifo": "aiex.npu.dma_memcpy_nd: no object FIFO @nowhere in this device",
    "dma_wait_no_token": "dma_wait on @out, but no transfer on it issues a token (issue_token =",
    "dma_wide_elements": "dma_memcpy_nd of i64: elements are at most 32 bits",
    "dma_without_shim": "dma_memcpy_nd on @inner, which has no shim tile at either end",
    "element_not_words": "object FIFO @odd: an element of 3 bytes; DMA moves whole 32-bit words",
    "endpoint_not_tile": "aie.objectfifo: nt is not an aie.tile",
    "fifo_in_two_links": "object FIFO @big is the input of two links",
    "fifo_same_tile": "object FIFO @self names tile (0, 1) at both ends (only a compute tile",
    "fromstream_on_shim": "object FIFO @out: no fromStream layout on shim consumer (0, 0)",
    "link_join_and_distribute": "a link either joins (several inputs) or distributes (several",
    "link_offset_past_end": "link offset 300 puts @in2 (256 elements) past the end of @big (512",
    "link_offsets_count": "a distribute of 2 FIFOs needs 2 offsets, got 1",
    "link_on_compute": "links are made at memory tiles; tile (0, 2) is a compute tile",
    "link_two_tiles": "a link's inputs must end, and its outputs start, at one tile; here:",
    "memtile_unfed": "object FIFO @void starts at memory tile (0, 1), but no aie.objectfifo.link",
    "memtile_unlinked": "object FIFO @dead ends at memory tile (0, 1), but no aie.objectfifo.link",
    "npu1_column0_shim": "object FIFO @in: shim tile (0, 0) has no shim DMA on npu1 (columns with",
    "release_more_than_held": "release of 2 element(s) of @in (Consume) where the core holds 1",
    "lock_id_range": "aie.lock id 16 on tile (0, 2) (compute): ids are 0-15",
    "lock_init_range": "aie.lock init = 64: a lock counts 0-63",
    "distribute_from_stream": "a distributing link's input takes no fromStream layout",
    "too_many_host_buffers": "the runtime sequence takes 6 host buffers; mlir-aie v1.0's kernels",
    "release_not_producer": "aie.objectfifo.release @in(Produce) on the core of tile (0, 2),",
    "shim_output_channels": "tile (0, 0) (shim): output DMA channels: 3 used of 2",
    "shim_to_shim": "object FIFO @ddr goes from a shim tile to a shim tile",
    "tile_outside_columns": "tile (1, 2) is outside device npu1_1col: columns 0-0, rows 0-5",
    "tile_outside_rows": "tile (0, 6) is outside device npu2: columns 0-7, rows 0-5",
    "tile_twice": "tile (0, 2) is declared twice",
    "tostream_on_shim": "object FIFO @in: no toStream layout on a shim producer",
    "two_cores": "tile (0, 2) has two aie.core ops",
    "unknown_device": "unknown device 'npu3'; known: npu1, npu1_1col",
}


@pytest.mark.parametrize("path", LEGAL, ids=lambda p: p.stem)
def test_legal_design_verifies(path):
    verify(path.read_text())


def _expected(text: str) -> tuple[int, str]:
    marks = [(i, m[1]) for i, line in enumerate(text.splitlines()) if (m := EXPECTED.search(line))]
    assert len(marks) == 1
    index, wording = marks[0]
    return index + 2, wording  # 1-based line of the op after the mark


@pytest.mark.parametrize("path", ILLEGAL, ids=lambda p: p.stem)
def test_illegal_design_is_rejected_at_its_line(path):
    text = path.read_text()
    line, wording = _expected(text)
    assert WORDING[path.stem.removeprefix("bad_")] in wording
    with pytest.raises(AieVerifyError) as info:
        verify(text)
    assert isinstance(info.value, dato.DatoError)
    assert wording in info.value.message
    assert info.value.line == line, str(info.value)
    shown = str(info.value)
    assert f":{line}:" in shown and text.splitlines()[line - 1].strip() in shown


def test_catalogue_is_whole():
    assert sorted(p.stem.removeprefix("bad_") for p in ILLEGAL) == sorted(WORDING)


def test_a_design_without_a_device_is_refused():
    with pytest.raises(AieVerifyError, match="the design has no aie.device"):
        verify("func.func private @k(memref<16xi32>)")


def test_an_op_failing_its_own_verifier_names_the_op():
    text = "aie.device(npu1_4col) {\n  %t = aie.tile(0, 2)\n"
    text += "  aie.objectfifo.link [] -> [@a] ([] [])\n}"
    with pytest.raises(AieVerifyError) as info:
        verify(text)
    assert info.value.line == 3
    assert "'aie.objectfifo.link' op failed to verify: a link needs at least one input" in str(
        info.value
    )


def test_every_partition_is_known():
    names = ["npu1", "npu2", *(f"npu1_{n}col" for n in range(1, 5))]
    names += [f"npu2_{n}col" for n in range(1, 8)]
    assert sorted(PARTITIONS) == sorted(names)
    assert device("npu1_3col").columns == 3 and device("npu2_7col").columns == 7
    assert device("npu1", "v1.0").shim_dma_columns == (1, 2, 3, 4)
    assert device("npu1", "2026.01").columns == 4
    assert device("npu1", "2026.01").shim_dma_columns == (0, 1, 2, 3)


@pytest.mark.parametrize("name", sorted(PARTITIONS))
def test_add_one_verifies_on_every_partition(name):
    text = (DESIGNS / "copy_core_npu1_1col.mlir").read_text()
    # npu1 in v1.0 has no shim DMA in column 0: move the design one column east
    if name == "npu1":
        text = text.replace("aie.tile(0, ", "aie.tile(1, ")
    verify(text.replace("aie.device(npu1_1col)", f"aie.device({name})"))


def test_npu1_means_four_columns_in_todays_syntax():
    text = (DESIGNS / "copy_core_npu1_1col.mlir").read_text()
    text = text.replace("aie.device(npu1_1col)", "aie.device(npu1)")
    with pytest.raises(AieVerifyError, match="no shim DMA on npu1"):
        verify(text)
    verify(text.replace("aiex.runtime_sequence", "aie.runtime_sequence"))
    verify(text, release="2026.01")
    verify("// mlir-aie release 2026.01: by hand\n" + text)


def test_budgets_of_the_whole_array_gemm():
    used = budgets((DESIGNS / "gemm_whole_array_npu2_2col.mlir").read_text())
    kib = 1024
    # a core: A, B and C at depth 2 of 64x64 i16 (8 KiB each)
    assert used[(1, 3)] == {
        "data memory": 48 * kib,
        "input DMA channels": 2,
        "output DMA channels": 1,
        "buffer descriptors": 6,
        "locks": 6,
    }
    # a memory tile: A (2 x 16 KiB, distributed), B (2 x 8 KiB), C (2 x 32 KiB, joined)
    mem = used[(0, 1)]
    assert mem["data memory"] == 112 * kib
    assert (mem["input DMA channels"], mem["output DMA channels"]) == (6, 4)
    # a BD per buffer (depth 2) on each channel, the wide FIFO's channel one per narrow FIFO:
    # A in (2 parts) and out (2 FIFOs), B in and out, C in (4 FIFOs) and out (4 parts)
    assert mem["buffer descriptors"] == 2 * (2 + 2 + 1 + 1 + 4 + 4)
    # a lock pair per narrow FIFO of a link: A's 2, B's 1, C's 4
    assert mem["locks"] == 2 * (2 + 1 + 4)
    # a shim: A and B out, C in, a lock pair each; its BDs are the runtime sequence's
    assert used[(0, 0)] == {"output DMA channels": 2, "input DMA channels": 1, "locks": 6}
    assert set(used) == {(c, r) for c in range(2) for r in range(6)}


def test_shared_memory_fifo_needs_no_dma():
    text = """aie.device(npu1_4col) {
  %a = aie.tile(1, 2)
  %b = aie.tile(1, 3)
  aie.objectfifo @n(%a, {%b}, 3 : i32) : !aie.objectfifo<memref<32xi32>>
}"""
    assert budgets(text) == {(1, 3): {"data memory": 3 * 128, "locks": 2}}


def test_a_fifo_from_a_core_to_itself_is_local():
    text = """aie.device(npu2_1col) {
  %a = aie.tile(0, 4)
  aie.objectfifo @self(%a, {%a}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
}"""
    assert budgets(text) == {(0, 4): {"data memory": 2 * 256, "locks": 2}}


def test_a_stack_size_counts_against_memory():
    text = (DESIGNS / "copy_core_npu1_1col.mlir").read_text()
    verify(text)
    big = text.replace("      aie.end\n    }", "      aie.end\n    } {stack_size = 61440 : i32}")
    verify(big)  # 2 FIFOs x 2 x 1 KiB fit in 64 KiB less a 60 KiB stack
    with pytest.raises(AieVerifyError) as info:
        verify(big.replace("memref<256xi32>", "memref<320xi32>"))
    assert "data memory: 5.0 KiB used of 4.0 KiB (64.0 KiB less a 60.0 KiB stack)" in str(
        info.value
    )


def test_a_contiguous_transfer_may_have_a_long_d0():
    text = (DESIGNS / "copy_core_npu1_1col.mlir").read_text()
    text = text.replace("%a: memref<1024xi32>", "%a: memref<4096xi32>")
    text = text.replace(
        "[1, 1, 1, 1024][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<1024",
        "[1, 1, 2, 2048][0, 0, 2048, 1]) {id = 1 : i64, metadata = @in} : memref<4096",
    )
    verify(text)  # one run of 4096 words: the shim reshapes it
    with pytest.raises(AieVerifyError, match="d0 size of 2048 words exceeds 1023"):
        verify(text.replace("[0, 0, 2048, 1]) {id = 1", "[0, 0, 0, 1]) {id = 1"))
