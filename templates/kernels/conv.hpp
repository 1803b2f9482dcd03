// Convolution over 1 to 3 spatial dims, NC[D]HW, grouped (depthwise when group == c_in), and its
// transpose. Spatial arrays are [d, h, w]; a 2-D conv runs with d = 1, a 1-D conv with d = h = 1.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct ConvParams {
  int32_t n, c_in, c_out, group;
  int32_t in[kMaxSpatial], out[kMaxSpatial];
  int32_t k[kMaxSpatial], stride[kMaxSpatial], dil[kMaxSpatial];
  int32_t pad[kMaxSpatial];  // padding before each spatial dim (the end padding only sets out[])
  O2M_FIELDS(n, c_in, c_out, group, in, out, k, stride, dil, pad)
};

// Kernel taps [lo, hi) of one dim whose input index o * stride - pad + t * dil is inside [0, in).
inline void conv_tap_range(int32_t start, int32_t k, int32_t dil, int32_t in, int32_t& lo, int32_t& hi) {
  lo = 0;
  hi = k;
  while (lo < hi && start + lo * dil < 0) ++lo;
  while (hi > lo && start + (hi - 1) * dil >= in) --hi;
}

// w: [c_out, c_in/group, k_d, k_h, k_w]; bias: [c_out] or nullptr.
template <typename T>
inline void conv(const ConvParams& p, const T* x, const T* w, const T* bias, T* y) {
  const int32_t cin_g = p.c_in / p.group, cout_g = p.c_out / p.group;
  const int32_t in_hw = p.in[1] * p.in[2], in_sp = p.in[0] * in_hw;
  const int32_t k_hw = p.k[1] * p.k[2], k_sp = p.k[0] * k_hw;
  const int32_t out_sp = p.out[0] * p.out[1] * p.out[2];
  for (int32_t b = 0; b < p.n; ++b) {
    for (int32_t oc = 0; oc < p.c_out; ++oc) {
      const int32_t g = oc / cout_g;
      const T* wk = w + oc * cin_g * k_sp;
      const T* xb = x + (b * p.c_in + g * cin_g) * in_sp;
      T* yo = y + (b * p.c_out + oc) * out_sp;
      const T b0 = bias ? bias[oc] : T(0);
      for (int32_t od = 0; od < p.out[0]; ++od) {
        const int32_t id0 = od * p.stride[0] - p.pad[0];
        int32_t kd_lo, kd_hi;
        conv_tap_range(id0, p.k[0], p.dil[0], p.in[0], kd_lo, kd_hi);
        for (int32_t oh = 0; oh < p.out[1]; ++oh) {
          const int32_t ih0 = oh * p.stride[1] - p.pad[1];
          // Kernel taps that land inside the input: no bounds test in the inner loops.
          int32_t kh_lo, kh_hi;
          conv_tap_range(ih0, p.k[1], p.dil[1], p.in[1], kh_lo, kh_hi);
          for (int32_t ow = 0; ow < p.out[2]; ++ow) {
            const int32_t iw0 = ow * p.stride[2] - p.pad[2];
            int32_t kw_lo, kw_hi;
            conv_tap_range(iw0, p.k[2], p.dil[2], p.in[2], kw_lo, kw_hi);
            T acc = b0;
            for (int32_t ic = 0; ic < cin_g; ++ic) {
              for (int32_t kd = kd_lo; kd < kd_hi; ++kd) {
                const T* xd = xb + ic * in_sp + (id0 + kd * p.dil[0]) * in_hw;
                const T* wd = wk + ic * k_sp + kd * k_hw;
                for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
                  const T* xr = xd + (ih0 + kh * p.dil[1]) * p.in[2] + iw0;
                  const T* wr = wd + kh * p.k[2];
                  for (int32_t kw = kw_lo; kw < kw_hi; ++kw) acc += xr[kw * p.dil[2]] * wr[kw];
                }
              }
            }
            yo[(od * p.out[1] + oh) * p.out[2] + ow] = acc;
          }
        }
      }
    }
  }
}

// ConvTranspose: every input element scatters x * w into the output window it maps to.
// Same fields as ConvParams, read from the transposed point of view: c_in/in[] are the
// input's, out[] the output's, pad[] the begin padding cut from the full output.
// w: [c_in, c_out/group, k_d, k_h, k_w]; bias: [c_out] or nullptr.
template <typename T>
inline void conv_transpose(const ConvParams& p, const T* x, const T* w, const T* bias, T* y) {
  const int32_t cin_g = p.c_in / p.group, cout_g = p.c_out / p.group;
  const int32_t in_sp = p.in[0] * p.in[1] * p.in[2];
  const int32_t k_hw = p.k[1] * p.k[2], k_sp = p.k[0] * k_hw;
  const int32_t out_hw = p.out[1] * p.out[2], out_sp = p.out[0] * out_hw;
  for (int32_t b = 0; b < p.n; ++b) {
    for (int32_t oc = 0; oc < p.c_out; ++oc) {
      T* yo = y + (b * p.c_out + oc) * out_sp;
      const T b0 = bias ? bias[oc] : T(0);
      for (int32_t i = 0; i < out_sp; ++i) yo[i] = b0;
    }
    for (int32_t ic = 0; ic < p.c_in; ++ic) {
      const int32_t g = ic / cin_g;
      const T* xc = x + (b * p.c_in + ic) * in_sp;
      for (int32_t ocg = 0; ocg < cout_g; ++ocg) {
        const T* wk = w + (ic * cout_g + ocg) * k_sp;
        T* yo = y + (b * p.c_out + g * cout_g + ocg) * out_sp;
        for (int32_t id = 0; id < p.in[0]; ++id) {
          const int32_t od0 = id * p.stride[0] - p.pad[0];
          int32_t kd_lo, kd_hi;
          conv_tap_range(od0, p.k[0], p.dil[0], p.out[0], kd_lo, kd_hi);
          for (int32_t ih = 0; ih < p.in[1]; ++ih) {
            const int32_t oh0 = ih * p.stride[1] - p.pad[1];
            int32_t kh_lo, kh_hi;
            conv_tap_range(oh0, p.k[1], p.dil[1], p.out[1], kh_lo, kh_hi);
            for (int32_t iw = 0; iw < p.in[2]; ++iw) {
              const int32_t ow0 = iw * p.stride[2] - p.pad[2];
              int32_t kw_lo, kw_hi;
              conv_tap_range(ow0, p.k[2], p.dil[2], p.out[2], kw_lo, kw_hi);
              const T v = xc[(id * p.in[1] + ih) * p.in[2] + iw];
              for (int32_t kd = kd_lo; kd < kd_hi; ++kd) {
                for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
                  T* yr = yo + (od0 + kd * p.dil[0]) * out_hw + (oh0 + kh * p.dil[1]) * p.out[2] + ow0;
                  const T* wr = wk + kd * k_hw + kh * p.k[2];
                  for (int32_t kw = kw_lo; kw < kw_hi; ++kw) yr[kw * p.dil[2]] += v * wr[kw];
                }
              }
            }
          }
        }
      }
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
