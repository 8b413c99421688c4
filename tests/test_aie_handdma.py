"""Hand-written DMA in the aie dialect (the partsdma contract's form): parse and round trip."""

from datobench.core.codegen.aie.handdma import DmaBdOp, DmaStartOp, FlowOp, UseLockOp
from datobench.core.codegen.aie.parse import read_design

PARTS_DESIGN = """
module {
  aie.device(npu1_4col) {
    %tile_0_0 = aie.tile(0, 0)
    %tile_0_1 = aie.tile(0, 1)
    %tile_0_2 = aie.tile(0, 2)
    %tile_0_3 = aie.tile(0, 3)
    aie.shim_dma_allocation @B_panel_c0(MM2S, 0, 0)
    %p0 = aie.buffer(%tile_0_1) {sym_name = "B_panel_c0_p0"} : memref<64xi32>
    %p1 = aie.buffer(%tile_0_1) {sym_name = "B_panel_c0_p1"} : memref<64xi32>
    %p0_prod = aie.lock(%tile_0_1, 0) {init = 3 : i32, sym_name = "B_panel_c0_p0_prod"}
    %p0_cons = aie.lock(%tile_0_1, 1) {init = 0 : i32, sym_name = "B_panel_c0_p0_cons"}
    %p1_prod = aie.lock(%tile_0_1, 2) {init = 3 : i32, sym_name = "B_panel_c0_p1_prod"}
    %p1_cons = aie.lock(%tile_0_1, 3) {init = 0 : i32, sym_name = "B_panel_c0_p1_cons"}
    %b0 = aie.buffer(%tile_0_2) {sym_name = "r2_buff_0"} : memref<32xi32>
    %r_prod = aie.lock(%tile_0_2, 0) {init = 1 : i32, sym_name = "r2_prod"}
    %r_cons = aie.lock(%tile_0_2, 1) {init = 0 : i32, sym_name = "r2_cons"}
    aie.flow(%tile_0_0, DMA : 0, %tile_0_1, DMA : 0)
    aie.flow(%tile_0_1, DMA : 0, %tile_0_2, DMA : 0)
    aie.flow(%tile_0_1, DMA : 0, %tile_0_3, DMA : 0)
    %memtile_dma_0_1 = aie.memtile_dma(%tile_0_1) {
      %0 = aie.dma_start(S2MM, 0, ^bb1, ^bb3)
    ^bb1:
      aie.use_lock(%p0_prod, AcquireGreaterEqual, 3)
      aie.dma_bd(%p0 : memref<64xi32>, 0, 64)
      aie.use_lock(%p0_cons, Release, 3)
      aie.next_bd ^bb2
    ^bb2:
      aie.use_lock(%p1_prod, AcquireGreaterEqual, 3)
      aie.dma_bd(%p1 : memref<64xi32>, 0, 64)
      aie.use_lock(%p1_cons, Release, 3)
      aie.next_bd ^bb1
    ^bb3:
      %1 = aie.dma_start(MM2S, 0, ^bb4, ^bb6, repeat_count = 1)
    ^bb4:
      aie.use_lock(%p0_cons, AcquireGreaterEqual, 1)
      aie.dma_bd(%p0 : memref<64xi32>, 0, 64, [<size = 8, stride = 1>, <size = 8, stride = 8>])
      aie.use_lock(%p0_prod, Release, 1)
      aie.next_bd ^bb5
    ^bb5:
      aie.use_lock(%p1_cons, AcquireGreaterEqual, 1)
      aie.dma_bd(%p1 : memref<64xi32>) {len = 64 : i32, offset = 0 : i32}
      aie.use_lock(%p1_prod, Release, 1)
      aie.next_bd ^bb4
    ^bb6:
      aie.end
    }
    %mem_0_2 = aie.mem(%tile_0_2) {
      %0 = aie.dma_start(S2MM, 0, ^bb1, ^bb2)
    ^bb1:
      aie.use_lock(%r_prod, AcquireGreaterEqual, 1)
      aie.dma_bd(%b0 : memref<32xi32>, 0, 32)
      aie.use_lock(%r_cons, Release, 1)
      aie.next_bd ^bb1
    ^bb2:
      aie.end
    }
  }
}
"""


def _structure(module):
    """Each op's name and properties, in walk order (what a round trip must keep)."""
    return [(op.name, {k: str(v) for k, v in op.properties.items()}) for op in module.walk()]


def test_contract_form_parses_with_ods_names():
    module = read_design(PARTS_DESIGN).module
    flows = [op for op in module.walk() if isinstance(op, FlowOp)]
    assert [(f.sourceChannel.value.data, f.destBundle.data) for f in flows] == [(0, "DMA")] * 3
    starts = [op for op in module.walk() if isinstance(op, DmaStartOp)]
    assert [s.channel_dir.data for s in starts] == ["S2MM", "MM2S", "S2MM"]
    assert starts[1].repeat_count.value.data == 1
    bds = [op for op in module.walk() if isinstance(op, DmaBdOp)]
    assert [bd.length for bd in bds] == [64, 64, 64, 64, 32]
    assert [d.size.data for d in bds[2].dimensions.data] == [8, 8]
    locks = [op for op in module.walk() if isinstance(op, UseLockOp)]
    assert [(u.action.data, u.amount) for u in locks[:3]] == [
        ("AcquireGreaterEqual", 3),
        ("Release", 3),
        ("AcquireGreaterEqual", 3),
    ]


def test_contract_form_verifies_as_ir():
    read_design(PARTS_DESIGN).module.verify()


def test_round_trip_keeps_structure():
    first = read_design(PARTS_DESIGN).module
    printed = str(first)
    assert "aie.dma_bd(" in printed and "repeat_count = 1" in printed
    second = read_design(printed).module
    assert _structure(second) == _structure(first)
    assert str(second) == printed
