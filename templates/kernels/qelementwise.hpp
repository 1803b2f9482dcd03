// Integer elementwise kernels: Add and Mul of two quantized tensors, and table lookup for any
// unary function of an 8-bit input (requantisation, Relu/Clip, LeakyRelu, Sigmoid, ...).
#pragma once
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

template <typename TA, typename TB, typename TY>
inline void qadd(const QAddParams& p, const TA* a, const TB* b, TY* y) {
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
