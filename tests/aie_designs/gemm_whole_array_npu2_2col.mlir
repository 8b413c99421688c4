// Whole-array GEMM, 2 columns x 4 rows of cores: C[256x128] = A[256x128] B[128x128], i16,
// 64x64x64 tiles. A is distributed at each memory tile and broadcast along a row; B is
// broadcast down a column; the four C tiles of a column are joined at its memory tile.
module {
  aie.device(npu2_2col) {
    func.func private @zero_i16(%c: memref<64x64xi16>) attributes {link_with = "mm.o"}
    func.func private @matmul_i16_i16(memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) attributes {link_with = "mm.o"}
    %tile_0_0 = aie.tile(0, 0)
    %tile_0_1 = aie.tile(0, 1)
    %tile_0_2 = aie.tile(0, 2)
    %tile_0_3 = aie.tile(0, 3)
    %tile_0_4 = aie.tile(0, 4)
    %tile_0_5 = aie.tile(0, 5)
    %tile_1_0 = aie.tile(1, 0)
    %tile_1_1 = aie.tile(1, 1)
    %tile_1_2 = aie.tile(1, 2)
    %tile_1_3 = aie.tile(1, 3)
    %tile_1_4 = aie.tile(1, 4)
    %tile_1_5 = aie.tile(1, 5)
    aie.objectfifo @A_L3L2_0(%tile_0_0, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<8192xi16>>
    aie.objectfifo @A_L2L1_0(%tile_0_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_2, %tile_1_2}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @A_L2L1_1(%tile_0_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_3, %tile_1_3}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@A_L3L2_0] -> [@A_L2L1_0, @A_L2L1_1] ([] [0, 4096])
    aie.objectfifo @A_L3L2_1(%tile_1_0, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<8192xi16>>
    aie.objectfifo @A_L2L1_2(%tile_1_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_4, %tile_1_4}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @A_L2L1_3(%tile_1_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_5, %tile_1_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@A_L3L2_1] -> [@A_L2L1_2, @A_L2L1_3] ([] [0, 4096])
    aie.objectfifo @B_L3L2_0(%tile_0_0, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @B_L2L1_0(%tile_0_1, {%tile_0_2, %tile_0_3, %tile_0_4, %tile_0_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@B_L3L2_0] -> [@B_L2L1_0] ([] [])
    aie.objectfifo @B_L3L2_1(%tile_1_0, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @B_L2L1_1(%tile_1_1, {%tile_1_2, %tile_1_3, %tile_1_4, %tile_1_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@B_L3L2_1] -> [@B_L2L1_1] ([] [])
    aie.objectfifo @C_L1L2_0_0(%tile_0_2, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_0_1(%tile_0_3, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_0_2(%tile_0_4, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_0_3(%tile_0_5, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L2L3_0(%tile_0_1 toStream [<size = 64, stride = 64>, <size = 64, stride = 1>], {%tile_0_0}, 2 : i32) : !aie.objectfifo<memref<16384xi16>>
    aie.objectfifo.link [@C_L1L2_0_0, @C_L1L2_0_1, @C_L1L2_0_2, @C_L1L2_0_3] -> [@C_L2L3_0] ([0, 4096, 8192, 12288] [])
    aie.objectfifo @C_L1L2_1_0(%tile_1_2, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_1_1(%tile_1_3, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_1_2(%tile_1_4, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_1_3(%tile_1_5, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L2L3_1(%tile_1_1 toStream [<size = 64, stride = 64>, <size = 64, stride = 1>], {%tile_1_0}, 2 : i32) : !aie.objectfifo<memref<16384xi16>>
    aie.objectfifo.link [@C_L1L2_1_0, @C_L1L2_1_1, @C_L1L2_1_2, @C_L1L2_1_3] -> [@C_L2L3_1] ([0, 4096, 8192, 12288] [])
    %core_0_2 = aie.core(%tile_0_2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_0_0(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_0(Consume, 1)
          aie.objectfifo.release @B_L2L1_0(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_0_0(Produce, 1)
      }
      aie.end
    }
    %core_0_3 = aie.core(%tile_0_3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_0_1(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_1(Consume, 1)
          aie.objectfifo.release @B_L2L1_0(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_0_1(Produce, 1)
      }
      aie.end
    }
    %core_0_4 = aie.core(%tile_0_4) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_0_2(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_2(Consume, 1)
          aie.objectfifo.release @B_L2L1_0(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_0_2(Produce, 1)
      }
      aie.end
    }
    %core_0_5 = aie.core(%tile_0_5) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_0_3(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_3(Consume, 1)
          aie.objectfifo.release @B_L2L1_0(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_0_3(Produce, 1)
      }
      aie.end
    }
    %core_1_2 = aie.core(%tile_1_2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_1_0(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_0(Consume, 1)
          aie.objectfifo.release @B_L2L1_1(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_1_0(Produce, 1)
      }
      aie.end
    }
    %core_1_3 = aie.core(%tile_1_3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_1_1(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_1(Consume, 1)
          aie.objectfifo.release @B_L2L1_1(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_1_1(Produce, 1)
      }
      aie.end
    }
    %core_1_4 = aie.core(%tile_1_4) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_1_2(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_2(Consume, 1)
          aie.objectfifo.release @B_L2L1_1(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_1_2(Produce, 1)
      }
      aie.end
    }
    %core_1_5 = aie.core(%tile_1_5) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_1_3(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_3(Consume, 1)
          aie.objectfifo.release @B_L2L1_1(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_1_3(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence @gemm(%A: memref<32768xi16>, %B: memref<16384xi16>, %C: memref<32768xi16>) {
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][1, 4, 64, 64][0, 8192, 128, 1]) {id = 0 : i64, metadata = @C_L2L3_0, issue_token = true} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][2, 2, 64, 64][64, 8192, 128, 1]) {id = 1 : i64, metadata = @A_L3L2_0} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 2, 64, 64][0, 8192, 128, 1]) {id = 2 : i64, metadata = @B_L3L2_0} : memref<16384xi16>
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 64][1, 4, 64, 64][0, 8192, 128, 1]) {id = 3 : i64, metadata = @C_L2L3_1, issue_token = true} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 16384][2, 2, 64, 64][64, 8192, 128, 1]) {id = 4 : i64, metadata = @A_L3L2_1} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 64][1, 2, 64, 64][0, 8192, 128, 1]) {id = 5 : i64, metadata = @B_L3L2_1} : memref<16384xi16>
      aiex.npu.dma_wait {symbol = @C_L2L3_0}
      aiex.npu.dma_wait {symbol = @C_L2L3_1}
    }
  }
}
