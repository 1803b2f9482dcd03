// DeformConv (opset 19/22), 2-D: a grouped convolution whose every kernel tap samples the input
// at its regular position plus a learned offset (bilinear, zero outside the image) and is scaled
// by an optional mask. Direct loops, sums in double.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct DeformConvParams {
  int32_t batch, in_c, in_h, in_w;
  int32_t out_c, out_h, out_w;
  int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
  int32_t group, offset_group;
  O2M_FIELDS(batch, in_c, in_h, in_w, out_c, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w,
             group, offset_group)
};

// Bilinear sample of an h x w plane at (y, x); taps outside the plane count as 0.
template <typename T>
inline double deform_sample(const T* plane, int32_t h, int32_t w, double y, double x) {
  if (!(y > -1.0 && y < h && x > -1.0 && x < w)) return 0.0;  // also NaN
  const double fy = floor(y), fx = floor(x), ty = y - fy, tx = x - fx;
  const int32_t y0 = static_cast<int32_t>(fy), x0 = static_cast<int32_t>(fx);
  auto at = [&](int32_t yy, int32_t xx) {
    return yy >= 0 && yy < h && xx >= 0 && xx < w ? static_cast<double>(plane[yy * w + xx]) : 0.0;
  };
  return (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x0 + 1)) + ty * ((1 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
}

// x: [N, C, H, W]; w: [oC, C / group, kH, kW]; offset: [N, offset_group * kH * kW * 2, oH, oW] as
// (dy, dx) pairs; bias: [oC] or null; mask: [N, offset_group * kH * kW, oH, oW] or null.
template <typename T>
inline void deform_conv2d(const DeformConvParams& p, const T* x, const T* w, const T* offset, const T* bias, const T* mask,
                          T* y) {
  const int32_t ic_per_group = p.in_c / p.group, oc_per_group = p.out_c / p.group;
  const int32_t ic_per_offset = p.in_c / p.offset_group, taps = p.k_h * p.k_w;
  const int64_t out_plane = int64_t{p.out_h} * p.out_w, in_plane = int64_t{p.in_h} * p.in_w;
  for (int32_t n = 0; n < p.batch; ++n)
    for (int32_t oc = 0; oc < p.out_c; ++oc) {
      const int32_t g = oc / oc_per_group;
      for (int32_t oh = 0; oh < p.out_h; ++oh)
        for (int32_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t at = oh * p.out_w + ow;
          double acc = bias ? static_cast<double>(bias[oc]) : 0.0;
          for (int32_t ci = 0; ci < ic_per_group; ++ci) {
            const int32_t ic = g * ic_per_group + ci;
            const int32_t og = ic / ic_per_offset;
            const T* plane = x + (int64_t{n} * p.in_c + ic) * in_plane;
            const T* wk = w + (int64_t{oc} * ic_per_group + ci) * taps;
            for (int32_t k = 0; k < taps; ++k) {
              const int64_t tap = int64_t{n} * p.offset_group * taps + int64_t{og} * taps + k;
              const double dy = static_cast<double>(offset[(2 * tap) * out_plane + at]);
              const double dx = static_cast<double>(offset[(2 * tap + 1) * out_plane + at]);
              const double sy = oh * p.stride_h - p.pad_h + (k / p.k_w) * p.dil_h + dy;
              const double sx = ow * p.stride_w - p.pad_w + (k % p.k_w) * p.dil_w + dx;
              double v = deform_sample(plane, p.in_h, p.in_w, sy, sx) * static_cast<double>(wk[k]);
              if (mask) v *= static_cast<double>(mask[tap * out_plane + at]);
              acc += v;
            }
          }
          y[(int64_t{n} * p.out_c + oc) * out_plane + at] = static_cast<T>(acc);
        }
    }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
