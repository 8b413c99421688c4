// A STAND-IN for AMD's AIE API headers (aie_api/aie.hpp), for tests only: scalar host models of
// the few names datobench's dato_aie.h uses, so that its AIE-API path (block packing, loops,
// accumulate, conversions) compiles with g++ and runs against numpy on any host. It models the
// semantics dato_aie.h relies on, as AMD's AIE API user guide states them: aie::add/sub/max/min
// elementwise, reduce_max/min over the lanes, aie::mmul<r, s, t> multiplying an r x s block by
// an s x t block (both row-major) into an r x t accumulator, to_vector reading it back with
// the tile's saturation mode (none: the low bits, as the hardware truncates). It says nothing
// about the real headers compiling: the `toolchain` test does that with Peano.
#pragma once
#include <stdint.h>

#include <type_traits>

struct bfloat16 {  // as the host bf16 of dato_portable.h: round to nearest even
  uint16_t bits;
  bfloat16() = default;
  bfloat16(float f) {
    uint32_t u;
    __builtin_memcpy(&u, &f, 4);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u)
      bits = (uint16_t)((u >> 16) | 0x40u);
    else
      bits = (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
  }
  operator float() const {
    uint32_t u = (uint32_t)bits << 16;
    float f;
    __builtin_memcpy(&f, &u, 4);
    return f;
  }
};

struct acc32 {};
struct accfloat {};

namespace aie {

enum class saturation_mode : unsigned { none = 0, truncate = 1, saturate = 2, symmetric = 3 };
inline saturation_mode current_saturation = saturation_mode::saturate;  // not the library's choice
inline void set_saturation(saturation_mode m) { current_saturation = m; }
inline saturation_mode swap_saturation(saturation_mode m) {
  saturation_mode old = current_saturation;
  current_saturation = m;
  return old;
}

template <typename T, unsigned N>
struct vector {
  T data[N];
};

template <unsigned N, typename T>
vector<std::remove_const_t<T>, N> load_v(const T *p) {
  vector<std::remove_const_t<T>, N> v;
  for (unsigned i = 0; i < N; i++) v.data[i] = p[i];
  return v;
}

template <typename T, unsigned N>
T *store_v(T *p, const vector<T, N> &v) {
  for (unsigned i = 0; i < N; i++) p[i] = v.data[i];
  return p;
}

#define DATO_STANDIN_LANEWISE(NAME, EXPR)                                  \
  template <typename T, unsigned N>                                        \
  vector<T, N> NAME(const vector<T, N> &x, const vector<T, N> &y) {        \
    vector<T, N> r;                                                        \
    for (unsigned i = 0; i < N; i++) {                                     \
      T a = x.data[i], b = y.data[i];                                      \
      r.data[i] = EXPR;                                                    \
    }                                                                      \
    return r;                                                              \
  }
DATO_STANDIN_LANEWISE(add, (T)(uint32_t)((uint32_t)a + (uint32_t)b))
DATO_STANDIN_LANEWISE(sub, (T)(uint32_t)((uint32_t)a - (uint32_t)b))
DATO_STANDIN_LANEWISE(max, ((float)a >= (float)b ? a : b))
DATO_STANDIN_LANEWISE(min, ((float)a <= (float)b ? a : b))
#undef DATO_STANDIN_LANEWISE

template <typename T, unsigned N>
T reduce_max(const vector<T, N> &x) {
  T m = x.data[0];
  for (unsigned i = 1; i < N; i++) m = (float)x.data[i] > (float)m ? x.data[i] : m;
  return m;
}

template <typename T, unsigned N>
T reduce_min(const vector<T, N> &x) {
  T m = x.data[0];
  for (unsigned i = 1; i < N; i++) m = (float)x.data[i] < (float)m ? x.data[i] : m;
  return m;
}

template <unsigned r, unsigned s, unsigned t, typename A, typename B, typename Acc>
struct mmul {
  static constexpr bool floating = std::is_same_v<Acc, accfloat>;
  using Lane = std::conditional_t<floating, float, int64_t>;  // a 64-bit integer accumulator
  Lane acc[r * t];

  template <typename W>
  explicit mmul(const vector<W, r * t> &v) {
    for (unsigned i = 0; i < r * t; i++) acc[i] = (Lane)v.data[i];
  }

  void mac(const vector<A, r * s> &a, const vector<B, s * t> &b) {
    for (unsigned i = 0; i < r; i++)
      for (unsigned j = 0; j < t; j++)
        for (unsigned p = 0; p < s; p++)
          acc[i * t + j] += (Lane)a.data[i * s + p] * (Lane)b.data[p * t + j];
  }

  template <typename W>
  vector<W, r * t> to_vector() const {
    vector<W, r * t> v;
    for (unsigned i = 0; i < r * t; i++) {
      if constexpr (floating) {
        v.data[i] = (W)acc[i];
      } else if (current_saturation == saturation_mode::none) {
        v.data[i] = (W)(uint32_t)(uint64_t)acc[i];
      } else {
        v.data[i] = acc[i] > INT32_MAX ? INT32_MAX : acc[i] < INT32_MIN ? INT32_MIN : (W)acc[i];
      }
    }
    return v;
  }
};

}  // namespace aie
