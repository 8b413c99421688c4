// datobench's ap_int<N> / ap_uint<N> for C simulation with g++ (synthesis uses Vitis's
// <ap_int.h>). Integers of 1 to 512 bits (and more) with the semantics generated code relies
// on, which are those of ap_int results assigned back to a variable of the type:
//   - arithmetic (+ - * / % unary -), bitwise (& | ^ ~) and shifts wrap at N bits (two's
//     complement for ap_int); / and % truncate toward zero, as C++ does, and x / 0 is 0;
//   - range(hi, lo) reads and writes bits lo..hi (both included), operator[](i) bit i;
//   - explicit conversions to and from C++ integers and floating-point types, to_int64() etc.
// A value of up to 64 bits is stored in the narrowest C++ integer holding it (ap_int<4> in an
// int8_t), sign- or zero-extended, and a wider one in 64-bit words, least significant first,
// the top word extended: arrays of these types have the layout of datobench's numpy storage.
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <type_traits>

namespace dato {

template <int N, bool S>
struct apint;

template <int N, bool S, bool Small = (N <= 64)>
struct ap_storage {
  using type = std::array<uint64_t, (N + 63) / 64>;
};
template <int N, bool S>
struct ap_storage<N, S, true> {
  using u = std::conditional_t<
      (N <= 8), uint8_t,
      std::conditional_t<(N <= 16), uint16_t, std::conditional_t<(N <= 32), uint32_t, uint64_t>>>;
  using type = std::conditional_t<S, std::make_signed_t<u>, u>;
};

template <typename T>
struct is_ap : std::false_type {};
template <int N, bool S>
struct is_ap<apint<N, S>> : std::true_type {};
template <typename T>
inline constexpr bool is_ap_v = is_ap<T>::value;

template <int N, bool S>
struct apint {
  static_assert(N >= 1, "an integer has at least one bit");
  static constexpr int width = N;
  static constexpr bool is_signed = S;
  static constexpr int W = (N + 63) / 64;  // 64-bit words of the value
  using words = std::array<uint64_t, W>;

  typename ap_storage<N, S>::type raw{};

  // -- the value as words (extended to 64 * W bits) and back, wrapped at N bits -------------
  words get() const {
    if constexpr (N <= 64) {
      if constexpr (S) {
        return {static_cast<uint64_t>(static_cast<int64_t>(raw))};
      } else {
        return {static_cast<uint64_t>(raw)};
      }
    } else {
      return raw;
    }
  }
  static words normal(words w) {
    constexpr int r = N % 64;
    if constexpr (r != 0) {
      constexpr uint64_t mask = (uint64_t(1) << r) - 1;
      uint64_t top = w[W - 1] & mask;
      if (S && ((top >> (r - 1)) & 1u)) top |= ~mask;
      w[W - 1] = top;
    }
    return w;
  }
  void set(const words& w) {
    const words n = normal(w);
    if constexpr (N <= 64) {
      raw = static_cast<typename ap_storage<N, S>::type>(n[0]);
    } else {
      raw = n;
    }
  }
  static apint of(const words& w) {
    apint a;
    a.set(w);
    return a;
  }
  bool negative() const { return S && (get()[W - 1] >> 63); }

  // -- construction ---------------------------------------------------------------------------
  apint() = default;
  template <typename I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  apint(I v) {
    words w;
    bool neg = false;
    if constexpr (std::is_signed_v<I>) neg = v < 0;
    w.fill(neg ? ~uint64_t(0) : 0);
    w[0] = static_cast<uint64_t>(static_cast<std::conditional_t<std::is_signed_v<I>, int64_t, uint64_t>>(v));
    set(w);
  }
  template <typename F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0>
  explicit apint(F v) {  // truncated toward zero
    const bool neg = v < 0;
    long double m = neg ? -static_cast<long double>(v) : static_cast<long double>(v);
    words w{};
    long double scale = 1;
    for (int k = 0; k < W - 1; k++) scale *= 18446744073709551616.0L;
    for (int k = W - 1; k >= 0; k--) {
      const long double q = m / scale;
      const uint64_t d = q >= 18446744073709551616.0L ? ~uint64_t(0) : static_cast<uint64_t>(q);
      w[k] = d;
      m -= static_cast<long double>(d) * scale;
      scale /= 18446744073709551616.0L;
    }
    set(neg ? neg_words(w) : w);
  }
  template <int M, bool T>
  apint(const apint<M, T>& o) {  // wraps to N bits, extends by the source's signedness
    const auto src = o.get();
    words w;
    w.fill(o.negative() ? ~uint64_t(0) : 0);
    for (int k = 0; k < W && k < apint<M, T>::W; k++) w[k] = src[k];
    set(w);
  }
  apint(const char* text, int radix) {  // hexadecimal digits (radix 16), as literals use them
    words w{};
    for (const char* c = text; *c; c++) {
      int d = *c >= '0' && *c <= '9' ? *c - '0' : *c >= 'a' && *c <= 'f' ? *c - 'a' + 10
              : *c >= 'A' && *c <= 'F' ? *c - 'A' + 10 : -1;
      if (d < 0 || d >= radix) continue;  // "0x" and separators
      w = add_words(mul_small(w, radix), small(d));
    }
    set(w);
  }

  // -- conversion -----------------------------------------------------------------------------
  template <typename I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  explicit operator I() const {
    if constexpr (std::is_same_v<I, bool>) {
      const words w = get();
      for (int k = 0; k < W; k++)
        if (w[k]) return true;
      return false;
    } else {
      return static_cast<I>(get()[0]);
    }
  }
  template <typename F, std::enable_if_t<std::is_floating_point_v<F>, int> = 0>
  explicit operator F() const {
    const bool neg = negative();
    const words w = neg ? neg_words(get()) : get();
    long double v = 0;
    for (int k = W - 1; k >= 0; k--) v = v * 18446744073709551616.0L + static_cast<long double>(w[k]);
    return static_cast<F>(neg ? -v : v);
  }
  int64_t to_int64() const { return static_cast<int64_t>(get()[0]); }
  uint64_t to_uint64() const { return get()[0]; }
  int to_int() const { return static_cast<int>(get()[0]); }
  unsigned to_uint() const { return static_cast<unsigned>(get()[0]); }

  // -- word arithmetic (modulo 2^(64 W)) ------------------------------------------------------
  static words small(uint64_t v) {
    words w{};
    w[0] = v;
    return w;
  }
  static words add_words(const words& a, const words& b) {
    words r;
    uint64_t carry = 0;
    for (int k = 0; k < W; k++) {
      const uint64_t s = a[k] + carry;
      const uint64_t c1 = s < carry;
      r[k] = s + b[k];
      carry = c1 + (r[k] < s);
    }
    return r;
  }
  static words not_words(words a) {
    for (auto& x : a) x = ~x;
    return a;
  }
  static words neg_words(const words& a) { return add_words(not_words(a), small(1)); }
  static words mul_words(const words& a, const words& b) {
    words r{};
    for (int i = 0; i < W; i++) {
      unsigned __int128 carry = 0;
      for (int j = 0; i + j < W; j++) {
        const unsigned __int128 t =
            static_cast<unsigned __int128>(a[i]) * b[j] + r[i + j] + carry;
        r[i + j] = static_cast<uint64_t>(t);
        carry = t >> 64;
      }
    }
    return r;
  }
  static words mul_small(const words& a, uint64_t m) { return mul_words(a, small(m)); }
  static words shl_words(const words& a, int n) {
    words r{};
    if (n >= 64 * W) return r;
    const int q = n / 64, b = n % 64;
    for (int k = W - 1; k >= q; k--) {
      r[k] = a[k - q] << b;
      if (b && k - q - 1 >= 0) r[k] |= a[k - q - 1] >> (64 - b);
    }
    return r;
  }
  static words shr_words(const words& a, int n, bool arithmetic) {
    const bool neg = arithmetic && (a[W - 1] >> 63);
    words r;
    r.fill(neg ? ~uint64_t(0) : 0);
    if (n >= 64 * W) return r;
    const int q = n / 64, b = n % 64;
    for (int k = 0; k + q < W; k++) {
      uint64_t v = a[k + q] >> b;
      const uint64_t above = k + q + 1 < W ? a[k + q + 1] : (neg ? ~uint64_t(0) : 0);
      if (b) v |= above << (64 - b);
      r[k] = v;
    }
    return r;
  }
  static int cmp_unsigned(const words& a, const words& b) {
    for (int k = W - 1; k >= 0; k--)
      if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
    return 0;
  }
  static void divmod_unsigned(const words& a, const words& b, words& q, words& r) {
    q = words{};
    r = words{};
    for (int bit = 64 * W - 1; bit >= 0; bit--) {
      r = shl_words(r, 1);
      r[0] |= (a[bit / 64] >> (bit % 64)) & 1u;
      if (cmp_unsigned(r, b) >= 0) {
        r = add_words(r, neg_words(b));
        q[bit / 64] |= uint64_t(1) << (bit % 64);
      }
    }
  }
  static bool zero(const words& a) {
    for (auto x : a)
      if (x) return false;
    return true;
  }

  // -- operators: one type on both sides (C++ integers are converted to it) -------------------
  friend apint operator+(const apint& a, const apint& b) { return of(add_words(a.get(), b.get())); }
  friend apint operator-(const apint& a, const apint& b) {
    return of(add_words(a.get(), neg_words(b.get())));
  }
  friend apint operator*(const apint& a, const apint& b) { return of(mul_words(a.get(), b.get())); }
  friend apint operator/(const apint& a, const apint& b) { return divide(a, b, true); }
  friend apint operator%(const apint& a, const apint& b) { return divide(a, b, false); }
  static apint divide(const apint& a, const apint& b, bool quotient) {
    if (zero(b.get())) return apint();
    const bool na = a.negative(), nb = b.negative();
    const words x = na ? neg_words(a.get()) : a.get();
    const words y = nb ? neg_words(b.get()) : b.get();
    words q, r;
    divmod_unsigned(x, y, q, r);
    if (quotient) return of(na != nb ? neg_words(q) : q);
    return of(na ? neg_words(r) : r);
  }
  apint operator-() const { return of(neg_words(get())); }
  apint operator+() const { return *this; }
  apint operator~() const { return of(not_words(get())); }
  friend apint operator&(const apint& a, const apint& b) {
    words r = a.get(), o = b.get();
    for (int k = 0; k < W; k++) r[k] &= o[k];
    return of(r);
  }
  friend apint operator|(const apint& a, const apint& b) {
    words r = a.get(), o = b.get();
    for (int k = 0; k < W; k++) r[k] |= o[k];
    return of(r);
  }
  friend apint operator^(const apint& a, const apint& b) {
    words r = a.get(), o = b.get();
    for (int k = 0; k < W; k++) r[k] ^= o[k];
    return of(r);
  }
  apint operator<<(int n) const { return of(shl_words(get(), n)); }
  apint operator>>(int n) const { return of(shr_words(get(), n, S)); }
  friend int compare(const apint& a, const apint& b) {
    const bool na = a.negative(), nb = b.negative();
    if (na != nb) return na ? -1 : 1;
    return cmp_unsigned(a.get(), b.get());
  }
  friend bool operator==(const apint& a, const apint& b) { return compare(a, b) == 0; }
  friend bool operator!=(const apint& a, const apint& b) { return compare(a, b) != 0; }
  friend bool operator<(const apint& a, const apint& b) { return compare(a, b) < 0; }
  friend bool operator<=(const apint& a, const apint& b) { return compare(a, b) <= 0; }
  friend bool operator>(const apint& a, const apint& b) { return compare(a, b) > 0; }
  friend bool operator>=(const apint& a, const apint& b) { return compare(a, b) >= 0; }
  apint& operator+=(const apint& b) { return *this = *this + b; }
  apint& operator-=(const apint& b) { return *this = *this - b; }
  apint& operator*=(const apint& b) { return *this = *this * b; }
  apint& operator&=(const apint& b) { return *this = *this & b; }
  apint& operator|=(const apint& b) { return *this = *this | b; }
  apint& operator^=(const apint& b) { return *this = *this ^ b; }

  // -- bits -------------------------------------------------------------------------------------
  // bits lo..hi, both included (ap_int's convention), as an unsigned value of N bits
  apint<N, false> get_range(int hi, int lo) const {
    const int n = hi - lo + 1;
    const words ones = shr_words(not_words(words{}), 64 * W - n, false);
    words v = shr_words(get(), lo, false);
    for (int k = 0; k < W; k++) v[k] &= ones[k];
    return apint<N, false>::of(v);
  }
  void set_range(int hi, int lo, const apint<N, false>& value) {
    const int n = hi - lo + 1;
    const words ones = shr_words(not_words(words{}), 64 * W - n, false);
    const words field = shl_words(ones, lo);
    words v = get();
    const words put = shl_words(value.get(), lo);
    for (int k = 0; k < W; k++) v[k] = (v[k] & ~field[k]) | (put[k] & field[k]);
    set(v);
  }
  struct range_ref {  // x.range(hi, lo): read as an unsigned value, assign to write
    apint& x;
    int hi, lo;
    operator apint<N, false>() const { return x.get_range(hi, lo); }
    apint<N, false> get() const { return x.get_range(hi, lo); }
    template <typename V>
    range_ref& operator=(const V& v) {
      x.set_range(hi, lo, apint<N, false>(v));
      return *this;
    }
    range_ref& operator=(const range_ref& o) { return *this = o.get(); }
  };
  range_ref range(int hi, int lo) { return range_ref{*this, hi, lo}; }
  apint<N, false> range(int hi, int lo) const { return get_range(hi, lo); }
  struct bit_ref {  // x[i]: read as a bool, assign to write
    apint& x;
    int i;
    operator bool() const { return static_cast<bool>(x.get_range(i, i)); }
    bit_ref& operator=(bool b) {
      x.set_range(i, i, apint<N, false>(b ? 1 : 0));
      return *this;
    }
  };
  bit_ref operator[](int i) { return bit_ref{*this, i}; }
  bool operator[](int i) const { return static_cast<bool>(get_range(i, i)); }
};

// C++ integers on either side of an operator take the ap type
#define DATO_AP_MIXED(op)                                                                 \
  template <int N, bool S, typename I, std::enable_if_t<std::is_integral_v<I>, int> = 0> \
  auto operator op(const apint<N, S>& a, I b) {                                           \
    return a op apint<N, S>(b);                                                           \
  }                                                                                       \
  template <int N, bool S, typename I, std::enable_if_t<std::is_integral_v<I>, int> = 0> \
  auto operator op(I a, const apint<N, S>& b) {                                           \
    return apint<N, S>(a) op b;                                                           \
  }
DATO_AP_MIXED(+)
DATO_AP_MIXED(-)
DATO_AP_MIXED(*)
DATO_AP_MIXED(/)
DATO_AP_MIXED(%)
DATO_AP_MIXED(&)
DATO_AP_MIXED(|)
DATO_AP_MIXED(^)
DATO_AP_MIXED(==)
DATO_AP_MIXED(!=)
DATO_AP_MIXED(<)
DATO_AP_MIXED(<=)
DATO_AP_MIXED(>)
DATO_AP_MIXED(>=)
#undef DATO_AP_MIXED

}  // namespace dato

template <int N>
using ap_int = dato::apint<N, true>;
template <int N>
using ap_uint = dato::apint<N, false>;
