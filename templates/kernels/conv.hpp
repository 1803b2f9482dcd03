// 2-D convolution, NCHW, grouped (depthwise when group == c_in). 1-D convs run with h = 1.
#pragma once
#include "common.hpp"

namespace o2m {

struct ConvParams {
  int32_t n, c_in, h_in, w_in;
  int32_t c_out, h_out, w_out;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left;
  int32_t group;
  O2M_FIELDS(n, c_in, h_in, w_in, c_out, h_out, w_out, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top,
             pad_left, group)
};

// w: [c_out, c_in/group, k_h, k_w]; bias: [c_out] or nullptr.
template <typename T>
inline void conv2d(const ConvParams& p, const T* x, const T* w, const T* bias, T* y) {
  const int32_t cin_g = p.c_in / p.group, cout_g = p.c_out / p.group;
  for (int32_t b = 0; b < p.n; ++b) {
    for (int32_t oc = 0; oc < p.c_out; ++oc) {
      const int32_t g = oc / cout_g;
      const T* wk = w + static_cast<int32_t>(oc * cin_g * p.k_h * p.k_w);
      const T* xb = x + (b * p.c_in + g * cin_g) * p.h_in * p.w_in;
      T* yo = y + (b * p.c_out + oc) * p.h_out * p.w_out;
      const T b0 = bias ? bias[oc] : T(0);
      for (int32_t oh = 0; oh < p.h_out; ++oh) {
        const int32_t ih0 = oh * p.stride_h - p.pad_top;
        // Kernel rows that land inside the input: no bounds test in the inner loops.
        int32_t kh_lo = 0, kh_hi = p.k_h;
        while (kh_lo < kh_hi && ih0 + kh_lo * p.dil_h < 0) ++kh_lo;
        while (kh_hi > kh_lo && ih0 + (kh_hi - 1) * p.dil_h >= p.h_in) --kh_hi;
        for (int32_t ow = 0; ow < p.w_out; ++ow) {
          const int32_t iw0 = ow * p.stride_w - p.pad_left;
          int32_t kw_lo = 0, kw_hi = p.k_w;
          while (kw_lo < kw_hi && iw0 + kw_lo * p.dil_w < 0) ++kw_lo;
          while (kw_hi > kw_lo && iw0 + (kw_hi - 1) * p.dil_w >= p.w_in) --kw_hi;
          T acc = b0;
          for (int32_t ic = 0; ic < cin_g; ++ic) {
            const T* xc = xb + ic * p.h_in * p.w_in;
            const T* wc = wk + ic * p.k_h * p.k_w;
            for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
              const T* xr = xc + (ih0 + kh * p.dil_h) * p.w_in + iw0;
              const T* wr = wc + kh * p.k_w;
              for (int32_t kw = kw_lo; kw < kw_hi; ++kw) acc += xr[kw * p.dil_w] * wr[kw];
            }
          }
          yo[oh * p.w_out + ow] = acc;
        }
      }
    }
  }
}

}  // namespace o2m
