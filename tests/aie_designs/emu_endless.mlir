// hand-written for the emulator tests, in the style of mlir-aie v1.0's examples: B = A + 1 for
// 64 float32 through one core whose body runs forever, two 16-element buffers per iteration
module {
  aie.device(npu1_4col) {
    %shim = aie.tile(0, 0)
    %core = aie.tile(0, 2)
    aie.objectfifo @in(%shim, {%core}, 2 : i32) : !aie.objectfifo<memref<16xf32>>
    aie.objectfifo @out(%core, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xf32>>
    func.func private @add_f32(memref<16xf32>, f32, memref<16xf32>) attributes {dato.op = "+", link_with = "add.o"}
    %c02 = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4294967295 = arith.constant 4294967295 : index
      %one = arith.constant 1.0 : f32
      scf.for %forever = %c0 to %c4294967295 step %c1 {
        scf.for %i = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<16xf32>>
          %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
          %sb = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<16xf32>>
          %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
          func.call @add_f32(%a, %one, %b) : (memref<16xf32>, f32, memref<16xf32>) -> ()
          aie.objectfifo.release @in(Consume, 1)
          aie.objectfifo.release @out(Produce, 1)
        }
      }
      aie.end
    }
    aiex.runtime_sequence(%A: memref<64xf32>, %B: memref<64xf32>) {
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @in} : memref<64xf32>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<64xf32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
