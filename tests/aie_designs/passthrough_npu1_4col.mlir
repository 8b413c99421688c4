// Passthrough: DDR -> shim -> memory tile -> shim -> DDR, no core involved.
module {
  aie.device(npu1_4col) {
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    aie.objectfifo @in(%shim, {%mem}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
    aie.objectfifo @out(%mem, {%shim}, 2 : i32) : !aie.objectfifo<memref<1024xi32>>
    aie.objectfifo.link [@in] -> [@out] ([] [])
    aiex.runtime_sequence(%a: memref<4096xi32>, %unused: memref<4096xi32>, %b: memref<4096xi32>) {
      aiex.npu.dma_memcpy_nd(%b[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 0 : i64, metadata = @out, issue_token = true} : memref<4096xi32>
      aiex.npu.dma_memcpy_nd(%a[0, 0, 0, 0][1, 1, 1, 4096][0, 0, 0, 1]) {id = 1 : i64, metadata = @in} : memref<4096xi32>
      aiex.npu.dma_wait {symbol = @out}
    }
  }
}
