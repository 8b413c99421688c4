// hand-written for the emulator tests: a 4x4 float32 tile passes from core (0, 2) to core
// (0, 3) through @t, whose producer sends it column by column (a toStream layout): the tile
// arrives transposed.
module {
  aie.device(npu1_4col) {
    %shim = aie.tile(0, 0)
    %t02 = aie.tile(0, 2)
    %t03 = aie.tile(0, 3)
    aie.objectfifo @in(%shim, {%t02}, 1 : i32) : !aie.objectfifo<memref<4x4xf32>>
    aie.objectfifo @t(%t02 toStream [<size = 4, stride = 1>, <size = 4, stride = 4>], {%t03}, 1 : i32) : !aie.objectfifo<memref<4x4xf32>>
    aie.objectfifo @out(%t03, {%shim}, 1 : i32) : !aie.objectfifo<memref<4x4xf32>>
    func.func private @copy_f32(memref<4x4xf32>, memref<4x4xf32>) attributes {dato.op = "astype"}
    %core02 = aie.core(%t02) {
      %sa = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<4x4xf32>>
      %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<4x4xf32>> -> memref<4x4xf32>
      %sb = aie.objectfifo.acquire @t(Produce, 1) : !aie.objectfifosubview<memref<4x4xf32>>
      %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<4x4xf32>> -> memref<4x4xf32>
      func.call @copy_f32(%a, %b) : (memref<4x4xf32>, memref<4x4xf32>) -> ()
      aie.objectfifo.release @in(Consume, 1)
      aie.objectfifo.release @t(Produce, 1)
      aie.end
    }
    %core03 = aie.core(%t03) {
      %sa = aie.objectfifo.acquire @t(Consume, 1) : !aie.objectfifosubview<memref<4x4xf32>>
      %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<4x4xf32>> -> memref<4x4xf32>
      %sb = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<4x4xf32>>
      %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<4x4xf32>> -> memref<4x4xf32>
      func.call @copy_f32(%a, %b) : (memref<4x4xf32>, memref<4x4xf32>) -> ()
      aie.objectfifo.release @t(Consume, 1)
      aie.objectfifo.release @out(Produce, 1)
      aie.end
    }
    aiex.runtime_sequence(%A: memref<16xf32>, %B: memref<16xf32>) {
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<16xf32>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 1, 16][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<16xf32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
