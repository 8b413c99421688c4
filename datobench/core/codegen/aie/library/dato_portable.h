// datobench's AIE kernel library: the portable path, and the reference for every other path.
//
// Every tile operation of datobench's op table (datobench/core/ir/ops/table.py) as a template
// over element types and shapes, in scalar C++17, with the op table's numpy semantics:
//  - integers wrap in the result type (int8 -128 // -1 is -128; abs(int8 -128) is -128;
//    integer // and % by zero give 0, as numpy's do);
//  - bf16 is computed in float and rounded to nearest even once per operation (as ml_dtypes
//    does); an int32 becomes bf16 by one rounding of the exact integer;
//  - comparisons give bool; maximum/minimum and max/min reductions propagate NaN;
//  - float // and % follow numpy's divmod (Python's sign rules);
//  - matmul accumulates in its output type; "accumulate" adds the product into the output.
// It compiles with any C++17 compiler: g++ on a host, where tests/test_aie_kernels.py checks
// every op and element type against the op table's numpy reference, and Peano on AIE cores,
// where dato_aie.h falls back to it for whatever it does not vectorise.
//
// Tolerance against numpy: bit-exact, except where the result depends on the order of float
// additions or on the maths library:
//  - exp, tanh: float32 within 4 ulp (libm here, numpy's own SIMD functions there), bf16 within
//    1 ulp (the float result may round the other way);
//  - float sum and float matmul: added in sequence here, pairwise or blocked by numpy and BLAS;
//    the difference is bounded by n * 2^-24 * sum(|terms|) (plus 1 ulp of the result for bf16).
#pragma once
#include <math.h>
#include <stdint.h>

#include <type_traits>

#ifdef __AIENGINE__
#include <aie_api/aie.hpp>
#endif

namespace dato {

#ifdef __AIENGINE__
using bf16 = bfloat16;
#else
// bf16 on a host: the high half of a float, rounded to nearest even; NaN stays NaN.
struct bf16 {
  uint16_t bits;
  bf16() = default;
  bf16(float f) {
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
#endif

// The type a value is computed in: float for bf16, the type itself otherwise.
template <typename T>
using compute_t = std::conditional_t<std::is_same_v<T, bf16>, float, T>;

// An int32 rounded once to bf16's 8 significant bits (to nearest, ties to even): through float
// it would be rounded twice, and ml_dtypes rounds once.
inline bf16 bf16_of_int(int32_t v) {
  uint32_t mag = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
  int top = 31;
  while (top > 0 && !(mag >> top)) top--;
  if (top > 7) {
    int shift = top - 7;
    uint32_t rest = mag & ((1u << shift) - 1u), half = 1u << (shift - 1);
    uint64_t kept = mag >> shift;
    if (rest > half || (rest == half && (kept & 1u))) kept++;
    float f = (float)(kept << shift);  // at most 9 significant bits: exact
    return bf16(v < 0 ? -f : f);
  }
  return bf16((float)v);  // exact
}

// A value converted to R as numpy's astype does (integers wrap, floats truncate toward zero).
template <typename R, typename V>
inline R to(V v) {
  if constexpr (std::is_same_v<R, V>) {
    return v;
  } else if constexpr (std::is_same_v<V, bf16>) {
    return to<R>((float)v);
  } else if constexpr (std::is_same_v<R, bf16> && std::is_integral_v<V> && sizeof(V) == 4) {
    return bf16_of_int((int32_t)v);
  } else if constexpr (std::is_same_v<R, bf16>) {
    return bf16((float)v);
  } else if constexpr (std::is_integral_v<R> && !std::is_same_v<R, bool> &&
                       std::is_integral_v<V>) {
    return (R)(uint32_t)v;  // wraps
  } else {
    return (R)v;
  }
}

// -- elementwise operations, on values of their compute type ---------------------------------
template <typename T>
inline constexpr bool is_int = std::is_integral_v<T> && !std::is_same_v<T, bool>;

namespace op {

#define DATO_WRAPPING(NAME, EXPR)                                                      \
  struct NAME {                                                                        \
    template <typename T>                                                              \
    static T f(T a, T b) {                                                             \
      if constexpr (is_int<T>)                                                         \
        return (T)(uint32_t)((uint32_t)a EXPR(uint32_t) b);                            \
      else                                                                             \
        return a EXPR b;                                                               \
    }                                                                                  \
  };
DATO_WRAPPING(add, +)
DATO_WRAPPING(sub, -)
DATO_WRAPPING(mul, *)
#undef DATO_WRAPPING

// bitwise operators on integers; a left shift wraps (in uint32_t, as add does), a right shift
// is arithmetic on the signed types these kernels take; amounts are 0..width-1 (sim checks)
#define DATO_BITWISE(NAME, EXPR)                                                       \
  struct NAME {                                                                        \
    template <typename T>                                                              \
    static T f(T a, T b) { return (T)(a EXPR b); }                                     \
  };
DATO_BITWISE(bit_and, &)
DATO_BITWISE(bit_or, |)
DATO_BITWISE(bit_xor, ^)
#undef DATO_BITWISE

struct shl {
  template <typename T>
  static T f(T a, T b) { return (T)(uint32_t)((uint32_t)a << (int)b); }
};

struct shr {
  template <typename T>
  static T f(T a, T b) { return (T)(a >> (int)b); }
};

struct invert {
  template <typename T>
  static T f(T a) { return (T)~a; }
};

struct div {
  template <typename T>
  static T f(T a, T b) { return a / b; }
};

// numpy's divmod of floats: fmod, then Python's sign convention, the quotient snapped to an
// integer.
inline float float_floordiv(float a, float b) {
  if (b == 0) return a / b;
  float mod = fmodf(a, b);
  float q = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) q -= 1.0f;
  if (q == 0) return copysignf(0.0f, a / b);
  float fl = floorf(q);
  return (q - fl > 0.5f) ? fl + 1.0f : fl;
}

inline float float_mod(float a, float b) {
  float mod = fmodf(a, b);
  if (b == 0) return mod;
  if (mod != 0) return ((b < 0) != (mod < 0)) ? mod + b : mod;
  return copysignf(0.0f, b);
}

struct floordiv {
  template <typename T>
  static T f(T a, T b) {
    if constexpr (is_int<T>) {
      if (b == 0) return 0;
      if (b == -1) return sub::f<T>(0, a);  // wraps at the minimum
      T q = a / b;
      return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
    } else {
      return float_floordiv(a, b);
    }
  }
};

struct mod {
  template <typename T>
  static T f(T a, T b) {
    if constexpr (is_int<T>) {
      if (b == 0 || b == -1) return 0;
      T r = a % b;
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    } else {
      return float_mod(a, b);
    }
  }
};

#define DATO_COMPARE(NAME, EXPR)          \
  struct NAME {                           \
    template <typename T>                 \
    static bool f(T a, T b) {             \
      return a EXPR b;                    \
    }                                     \
  };
DATO_COMPARE(eq, ==)
DATO_COMPARE(ne, !=)
DATO_COMPARE(lt, <)
DATO_COMPARE(le, <=)
DATO_COMPARE(gt, >)
DATO_COMPARE(ge, >=)
DATO_COMPARE(logical_and, &&)
DATO_COMPARE(logical_or, ||)
#undef DATO_COMPARE

struct logical_not {
  static bool f(bool a) { return !a; }
};

struct neg {
  template <typename T>
  static T f(T a) {
    if constexpr (is_int<T>)
      return sub::f<T>(0, a);
    else
      return -a;
  }
};

struct abs {
  template <typename T>
  static T f(T a) {
    if constexpr (is_int<T>)
      return a < 0 ? neg::f(a) : a;
    else
      return fabsf(a);  // abs(-0.0) is 0.0
  }
};

struct exp {
  static float f(float a) { return expf(a); }
};
struct sqrt {
  static float f(float a) { return sqrtf(a); }
};
struct rsqrt {
  static float f(float a) { return 1.0f / sqrtf(a); }
};
struct tanh {
  static float f(float a) { return tanhf(a); }
};

// numpy's maximum and minimum: a NaN on either side wins
struct maximum {
  template <typename T>
  static T f(T a, T b) { return (a >= b || a != a) ? a : b; }
};
struct minimum {
  template <typename T>
  static T f(T a, T b) { return (a <= b || a != a) ? a : b; }
};

struct where {
  template <typename T>
  static T f(bool c, T x, T y) { return c ? x : y; }
};

// astype: the conversion happens when the result is stored (``to``)
struct convert {
  template <typename T>
  static T f(T a) { return a; }
};

}  // namespace op

// -- operands ------------------------------------------------------------------------------------

// A tile operand of rank R: element strides per dimension, 0 along a broadcast dimension (a
// scalar operand has every stride 0).
template <typename T, int R>
struct operand {
  const T *data;
  int stride[R];

  compute_t<T> at(const int (&index)[R]) const {
    int offset = 0;
    for (int d = 0; d < R; d++) offset += index[d] * stride[d];
    return to<compute_t<T>>(data[offset]);
  }
};

template <int R, typename T>
inline operand<T, R> tile(const T *data, const int (&stride)[R]) {
  operand<T, R> o{data, {}};
  for (int d = 0; d < R; d++) o.stride[d] = stride[d];
  return o;
}

template <int R, typename T>
inline operand<T, R> splat(const T &value) {
  return operand<T, R>{&value, {}};
}

// Calls f(index) for every index of ``shape`` in row-major order.
template <int R, int D = 0, typename F>
inline void each(const int (&shape)[R], int (&index)[R], F &f) {
  if constexpr (D == R) {
    f();
  } else {
    for (index[D] = 0; index[D] < shape[D]; index[D]++) each<R, D + 1>(shape, index, f);
  }
}

namespace portable {

// out = Op(in...) elementwise over ``shape`` (out is contiguous, operands broadcast).
template <class Op, int R, typename Out, typename... In>
void elementwise(const int (&shape)[R], Out *out, const operand<In, R> &...in) {
  int index[R] = {};
  int flat = 0;
  auto apply = [&]() { out[flat++] = to<Out>(Op::f(in.at(index)...)); };
  each<R>(shape, index, apply);
}

// The reduction of ``in`` (shape kept[d] * reduced[d] per dimension; one of each pair is 1)
// over the dimensions where ``reduced`` is not 1, into the contiguous kept elements of out.
// Each output is computed whole from its first term, so bf16 is rounded once.
template <class Combine, int R, typename T, typename Out>
void reduce(const int (&kept)[R], const int (&reduced)[R], const T *in, Out *out) {
  int stride[R];
  for (int d = R - 1, n = 1; d >= 0; d--) {
    stride[d] = n;
    n *= kept[d] * reduced[d];
  }
  int outer[R] = {}, inner[R] = {};
  int flat = 0;
  auto one_output = [&]() {
    bool first = true;
    compute_t<T> acc{};
    auto add_term = [&]() {
      int offset = 0;
      for (int d = 0; d < R; d++) offset += (outer[d] + inner[d]) * stride[d];
      compute_t<T> x = to<compute_t<T>>(in[offset]);
      acc = first ? x : Combine::f(acc, x);
      first = false;
    };
    each<R>(reduced, inner, add_term);
    out[flat++] = to<Out>(acc);
  };
  each<R>(kept, outer, one_output);
}

// out (M x N) = a (M x K) @ b (K x N), products summed in the output type (integers modulo
// 2^32, which wraps to any narrower output exactly); with Accumulate, out = out + that.
template <int M, int K, int N, bool Accumulate, typename A, typename B, typename Out>
void matmul(const A *a, const B *b, Out *out) {
  using Sum = std::conditional_t<is_int<Out>, uint32_t, float>;
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N; j++) {
      Sum sum = 0;
      for (int p = 0; p < K; p++) {
        sum += to<Sum>(to<compute_t<A>>(a[i * K + p])) * to<Sum>(to<compute_t<B>>(b[p * N + j]));
      }
      Out product = to<Out>(sum);
      if constexpr (Accumulate) {
        using C = compute_t<Out>;
        out[i * N + j] = to<Out>(op::add::f<C>(to<C>(out[i * N + j]), to<C>(product)));
      } else {
        out[i * N + j] = product;
      }
    }
  }
}

// zeros and full: every element of out is value (converted to its type).
template <int N, typename Out, typename V>
void fill(Out *out, V value) {
  Out v = to<Out>(value);
  for (int i = 0; i < N; i++) out[i] = v;
}

// out (N x M) = in (M x N) transposed.
template <int M, int N, typename T>
void transpose(const T *in, T *out) {
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) out[j * M + i] = in[i * N + j];
}

}  // namespace portable
}  // namespace dato
