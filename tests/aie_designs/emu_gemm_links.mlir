// hand-written for the emulator tests: C[16x16] = A[16x8] @ B[8x16] (int16 in, int32 out) on
// two cores of column 0. The memory tile distributes A's rows (8 to each core), broadcasts B
// to both and joins their C blocks.
module {
  aie.device(npu1_4col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    %t02 = aie.tile(0, 2)
    %t03 = aie.tile(0, 3)
    aie.objectfifo @a_in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<16x8xi16>>
    aie.objectfifo @a0(%mem, {%t02}, 2 : i32) : !aie.objectfifo<memref<8x8xi16>>
    aie.objectfifo @a1(%mem, {%t03}, 2 : i32) : !aie.objectfifo<memref<8x8xi16>>
    aie.objectfifo.link [@a_in] -> [@a0, @a1] ([] [0, 64])
    aie.objectfifo @b_in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<8x16xi16>>
    aie.objectfifo @b(%mem, {%t02, %t03}, 2 : i32) : !aie.objectfifo<memref<8x16xi16>>
    aie.objectfifo.link [@b_in] -> [@b] ([] [])
    aie.objectfifo @c0(%t02, {%mem}, 2 : i32) : !aie.objectfifo<memref<8x16xi32>>
    aie.objectfifo @c1(%t03, {%mem}, 2 : i32) : !aie.objectfifo<memref<8x16xi32>>
    aie.objectfifo @c(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<16x16xi32>>
    aie.objectfifo.link [@c0, @c1] -> [@c] ([0, 128] [])
    func.func private @matmul_i16_i32(memref<8x8xi16>, memref<8x16xi16>, memref<8x16xi32>) attributes {dato.op = "matmul", link_with = "mm.o"}
    %core02 = aie.core(%t02) {
      %sa = aie.objectfifo.acquire @a0(Consume, 1) : !aie.objectfifosubview<memref<8x8xi16>>
      %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<8x8xi16>> -> memref<8x8xi16>
      %sb = aie.objectfifo.acquire @b(Consume, 1) : !aie.objectfifosubview<memref<8x16xi16>>
      %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<8x16xi16>> -> memref<8x16xi16>
      %sc = aie.objectfifo.acquire @c0(Produce, 1) : !aie.objectfifosubview<memref<8x16xi32>>
      %c = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<8x16xi32>> -> memref<8x16xi32>
      func.call @matmul_i16_i32(%a, %b, %c) : (memref<8x8xi16>, memref<8x16xi16>, memref<8x16xi32>) -> ()
      aie.objectfifo.release @a0(Consume, 1)
      aie.objectfifo.release @b(Consume, 1)
      aie.objectfifo.release @c0(Produce, 1)
      aie.end
    }
    %core03 = aie.core(%t03) {
      %sa = aie.objectfifo.acquire @a1(Consume, 1) : !aie.objectfifosubview<memref<8x8xi16>>
      %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<8x8xi16>> -> memref<8x8xi16>
      %sb = aie.objectfifo.acquire @b(Consume, 1) : !aie.objectfifosubview<memref<8x16xi16>>
      %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<8x16xi16>> -> memref<8x16xi16>
      %sc = aie.objectfifo.acquire @c1(Produce, 1) : !aie.objectfifosubview<memref<8x16xi32>>
      %c = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<8x16xi32>> -> memref<8x16xi32>
      func.call @matmul_i16_i32(%a, %b, %c) : (memref<8x8xi16>, memref<8x16xi16>, memref<8x16xi32>) -> ()
      aie.objectfifo.release @a1(Consume, 1)
      aie.objectfifo.release @b(Consume, 1)
      aie.objectfifo.release @c1(Produce, 1)
      aie.end
    }
    aiex.runtime_sequence(%A: memref<128xi16>, %B: memref<128xi16>, %C: memref<256xi32>) {
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 0 : i64, metadata = @a_in} : memref<128xi16>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 1, 128][0, 0, 0, 1]) {id = 1 : i64, metadata = @b_in} : memref<128xi16>
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][1, 1, 1, 256][0, 0, 0, 1]) {id = 2 : i64, metadata = @c, issue_token = true} : memref<256xi32>
      aiex.npu.dma_wait {symbol = @c}
    }
  }
}
