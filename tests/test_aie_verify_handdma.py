"""The MLIR-AIE verifier and budgets follow hand-written DMA (``handdma_verify.py``, ``budget``):
the emitted parted designs verify and their budgets are the mapper's ledger; each rule is shown
by planting its mistake in an emitted parted design's text and finding the located message."""

from __future__ import annotations

from functools import cache

import pytest
from test_aie_emit import assert_budgets_are_the_ledger
from test_aie_parts import big, small

import datobench as dato
from datobench.core.codegen.aie import AieVerifyError, budgets, verify
from datobench.core.codegen.aie.parse import AieSyntaxError
from datobench.core.errors import MappingError
from datobench.core.passes.bd_pools import EVEN_BDS, ODD_BDS
from datobench.core.passes.resources import Ledger
from datobench.core.targets import load_target


@cache
def design() -> str:
    """The 64^3 GEMM on 2 x 2 cores of npu1_4col, B's panels in 2 parts (``small()``)."""
    return dato.compile(small(), target="npu1_4col").emit("mlir-aie")


def planted(old: str, new: str) -> str:
    text = design()
    assert old in text, old
    return text.replace(old, new, 1)


def line_holding(text: str, at: str) -> int:
    return next(n for n, t in enumerate(text.splitlines(), 1) if at in t)


def refused(text: str, message: str, at: str | int) -> AieVerifyError:
    """``verify`` refuses ``text`` with ``message`` at line ``at`` (or the first holding it)."""
    with pytest.raises(AieVerifyError) as info:
        verify(text)
    error = info.value
    assert message in str(error), str(error)
    line = at if isinstance(at, int) else line_holding(text, at)
    assert error.line == line, f"line {error.line}, not {line}: {error}"
    return error


def refused_at_plant(old: str, new: str, message: str) -> AieVerifyError:
    """The planted text is refused at the line where ``new`` begins."""
    line = design()[: design().index(old)].count("\n") + 1
    return refused(planted(old, new), message, line)


# -- designs that verify ---------------------------------------------------------------------------


@pytest.mark.parametrize("paired", [False, True])
@pytest.mark.parametrize("target", ["npu1_4col", "npu2"])
def test_a_parted_design_verifies_and_its_budgets_are_the_ledger(target, paired):
    prog = dato.compile(small(paired), target=target)
    verify(prog.emit("mlir-aie"))
    assert_budgets_are_the_ledger(prog)


@pytest.mark.parametrize("parts", [4, 6, 9])
def test_the_4032_cube_paired_design_in_parts_verifies_and_books_its_ledger(parts):
    prog = dato.compile(big(parts), target="npu1_4col")
    text = prog.emit("mlir-aie")  # about 30 s: emitted once
    verify(text)
    assert_budgets_are_the_ledger(prog, text)
    mem = budgets(text)[(0, 1)]
    assert mem["buffer descriptors"] >= 2 * parts  # the fill's and the send's BD per part
    assert max(mem[EVEN_BDS], mem[ODD_BDS]) <= 24  # each pool within its 24
    if parts == 9:
        # both chains on channel 5 would put 30 BDs in the odd pool (C's join takes MM2S 1
        # with 8, two of its writers' S2MM 1 and 3 with 2 each): the send moves to MM2S 4
        assert "aie.dma_start(S2MM, 5," in text and "aie.dma_start(MM2S, 4," in text
        assert (mem[EVEN_BDS], mem[ODD_BDS]) == (8 + 9, 12 + 9)


# -- a memory tile's BD pools --------------------------------------------------------------------


def test_a_memory_tiles_odd_channels_share_bds_24_to_47():
    """C's join at depth 8: its MM2S 1 takes 16 BDs, its first writer's S2MM 1 takes 8 and
    the hand chains on channel 5 take 4: 28 in the odd pool, 40 of the tile's 48 in all."""
    old = "@C_out_c0(%tile_0_1, {%tile_0_0}, 2 : i32)"
    text = planted(old, old.replace("2 : i32", "8 : i32"))
    assert budgets(text)[(0, 1)]["buffer descriptors"] == 40
    error = refused(
        text,
        "tile (0, 1) (mem): odd channels' BDs 24-47: 28 used of 24; mlir-aie gives a memory "
        "tile's even channels BDs from the lower half of its ids and its odd channels from the "
        "upper half",
        "aie.objectfifo @C_out_c0",
    )
    for user in ("aie.dma_start(S2MM, 5)'s BDs", "@C_core_0_0 (S2MM 1)", "@C_out_c0 (MM2S 1)"):
        assert user in str(error)
    assert "@C_core_1_0" not in str(error)  # on S2MM 2: the even pool


def test_a_memory_tiles_even_channels_share_bds_0_to_23():
    """A's shim FIFO at depth 12: its S2MM 0 and its window's MM2S 0 take 12 BDs each, and C's
    second writer on S2MM 2 the two that overflow the even pool."""
    old = "@A_in_c0(%tile_0_0, {%tile_0_1}, 2 : i32)"
    text = planted(old, old.replace("2 : i32", "12 : i32"))
    error = refused(
        text, "tile (0, 1) (mem): even channels' BDs 0-23: 26 used of 24", "@C_core_1_0(%tile"
    )
    assert "@A_in_c0 (S2MM 0)" in str(error) and "@A_0_32_0_64 (MM2S 0)" in str(error)


def test_the_ledger_books_a_memory_tiles_pools_and_refuses_an_overflow():
    ledger = Ledger(load_target("npu1_4col"))
    ledger.add((0, 1), EVEN_BDS, 24, "A")
    ledger.add((0, 1), ODD_BDS, 25, "B into column 0")
    with pytest.raises(MappingError, match=r"tile \(0, 1\) \(mem\): odd channels' BDs 24-47: 25 "):
        ledger.check()


def test_hand_bds_and_channels_are_counted_on_their_tiles():
    used = budgets(design())
    reader = used[(0, 2)]
    # A's FIFO (2 BDs, 1 input) and C's (1 BD, 1 output); B's hand chain: 2 BDs, input 1
    assert reader["buffer descriptors"] == 2 + 1 + 2
    assert reader["input DMA channels"] == 2 and reader["output DMA channels"] == 1
    assert used[(0, 0)]["output DMA channels"] == 2  # A's FIFO and B's shim allocation


def test_a_4_dimension_pattern_on_a_memory_tile_verifies():
    verify(
        planted(
            "aie.use_lock(%B_panel_c0_p0_cons, AcquireGreaterEqual, 1)\n"
            "      aie.dma_bd(%B_panel_c0_p0 : memref<512xi8>, 0, 512)",
            "aie.use_lock(%B_panel_c0_p0_cons, AcquireGreaterEqual, 1)\n"
            "      aie.dma_bd(%B_panel_c0_p0 : memref<512xi8>, 0, 512, [<size = 1, stride = 512>, "
            "<size = 2, stride = 256>, <size = 16, stride = 16>, <size = 16, stride = 1>])",
        )
    )


# -- locks ----------------------------------------------------------------------------------------

FILL_P0 = "aie.use_lock(%B_panel_c0_p0_prod, AcquireGreaterEqual, 2)"
READ_B = "aie.use_lock(%B_0_64_0_32_cons_0_2_cons, AcquireGreaterEqual, 1)"


@pytest.mark.parametrize("value", [0, 64])
def test_a_use_lock_moves_1_to_63(value):
    refused_at_plant(
        FILL_P0,
        f"aie.use_lock(%B_panel_c0_p0_prod, AcquireGreaterEqual, {value})",
        f"aie.use_lock AcquireGreaterEqual {value}: an acquire or release moves 1 to 63",
    )


def test_a_dma_program_uses_its_own_tiles_locks():
    refused_at_plant(
        FILL_P0,
        "aie.use_lock(%B_panel_c1_p0_prod, AcquireGreaterEqual, 2)",
        "aie.use_lock of @B_panel_c1_p0_prod of tile (1, 1) in the DMA program of tile (0, 1): "
        "a tile's DMA uses its own locks",
    )


def test_a_core_uses_the_locks_of_memories_it_reaches():
    refused_at_plant(
        READ_B,
        "aie.use_lock(%B_panel_c0_p0_cons, AcquireGreaterEqual, 1)",
        "aie.use_lock of @B_panel_c0_p0_cons of tile (0, 1) in the core of tile (0, 2), which "
        "does not reach that tile's memory",
    )


def test_a_use_lock_takes_a_lock():
    refused_at_plant(
        READ_B,
        "aie.use_lock(%tile_0_2, AcquireGreaterEqual, 1)",
        "aie.use_lock takes an aie.lock; this operand is not one",
    )


def test_a_use_lock_is_in_a_core_or_a_dma_program():
    tile = "%tile_0_1 = aie.tile(0, 1)"
    refused_at_plant(
        tile,
        f"aie.use_lock(%B_panel_c0_p0_cons, Release, 1)\n    {tile}",
        "aie.use_lock outside an aie.core, aie.mem or aie.memtile_dma",
    )


# -- buffer descriptors ---------------------------------------------------------------------------

FILL_BD = "aie.dma_bd(%B_panel_c0_p0 : memref<512xi8>, 0, 512)"
READ_BD = "aie.dma_bd(%B_0_64_0_32_cons_0_2_buff_0 : memref<16x16xi8>, 0, 256"


def test_a_descriptor_moves_a_buffer_of_its_own_tile():
    refused_at_plant(
        FILL_BD,
        "aie.dma_bd(%B_panel_c1_p0 : memref<512xi8>, 0, 512)",
        "aie.dma_bd in the DMA program of tile (0, 1) moves @B_panel_c1_p0 of tile (1, 1): a "
        "tile's DMA moves its own buffers",
    )


def test_a_descriptor_moves_an_aie_buffer():
    tile = "%tile_0_1 = aie.tile(0, 1)"
    text = planted(tile, f"{tile}\n    %elsewhere = memref.alloc() : memref<512xi8>")
    text = text.replace(FILL_BD, "aie.dma_bd(%elsewhere : memref<512xi8>, 0, 512)", 1)
    refused(text, "aie.dma_bd moves an aie.buffer; this operand is not one", "%elsewhere :")


@pytest.mark.parametrize(
    "bd, message",
    [
        ("4, 512)", "aie.dma_bd moves elements 4 to 515 of @B_panel_c0_p0, a buffer of 512"),
        ("0, 510)", "aie.dma_bd of 510 elements of 1 byte(s): a transfer is a whole, nonzero"),
        ("2, 500)", "aie.dma_bd offset 2 (2 bytes): a descriptor starts at a 32-bit word"),
    ],
)
def test_a_descriptor_moves_whole_words_within_its_buffer(bd, message):
    refused_at_plant(FILL_BD, f"aie.dma_bd(%B_panel_c0_p0 : memref<512xi8>, {bd}", message)


@pytest.mark.parametrize(
    "dims, message",
    [
        (
            "<size = 1, stride = 1>, <size = 1, stride = 1>, <size = 16, stride = 16>, "
            "<size = 16, stride = 1>",
            "aie.dma_bd with 4 dimensions in aie.mem: at most 3 there",
        ),
        (
            "<size = 16, stride = 0>, <size = 16, stride = 1>",
            "aie.dma_bd dimension <size = 16, stride = 0>: sizes and strides are at least 1",
        ),
        (
            "<size = 16, stride = 1>, <size = 16, stride = 16>",
            "aie.dma_bd innermost stride 16: elements under 32 bits need stride 1",
        ),
        (
            "<size = 16, stride = 17>, <size = 16, stride = 1>",
            "aie.dma_bd's pattern reaches element 270 of @B_0_64_0_32_cons_0_2_buff_0, a buffer",
        ),
        (
            "<size = 8, stride = 16>, <size = 16, stride = 1>",
            "aie.dma_bd moves 256 elements, but its pattern's sizes cover 128",
        ),
    ],
)
def test_a_descriptors_pattern_is_within_the_tiles_dimensions_and_its_buffer(dims, message):
    refused_at_plant(READ_BD, f"{READ_BD}, [{dims}]", message)


def test_a_memory_tile_descriptor_has_at_most_4_dimensions():
    dims = ", ".join(["<size = 1, stride = 1>"] * 4 + ["<size = 512, stride = 1>"])
    refused_at_plant(
        FILL_BD,
        f"aie.dma_bd(%B_panel_c0_p0 : memref<512xi8>, 0, 512, [{dims}])",
        "aie.dma_bd with 5 dimensions in aie.memtile_dma: at most 4 there",
    )


def test_dma_ops_are_in_a_dma_program():
    access = "%core_0_0_16 = aie.objectfifo.subview.access"
    stray = "aie.dma_bd(%B_0_64_0_32_cons_0_2_buff_1 : memref<16x16xi8>, 0, 128)"
    text = planted(access, f"{stray}\n{access}")
    refused(text, "aie.dma_bd outside an aie.mem or aie.memtile_dma", stray)


# -- channel starts --------------------------------------------------------------------------------

MEM_FILL = "aie.dma_start(S2MM, 5, ^bb1, ^bb3)"
READER_START = "aie.dma_start(S2MM, 1, ^bb1, ^bb3)"  # first in the text: tile (0, 2)'s


def test_a_channel_is_in_range_for_its_tile():
    refused_at_plant(
        MEM_FILL,
        "aie.dma_start(S2MM, 6, ^bb1, ^bb3)",
        "aie.dma_start(S2MM, 6) on tile (0, 1) (mem): its S2MM channels are 0-5",
    )
    refused(
        design().replace(
            "%mem_0_2 = aie.mem(%tile_0_2) {\n      %0 = aie.dma_start(S2MM, 1,",
            "%mem_0_2 = aie.mem(%tile_0_2) {\n      %0 = aie.dma_start(S2MM, 2,",
        ),
        "aie.dma_start(S2MM, 2) on tile (0, 2) (compute): its S2MM channels are 0-1",
        "aie.dma_start(S2MM, 2,",
    )


def test_a_channel_is_started_once_per_tile():
    refused_at_plant(
        "aie.dma_start(MM2S, 5, ^bb4, ^bb6)",
        "aie.dma_start(S2MM, 5, ^bb4, ^bb6)",
        "aie.dma_start(S2MM, 5) on tile (0, 1): the channel is already started at line",
    )


def test_hand_channels_and_object_fifo_channels_share_the_tiles_count():
    fifo = "aie.objectfifo.link [@A_in_c0]"
    extra = (
        "aie.objectfifo @extra(%tile_0_3, {%tile_0_2}, 2 : i32) {via_DMA = true} : "
        "!aie.objectfifo<memref<16xi32>>"
    )
    text = planted(fifo, f"{extra}\n    {fifo}")
    with pytest.raises(AieVerifyError, match=r"tile \(0, 2\) \(compute\): input DMA channels: 3 "):
        verify(text)
    with pytest.raises(AieVerifyError) as info:
        verify(text)
    assert "aie.dma_start(S2MM, 1) at line" in "".join(info.value.notes)


# -- block shapes ---------------------------------------------------------------------------------

FILL_BLOCK = (
    "aie.use_lock(%B_panel_c0_p0_prod, AcquireGreaterEqual, 2)\n"
    "      aie.dma_bd(%B_panel_c0_p0 : memref<512xi8>, 0, 512)\n"
    "      aie.use_lock(%B_panel_c0_p0_cons, Release, 2)\n"
    "      aie.next_bd ^bb2"
)


def _block(*lines: str) -> str:
    return "\n      ".join(lines)


ACQ, BD, REL, NEXT = FILL_BLOCK.split("\n      ")


@pytest.mark.parametrize(
    "block, at, message",
    [  # at: the refused op's line in the block
        (_block(ACQ, NEXT), 0, "a block of a DMA program with no aie.dma_bd: a block is a"),
        (_block(ACQ, BD, BD, REL, NEXT), 2, "a second aie.dma_bd in one block: each buffer"),
        (_block(BD, ACQ, REL, NEXT), 1, "aie.use_lock acquires after the block's aie.dma_bd"),
        (
            _block(REL, BD, NEXT),
            0,
            "aie.use_lock releases before the block's aie.dma_bd: a buffer descriptor acquires",
        ),
        (
            _block(ACQ, ACQ.replace("prod", "cons"), BD, REL, NEXT),
            1,
            "a second acquiring aie.use_lock in one buffer descriptor: a BD waits on one lock",
        ),
        (
            _block(ACQ, BD, "%x = arith.constant 0 : index", REL, NEXT),
            2,
            "arith.constant in a buffer descriptor's block, which holds aie.use_lock, one",
        ),
        (_block(ACQ, BD, REL, "aie.end"), 3, "a buffer descriptor's block ends in aie.next_bd"),
    ],
)
def test_each_block_of_a_dma_program_is_a_start_a_descriptor_or_the_end(block, at, message):
    first = design()[: design().index(FILL_BLOCK)].count("\n") + 1
    refused(planted(FILL_BLOCK, block), message, first + at)


def test_a_dma_program_begins_with_a_start_or_the_end():
    refused_at_plant(
        f"%0 = {MEM_FILL}",
        "aie.next_bd ^bb1",
        "the first block of aie.memtile_dma starts a channel (aie.dma_start) or ends the",
    )


@pytest.mark.parametrize(
    "new, message",
    [
        (
            "aie.dma_start(S2MM, 5, ^bb3, ^bb3)",
            ", a channel start; it must be a buffer descriptor",
        ),
        (
            "aie.dma_start(S2MM, 5, ^bb1, ^bb2)",
            ", a buffer descriptor; it must be the next aie.dma_start or the end (aie.end)",
        ),
    ],
)
def test_a_start_goes_to_a_descriptor_and_on_to_a_start_or_the_end(new, message):
    refused_at_plant(MEM_FILL, new, message)


def test_a_descriptor_goes_on_to_a_descriptor_or_the_end():
    send = line_holding(design(), "%1 = aie.dma_start(MM2S, 5, ^bb4, ^bb6)")
    refused_at_plant(
        "aie.next_bd ^bb1\n    ^bb3:\n      %1",
        "aie.next_bd ^bb3\n    ^bb3:\n      %1",
        f"aie.next_bd goes to the block at line {send}, a channel start; it must be a buffer "
        "descriptor or the end",
    )


def test_a_descriptor_cannot_go_to_a_block_of_another_program():
    with pytest.raises(AieSyntaxError, match="missing block declarations for block.s. bb9"):
        verify(planted("aie.next_bd ^bb1", "aie.next_bd ^bb9"))


def test_a_dma_program_is_not_empty():
    text = design()
    start, end = text.index("%mem_0_3 = aie.mem"), text.index("%mem_1_2 = aie.mem")
    empty = "%mem_0_3 = aie.mem(%tile_0_3) {\n    }\n    "
    refused(
        text[:start] + empty + text[end:],
        "an empty aie.mem: a DMA program ends in an aie.end block",
        "%mem_0_3 = aie.mem",
    )


def test_a_dma_program_is_of_its_tiles_kind_and_one_per_tile():
    refused_at_plant(
        "aie.mem(%tile_0_2)",
        "aie.mem(%tile_0_1)",
        "aie.mem on tile (0, 1), a mem tile: it is a compute tile's DMA program",
    )
    refused_at_plant(
        "aie.mem(%tile_0_3)",
        "aie.mem(%tile_0_2)",
        "tile (0, 2) has a second DMA program (the first at line",
    )


# -- flows ----------------------------------------------------------------------------------------

FLOW_0_3 = "aie.flow(%tile_0_1, DMA : 5, %tile_0_3, DMA : 1)"


@pytest.mark.parametrize(
    "new, message",
    [
        (
            "aie.flow(%tile_0_1, DMA : 5, %tile_0_3, Core : 1)",
            "aie.flow into Core : 1: datobench's verifier follows flows between DMA channels",
        ),
        (
            "aie.flow(%tile_0_1, DMA : 6, %tile_0_3, DMA : 1)",
            "aie.flow from DMA : 6 of tile (0, 1) (mem): its MM2S channels are 0-5",
        ),
        (
            "aie.flow(%tile_0_1, DMA : 5, %tile_0_3, DMA : 2)",
            "aie.flow into DMA : 2 of tile (0, 3) (compute): its S2MM channels are 0-1",
        ),
        (
            "aie.flow(%tile_0_1, DMA : 5, %tile_0_2, DMA : 1)",
            "aie.flow into DMA : 1 of tile (0, 2): the flow at line {} already arrives there",
        ),
        (
            "aie.flow(%tile_0_1, DMA : 4, %tile_0_3, DMA : 1)",
            "aie.flow from DMA : 4 of tile (0, 1), which has no aie.dma_start(MM2S, 4) in its",
        ),
        (
            "aie.flow(%B_panel_c0_p0_prod, DMA : 5, %tile_0_3, DMA : 1)",
            "aie.flow: B_panel_c0_p0_prod is not an aie.tile",
        ),
    ],
)
def test_a_flow_joins_started_dma_channels_in_range(new, message):
    first = line_holding(design(), "aie.flow(%tile_0_1, DMA : 5, %tile_0_2, DMA : 1)")
    refused_at_plant(FLOW_0_3, new, message.format(first))


def test_a_flow_from_a_shim_needs_its_allocation():
    first = "aie.flow(%tile_0_0, DMA : 1, %tile_0_1, DMA : 5)"
    refused_at_plant(
        first,
        f"aie.flow(%tile_0_0, DMA : 0, %tile_0_2, DMA : 0)\n    {first}",
        "aie.flow from DMA : 0 of tile (0, 0), which has no aie.shim_dma_allocation of MM2S "
        "channel 0 in column 0",
    )


def test_each_hand_channel_is_on_a_flow():
    text = planted(f"{FLOW_0_3}\n", "")
    refused(
        text,
        "aie.dma_start(S2MM, 1) on tile (0, 3): no aie.flow arrives at DMA : 1 there",
        line_holding(text, "%mem_0_3 = aie.mem(%tile_0_3) {") + 1,
    )


# -- shim allocations and the runtime sequence ----------------------------------------------------

ALLOC = "aie.shim_dma_allocation @B_panel_c0(MM2S, 1, 0)"


@pytest.mark.parametrize(
    "new, message",
    [
        (
            "aie.shim_dma_allocation @B_panel_c0(S2MM, 1, 0)",
            "aie.shim_dma_allocation @B_panel_c0(S2MM, 1) on tile (0, 0): no aie.flow arrives "
            "at DMA : 1 there; an MM2S channel sends into a flow, an S2MM channel takes one in",
        ),
        (
            "aie.shim_dma_allocation @B_panel_c0(MM2S, 1, 7)",
            "aie.shim_dma_allocation @B_panel_c0 in column 7: npu1 has shim DMAs in columns 0,",
        ),
        (
            "aie.shim_dma_allocation @B_panel_c0(MM2S, 2, 0)",
            "@B_panel_c0: MM2S channel 2 of shim tile (0, 0); its MM2S channels are 0-1",
        ),
        (
            "aie.shim_dma_allocation @B_panel_c0(MM2S, 0, 0)",
            "aie.shim_dma_allocation @B_panel_c0 takes MM2S channel 0 of shim tile (0, 0), "
            "which mlir-aie gives an object FIFO: it numbers the 1 object FIFO",
        ),
    ],
)
def test_a_shim_allocation_is_a_free_channel_of_a_shim_dma_feeding_a_flow(new, message):
    refused_at_plant(ALLOC, new, message)


def test_a_shim_channel_is_allocated_once():
    refused_at_plant(
        "aie.shim_dma_allocation @B_panel_c1(MM2S, 1, 1)",
        "aie.shim_dma_allocation @B_panel_c1(MM2S, 1, 0)",
        "aie.shim_dma_allocation @B_panel_c1: MM2S channel 1 of shim tile (0, 0) is already "
        "@B_panel_c0's",
    )


def test_a_transfer_on_an_allocation_takes_a_bd_id_of_its_shim_tile():
    text = planted(
        "{id = 1 : i64, issue_token = true, metadata = @A_in_c0}",
        "{id = 0 : i64, issue_token = true, metadata = @A_in_c0}",
    )
    refused(
        text,
        "dma_memcpy_nd id 0 is still in use by the transfer at line",
        "{id = 0 : i64, issue_token = true, metadata = @A_in_c0}",
    )
