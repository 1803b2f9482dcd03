// Quantisation arithmetic shared by every integer kernel, and the float <-> integer ops:
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear.
//
// Rounding is ONNX's: round half to even, then saturate to the output type. A real rescale
// factor M (e.g. x_scale * w_scale / y_scale) is carried as a fixed-point pair (mult, shift):
// M ~= mult * 2^(shift - 31) with mult in [2^30, 2^31), as TFLM/CMSIS-NN do. Unlike them,
// requantize() rounds the exact 64-bit product half to even, so the only difference from
// exact real arithmetic is the representation error of M (< 2^-31 relative).
#pragma once
#include <string.h>

#include "common.hpp"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#include <arm_mve.h>
#define O2M_QUANT_MVE_FP 1
#elif defined(__ARM_FP) && (__ARM_FP & 4) && defined(__ARM_FEATURE_DSP) && defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
#include <arm_acle.h>
#define O2M_QUANT_VFP 1  // a single-precision FPU and the DSP extension, no Helium (Cortex-M4F, M7, M33)
#endif

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Round half to even without <cmath> or the FPU rounding mode: for |v| < 2^22.
inline float round_half_even(float v) {
  const float big = 12582912.0f;  // 1.5 * 2^23: adding it leaves no fraction bits
  if (v >= 4194304.0f || v <= -4194304.0f) return v;  // already an integer
  volatile float t = v + big;  // volatile: keep the compiler from folding (v + big) - big
  return t - big;
}

template <typename T> struct QRange;
template <> struct QRange<int8_t> { static constexpr int32_t lo = -128, hi = 127; };
template <> struct QRange<uint8_t> { static constexpr int32_t lo = 0, hi = 255; };
template <> struct QRange<int16_t> { static constexpr int32_t lo = -32768, hi = 32767; };
template <> struct QRange<uint16_t> { static constexpr int32_t lo = 0, hi = 65535; };
template <> struct QRange<int32_t> { static constexpr int32_t lo = -2147483647 - 1, hi = 2147483647; };
template <> struct QRange<int4> { static constexpr int32_t lo = -8, hi = 7; };
template <> struct QRange<uint4> { static constexpr int32_t lo = 0, hi = 15; };
template <> struct QRange<int2> { static constexpr int32_t lo = -2, hi = 1; };
template <> struct QRange<uint2> { static constexpr int32_t lo = 0, hi = 3; };

// A quantized element (or zero point) as a number: int4 sign-extended, float8 as its float.
template <typename T>
inline auto q_number(T v) {
  if constexpr (IsSmallInt<T>::value) return v.value();
  else if constexpr (IsSmallFloat<T>::value) return static_cast<float>(v);
  else return static_cast<int32_t>(v);
}
template <typename T>
inline auto q_zero_point(const T* zero_point, int32_t a) {
  return zero_point ? q_number(load(zero_point, a)) : decltype(q_number(T{}))(0);
}

// x * 2^-r rounded half to even, for 1 <= r <= 62.
inline int64_t shift_round_half_even(int64_t v, int32_t r) {
  const int64_t q = v >> r;  // floor
  const uint64_t rem = static_cast<uint64_t>(v) & ((uint64_t{1} << r) - 1);
  const uint64_t half = uint64_t{1} << (r - 1);
  return q + ((rem > half) | ((rem == half) & static_cast<uint64_t>(q & 1)));
}

// requantize()'s usual case: a multiplier below 1/4 (shift in -31..-2), 32-bit work. Spelled
// on r = 31 - shift as requantize() uses it (the form GCC compiles best there).
inline bool requant_usual(int32_t shift) {
  const int32_t r = 31 - shift;
  return r >= 33 && r <= 62;
}

// requantize() when requant_usual(shift): the multiplier below 1/4, 32-bit work.
inline int32_t requantize_usual(int32_t acc, int32_t mult, int32_t shift) {
  const int64_t v = static_cast<int64_t>(acc) * mult;
  const int32_t r = 31 - shift;
  // Half (2^(r-1), all in the high word) is added to the product and the high word shifted by t rounds half up; an exact tie (the r bits
  // below the result all zero after the add) is rounded to even by clearing the result's
  // last bit, since of q and q + 1 the even one is (q + 1) & ~1. No overflow: |v| < 2^62,
  // so the high word plus 2^(t-1) stays below 2^30 + 2^29.
  const int32_t t = r - 32;  // 1..30
  const auto hi = static_cast<int32_t>(v >> 32) + (1 << (t - 1));
  const auto lo = static_cast<uint32_t>(v);
  const int32_t q = hi >> t;
  const bool tie = ((static_cast<uint32_t>(hi) << (32 - t)) | lo) == 0;
  return tie ? q & ~1 : q;
}

// acc * mult * 2^(shift - 31), rounded half to even (saturated to int32).
inline int32_t requantize(int32_t acc, int32_t mult, int32_t shift) {
  const int32_t r = 31 - shift;
  if (requant_usual(shift)) return requantize_usual(acc, mult, shift);
  const int64_t v = static_cast<int64_t>(acc) * mult;
  if (r > 62) return 0;  // |M| < 2^-31 * 2^-31: nothing survives
  const int64_t o = shift_round_half_even(v, r);
  return o > 2147483647 ? 2147483647 : (o < -2147483647 - 1 ? -2147483647 - 1 : static_cast<int32_t>(o));
}

// The fixed-point pair of a float multiplier; exact, since a float has a 24-bit mantissa.
// Multipliers outside [2^-62, 2^30) (and NaN) give 0.
inline void quantize_multiplier(float m, int32_t* mult, int32_t* shift) {
  uint32_t bits;
  memcpy(&bits, &m, sizeof bits);
  const int32_t exp = static_cast<int32_t>((bits >> 23) & 0xff);
  *mult = 0;
  *shift = 0;
  if ((bits >> 31) || exp == 0 || exp == 0xff) return;  // negative, zero, subnormal, inf, NaN
  const int32_t e = exp - 126;  // m = 0.1mmm... * 2^e
  if (e > 30 || e < -31) return;
  *mult = static_cast<int32_t>(((bits & 0x7fffff) | 0x800000) << 7);
  *shift = e;
}

// ---- QuantizeLinear: y = saturate(round(x / scale) + zero_point), per tensor or per axis.

struct QuantParams {
  int32_t outer, axis, inner;  // x viewed as [outer, axis, inner]; axis == 1 for per-tensor
  O2M_FIELDS(outer, axis, inner)
};

// Integer targets round half to even and saturate; float8 and float4 targets round to nearest
// even and saturate (QuantizeLinear's default), with a zero point that is 0 in practice.
template <typename T, typename Z>
inline T quantize_value(float x, float scale, Z zp) {
  float v = x / scale;  // a division, as the ONNX reference and onnxruntime do
  if constexpr (IsSmallFloat<T>::value) {
    return T::from(static_cast<double>(v + zp), true);
  } else {
    const float lo = static_cast<float>(QRange<T>::lo - zp), hi = static_cast<float>(QRange<T>::hi - zp);
    v = clip_value(v, lo, hi);  // also bounds v for round_half_even
    if (v != v) v = 0.0f;       // NaN
    const int32_t q = static_cast<int32_t>(round_half_even(v)) + zp;
    if constexpr (IsSmallInt<T>::value) return T::wrap(q);
    else return static_cast<T>(q);
  }
}

#if defined(O2M_QUANT_MVE_FP)
// quantize_value for int8 / uint8 on Helium, four at a time: the divisions stay scalar (no
// vector divide; a reciprocal would not round the same), then VCVTN rounds half to even
// (NaN -> 0, +-inf and the huge saturated) and the clamp to [lo - zp, hi - zp] happens on
// the integer, the same as clamping the float first: the bounds are integers.
template <typename T>
inline void quantize_row_mve(const float* x, float s, int32_t zp, T* y, int32_t n) {
  const int32x4_t lo = vdupq_n_s32(QRange<T>::lo - zp), hi = vdupq_n_s32(QRange<T>::hi - zp);
  auto store = [&](int32_t i, float32x4_t v, mve_pred16_t pr) {
    const int32x4_t q = vaddq_n_s32(vminq_s32(vmaxq_s32(vcvtnq_s32_f32(v), lo), hi), zp);
    if constexpr (QRange<T>::lo == 0)
      vstrbq_p_u32(reinterpret_cast<uint8_t*>(y + i), vreinterpretq_u32_s32(q), pr);
    else
      vstrbq_p_s32(reinterpret_cast<int8_t*>(y + i), q, pr);
  };
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
    float32x4_t v;  // q0's lanes are s0..s3: divided in place (GCC moves each through a core register)
    __asm__("vldrw.u32 q0, [%[x]]\n vdiv.f32 s0, s0, %[s]\n vdiv.f32 s1, s1, %[s]\n"
            " vdiv.f32 s2, s2, %[s]\n vdiv.f32 s3, s3, %[s]\n vmov %q[v], q0"
            : [v] "=w"(v) : [x] "r"(x + i), [s] "t"(s), "m"(*(const float(*)[4])(x + i)) : "s0", "s1", "s2", "s3");
#else
    const float d[4] = {x[i] / s, x[i + 1] / s, x[i + 2] / s, x[i + 3] / s};
    const float32x4_t v = vld1q_f32(d);
#endif
    store(i, v, 0xffff);
  }
  if (i < n) {
    float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int32_t j = 0; i + j < n; ++j) v[j] = x[i + j] / s;
    store(i, vld1q_f32(v), vctp32q(static_cast<uint32_t>(n - i)));
  }
}
#endif

#if defined(O2M_QUANT_VFP)
// quantize_value for int8 / uint8 on a scalar FPU, one VDIV and one VCVTR an element:
// VCVTR rounds in FPSCR's mode, set to round to nearest even for the row (and restored),
// saturates to int32 and turns NaN into 0. The zero point's add saturates too (QADD), and the
// final SSAT / USAT is the clamp to [lo - zp, hi - zp] done on the integer, the same as
// clamping the float first: the bounds are integers.
template <typename T>
inline T quantize_vfp(float x, float s, int32_t zp) {
  float t;
  int32_t q;
  __asm__ volatile("vdiv.f32 %[t], %[x], %[s]\n vcvtr.s32.f32 %[t], %[t]\n vmov %[q], %[t]"
                   : [t] "=&t"(t), [q] "=r"(q) : [x] "t"(x), [s] "t"(s));
  q = __qadd(q, zp);
  if constexpr (QRange<T>::lo == 0) return static_cast<T>(__usat(q, 8));
  else return static_cast<T>(__ssat(q, 8));
}

// Out of line: quantize_linear calls it from two places, and one call costs a few instructions a row.
template <typename T>
__attribute__((noinline)) inline void quantize_row_vfp(const float* x, float s, int32_t zp, T* y, int32_t n) {
  uint32_t fpscr;
  __asm__ volatile("vmrs %0, fpscr" : "=r"(fpscr));
  __asm__ volatile("vmsr fpscr, %0" : : "r"(fpscr & ~(3u << 22)));  // RMode 0: round to nearest even
  const int32_t whole = n & ~3;  // four a pass: the loop's counting once for four elements
  for (int32_t i = 0; i < whole; i += 4) {
    y[i] = quantize_vfp<T>(x[i], s, zp);
    y[i + 1] = quantize_vfp<T>(x[i + 1], s, zp);
    y[i + 2] = quantize_vfp<T>(x[i + 2], s, zp);
    y[i + 3] = quantize_vfp<T>(x[i + 3], s, zp);
  }
  for (int32_t i = whole; i < n; ++i) y[i] = quantize_vfp<T>(x[i], s, zp);
  __asm__ volatile("vmsr fpscr, %0" : : "r"(fpscr));
}
#endif

#if defined(O2M_QUANT_MVE_FP) || defined(O2M_QUANT_VFP)
#define O2M_QUANT_ROW 1
// One per-tensor row of int8 / uint8: the target's variant of quantize_value.
template <typename T>
inline void quantize_row(const float* x, float s, int32_t zp, T* y, int32_t n) {
#if defined(O2M_QUANT_MVE_FP)
  quantize_row_mve<T>(x, s, zp, y, n);
#else
  quantize_row_vfp<T>(x, s, zp, y, n);
#endif
}
#endif

// kRef = true keeps the portable loop (the tests' oracle for the Helium and FPU variants).
template <typename T, bool kRef = false>
inline void quantize_linear(const QuantParams& p, const float* x, const float* scale, const T* zero_point, T* y) {
  clear_packed_tail(y, p.outer * p.axis * p.inner);
#if defined(O2M_QUANT_ROW)
  constexpr bool kRow = !kRef && sizeof(T) == 1 && !IsSmallInt<T>::value && !IsSmallFloat<T>::value;  // int8, uint8
  if constexpr (kRow) {
    if (p.axis == 1) {  // per tensor (lowered as outer = n, inner = 1): one row
      quantize_row<T>(x, scale[0], q_zero_point(zero_point, 0), y, p.outer * p.inner);
      return;
    }
  }
#endif
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t a = 0; a < p.axis; ++a) {
      const float s = scale[a];
      const auto z = q_zero_point(zero_point, a);
      const int32_t base = (o * p.axis + a) * p.inner;
#if defined(O2M_QUANT_ROW)
      if constexpr (kRow) {
        quantize_row<T>(x + base, s, z, y + base, p.inner);
        continue;
      }
#endif
      for (int32_t i = 0; i < p.inner; ++i) store(y, base + i, quantize_value<T>(x[base + i], s, z));
    }
}

// ---- DequantizeLinear: y = (x - zero_point) * scale, per tensor or per axis.

struct DequantParams {
  int32_t outer, axis, inner;  // x viewed as [outer, axis, inner]; axis == 1 for per-tensor
  O2M_FIELDS(outer, axis, inner)
};

template <typename T>
inline void dequantize_linear(const DequantParams& p, const T* x, const float* scale, const T* zero_point,
                              float* y) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t a = 0; a < p.axis; ++a) {
      const float s = scale[a];
      const auto z = q_zero_point(zero_point, a);
      const int32_t base = (o * p.axis + a) * p.inner;
      for (int32_t i = 0; i < p.inner; ++i) y[base + i] = static_cast<float>(q_number(load(x, base + i)) - z) * s;
    }
}

// ---- Blocked QuantizeLinear / DequantizeLinear (opset 21 block_size): scale and zero point
// have x's shape with the axis dim cut into blocks of `block` elements (the last may be short).

struct BlockedQuantParams {
  int32_t outer, axis, inner;  // x viewed as [outer, axis, inner]
  int32_t block;               // >= 1
  O2M_FIELDS(outer, axis, inner, block)
};

// Calls f(at, s) for every element of x: its index and the index of its scale and zero point.
template <typename F>
inline void for_each_blocked(const BlockedQuantParams& p, F f) {
  const int32_t blocks = (p.axis + p.block - 1) / p.block;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t a = 0; a < p.axis; ++a)
      for (int32_t i = 0; i < p.inner; ++i) f((o * p.axis + a) * p.inner + i, (o * blocks + a / p.block) * p.inner + i);
}

template <typename T>
inline void quantize_blocked(const BlockedQuantParams& p, const float* x, const float* scale, const T* zero_point, T* y) {
  clear_packed_tail(y, p.outer * p.axis * p.inner);
  for_each_blocked(p, [&](int32_t at, int32_t s) { store(y, at, quantize_value<T>(x[at], scale[s], q_zero_point(zero_point, s))); });
}

template <typename T>
inline void dequantize_blocked(const BlockedQuantParams& p, const T* x, const float* scale, const T* zero_point, float* y) {
  for_each_blocked(p, [&](int32_t at, int32_t s) {
    y[at] = static_cast<float>(q_number(load(x, at)) - q_zero_point(zero_point, s)) * scale[s];
  });
}

// ---- DynamicQuantizeLinear: uint8 with scale and zero point from the data's range (which
// always includes 0): scale = (max - min) / 255, zero_point = saturate(round(-min / scale)).

struct DynQuantParams {
  int32_t n;
  O2M_FIELDS(n)
};

inline void dynamic_quantize_linear(const DynQuantParams& p, const float* x, uint8_t* y, float* y_scale,
                                    uint8_t* y_zero_point) {
  float lo = 0.0f, hi = 0.0f;
  for (int32_t i = 0; i < p.n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  const float scale = (hi - lo) / 255.0f;
  int32_t zp = 0;
  if (scale != 0.0f) {
    float z = 0.0f - lo / scale;
    z = z > 255.0f ? 255.0f : (z >= 0.0f ? z : 0.0f);  // NaN (infinite data: inf / inf) -> 0, never cast
    zp = static_cast<int32_t>(round_half_even(z));
  }
  *y_scale = scale;
  *y_zero_point = static_cast<uint8_t>(zp);
  for (int32_t i = 0; i < p.n; ++i)
    y[i] = scale != 0.0f ? quantize_value<uint8_t>(x[i], scale, zp) : static_cast<uint8_t>(zp);
}

}}  // namespace o2m::O2M_KERNELS_VERSION
