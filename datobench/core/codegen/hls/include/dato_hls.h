// datobench support library for generated Vitis HLS C++: element types, tiles and the
// operations the code generator calls, one per IR operation. Loops carry HLS pragmas; with
// g++ (C simulation) the pragmas are ignored and the same code runs as plain C++.
//
// Semantics follow datobench's functional simulator: integer arithmetic wraps in its type
// (ap_int<N> / ap_uint<N> at N bits), // and % follow Python (floor division; integer
// division by zero gives 0), bf16 values are computed in float and rounded to nearest even,
// matmul accumulates exactly (modulo 2^N in an ap type, which is what its result keeps).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

// Dataflow processes: in synthesis each call is a process of the enclosing dataflow region;
// in C simulation hls_stream.h (datobench's own) runs each in a thread of its own. The loop
// budget that bounds a C simulation (DATO_LOOP_BUDGET, see hls_stream.h) is nothing in
// synthesis.
#ifndef DATO_CSIM
#define DATO_DATAFLOW_BEGIN
#define DATO_PROCESS(call) call
#define DATO_DATAFLOW_END
#define DATO_LOOP_BUDGET(site, start, stop, step)
#endif

// Integers of any width: ap_int<N> and ap_uint<N> (datobench's own for C simulation)
#ifdef DATO_CSIM
#include "dato_ap_int.h"
#else
#include <ap_int.h>
namespace dato {
template <typename T> struct is_ap : std::false_type {};
template <int N> struct is_ap<ap_int<N>> : std::true_type {};
template <int N> struct is_ap<ap_uint<N>> : std::true_type {};
template <typename T> inline constexpr bool is_ap_v = is_ap<T>::value;
}  // namespace dato
#endif

namespace dato {

// integers, C++'s and ap_int's alike; their widths in bits
template <typename T> inline constexpr bool integral_v = std::is_integral_v<T> || is_ap_v<T>;
template <typename T> constexpr int bits_of() {
  if constexpr (is_ap_v<T>) {
    return T::width;
  } else {
    return 8 * sizeof(T);
  }
}
// the type products and sums of T are computed in: exact (64-bit integers, float), or T
// itself for an ap type, whose arithmetic wraps at its width as the result would
template <typename T>
using acc_t = std::conditional_t<is_ap_v<T>, T, std::conditional_t<std::is_integral_v<T>, int64_t, float>>;

// -- bf16: 16-bit brain float, stored as the top half of a float -------------------------------
struct bf16 {
  uint16_t bits = 0;
  bf16() = default;
  bf16(float f) {  // round to nearest even, NaN kept quiet
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      bits = static_cast<uint16_t>((u >> 16) | 0x40u);
    } else {
      bits = static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    }
  }
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  bf16(T v) : bf16(static_cast<float>(v)) {}
  operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
};
inline bf16 operator+(bf16 a, bf16 b) { return bf16(float(a) + float(b)); }
inline bf16 operator-(bf16 a, bf16 b) { return bf16(float(a) - float(b)); }
inline bf16 operator*(bf16 a, bf16 b) { return bf16(float(a) * float(b)); }
inline bf16 operator/(bf16 a, bf16 b) { return bf16(float(a) / float(b)); }
inline bf16 operator-(bf16 a) { return bf16(-float(a)); }

// -- tiles: a shape and its elements, row-major -------------------------------------------------
template <typename T, int... D>
struct tile {
  static constexpr int rank = sizeof...(D);
  static constexpr int size = (D * ...);
  static constexpr int shape[rank] = {D...};
  using element = T;
  T v[size];
  template <typename... I>
  T& at(I... i) { return v[flat(i...)]; }
  template <typename... I>
  const T& at(I... i) const { return v[flat(i...)]; }
  template <typename... I>
  static int flat(I... i) {
    const int idx[] = {static_cast<int>(i)...};
    int f = 0;
    for (int d = 0; d < rank; d++) f = f * shape[d] + idx[d];
    return f;
  }
};

template <typename X> struct traits { static constexpr bool is_tile = false; };
template <typename T, int... D> struct traits<tile<T, D...>> { static constexpr bool is_tile = true; };

template <typename Out>
constexpr int stride_of(int d) {
  int s = 1;
  for (int k = Out::rank - 1; k > d; k--) s *= Out::shape[k];
  return s;
}

// element k of a value broadcast (numpy rules, right-aligned) to the shape of Out
template <typename Out, typename X>
inline auto bget(const X& x, int k) {
  if constexpr (!traits<X>::is_tile) {
    return x;
  } else {
    int offset = 0, stride = 1;
    for (int d = Out::rank - 1, e = X::rank - 1; e >= 0; d--, e--) {
      const int i = (k / stride_of<Out>(d)) % Out::shape[d];
      offset += (X::shape[e] == 1 ? 0 : i) * stride;
      stride *= X::shape[e];
    }
    return x.v[offset];
  }
}

// -- scalar arithmetic with the simulator's semantics --------------------------------------------
template <typename T> inline T floordiv(T a, T b) {
  if constexpr (integral_v<T>) {
    if (b == 0) return 0;
    T q = static_cast<T>(a / b);
    return static_cast<T>((a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q);
  } else {
    return static_cast<T>(std::floor(float(a) / float(b)));
  }
}
template <typename T> inline T mod(T a, T b) {
  if constexpr (integral_v<T>) {
    if (b == 0) return 0;
    T r = static_cast<T>(a % b);
    return static_cast<T>((r != 0 && ((r < 0) != (b < 0))) ? r + b : r);
  } else {
    float r = std::fmod(float(a), float(b));
    return static_cast<T>((r != 0 && ((r < 0) != (float(b) < 0))) ? r + float(b) : r);
  }
}
// values as C++ compares them: bf16 through float, every other type exactly as it is
template <typename T> inline auto num(T a) {
  if constexpr (std::is_same_v<T, bf16>) {
    return float(a);
  } else {
    return a;
  }
}

// -- elementwise functors: `f` on one element; the op table names them ----------------------
struct op_add { template <typename T> static T f(T a, T b) { return static_cast<T>(a + b); } };
struct op_sub { template <typename T> static T f(T a, T b) { return static_cast<T>(a - b); } };
struct op_mul { template <typename T> static T f(T a, T b) { return static_cast<T>(a * b); } };
struct op_div { template <typename T> static T f(T a, T b) { return static_cast<T>(a / b); } };
struct op_floordiv { template <typename T> static T f(T a, T b) { return floordiv(a, b); } };
struct op_mod { template <typename T> static T f(T a, T b) { return mod(a, b); } };
struct op_max { template <typename T> static T f(T a, T b) { return num(a) < num(b) ? b : a; } };
struct op_min { template <typename T> static T f(T a, T b) { return num(b) < num(a) ? b : a; } };
struct op_eq { template <typename T> static bool f(T a, T b) { return num(a) == num(b); } };
struct op_ne { template <typename T> static bool f(T a, T b) { return num(a) != num(b); } };
struct op_lt { template <typename T> static bool f(T a, T b) { return num(a) < num(b); } };
struct op_le { template <typename T> static bool f(T a, T b) { return num(a) <= num(b); } };
struct op_gt { template <typename T> static bool f(T a, T b) { return num(a) > num(b); } };
struct op_ge { template <typename T> static bool f(T a, T b) { return num(a) >= num(b); } };
struct op_neg { template <typename T> static T f(T a) { return static_cast<T>(-a); } };
struct op_and { template <typename T> static T f(T a, T b) { return static_cast<T>(a & b); } };
struct op_or { template <typename T> static T f(T a, T b) { return static_cast<T>(a | b); } };
struct op_xor { template <typename T> static T f(T a, T b) { return static_cast<T>(a ^ b); } };
struct op_invert { template <typename T> static T f(T a) { return static_cast<T>(~a); } };
// shifts by an int (what ap_int takes); the simulator refuses amounts outside the width
struct op_shl {
  template <typename T> static T f(T a, T b) { return static_cast<T>(a << static_cast<int>(b)); }
};
struct op_shr {
  template <typename T> static T f(T a, T b) { return static_cast<T>(a >> static_cast<int>(b)); }
};
struct op_exp {
  template <typename T> static T f(T a) { return static_cast<T>(std::exp(float(a))); }
};
struct op_sqrt {
  template <typename T> static T f(T a) { return static_cast<T>(std::sqrt(float(a))); }
};
struct op_rsqrt {
  template <typename T> static T f(T a) { return static_cast<T>(1.0f / std::sqrt(float(a))); }
};
struct op_abs {  // integers wrap as numpy's do: abs(int8 -128) == -128
  template <typename T> static T f(T a) {
    if constexpr (is_ap_v<T>) {
      return a < T(0) ? T(-a) : a;
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(a < 0 ? -static_cast<int64_t>(a) : static_cast<int64_t>(a));
    } else {
      return static_cast<T>(std::fabs(float(a)));
    }
  }
};
struct op_tanh {
  template <typename T> static T f(T a) { return static_cast<T>(std::tanh(float(a))); }
};

// -- reduction combiners: `f` folds one more element into the accumulator -------------------------
struct red_sum { template <typename A> static A f(A acc, A x) { return acc + x; } };
struct red_max { template <typename A> static A f(A acc, A x) { return acc < x ? x : acc; } };
struct red_min { template <typename A> static A f(A acc, A x) { return x < acc ? x : acc; } };

template <typename T> struct elem_of { using type = T; };
template <typename T, int... D> struct elem_of<tile<T, D...>> { using type = T; };

// -- tile operations: each writes its result into `out` ------------------------------------------
template <typename Op, typename Out, typename A, typename B>
void binary(Out& out, const A& a, const B& b) {
  using T = typename elem_of<A>::type;
  for (int k = 0; k < Out::size; k++) {
#pragma HLS pipeline II = 1
    out.v[k] = Op::f(static_cast<T>(bget<Out>(a, k)), static_cast<T>(bget<Out>(b, k)));
  }
}

template <typename Op, typename Out, typename A>
void unary(Out& out, const A& a) {
  for (int k = 0; k < Out::size; k++) {
#pragma HLS pipeline II = 1
    out.v[k] = Op::f(a.v[k]);
  }
}

template <typename Out, typename C, typename A, typename B>
void where(Out& out, const C& c, const A& a, const B& b) {
  for (int k = 0; k < Out::size; k++) {
#pragma HLS pipeline II = 1
    out.v[k] = bget<Out>(c, k) ? bget<Out>(a, k) : bget<Out>(b, k);
  }
}

template <typename Out, typename V>
void fill(Out& out, V value) {
  for (int k = 0; k < Out::size; k++) {
#pragma HLS pipeline II = 1
    out.v[k] = static_cast<typename Out::element>(value);
  }
}

template <typename Out, typename A>
void convert(Out& out, const A& a) {  // astype
  for (int k = 0; k < Out::size; k++) {
#pragma HLS pipeline II = 1
    out.v[k] = static_cast<typename Out::element>(a.v[k]);
  }
}

template <typename Out, typename A>
void transpose(Out& out, const A& a) {
  for (int i = 0; i < A::shape[0]; i++)
    for (int j = 0; j < A::shape[1]; j++) {
#pragma HLS pipeline II = 1
      out.at(j, i) = a.at(i, j);
    }
}

// out = a @ b (or out += a @ b): products accumulated exactly (64-bit integers or float);
// from row ``row`` of out, the rows a band update (acc[r0:r1, :] += a @ b) adds into in place
template <bool Accumulate, typename Out, typename A, typename B>
void matmul(Out& out, const A& a, const B& b, int row = 0) {
  using T = typename Out::element;
  using Acc = acc_t<T>;
  for (int i = 0; i < A::shape[0]; i++)
    for (int j = 0; j < B::shape[1]; j++) {
#pragma HLS pipeline II = 1
      Acc s = 0;
      for (int k = 0; k < A::shape[1]; k++) {
#pragma HLS unroll
        s += static_cast<Acc>(a.at(i, k)) * static_cast<Acc>(b.at(k, j));
      }
      if constexpr (Accumulate) {
        out.at(row + i, j) = static_cast<T>(static_cast<Acc>(out.at(row + i, j)) + s);
      } else {
        out.at(row + i, j) = static_cast<T>(s);
      }
    }
}

// reduce over the axes in AxisMask (bit d = axis d) with the combiner Red (red_sum, ...)
template <typename Red, unsigned AxisMask, typename Out, typename A>
void reduce(Out& out, const A& a) {
  using T = typename Out::element;
  using Acc = acc_t<T>;
  Acc acc[Out::size];
  bool seen[Out::size] = {};
  for (int k = 0; k < A::size; k++) {
    int rest = k, o = 0, stride = 1;
    for (int d = A::rank - 1; d >= 0; d--) {
      const int i = rest % A::shape[d];
      rest /= A::shape[d];
      if (!((AxisMask >> d) & 1u)) {
        o += i * stride;
        stride *= A::shape[d];
      }
    }
    const Acc x = static_cast<Acc>(a.v[k]);
    if (!seen[o]) {
      acc[o] = x;
      seen[o] = true;
    } else {
      acc[o] = Red::f(acc[o], x);
    }
  }
  for (int o = 0; o < Out::size; o++) out.v[o] = static_cast<T>(acc[o]);
}

// scalar reductions over every element
template <typename Red, typename A>
typename A::element reduce_all(const A& a) {
  using T = typename A::element;
  using Acc = acc_t<T>;
  Acc acc = static_cast<Acc>(a.v[0]);
  for (int k = 1; k < A::size; k++) {
    const Acc x = static_cast<Acc>(a.v[k]);
    acc = Red::f(acc, x);
  }
  return static_cast<T>(acc);
}

// -- slices of tiles and of global (DDR) arrays --------------------------------------------------
// A slice gives a start per source dimension; dimensions whose bit is clear in Keep are
// indexed (dropped), the others have the extent of the matching dimension of the tile.
template <unsigned Keep, int R>
int slice_offset(int k, const int (&start)[R], const int (&shape)[R], const int* extent) {
  int offset = 0, stride = 1, rest = k;
  int coord[R];
  for (int d = R - 1; d >= 0; d--) {
    int i = 0;
    if ((Keep >> d) & 1u) {
      i = rest % extent[d];
      rest /= extent[d];
    }
    coord[d] = start[d] + i;
  }
  for (int d = R - 1; d >= 0; d--) {
    offset += coord[d] * stride;
    stride *= shape[d];
  }
  return offset;
}

template <unsigned Keep, int R, typename Out>
void extents(const Out&, int* extent) {
  int e = 0;
  for (int d = 0; d < R; d++) extent[d] = ((Keep >> d) & 1u) ? Out::shape[e++] : 1;
}

template <unsigned Keep, typename Out, typename T, int R>
void load(Out& out, const T* base, const int (&shape)[R], const int (&start)[R]) {
  int extent[R];
  extents<Keep, R>(out, extent);
  for (int k = 0; k < Out::size; k++) {
#pragma HLS pipeline II = 1
    out.v[k] = base[slice_offset<Keep>(k, start, shape, extent)];
  }
}

template <unsigned Keep, typename V, typename T, int R>
void store(T* base, const int (&shape)[R], const int (&start)[R], const V& value) {
  if constexpr (!traits<V>::is_tile) {
    base[slice_offset<0u>(0, start, shape, nullptr)] = static_cast<T>(value);
  } else {
    int extent[R];
    extents<Keep, R>(value, extent);
    for (int k = 0; k < V::size; k++) {
#pragma HLS pipeline II = 1
      base[slice_offset<Keep>(k, start, shape, extent)] = value.v[k];
    }
  }
}

// stores a scalar broadcast over a slice whose shape is given by Extent (a tile type)
template <unsigned Keep, typename Extent, typename T, int R, typename V>
void store_fill(T* base, const int (&shape)[R], const int (&start)[R], V value) {
  Extent e;
  int extent[R];
  extents<Keep, R>(e, extent);
  for (int k = 0; k < Extent::size; k++) {
#pragma HLS pipeline II = 1
    base[slice_offset<Keep>(k, start, shape, extent)] = static_cast<T>(value);
  }
}

template <typename T, int R>
T& element(T* base, const int (&shape)[R], const int (&index)[R]) {
  return base[slice_offset<0u>(0, index, shape, nullptr)];
}

// -- staged panels (dato.stage): a window's panel held on chip ---------------------------------
// Makes resident the panel (of shape `extent`) that holds `at` (a start within the instance's
// window, which begins at `lo` in the global array of shape `shape`): when the read moves to
// another panel, the next of the Depth buffers is filled from the global array (a depth of 2
// alternates two buffers, so a panel is never overwritten while the one before it is read).
template <int Depth, int Size, typename T, typename G, int R>
void stage_panel(T (&panel)[Depth][Size], int (&origin)[R], int& slot, const G* base,
                 const int (&shape)[R], const int (&extent)[R], const int (&lo)[R],
                 const int (&at)[R]) {
  int want[R];
  bool resident = true;
  for (int d = 0; d < R; d++) {
    want[d] = at[d] / extent[d] * extent[d];
    resident = resident && want[d] == origin[d];
  }
  if (resident) return;
  slot = (slot + 1) % Depth;
  for (int k = 0; k < Size; k++) {
#pragma HLS pipeline II = 1
    int rest = k, offset = 0, stride = 1;
    for (int d = R - 1; d >= 0; d--) {
      offset += (lo[d] + want[d] + rest % extent[d]) * stride;
      rest /= extent[d];
      stride *= shape[d];
    }
    panel[slot][k] = base[offset];
  }
  for (int d = 0; d < R; d++) origin[d] = want[d];
}

// -- bits of integers: x[lo:lo + Width] (Python's bounds) as ap_uint<Width>, and its update ----
template <int Width, typename X>
ap_uint<Width> get_bits(const X& x, int lo) {
  if constexpr (is_ap_v<X>) {
    return ap_uint<Width>(x.range(lo + Width - 1, lo));
  } else {
    using U = std::make_unsigned_t<X>;
    return ap_uint<Width>(static_cast<uint64_t>(static_cast<U>(x)) >> lo);
  }
}

template <int Width, typename X, typename V>
X set_bits(X x, int lo, const V& value) {
  if constexpr (is_ap_v<X>) {
    x.range(lo + Width - 1, lo) = ap_uint<Width>(value);
    return x;
  } else {
    using U = std::make_unsigned_t<X>;
    const uint64_t ones = Width >= 64 ? ~uint64_t(0) : (uint64_t(1) << Width) - 1;
    const uint64_t field = ones << lo;
    const uint64_t v = static_cast<uint64_t>(ap_uint<Width>(value).to_uint64()) << lo;
    const uint64_t u = (static_cast<uint64_t>(static_cast<U>(x)) & ~field) | (v & field);
    return static_cast<X>(static_cast<U>(u));
  }
}

// -- packing integers into words along the last axis, element 0 in the low bits ------------------
template <typename Word, typename A>
Word pack_group(const A& a, int first) {
  using E = typename A::element;
  constexpr int eb = bits_of<E>(), per = bits_of<Word>() / eb;
  Word w = 0;
  for (int k = 0; k < per; k++) {
#pragma HLS unroll
    w = set_bits<eb>(w, k * eb, a.v[first + k]);
  }
  return w;
}

template <typename Word, typename A>
Word pack_word(const A& a) {  // a 1-D tile that fills one word
  return pack_group<Word>(a, 0);
}

template <typename Out, typename A>
void pack(Out& out, const A& a) {
  using Word = typename Out::element;
  constexpr int per = bits_of<Word>() / bits_of<typename A::element>();
  for (int o = 0; o < Out::size; o++) {
#pragma HLS pipeline II = 1
    out.v[o] = pack_group<Word>(a, o * per);
  }
}

template <typename Out, typename Word>
void unpack_word(Out& out, const Word& w, int first) {
  using E = typename Out::element;
  constexpr int eb = bits_of<E>(), per = bits_of<Word>() / eb;
  for (int k = 0; k < per; k++) {
#pragma HLS unroll
    out.v[first + k] = static_cast<E>(get_bits<eb>(w, k * eb));
  }
}

template <typename Out, typename A>
void unpack(Out& out, const A& a) {  // a: a tile of words, or one word
  if constexpr (traits<A>::is_tile) {
    constexpr int per = bits_of<typename A::element>() / bits_of<typename Out::element>();
    for (int o = 0; o < A::size; o++) {
#pragma HLS pipeline II = 1
      unpack_word(out, a.v[o], o * per);
    }
  } else {
    unpack_word(out, a, 0);
  }
}

}  // namespace dato
