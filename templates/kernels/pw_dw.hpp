// Pointwise (1x1) conv [+ activation] then depthwise conv [+ activation] in one pass, row by
// row: the pointwise output (MobileNet's expanded tensor) is kept only for the k_h rows the
// depthwise window needs, in a ring in scratch, so the full tensor never exists in RAM. Every
// pointwise row is computed once, so the fused node does the same MACs as the two convs.
#pragma once
#include "activation.hpp"
#include "common.hpp"
#include "conv_fast.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

constexpr int32_t kPwDwMaxRows = 16;  // the pass fuses depthwise kernels up to this height

struct PwDwParams {
  int32_t n, c_in, c_mid;   // pointwise: c_in -> c_mid channels, over h x w
  int32_t h, w;
  int32_t h_out, w_out;     // depthwise output (c_mid channels)
  int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
  ActParams pw_act, dw_act;
  O2M_FIELDS(n, c_in, c_mid, h, w, h_out, w_out, k_h, k_w, stride_h, stride_w, pad_top, pad_left, pw_act, dw_act)
};

// Pointwise output row r (all c_mid channels, w values each) into dst: the fast conv's row
// code (conv_fast.hpp) as a 1x1 conv, channel m's row at dst + m * w.
template <typename T>
inline void pw_dw_pointwise_row(const PwDwParams& p, const T* x, const T* wp, const T* bp, int32_t r, T* dst) {
  const BandConvParams c{1, p.c_in, p.h, p.w, p.c_mid, p.h, p.w, 1, 1, 1, 1, 1, 1, 0, 0, 1};
  conv2d_fast_row<T, 1, 1>(c, x, wp, bp, r, dst, p.w, p.pw_act);
}

// x: [n, c_in, h, w]; wp: [c_mid, c_in] packed (pack_conv_weights); bp: [c_mid] or null; wd: [c_mid, k_h, k_w];
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
      // The depthwise rows this output row reads, and the output columns whose window lies
      // inside the row (no bounds tests there).
      const T* rows[kPwDwMaxRows];
      int32_t nk = 0;
      for (int32_t kh = kh_lo; kh < kh_hi; ++kh) rows[nk++] = ring + ((r0 + kh) % p.k_h) * slot_size;
      int32_t ow_lo = 0, ow_hi = p.w_out;
      while (ow_lo < ow_hi && ow_lo * p.stride_w - p.pad_left < 0) ++ow_lo;
      while (ow_hi > ow_lo && (ow_hi - 1) * p.stride_w - p.pad_left + p.k_w > p.w) --ow_hi;
      for (int32_t m = 0; m < p.c_mid; ++m) {
        const T bias = bd ? bd[m] : T(0);
        const T* wm = wd + (m * p.k_h + kh_lo) * p.k_w;
        T* yr = yb + (m * p.h_out + oh) * p.w_out;
        const int32_t mo = m * p.w;
        if (nk == 3 && p.k_w == 3 && p.stride_w <= 2) {  // MobileNet's 3x3 with all three rows: conv_fast's row code
          const int32_t c0 = ow_lo * p.stride_w - p.pad_left;
          if (ow_hi > ow_lo && p.stride_w == 1)
            conv_detail::dw3_rows<1>(rows[0] + mo + c0, rows[1] + mo + c0, rows[2] + mo + c0, 0, 1, wm, bias, false,
                                     yr + ow_lo, ow_hi - ow_lo);
          else if (ow_hi > ow_lo)
            conv_detail::dw3_rows<2>(rows[0] + mo + c0, rows[1] + mo + c0, rows[2] + mo + c0, 0, 1, wm, bias, false,
                                     yr + ow_lo, ow_hi - ow_lo);
        } else {
          for (int32_t ow = ow_lo; ow < ow_hi; ++ow) {
            const int32_t c0 = ow * p.stride_w - p.pad_left;
            T acc = bias;
            for (int32_t k = 0; k < nk; ++k) {
              const T* row = rows[k] + mo + c0;
              const T* wr = wm + k * p.k_w;
              for (int32_t kw = 0; kw < p.k_w; ++kw) acc += row[kw] * wr[kw];
            }
            yr[ow] = acc;
          }
        }
        // Border columns: only the taps inside the row.
        for (int32_t ow = 0; ow < p.w_out; ++ow) {
          if (ow == ow_lo && ow_hi > ow_lo) ow = ow_hi;
          if (ow >= p.w_out) break;
          const int32_t c0 = ow * p.stride_w - p.pad_left;
          int32_t kw_lo = 0, kw_hi = p.k_w;
          while (kw_lo < kw_hi && c0 + kw_lo < 0) ++kw_lo;
          while (kw_hi > kw_lo && c0 + kw_hi - 1 >= p.w) --kw_hi;
          T acc = bias;
          for (int32_t k = 0; k < nk; ++k) {
            const T* row = rows[k] + mo + c0;
            const T* wr = wm + k * p.k_w;
            for (int32_t kw = kw_lo; kw < kw_hi; ++kw) acc += row[kw] * wr[kw];
          }
          yr[ow] = acc;
        }
        if (p.dw_act.kind != kActNone)
          for (int32_t ow = 0; ow < p.w_out; ++ow) yr[ow] = activate_epilogue(p.dw_act, yr[ow]);
      }
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
