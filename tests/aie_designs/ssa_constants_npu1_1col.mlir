// Today's syntax with SSA constants in a transfer, a named device, an acquire returning the element.
module {
  aie.device(npu1_1col) @dev {
    %t00 = aie.tile(0, 0)
    %t02 = aie.tile(0, 2)
    aie.objectfifo @fifo(%t00, {%t02}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.core(%t02) {
      %e = aie.objectfifo.acquire @fifo (Consume, 1) : memref<16xi32>
      aie.objectfifo.release @fifo (Consume, 1)
      aie.end
    } {link_files = ["k.o"], stack_size = 2560 : i32}
    aie.runtime_sequence @seq(%arg0 : memref<16xi32>) {
      %c0 = arith.constant 0 : i64
      %c1 = arith.constant 1 : i64
      %c16 = arith.constant 16 : i64
      aiex.npu.dma_memcpy_nd(%arg0[%c0,%c0,%c0,%c0][%c1,%c1,%c1,%c16][%c0,%c0,%c0,%c1]) {metadata = @fifo, id = 0 : i64} : memref<16xi32>
    }
  }
}
