// hand-written for the emulator tests: examples/05's crossed streams. The producer core sends
// two tiles on @a, then two on @b; the consumer core reads @b first. With @a of depth 1 the
// producer waits for room in @a while the consumer waits for data on @b: a deadlock.
module {
  aie.device(npu1_4col) {
    %shim = aie.tile(0, 0)
    %t02 = aie.tile(0, 2)
    %t03 = aie.tile(0, 3)
    aie.objectfifo @x(%shim, {%t02}, 2 : i32) : !aie.objectfifo<memref<16xf32>>
    aie.objectfifo @a(%t02, {%t03}, 1 : i32) : !aie.objectfifo<memref<16xf32>>
    aie.objectfifo @b(%t02, {%t03}, 2 : i32) : !aie.objectfifo<memref<16xf32>>
    aie.objectfifo @y(%t03, {%shim}, 2 : i32) : !aie.objectfifo<memref<16xf32>>
    func.func private @copy_f32(memref<16xf32>, memref<16xf32>) attributes {dato.op = "astype"}
    %core02 = aie.core(%t02) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      scf.for %i = %c0 to %c2 step %c1 {
        %sx = aie.objectfifo.acquire @x(Consume, 1) : !aie.objectfifosubview<memref<16xf32>>
        %x = aie.objectfifo.subview.access %sx[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        %sa = aie.objectfifo.acquire @a(Produce, 1) : !aie.objectfifosubview<memref<16xf32>>
        %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        func.call @copy_f32(%x, %a) : (memref<16xf32>, memref<16xf32>) -> ()
        aie.objectfifo.release @x(Consume, 1)
        aie.objectfifo.release @a(Produce, 1)
      }
      scf.for %i = %c0 to %c2 step %c1 {
        %sx = aie.objectfifo.acquire @x(Consume, 1) : !aie.objectfifosubview<memref<16xf32>>
        %x = aie.objectfifo.subview.access %sx[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        %sb = aie.objectfifo.acquire @b(Produce, 1) : !aie.objectfifosubview<memref<16xf32>>
        %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        func.call @copy_f32(%x, %b) : (memref<16xf32>, memref<16xf32>) -> ()
        aie.objectfifo.release @x(Consume, 1)
        aie.objectfifo.release @b(Produce, 1)
      }
      aie.end
    }
    %core03 = aie.core(%t03) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      scf.for %i = %c0 to %c2 step %c1 {
        %sb = aie.objectfifo.acquire @b(Consume, 1) : !aie.objectfifosubview<memref<16xf32>>
        %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        %sy = aie.objectfifo.acquire @y(Produce, 1) : !aie.objectfifosubview<memref<16xf32>>
        %y = aie.objectfifo.subview.access %sy[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        func.call @copy_f32(%b, %y) : (memref<16xf32>, memref<16xf32>) -> ()
        aie.objectfifo.release @b(Consume, 1)
        aie.objectfifo.release @y(Produce, 1)
      }
      scf.for %i = %c0 to %c2 step %c1 {
        %sa = aie.objectfifo.acquire @a(Consume, 1) : !aie.objectfifosubview<memref<16xf32>>
        %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        %sy = aie.objectfifo.acquire @y(Produce, 1) : !aie.objectfifosubview<memref<16xf32>>
        %y = aie.objectfifo.subview.access %sy[0] : !aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>
        func.call @copy_f32(%a, %y) : (memref<16xf32>, memref<16xf32>) -> ()
        aie.objectfifo.release @a(Consume, 1)
        aie.objectfifo.release @y(Produce, 1)
      }
      aie.end
    }
    aiex.runtime_sequence(%X: memref<64xf32>, %Y: memref<64xf32>) {
      aiex.npu.dma_memcpy_nd(%X[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @x} : memref<64xf32>
      aiex.npu.dma_memcpy_nd(%Y[0, 0, 0, 32][1, 1, 1, 32][0, 0, 0, 1]) {id = 1 : i64, metadata = @y, issue_token = true} : memref<64xf32>
      aiex.npu.dma_memcpy_nd(%Y[0, 0, 0, 0][1, 1, 1, 32][0, 0, 0, 1]) {id = 2 : i64, metadata = @y, issue_token = true} : memref<64xf32>
      aiex.npu.dma_wait {symbol = @y}
    }
  }
}
