// Pointwise (1x1) conv [+ activation] then depthwise conv [+ activation] in one pass, row by
// row: the pointwise output (MobileNet's expanded tensor) is kept only for the k_h rows the
// depthwise window needs, in a ring in scratch, so the full tensor never exists in RAM. Every
// pointwise row is computed once, so the fused node does the same MACs as the two convs.
#pragma once
#include "activation.hpp"
#include "common.hpp"

namespace o2m {

constexpr int32_t kPwDwMaxRows = 16;  // the pass fuses depthwise kernels up to this height

struct PwDwParams {
  int32_t n, c_in, c_mid;   // pointwise: c_in -> c_mid channels, over h x w
  int32_t h, w;
  int32_t h_out, w_out;     // depthwise output (c_mid channels)
  int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
  ActParams pw_act, dw_act;
  O2M_FIELDS(n, c_in, c_mid, h, w, h_out, w_out, k_h, k_w, stride_h, stride_w, pad_top, pad_left, pw_act, dw_act)
};

// Pointwise output row r (all c_mid channels, w values each) into dst.
template <typename T>
inline void pw_dw_pointwise_row(const PwDwParams& p, const T* x, const T* wp, const T* bp, int32_t r, T* dst) {
  const int32_t hw = p.h * p.w;
  const T* xr = x + r * p.w;
  for (int32_t m = 0; m < p.c_mid; ++m) {
    T* d = dst + m * p.w;
    const T b = bp ? bp[m] : T(0);
    for (int32_t j = 0; j < p.w; ++j) d[j] = b;
    const T* wm = wp + m * p.c_in;
    // Four input channels a sweep: a quarter of the loads and stores of d[].
    int32_t c = 0;
    for (; c + 4 <= p.c_in; c += 4) {
      const T w0 = wm[c], w1 = wm[c + 1], w2 = wm[c + 2], w3 = wm[c + 3];
      const T* x0 = xr + c * hw;
      const T* x1 = x0 + hw;
      const T* x2 = x1 + hw;
      const T* x3 = x2 + hw;
      for (int32_t j = 0; j < p.w; ++j) d[j] += w0 * x0[j] + w1 * x1[j] + w2 * x2[j] + w3 * x3[j];
    }
    for (; c < p.c_in; ++c) {
      const T wc = wm[c];
      const T* xc = xr + c * hw;
      for (int32_t j = 0; j < p.w; ++j) d[j] += wc * xc[j];
    }
    for (int32_t j = 0; j < p.w; ++j) d[j] = activate(p.pw_act, d[j]);
  }
}

// x: [n, c_in, h, w]; wp: [c_mid, c_in]; bp: [c_mid] or null; wd: [c_mid, k_h, k_w];
// bd: [c_mid] or null; y: [n, c_mid, h_out, w_out]; scratch: k_h * c_mid * w values of T.
template <typename T>
inline void pw_dw(const PwDwParams& p, const T* x, const T* wp, const T* bp, const T* wd, const T* bd, T* y, void* scratch) {
  T* ring = static_cast<T*>(scratch);
  const int32_t slot_size = p.c_mid * p.w;
  for (int32_t b = 0; b < p.n; ++b) {
    const T* xb = x + b * p.c_in * p.h * p.w;
    T* yb = y + b * p.c_mid * p.h_out * p.w_out;
    int32_t held[kPwDwMaxRows];  // pointwise row in each ring slot, -1 when empty
    for (int32_t s = 0; s < p.k_h; ++s) held[s] = -1;
    for (int32_t oh = 0; oh < p.h_out; ++oh) {
      const int32_t r0 = oh * p.stride_h - p.pad_top;
      int32_t kh_lo = 0, kh_hi = p.k_h;
      while (kh_lo < kh_hi && r0 + kh_lo < 0) ++kh_lo;
      while (kh_hi > kh_lo && r0 + kh_hi - 1 >= p.h) --kh_hi;
      // Consecutive rows land in distinct slots (row mod k_h), and rows only move forward.
      for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
        const int32_t r = r0 + kh, s = r % p.k_h;
        if (held[s] != r) {
          pw_dw_pointwise_row(p, xb, wp, bp, r, ring + s * slot_size);
          held[s] = r;
        }
      }
      for (int32_t m = 0; m < p.c_mid; ++m) {
        const T bias = bd ? bd[m] : T(0);
        const T* wm = wd + m * p.k_h * p.k_w;
        T* yr = yb + (m * p.h_out + oh) * p.w_out;
        for (int32_t ow = 0; ow < p.w_out; ++ow) {
          const int32_t c0 = ow * p.stride_w - p.pad_left;
          int32_t kw_lo = 0, kw_hi = p.k_w;
          while (kw_lo < kw_hi && c0 + kw_lo < 0) ++kw_lo;
          while (kw_hi > kw_lo && c0 + kw_hi - 1 >= p.w) --kw_hi;
          T acc = bias;
          for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
            const T* row = ring + ((r0 + kh) % p.k_h) * slot_size + m * p.w + c0;
            const T* wr = wm + kh * p.k_w;
            for (int32_t kw = kw_lo; kw < kw_hi; ++kw) acc += row[kw] * wr[kw];
          }
          yr[ow] = activate(p.dw_act, acc);
        }
      }
    }
  }
}

}  // namespace o2m
