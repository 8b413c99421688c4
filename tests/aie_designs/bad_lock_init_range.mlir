// Illegal: a lock initialised beyond 63.
module {
  aie.device(npu2) {
    func.func private @copy_i32(memref<256xi32>, memref<256xi32>)
    %t00 = aie.tile(0, 0)
    %t01 = aie.tile(0, 1)
    %t02 = aie.tile(0, 2)
    // expected-error @+1 {{aie.lock init = 64: a lock counts 0-63}}
    %lk = aie.lock(%t01, 3) {init = 64 : i32}
    aie.objectfifo @in(%t00, {%t02}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    aie.objectfifo @out(%t02, {%t00}, 2 : i32) : !aie.objectfifo<memref<256xi32>>
    %core = aie.core(%t02) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      scf.for %it = %c0 to %c4 step %c1 {
        %si = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<256xi32>>
        %ei = aie.objectfifo.subview.access %si[0] : !aie.objectfifosubview<memref<256xi32>> -> memref<256xi32>
        %so = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<256xi32>>
        %eo = aie.objectfifo.subview.access %so[0] : !aie.objectfifosubview<memref<256xi32>> -> memref<256xi32>
        func.call @copy_i32(%ei, %eo) : (memref<256xi32>, memref<256xi32>) -> ()
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    }
    aiex.runtime_sequence(%a: memref<1024xi32>, %b: memref<1024xi32>) {
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<1024xi32>
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 1024][0, 0, 0, 1]) {id = 0 : i64, metadata = @out, issue_token = true} : memref<1024xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
