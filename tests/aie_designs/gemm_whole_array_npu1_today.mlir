// Whole-array GEMM, 4 columns x 4 rows of cores: C[256x256] = A[256x128] B[128x256], i16,
// 64x64x64 tiles. A is distributed at each memory tile and broadcast along a row; B is
// broadcast down a column; the four C tiles of a column are joined at its memory tile.
module {
  aie.device(npu1) {
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
    %tile_2_0 = aie.tile(2, 0)
    %tile_2_1 = aie.tile(2, 1)
    %tile_2_2 = aie.tile(2, 2)
    %tile_2_3 = aie.tile(2, 3)
    %tile_2_4 = aie.tile(2, 4)
    %tile_2_5 = aie.tile(2, 5)
    %tile_3_0 = aie.tile(3, 0)
    %tile_3_1 = aie.tile(3, 1)
    %tile_3_2 = aie.tile(3, 2)
    %tile_3_3 = aie.tile(3, 3)
    %tile_3_4 = aie.tile(3, 4)
    %tile_3_5 = aie.tile(3, 5)
    aie.objectfifo @A_L3L2_0(%tile_0_0, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<4096xi16>>
    aie.objectfifo @A_L2L1_0(%tile_0_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_2, %tile_1_2, %tile_2_2, %tile_3_2}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@A_L3L2_0] -> [@A_L2L1_0] ([] [])
    aie.objectfifo @A_L3L2_1(%tile_1_0, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<4096xi16>>
    aie.objectfifo @A_L2L1_1(%tile_1_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_3, %tile_1_3, %tile_2_3, %tile_3_3}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@A_L3L2_1] -> [@A_L2L1_1] ([] [])
    aie.objectfifo @A_L3L2_2(%tile_2_0, {%tile_2_1}, 2 : i32) : !aie.objectfifo<memref<4096xi16>>
    aie.objectfifo @A_L2L1_2(%tile_2_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_4, %tile_1_4, %tile_2_4, %tile_3_4}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@A_L3L2_2] -> [@A_L2L1_2] ([] [])
    aie.objectfifo @A_L3L2_3(%tile_3_0, {%tile_3_1}, 2 : i32) : !aie.objectfifo<memref<4096xi16>>
    aie.objectfifo @A_L2L1_3(%tile_3_1 toStream [<size = 16, stride = 256>, <size = 16, stride = 4>, <size = 4, stride = 64>, <size = 4, stride = 1>], {%tile_0_5, %tile_1_5, %tile_2_5, %tile_3_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@A_L3L2_3] -> [@A_L2L1_3] ([] [])
    aie.objectfifo @B_L3L2_0(%tile_0_0, {%tile_0_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @B_L2L1_0(%tile_0_1, {%tile_0_2, %tile_0_3, %tile_0_4, %tile_0_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@B_L3L2_0] -> [@B_L2L1_0] ([] [])
    aie.objectfifo @B_L3L2_1(%tile_1_0, {%tile_1_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @B_L2L1_1(%tile_1_1, {%tile_1_2, %tile_1_3, %tile_1_4, %tile_1_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@B_L3L2_1] -> [@B_L2L1_1] ([] [])
    aie.objectfifo @B_L3L2_2(%tile_2_0, {%tile_2_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @B_L2L1_2(%tile_2_1, {%tile_2_2, %tile_2_3, %tile_2_4, %tile_2_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@B_L3L2_2] -> [@B_L2L1_2] ([] [])
    aie.objectfifo @B_L3L2_3(%tile_3_0, {%tile_3_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @B_L2L1_3(%tile_3_1, {%tile_3_2, %tile_3_3, %tile_3_4, %tile_3_5}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo.link [@B_L3L2_3] -> [@B_L2L1_3] ([] [])
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
    aie.objectfifo @C_L1L2_2_0(%tile_2_2, {%tile_2_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_2_1(%tile_2_3, {%tile_2_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_2_2(%tile_2_4, {%tile_2_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_2_3(%tile_2_5, {%tile_2_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L2L3_2(%tile_2_1 toStream [<size = 64, stride = 64>, <size = 64, stride = 1>], {%tile_2_0}, 2 : i32) : !aie.objectfifo<memref<16384xi16>>
    aie.objectfifo.link [@C_L1L2_2_0, @C_L1L2_2_1, @C_L1L2_2_2, @C_L1L2_2_3] -> [@C_L2L3_2] ([0, 4096, 8192, 12288] [])
    aie.objectfifo @C_L1L2_3_0(%tile_3_2, {%tile_3_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_3_1(%tile_3_3, {%tile_3_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_3_2(%tile_3_4, {%tile_3_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L1L2_3_3(%tile_3_5, {%tile_3_1}, 2 : i32) : !aie.objectfifo<memref<64x64xi16>>
    aie.objectfifo @C_L2L3_3(%tile_3_1 toStream [<size = 64, stride = 64>, <size = 64, stride = 1>], {%tile_3_0}, 2 : i32) : !aie.objectfifo<memref<16384xi16>>
    aie.objectfifo.link [@C_L1L2_3_0, @C_L1L2_3_1, @C_L1L2_3_2, @C_L1L2_3_3] -> [@C_L2L3_3] ([0, 4096, 8192, 12288] [])
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
    %core_2_2 = aie.core(%tile_2_2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_2_0(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_0(Consume, 1)
          aie.objectfifo.release @B_L2L1_2(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_2_0(Produce, 1)
      }
      aie.end
    }
    %core_2_3 = aie.core(%tile_2_3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_2_1(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_1(Consume, 1)
          aie.objectfifo.release @B_L2L1_2(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_2_1(Produce, 1)
      }
      aie.end
    }
    %core_2_4 = aie.core(%tile_2_4) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_2_2(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_2(Consume, 1)
          aie.objectfifo.release @B_L2L1_2(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_2_2(Produce, 1)
      }
      aie.end
    }
    %core_2_5 = aie.core(%tile_2_5) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_2_3(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_3(Consume, 1)
          aie.objectfifo.release @B_L2L1_2(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_2_3(Produce, 1)
      }
      aie.end
    }
    %core_3_2 = aie.core(%tile_3_2) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_3_0(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_0(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_0(Consume, 1)
          aie.objectfifo.release @B_L2L1_3(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_3_0(Produce, 1)
      }
      aie.end
    }
    %core_3_3 = aie.core(%tile_3_3) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_3_1(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_1(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_1(Consume, 1)
          aie.objectfifo.release @B_L2L1_3(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_3_1(Produce, 1)
      }
      aie.end
    }
    %core_3_4 = aie.core(%tile_3_4) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_3_2(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_2(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_2(Consume, 1)
          aie.objectfifo.release @B_L2L1_3(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_3_2(Produce, 1)
      }
      aie.end
    }
    %core_3_5 = aie.core(%tile_3_5) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c_max = arith.constant 4294967295 : index
      scf.for %it = %c0 to %c_max step %c1 {
        %sc = aie.objectfifo.acquire @C_L1L2_3_3(Produce, 1) : !aie.objectfifosubview<memref<64x64xi16>>
        %ec = aie.objectfifo.subview.access %sc[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
        func.call @zero_i16(%ec) : (memref<64x64xi16>) -> ()
        scf.for %k = %c0 to %c2 step %c1 {
          %sa = aie.objectfifo.acquire @A_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %ea = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          %sb = aie.objectfifo.acquire @B_L2L1_3(Consume, 1) : !aie.objectfifosubview<memref<64x64xi16>>
          %eb = aie.objectfifo.subview.access %sb[0] : !aie.objectfifosubview<memref<64x64xi16>> -> memref<64x64xi16>
          func.call @matmul_i16_i16(%ea, %eb, %ec) : (memref<64x64xi16>, memref<64x64xi16>, memref<64x64xi16>) -> ()
          aie.objectfifo.release @A_L2L1_3(Consume, 1)
          aie.objectfifo.release @B_L2L1_3(Consume, 1)
        }
        aie.objectfifo.release @C_L1L2_3_3(Produce, 1)
      }
      aie.end
    }
    aie.runtime_sequence @gemm(%A: memref<32768xi16>, %B: memref<32768xi16>, %C: memref<65536xi16>) {
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 0][1, 4, 64, 64][0, 16384, 256, 1]) {id = 0 : i64, metadata = @C_L2L3_0, issue_token = true} : memref<65536xi16>
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][2, 1, 64, 64][64, 8192, 128, 1]) {id = 1 : i64, metadata = @A_L3L2_0} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 0][1, 2, 64, 64][0, 16384, 256, 1]) {id = 2 : i64, metadata = @B_L3L2_0} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 64][1, 4, 64, 64][0, 16384, 256, 1]) {id = 3 : i64, metadata = @C_L2L3_1, issue_token = true} : memref<65536xi16>
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 8192][2, 1, 64, 64][64, 8192, 128, 1]) {id = 4 : i64, metadata = @A_L3L2_1} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 64][1, 2, 64, 64][0, 16384, 256, 1]) {id = 5 : i64, metadata = @B_L3L2_1} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 128][1, 4, 64, 64][0, 16384, 256, 1]) {id = 6 : i64, metadata = @C_L2L3_2, issue_token = true} : memref<65536xi16>
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 16384][2, 1, 64, 64][64, 8192, 128, 1]) {id = 7 : i64, metadata = @A_L3L2_2} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 128][1, 2, 64, 64][0, 16384, 256, 1]) {id = 8 : i64, metadata = @B_L3L2_2} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%C[0, 0, 0, 192][1, 4, 64, 64][0, 16384, 256, 1]) {id = 9 : i64, metadata = @C_L2L3_3, issue_token = true} : memref<65536xi16>
      aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 24576][2, 1, 64, 64][64, 8192, 128, 1]) {id = 10 : i64, metadata = @A_L3L2_3} : memref<32768xi16>
      aiex.npu.dma_memcpy_nd(%B[0, 0, 0, 192][1, 2, 64, 64][0, 16384, 256, 1]) {id = 11 : i64, metadata = @B_L3L2_3} : memref<32768xi16>
      aiex.npu.dma_wait {symbol = @C_L2L3_0}
      aiex.npu.dma_wait {symbol = @C_L2L3_1}
      aiex.npu.dma_wait {symbol = @C_L2L3_2}
      aiex.npu.dma_wait {symbol = @C_L2L3_3}
    }
  }
}
