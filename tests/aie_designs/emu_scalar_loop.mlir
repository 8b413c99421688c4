// hand-written for the emulator tests: B[i] = 2 * A[i] - 3 element by element (memref loads,
// arith and stores in the core), A read in 4 column blocks of a 8x8 int32 matrix through a
// 3-D shim pattern, B written back row-major
module {
  aie.device(npu1_4col) {
    %shim = aie.tile(1, 0)
    %core = aie.tile(1, 3)
    aie.objectfifo @in(%shim, {%core}, 1 : i32) : !aie.objectfifo<memref<8x2xi32>>
    aie.objectfifo @out(%core, {%shim}, 1 : i32) : !aie.objectfifo<memref<8x2xi32>>
    %c13 = aie.core(%core) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c8 = arith.constant 8 : index
      %two = arith.constant 2 : i32
      %three = arith.constant 3 : i32
      scf.for %blk = %c0 to %c4 step %c1 {
        %sa = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<8x2xi32>>
        %a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<8x2xi32>> -> memref<8x2xi32>
        %sb = aie.objectfifo.acquire @out(Produce, 1) : !aie.objectfifosubview<memref<8x2xi32>>
        %b = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<8x2xi32>> -> memref<8x2xi32>
        scf.for %r = %c0 to %c8 step %c1 {
          scf.for %c = %c0 to %c2 step %c1 {
            %x = memref.load %a[%r, %c] : memref<8x2xi32>
            %y = arith.muli %x, %two : i32
            %z = arith.subi %y, %three : i32
            memref.store %z, %b[%r, %c] : memref<8x2xi32>
          }
        }
        aie.objectfifo.release @in(Consume, 1)
        aie.objectfifo.release @out(Produce, 1)
      }
      aie.end
    }
    aiex.runtime_sequence(%A: memref<64xi32>, %B: memref<64xi32>) {
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 4, 8, 2][0, 2, 8, 1]) {id = 0 : i64, metadata = @in} : memref<64xi32>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 4, 8, 2][0, 2, 8, 1]) {id = 1 : i64, metadata = @out, issue_token = true} : memref<64xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
