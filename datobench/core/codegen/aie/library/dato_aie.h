// datobench's AIE kernel library: the AIE-API path, for npu1 (AIE2, __AIE_ARCH__ == 20) and
// npu2 (AIE2P, __AIE_ARCH__ == 21), over the portable path of dato_portable.h.
//
// NOT COMPILED WITH THE REAL AIE API where datobench is developed: AMD's toolchain (Peano, the
// AIE API headers of mlir-aie) is not installable there, so this part is kept small and uses
// only the AIE API's documented classes and functions. tests/test_aie_kernels.py compiles it
// with Peano where PEANO_INSTALL_DIR and MLIR_AIE_INSTALL_DIR are set (the `toolchain` marker,
// skipped otherwise), and runs its logic on every host against numpy with a scalar stand-in
// for the AIE API (tests/aie_api_standin: the semantics assumed here). Running it on a core
// needs a device; the portable path is the reference it must equal.
//
// What is vectorised (dato_kernels.cc calls these only for these cases, from
// codegen/aie/kernel_source.py; every other kernel takes the portable path on the core too):
//  - matmul int8 x int8 -> int8/int16/int32, int16 x int16 -> int16/int32 (acc32) and
//    bf16 x bf16 -> bf16/float32 (accfloat), in the target's intrinsic shape r x s x t
//    (compute.matmul_shape in the target file: the shapes aie::mmul has for that type on
//    that architecture), for tiles that those divide;
//  - + and - on int8/int16/int32 tiles of one shape (vector integer adds are modular);
//  - maximum and minimum on int8/int16/int32/bf16 tiles of one shape, and the max and min
//    reductions over every element (selections: exact in every type);
// on whole 256-bit vectors (a multiple of 256 / element bits elements). Tiles are the object
// FIFO and local buffers mlir-aie allocates, aligned for vector loads (as AMD's own kernels
// assume). The results equal the portable path's bit for bit, except: the float sums of bf16
// matmul (added in another order, within the portable path's documented tolerance; with
// Accumulate into bf16, out + product is rounded once where the portable path first rounds
// the product: half a bf16 ulp of the product more); NaN operands of maximum/minimum
// (whichever aie::max picks); and bf16 results assume the compiler's float -> bfloat16
// conversion rounds to nearest even.
#pragma once
#include "dato_portable.h"

#ifdef __AIENGINE__
#if __AIE_ARCH__ != 20 && __AIE_ARCH__ != 21
#error "dato_aie.h is written for AIE2 (npu1, __AIE_ARCH__ 20) and AIE2P (npu2, __AIE_ARCH__ 21)"
#endif
namespace dato::vec {

// The elements of one 256-bit vector load.
template <typename T>
inline constexpr unsigned lanes = 256 / (8 * sizeof(T));

struct add {
  template <typename V>
  static V vector(const V &x, const V &y) { return aie::add(x, y); }
};
struct sub {
  template <typename V>
  static V vector(const V &x, const V &y) { return aie::sub(x, y); }
};
struct maximum {
  template <typename V>
  static V vector(const V &x, const V &y) { return aie::max(x, y); }
  template <typename V>
  static auto all(const V &x) { return aie::reduce_max(x); }
};
struct minimum {
  template <typename V>
  static V vector(const V &x, const V &y) { return aie::min(x, y); }
  template <typename V>
  static auto all(const V &x) { return aie::reduce_min(x); }
};

// out = Op(a, b) on N contiguous elements of one type.
template <class Op, unsigned N, typename T>
void elementwise(const T *__restrict a, const T *__restrict b, T *__restrict out) {
  constexpr unsigned L = lanes<T>;
  static_assert(N % L == 0, "dato::vec::elementwise works on whole vectors");
  for (unsigned i = 0; i < N; i += L) {
    aie::vector<T, L> x = aie::load_v<L>(a + i);
    aie::vector<T, L> y = aie::load_v<L>(b + i);
    aie::store_v(out + i, Op::vector(x, y));
  }
}

// out[0] = the Op (maximum or minimum) of N contiguous elements.
template <class Op, unsigned N, typename T>
void reduce_all(const T *__restrict in, T *__restrict out) {
  constexpr unsigned L = lanes<T>;
  static_assert(N % L == 0, "dato::vec::reduce_all works on whole vectors");
  aie::vector<T, L> acc = aie::load_v<L>(in);
  for (unsigned i = L; i < N; i += L) acc = Op::vector(acc, aie::load_v<L>(in + i));
  out[0] = Op::all(acc);
}

// out (M x N) = a (M x K) @ b (K x N), row-major tiles, in r x s x t blocks of aie::mmul.
// Each block of A and B is packed into a small aligned array (the tiles are row-major, the
// intrinsic takes blocks); each r x t block of out is accumulated whole, starting from out's
// values with Accumulate (else from zero), read back as int32 or float (the accumulator's own
// width, without saturation: integer sums wrap, as the op table's do) and converted to Out
// element by element (an int32 wraps to int8/int16, a float rounds to bf16 as the portable
// path's conversions do).
template <unsigned M, unsigned K, unsigned N, unsigned r, unsigned s, unsigned t,
          bool Accumulate, typename A, typename Out>
void matmul(const A *__restrict a, const A *__restrict b, Out *__restrict out) {
  static_assert(M % r == 0 && K % s == 0 && N % t == 0, "tiles must hold whole blocks");
  constexpr bool floating = std::is_same_v<A, bfloat16>;
  using Acc = std::conditional_t<floating, accfloat, acc32>;
  using Wide = std::conditional_t<floating, float, int32_t>;
  using MMUL = aie::mmul<r, s, t, A, A, Acc>;
  const aie::saturation_mode saturation = aie::swap_saturation(aie::saturation_mode::none);
  alignas(32) A block_a[r * s];
  alignas(32) A block_b[s * t];
  alignas(32) Wide block_c[r * t];
  for (unsigned i = 0; i < M; i += r) {
    for (unsigned j = 0; j < N; j += t) {
      for (unsigned x = 0; x < r; x++)
        for (unsigned y = 0; y < t; y++)
          block_c[x * t + y] = Accumulate ? to<Wide>(out[(i + x) * N + j + y]) : Wide(0);
      MMUL c(aie::load_v<r * t>(block_c));
      for (unsigned p = 0; p < K; p += s) {
        for (unsigned x = 0; x < r; x++)
          for (unsigned y = 0; y < s; y++) block_a[x * s + y] = a[(i + x) * K + p + y];
        for (unsigned x = 0; x < s; x++)
          for (unsigned y = 0; y < t; y++) block_b[x * t + y] = b[(p + x) * N + j + y];
        c.mac(aie::load_v<r * s>(block_a), aie::load_v<s * t>(block_b));
      }
      aie::store_v(block_c, c.template to_vector<Wide>());
      for (unsigned x = 0; x < r; x++)
        for (unsigned y = 0; y < t; y++) out[(i + x) * N + j + y] = to<Out>(block_c[x * t + y]);
    }
  }
  aie::set_saturation(saturation);
}

}  // namespace dato::vec
#endif
