// Add one: shim -> memory tile -> core (+1) -> memory tile -> shim, today's syntax.
module {
  aie.device(npu2) {
    %t00 = aie.tile(0, 0)
    %t01 = aie.tile(0, 1)
    %t02 = aie.tile(0, 2)
    aie.objectfifo @in0(%t00, {%t01}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo @in1(%t01, {%t02}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo.link [@in0] -> [@in1] ([] [])
    aie.objectfifo @out1(%t02, {%t01}, 2 : i32) : !aie.objectfifo<memref<16xi32>>
    aie.objectfifo @out0(%t01, {%t00}, 2 : i32) : !aie.objectfifo<memref<64xi32>>
    aie.objectfifo.link [@out1] -> [@out0] ([] [])
    %core = aie.core(%t02) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %c16 = arith.constant 16 : index
      %one = arith.constant 1 : i32
      scf.for %iter = %c0 to %c4 step %c1 {
        %sin = aie.objectfifo.acquire @in1(Consume, 1) : !aie.objectfifosubview<memref<16xi32>>
        %ein = aie.objectfifo.subview.access %sin[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
        %sout = aie.objectfifo.acquire @out1(Produce, 1) : !aie.objectfifosubview<memref<16xi32>>
        %eout = aie.objectfifo.subview.access %sout[0] : !aie.objectfifosubview<memref<16xi32>> -> memref<16xi32>
        scf.for %i = %c0 to %c16 step %c1 {
          %v = memref.load %ein[%i] : memref<16xi32>
          %w = arith.addi %v, %one : i32
          memref.store %w, %eout[%i] : memref<16xi32>
        }
        aie.objectfifo.release @in1(Consume, 1)
        aie.objectfifo.release @out1(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence @sequence(%in: memref<64xi32>, %out: memref<64xi32>) {
      aiex.npu.dma_memcpy_nd(%in[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 1 : i64, metadata = @in0} : memref<64xi32>
      aiex.npu.dma_memcpy_nd(%out[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, metadata = @out0, issue_token = true} : memref<64xi32>
      aiex.npu.dma_wait {symbol = @out0}
    }
  }
}
