// Element types C++ lacks, stored exactly as ONNX stores them: float16, bfloat16, the float8
// formats and float8e8m0 (their bits, 2 or 1 bytes), and the packed float4e2m1, int4, uint4,
// int2, uint2 (two or four elements to a byte, the first in the low bits).
//
// The small floats convert implicitly to float, so arithmetic on them is float arithmetic;
// back from float/double only explicitly, rounding to nearest even (float_from). The packed
// types are read and written through load()/store(): a `const int4*` points at packed bytes.
// Header-only and freestanding (no C++ library, no compiler extensions), like every kernel.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "float_math.hpp"
#include "version.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// How a format spends its largest exponent: Ieee (inf and NaN), FN (only S.1111.111 is NaN),
// FNUZ (no inf, no -0: 0x80 is NaN), NoNaN (float4e2m1: neither, every code is a number).
enum class FloatKind : uint8_t { Ieee, FN, FNUZ, NoNaN };

// |x| = mant * 2^exp (exact), with the sign and the special cases split off.
struct Unpacked {
  bool neg, nan, inf;
  uint64_t mant;
  int exp;
};

inline Unpacked unpack(float x) {
  uint32_t b;
  memcpy(&b, &x, 4);
  const uint32_t e = (b >> 23) & 0xFF, m = b & 0x7FFFFF;
  return {(b >> 31) != 0, e == 0xFF && m != 0, e == 0xFF && m == 0, e ? (m | 0x800000u) : m,
          e ? static_cast<int>(e) - 150 : -149};
}
inline Unpacked unpack(double x) {
  uint64_t b;
  memcpy(&b, &x, 8);
  const uint64_t e = (b >> 52) & 0x7FF, m = b & 0xFFFFFFFFFFFFFull;
  return {(b >> 63) != 0, e == 0x7FF && m != 0, e == 0x7FF && m == 0, e ? (m | (uint64_t{1} << 52)) : m,
          e ? static_cast<int>(e) - 1075 : -1074};
}

// A float format of E exponent bits and M mantissa bits: encode rounds to nearest even;
// `saturate` (float8 only) sends overflow and infinities to the largest finite value instead
// of inf (Ieee) or NaN (FN, FNUZ). NoNaN formats always saturate and turn NaN into 0x8.
template <int E, int M, int Bias, FloatKind K>
struct FloatFormat {
  static constexpr uint32_t kSign = 1u << (E + M), kExpAll = (1u << E) - 1, kMantAll = (1u << M) - 1;
  static constexpr uint32_t kMaxExp = K == FloatKind::Ieee ? kExpAll - 1 : kExpAll;
  static constexpr uint32_t kMaxMant = K == FloatKind::FN ? kMantAll - 1 : kMantAll;
  static constexpr uint32_t kMax = (kMaxExp << M) | kMaxMant;  // largest finite magnitude
  static constexpr uint32_t kTop = K == FloatKind::Ieee ? kExpAll << M : kMax;  // inf, else the max

  static uint32_t nan(bool neg) {
    switch (K) {
      case FloatKind::Ieee: return (neg ? kSign : 0) | (kExpAll << M) | (1u << (M - 1));
      case FloatKind::FN: return (neg ? kSign : 0) | (kExpAll << M) | kMantAll;
      case FloatKind::FNUZ: return kSign;
      case FloatKind::NoNaN: break;
    }
    return kSign;  // float4e2m1 has no NaN: ONNX's reference writes -0
  }
  static uint32_t overflow(bool neg, bool saturate) {
    if (saturate || K == FloatKind::NoNaN) return (neg ? kSign : 0) | kMax;
    if (K == FloatKind::Ieee) return (neg ? kSign : 0) | (kExpAll << M);
    return nan(neg);
  }

  static uint32_t encode(const Unpacked& u, bool saturate) {
    if (u.nan) return nan(u.neg);
    if (u.inf) return overflow(u.neg, saturate);
    const int qmin = 1 - Bias - M;  // exponent of the smallest subnormal step
    uint64_t r = 0;
    int q = qmin;
    if (u.mant != 0) {
      int top = 63;
      while (!(u.mant >> top)) --top;
      q = top + u.exp - M > qmin ? top + u.exp - M : qmin;
      const int shift = q - u.exp;
      if (shift <= 0) {
        r = u.mant << -shift;
      } else if (shift < 64) {  // round to nearest, ties to even
        r = u.mant >> shift;
        const uint64_t rem = u.mant & ((uint64_t{1} << shift) - 1), half = uint64_t{1} << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) ++r;
      }  // else far below the smallest step: 0
      if (r >> (M + 1)) {  // rounded up to the next power of two
        r >>= 1;
        ++q;
      }
    }
    const uint32_t sign = u.neg && !(K == FloatKind::FNUZ && r == 0) ? kSign : 0;
    if (r < (uint64_t{1} << M)) return sign | static_cast<uint32_t>(r);  // subnormal or zero
    const int exp_field = q + M + Bias;
    const uint32_t mant_field = static_cast<uint32_t>(r) & kMantAll;
    if (exp_field > static_cast<int>(kMaxExp) || (exp_field == static_cast<int>(kMaxExp) && mant_field > kMaxMant))
      return overflow(u.neg, saturate);
    return sign | (static_cast<uint32_t>(exp_field) << M) | mant_field;
  }

  // Every one of these formats is exactly a float.
  static float decode(uint32_t b) {
    const bool neg = (b & kSign) != 0;
    const uint32_t e = (b >> M) & kExpAll, m = b & kMantAll;
    if (K == FloatKind::Ieee && e == kExpAll) return m ? NAN : (neg ? -INFINITY : INFINITY);
    if (K == FloatKind::FN && e == kExpAll && m == kMantAll) return NAN;
    if (K == FloatKind::FNUZ && b == kSign) return NAN;
    const float v = e ? ldexpf(static_cast<float>(m | (1u << M)), static_cast<int>(e) - Bias - M)
                      : ldexpf(static_cast<float>(m), 1 - Bias - M);
    return neg ? -v : v;
  }
};

using Float16Format = FloatFormat<5, 10, 15, FloatKind::Ieee>;
using BFloat16Format = FloatFormat<8, 7, 127, FloatKind::Ieee>;
using E4M3FNFormat = FloatFormat<4, 3, 7, FloatKind::FN>;
using E4M3FNUZFormat = FloatFormat<4, 3, 8, FloatKind::FNUZ>;
using E5M2Format = FloatFormat<5, 2, 15, FloatKind::Ieee>;
using E5M2FNUZFormat = FloatFormat<5, 2, 16, FloatKind::FNUZ>;
using E2M1Format = FloatFormat<2, 1, 1, FloatKind::NoNaN>;

// Rounding to float8e8m0 (Cast's round_mode): up (away from zero), down, nearest (ties up).
enum class E8M0Round : int32_t { Up = 0, Down = 1, Nearest = 2 };

// float8e8m0: 2^(bits - 127), 0xFF is NaN; no sign, no zero. Follows ONNX's reference, which
// rounds on the float32 exponent and mantissa fields.
struct E8M0Format {
  static uint32_t encode_float(float x, bool saturate, E8M0Round mode) {
    uint32_t b;
    memcpy(&b, &x, 4);
    uint32_t e = (b >> 23) & 0xFF;
    const uint32_t m = b & 0x7FFFFF;
    if (e == 0xFF) return m || !saturate ? 0xFF : 0xFE;  // NaN; inf saturates or is NaN
    if (mode == E8M0Round::Up ? m != 0 : mode == E8M0Round::Nearest ? m >= 0x400000 : false) ++e;
    if (e == 0xFF) return saturate ? 0xFE : 0xFF;
    if (e == 0 && m == 0 && !saturate) return 0xFF;  // below the smallest value
    return e;
  }
  static float decode(uint32_t b) { return b == 0xFF ? NAN : ldexpf(1.0f, static_cast<int>(b) - 127); }
};

// A small float stored as its bits. Converting to float is implicit (so arithmetic computes in
// float); converting from a number is explicit and rounds to nearest even.
template <typename Bits, typename Format>
struct SmallFloat {
  Bits bits;
  constexpr SmallFloat() : bits(0) {}
  explicit SmallFloat(float x) : bits(static_cast<Bits>(Format::encode(unpack(x), false))) {}
  // Any other number (double, an integer, another small float) rounds once, from double.
  template <typename N>
  explicit SmallFloat(N x) : bits(static_cast<Bits>(Format::encode(unpack(static_cast<double>(x)), false))) {}
  static constexpr SmallFloat from_bits(uint32_t b) {
    SmallFloat f;
    f.bits = static_cast<Bits>(b);
    return f;
  }
  // Cast's conversion; the rounding mode only matters to float8e8m0.
  static SmallFloat from(double x, bool saturate, E8M0Round = E8M0Round::Up) {
    return from_bits(Format::encode(unpack(x), saturate));
  }
  operator float() const { return Format::decode(bits); }
};

using float16 = SmallFloat<uint16_t, Float16Format>;
using bfloat16 = SmallFloat<uint16_t, BFloat16Format>;
using float8e4m3fn = SmallFloat<uint8_t, E4M3FNFormat>;
using float8e4m3fnuz = SmallFloat<uint8_t, E4M3FNUZFormat>;
using float8e5m2 = SmallFloat<uint8_t, E5M2Format>;
using float8e5m2fnuz = SmallFloat<uint8_t, E5M2FNUZFormat>;
using float4e2m1 = SmallFloat<uint8_t, E2M1Format>;  // one element; in memory, packed two to a byte

// float8e8m0 has its own rounding modes, so its own struct.
struct float8e8m0 {
  uint8_t bits;
  constexpr float8e8m0() : bits(0) {}
  template <typename N>  // as Cast's defaults do: round up, saturate
  explicit float8e8m0(N x) : bits(static_cast<uint8_t>(E8M0Format::encode_float(static_cast<float>(x), true, E8M0Round::Up))) {}
  static constexpr float8e8m0 from_bits(uint32_t b) {
    float8e8m0 f;
    f.bits = static_cast<uint8_t>(b);
    return f;
  }
  static float8e8m0 from(double x, bool saturate, E8M0Round mode = E8M0Round::Up) {
    return from_bits(E8M0Format::encode_float(static_cast<float>(x), saturate, mode));
  }
  operator float() const { return E8M0Format::decode(bits); }
};

// Sub-byte integers: one element holds its code in the low bits; value() sign-extends.
template <int Bits, bool Signed>
struct SmallInt {
  uint8_t bits;
  static constexpr SmallInt from_bits(uint32_t b) {
    SmallInt v{};
    v.bits = static_cast<uint8_t>(b & ((1u << Bits) - 1));
    return v;
  }
  // Out-of-range values keep their low bits, as for every ONNX integer narrowing.
  static constexpr SmallInt wrap(int64_t x) { return from_bits(static_cast<uint32_t>(static_cast<uint64_t>(x))); }
  constexpr int32_t value() const {
    return Signed && (bits >> (Bits - 1)) ? static_cast<int32_t>(bits) - (1 << Bits) : static_cast<int32_t>(bits);
  }
};

using int4 = SmallInt<4, true>;
using uint4 = SmallInt<4, false>;
using int2 = SmallInt<2, true>;
using uint2 = SmallInt<2, false>;

// Bits per element in memory: 4 or 2 for the packed types, 8 * sizeof otherwise.
template <typename T>
struct PackedBits {
  static constexpr int value = 8 * static_cast<int>(sizeof(T));
};
template <int B, bool S>
struct PackedBits<SmallInt<B, S>> {
  static constexpr int value = B;
};
template <>
struct PackedBits<float4e2m1> {
  static constexpr int value = 4;
};

// Element i of a tensor; for packed types, bits of byte i / per-byte, the first in the low bits.
template <typename T>
inline T load(const T* p, int32_t i) {
  constexpr int B = PackedBits<T>::value;
  if constexpr (B < 8) {
    const uint8_t byte = reinterpret_cast<const uint8_t*>(p)[i / (8 / B)];
    return T::from_bits((byte >> (i % (8 / B) * B)) & ((1u << B) - 1));
  } else {
    return p[i];
  }
}

template <typename T>
inline void store(T* p, int32_t i, T v) {
  constexpr int B = PackedBits<T>::value;
  if constexpr (B < 8) {
    uint8_t& byte = reinterpret_cast<uint8_t*>(p)[i / (8 / B)];
    const int shift = i % (8 / B) * B;
    const uint32_t mask = ((1u << B) - 1) << shift;
    byte = static_cast<uint8_t>((byte & ~mask) | ((static_cast<uint32_t>(v.bits) << shift) & mask));
  } else {
    p[i] = v;
  }
}

// Bytes n elements of T take in memory.
template <typename T>
constexpr int32_t packed_bytes(int32_t n) {
  return (n * PackedBits<T>::value + 7) / 8;
}

// Before n packed elements are stored one by one: the unused bits of the last byte read as 0.
template <typename T>
inline void clear_packed_tail(T* p, int32_t n) {
  if (PackedBits<T>::value < 8 && n > 0) reinterpret_cast<uint8_t*>(p)[packed_bytes<T>(n) - 1] = 0;
}

}}  // namespace o2m::O2M_KERNELS_VERSION
