// Integer elementwise kernels: Add and Mul of two quantized tensors, and table lookup for any
// unary function of an 8-bit input (requantisation, Relu/Clip, LeakyRelu, Sigmoid, ...).
#pragma once
#include "qconv_dsp.hpp"  // qclamp_dsp
#include "qdot.hpp"  // qout
#include "quant.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// y = clamp(round((a - a_zp) * a_mult * 2^-shift + (b - b_zp) * b_mult * 2^-shift) + y_zp):
// both rescale factors (a_scale / y_scale, b_scale / y_scale) share one shift, so the sum is
// rounded once, exactly.
struct QAddParams {
  int32_t n;
  int32_t b_scalar;  // b has one element (else as many as a)
  int32_t a_zp, b_zp, y_zp;
  int32_t a_mult, b_mult, shift;  // shift in [1, 62]
  int32_t act_min, act_max;
  O2M_FIELDS(n, b_scalar, a_zp, b_zp, y_zp, a_mult, b_mult, shift, act_min, act_max)
};

#if defined(O2M_QDOT_DSP)
// qadd on the DSP extension for a shift in [10, 31] (lower-qdq's usual 30): the sum
// k + a * a_mult + b * b_mult (two SMLAL, k holding the zero points' terms) rounded as
// shift_round_half_even does, half added and a tie (the dropped bits all zero) cleared to
// even, in 32-bit steps: |sum| < 2^41, so the result fits a word. kBScalar: b is one element,
// in k; kFull: the output clamp is TY's range.
template <typename TA, typename TB, typename TY, bool kBScalar, bool kFull>
inline void qadd_dsp(const QAddParams& p, const TA* a, const TB* b, TY* y) {
  const int32_t r = p.shift, am = p.a_mult, bm = p.b_mult, y_zp = p.y_zp, lo = p.act_min, hi = p.act_max;
  const int64_t k = -static_cast<int64_t>(p.a_zp) * am +
                    (kBScalar ? (static_cast<int64_t>(b[0]) - p.b_zp) * bm : -static_cast<int64_t>(p.b_zp) * bm) +
                    (int64_t{1} << (r - 1));
  for (int32_t i = 0; i < p.n; ++i) {
    int64_t w = k + static_cast<int64_t>(a[i]) * am;
    if constexpr (!kBScalar) w += static_cast<int64_t>(b[i]) * bm;
    const auto wl = static_cast<uint32_t>(w), wh = static_cast<uint32_t>(static_cast<uint64_t>(w) >> 32);
    auto q = static_cast<int32_t>((wl >> r) | (wh << (32 - r)));
    if ((wl << (32 - r)) == 0) q &= ~1;
    y[i] = qclamp_dsp<TY, kFull>(q, y_zp, lo, hi);
  }
}

// qadd_dsp's sum for a shift in [16, 31] in 32-bit words, two SMLADs an element (as qadd_mve
// does four lanes): x = (a, b) in halfwords, each multiplier m = mh * 2^16 + ml with ml, mh
// int16 (else qadd_dsp: m within 2^15 of 2^31 makes mh 2^15), so the sum is H * 2^16 + L with
// H = x . (a_mh, b_mh) + kh and L = x . (a_ml, b_ml) + kl, |H| < 2^26, |L| < 2^25. L's high
// half moved into H, the result is H >> (shift - 16), and the dropped bits are the low `shift`
// bits of (H << 16) | (L & 0xffff): all zero is a tie, cleared to even.
struct QAddSplit {
  uint32_t mh, ml;  // (a's, b's) halves of the multipliers, packed as SMLAD reads them
  int32_t kh, kl;
};
inline bool qadd_split(const QAddParams& p, QAddSplit& s) {
  const int32_t r = p.shift;
  if (r < 16 || r > 31 || p.b_scalar) return false;
  const int32_t al = static_cast<int16_t>(p.a_mult & 0xffff), bl = static_cast<int16_t>(p.b_mult & 0xffff);
  const int64_t ah = (static_cast<int64_t>(p.a_mult) - al) >> 16, bh = (static_cast<int64_t>(p.b_mult) - bl) >> 16;
  if (ah < -32768 || ah > 32767 || bh < -32768 || bh > 32767) return false;
  const int64_t k = -static_cast<int64_t>(p.a_zp) * p.a_mult - static_cast<int64_t>(p.b_zp) * p.b_mult + (int64_t{1} << (r - 1));
  auto pack = [](int64_t lo, int64_t hi) { return static_cast<uint32_t>(lo & 0xffff) | (static_cast<uint32_t>(hi & 0xffff) << 16); };
  s.mh = pack(ah, bh);
  s.ml = pack(al, bl);
  s.kh = static_cast<int32_t>(k >> 16);
  s.kl = static_cast<int32_t>(k & 0xffff);
  return true;
}

// (h << 16) | (l & 0xffff): one PKHBT (GCC spells it UXTH and ORR).
inline uint32_t qadd_low_bits(int32_t h, int32_t l) {
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
  uint32_t w;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(w) : "r"(l), "r"(h));
  return w;
#else
  return (static_cast<uint32_t>(h) << 16) | (static_cast<uint32_t>(l) & 0xffff);
#endif
}

template <typename TA, typename TB, typename TY, bool kFull>
inline void qadd_dsp_split(const QAddParams& p, const QAddSplit& s, const TA* a, const TB* b, TY* y) {
  const int32_t n = p.n, down = p.shift - 16, up = 32 - p.shift, y_zp = p.y_zp, lo = p.act_min, hi = p.act_max;
  auto one = [&](int32_t i) {
    const auto x = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(a[i])) | (static_cast<uint32_t>(b[i]) << 16));
    const int32_t l = __smlad(x, static_cast<int32_t>(s.ml), s.kl);
    const int32_t h = __smlad(x, static_cast<int32_t>(s.mh), s.kh) + (l >> 16);
    int32_t q = h >> down;
    if ((qadd_low_bits(h, l) << up) == 0) q &= ~1;
    y[i] = qclamp_dsp<TY, kFull>(q, y_zp, lo, hi);
  };
  const int32_t pairs = n & ~1;  // two a pass: the loop's counting once for two elements
  for (int32_t i = 0; i < pairs; i += 2) {
    one(i);
    one(i + 1);
  }
  if (pairs < n) one(pairs);
}
#endif

#if defined(O2M_QDOT_MVE)
// 8-bit lanes widened to 32 on load and narrowed back on store: whole blocks unpredicated,
// the tail predicated (QAll, qv_blocks' convention).
inline int32x4_t qv_widen(const int8_t* p, QAll) { return vldrbq_s32(p); }
inline int32x4_t qv_widen(const int8_t* p, mve_pred16_t pr) { return vldrbq_z_s32(p, pr); }
inline int32x4_t qv_widen(const uint8_t* p, QAll) { return vreinterpretq_s32_u32(vldrbq_u32(p)); }
inline int32x4_t qv_widen(const uint8_t* p, mve_pred16_t pr) { return vreinterpretq_s32_u32(vldrbq_z_u32(p, pr)); }
inline void qv_narrow(int8_t* p, int32x4_t v, QAll) { vstrbq_s32(p, v); }
inline void qv_narrow(int8_t* p, int32x4_t v, mve_pred16_t pr) { vstrbq_p_s32(p, v, pr); }
inline void qv_narrow(uint8_t* p, int32x4_t v, QAll) { vstrbq_u32(p, vreinterpretq_u32_s32(v)); }
inline void qv_narrow(uint8_t* p, int32x4_t v, mve_pred16_t pr) { vstrbq_p_u32(p, vreinterpretq_u32_s32(v), pr); }

// qadd on Helium for 8-bit data and a shift in [16, 31], four elements per step in 32-bit lanes:
// each multiplier split as m = mh * 2^16 + ml (ml in [0, 2^16)) makes the 64-bit sum of
// qadd_dsp (|sum| < 2^41, half added in k) H * 2^16 + L with |H|, |L| < 2^26, L's carry moved
// into H. Then the result is H >> (shift - 16), and the dropped bits are the low `shift` bits
// of the word (H << 16) | (L & 0xffff): all zero is a tie, cleared to even as qadd_dsp does.
template <typename TA, typename TB, typename TY, bool kBScalar>
inline void qadd_mve(const QAddParams& p, const TA* a, const TB* b, TY* y) {
  const int32_t n = p.n, r = p.shift, am = p.a_mult, bm = p.b_mult, y_zp = p.y_zp;
  const int64_t k = -static_cast<int64_t>(p.a_zp) * am +
                    (kBScalar ? (static_cast<int64_t>(b[0]) - p.b_zp) * bm : -static_cast<int64_t>(p.b_zp) * bm) +
                    (int64_t{1} << (r - 1));
  const int32_t kh = static_cast<int32_t>(k >> 16), kl = static_cast<int32_t>(k & 0xffff);
  const int32_t ah = am >> 16, al = am & 0xffff, bh = bm >> 16, bl = bm & 0xffff;
  const int32x4_t lo = vdupq_n_s32(p.act_min), hi = vdupq_n_s32(p.act_max);
  auto step = [&](int32_t i, auto pr) {
    const int32x4_t va = qv_widen(a + i, pr);
    int32x4_t h = vmulq_n_s32(va, ah), l = vmulq_n_s32(va, al);
    if constexpr (!kBScalar) {
      const int32x4_t vb = qv_widen(b + i, pr);
      h = vmlaq_n_s32(h, vb, bh);
      l = vmlaq_n_s32(l, vb, bl);
    }
    l = vaddq_n_s32(l, kl);
    h = vaddq_s32(vaddq_n_s32(h, kh), vshrq_n_s32(l, 16));
    const int32x4_t dropped = vshlq_r_s32(vsliq_n_s32(l, h, 16), 32 - r);
    int32x4_t q = vshlq_r_s32(h, 16 - r);  // arithmetic shift right by r - 16
    q = vpselq_s32(q, vbicq_n_s32(q, 1), vcmpneq_s32(dropped, vdupq_n_s32(0)));  // (GCC 12 ICEs on vcmpneq_n with 0)
    qv_narrow(y + i, vminq_s32(vmaxq_s32(vaddq_n_s32(q, y_zp), lo), hi), pr);
  };
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) step(i, QAll{});
  if (i < n) step(i, vctp32q(static_cast<uint32_t>(n - i)));
}
#endif

// kRef = true keeps the portable loop (the tests' oracle for the DSP variant).
template <typename TA, typename TB, typename TY, bool kRef = false>
inline void qadd(const QAddParams& p, const TA* a, const TB* b, TY* y) {
#if defined(O2M_QDOT_MVE)
  if (!kRef && sizeof(TA) == 1 && sizeof(TB) == 1 && sizeof(TY) == 1 && p.shift >= 16 && p.shift <= 31) {
    p.b_scalar ? qadd_mve<TA, TB, TY, true>(p, a, b, y) : qadd_mve<TA, TB, TY, false>(p, a, b, y);
    return;
  }
#elif defined(O2M_QDOT_DSP)
  if (!kRef && sizeof(TA) == 1 && sizeof(TB) == 1 && p.shift >= 10 && p.shift <= 31) {  // 8-bit: |sum| < 2^41
    const bool full = p.act_min == QRange<TY>::lo && p.act_max == QRange<TY>::hi;
    QAddSplit s;
    if (qadd_split(p, s))
      full ? qadd_dsp_split<TA, TB, TY, true>(p, s, a, b, y) : qadd_dsp_split<TA, TB, TY, false>(p, s, a, b, y);
    else if (p.b_scalar)
      full ? qadd_dsp<TA, TB, TY, true, true>(p, a, b, y) : qadd_dsp<TA, TB, TY, true, false>(p, a, b, y);
    else
      full ? qadd_dsp<TA, TB, TY, false, true>(p, a, b, y) : qadd_dsp<TA, TB, TY, false, false>(p, a, b, y);
    return;
  }
#endif
  for (int32_t i = 0; i < p.n; ++i) {
    const int64_t va = static_cast<int64_t>(static_cast<int32_t>(a[i]) - p.a_zp) * p.a_mult;
    const int64_t vb = static_cast<int64_t>(static_cast<int32_t>(b[p.b_scalar ? 0 : i]) - p.b_zp) * p.b_mult;
    const int64_t v = shift_round_half_even(va + vb, p.shift);
    const int64_t lo = p.act_min - p.y_zp, hi = p.act_max - p.y_zp;
    y[i] = static_cast<TY>(clip_value(v, lo, hi) + p.y_zp);
  }
}

// y = clamp(requantize((a - a_zp) * (b - b_zp)) + y_zp), multiplier a_scale * b_scale / y_scale.
struct QMulParams {
  int32_t n;
  int32_t b_scalar;
  int32_t a_zp, b_zp, y_zp;
  int32_t mult, shift;
  int32_t act_min, act_max;
  O2M_FIELDS(n, b_scalar, a_zp, b_zp, y_zp, mult, shift, act_min, act_max)
};

template <typename TA, typename TB, typename TY>
inline void qmul(const QMulParams& p, const TA* a, const TB* b, TY* y) {
  for (int32_t i = 0; i < p.n; ++i) {
    const int32_t prod = (static_cast<int32_t>(a[i]) - p.a_zp) * (static_cast<int32_t>(b[p.b_scalar ? 0 : i]) - p.b_zp);
    y[i] = qout<TY>(prod, p.mult, p.shift, p.y_zp, p.act_min, p.act_max);
  }
}

// y = table[x - lowest(TX)]: 256 entries computed at compile time with the reference's own
// float formula, so the result is the reference's, bit for bit.
struct QLutParams {
  int32_t n;
  O2M_FIELDS(n)
};

template <typename TX, typename TY>
inline void qlut(const QLutParams& p, const TX* x, const TY* table, TY* y) {
  for (int32_t i = 0; i < p.n; ++i) y[i] = table[static_cast<int32_t>(x[i]) - QRange<TX>::lo];
}

}}  // namespace o2m::O2M_KERNELS_VERSION
