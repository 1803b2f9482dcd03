// Resize (and Upsample): nearest, linear and cubic interpolation along any of up to kMaxRank
// dims, with ONNX's coordinate transformation modes and antialias. Interpolation is separable:
// each output element is a weighted sum over the product of per-dim taps. The taps of every
// output coordinate are worked out once per call into scratch memory (resize_scratch_bytes), in
// double precision as the ONNX reference does, so rounding at .5 boundaries agrees with it.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

enum ResizeMode { kResizeNearest, kResizeLinear, kResizeCubic };
enum ResizeCoord {
  kCoordHalfPixel,
  kCoordPytorchHalfPixel,
  kCoordAlignCorners,
  kCoordAsymmetric,
  kCoordTfHalfPixelForNn,
  kCoordTfCropAndResize,
  kCoordHalfPixelSymmetric  // opset 19: half_pixel, centred when the output size was rounded down
};
enum ResizeNearest {
  kNearestRoundPreferFloor,
  kNearestRoundPreferCeil,
  kNearestFloor,
  kNearestCeil,
  kNearestSimple  // Upsample and Resize-10: floor when upsampling a dim, ceil when downsampling it
};

struct ResizeParams {
  int32_t rank;
  int32_t in[kMaxRank], out[kMaxRank];
  float scale[kMaxRank];  // the scales input; 0 where the size came from the sizes input (out / in)
  float roi_start[kMaxRank], roi_end[kMaxRank];  // tf_crop_and_resize only, normalised coordinates
  int32_t mode, coord, nearest;
  float cubic_a;
  int32_t exclude_outside;
  float extrapolation;  // tf_crop_and_resize: value of outputs that map outside the input
  int32_t antialias;    // linear and cubic: stretch the filter by 1 / scale where a dim shrinks
  O2M_FIELDS(rank, in, out, scale, roi_start, roi_end, mode, coord, nearest, cubic_a, exclude_outside, extrapolation, antialias)
};

constexpr int32_t kResizeTaps = 4;  // the most taps one dim needs without antialias (cubic)

inline double resize_scale(const ResizeParams& p, int32_t d) {
  return p.scale[d] != 0.0f ? static_cast<double>(p.scale[d]) : static_cast<double>(p.out[d]) / p.in[d];
}

// Antialias when downsampling: the filter (support 1 linear, 2 cubic) is stretched by 1 / scale.
inline bool resize_stretched(const ResizeParams& p, int32_t d) {
  return p.antialias && p.mode != kResizeNearest && resize_scale(p, d) < 1.0;
}

// Taps per output coordinate of dim d: 2 (nearest, linear), 4 (cubic), or twice the stretched
// support, rounded up (the shape of ONNX's reference; the outermost tap may weigh 0).
inline int32_t resize_taps(const ResizeParams& p, int32_t d) {
  const int32_t n = p.mode == kResizeCubic ? 4 : 2;
  return resize_stretched(p, d) ? 2 * static_cast<int32_t>(ceil((n / 2) / resize_scale(p, d))) : n;
}

// Per output coordinate of every dim: its taps' int32 indices and float weights.
inline int32_t resize_scratch_bytes(const ResizeParams& p) {
  int32_t entries = 0;
  for (int32_t d = 0; d < p.rank; ++d) entries += p.out[d] * resize_taps(p, d);
  return entries * 8;
}

// Input coordinate of output coordinate x along one dim; false when tf_crop_and_resize maps it
// outside the input (the output is then the extrapolation value).
inline bool resize_source(const ResizeParams& p, int32_t d, int32_t x, double& src) {
  const double in = p.in[d];
  const double scale = resize_scale(p, d);
  const double out_len = scale * in;  // as the reference computes it, before rounding down
  switch (p.coord) {
    case kCoordAlignCorners: src = out_len == 1 ? 0.0 : x * (in - 1) / (out_len - 1); break;
    case kCoordAsymmetric: src = x / scale; break;
    case kCoordTfHalfPixelForNn: src = (x + 0.5) / scale; break;
    case kCoordPytorchHalfPixel: src = out_len == 1 ? -0.5 : (x + 0.5) / scale - 0.5; break;
    case kCoordTfCropAndResize: {
      const double s = p.roi_start[d], e = p.roi_end[d];
      src = out_len == 1 ? (e - s) * (in - 1) / 2 : x * (e - s) * (in - 1) / (out_len - 1);
      src += s * (in - 1);
      return src >= 0 && src <= in - 1;
    }
    case kCoordHalfPixelSymmetric: src = in / 2 * (1 - p.out[d] / out_len) + (x + 0.5) / scale - 0.5; break;
    default: src = (x + 0.5) / scale - 0.5; break;
  }
  return true;
}

inline void resize_coeffs(const ResizeParams& p, int32_t d, double ratio, double* c) {
  if (p.mode == kResizeLinear) {
    c[0] = 1 - ratio;
    c[1] = ratio;
  } else if (p.mode == kResizeCubic) {
    const double a = p.cubic_a, r1 = ratio + 1, r = ratio, q = 1 - ratio, q1 = 2 - ratio;
    c[0] = ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a;
    c[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
    c[2] = ((a + 2) * q - (a + 3)) * q * q + 1;
    c[3] = ((a * q1 - 5 * a) * q1 + 8 * a) * q1 - 4 * a;
  } else {
    bool ceil_side;
    switch (p.nearest) {
      case kNearestRoundPreferCeil: ceil_side = ratio >= 0.5; break;
      case kNearestFloor: ceil_side = false; break;
      case kNearestCeil: ceil_side = ratio > 0; break;
      case kNearestSimple: ceil_side = ratio > 0 && p.out[d] < p.in[d]; break;
      default: ceil_side = ratio > 0.5; break;
    }
    c[0] = ceil_side ? 0 : 1;
    c[1] = ceil_side ? 1 : 0;
  }
}

// Weight of tap t of n (at floor(src) + 1 - n / 2 + t) for a source ratio past floor(src).
inline double resize_weight(const ResizeParams& p, int32_t d, int32_t n, int32_t t, double ratio) {
  if (!resize_stretched(p, d)) {
    double c[kResizeTaps];
    resize_coeffs(p, d, ratio, c);
    return c[t];
  }
  const double x = fabs((1 - n / 2 + t - ratio) * resize_scale(p, d)), a = p.cubic_a;
  if (p.mode == kResizeLinear) return x < 1 ? 1 - x : 0;
  return x <= 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
}

// Fills the tap tables of every dim (resize_taps(p, d) entries per output coordinate) and
// returns, per dim, how many taps its entries use (1 when every entry has one weight of 1, e.g.
// for dims that keep their size).
inline void resize_build_taps(const ResizeParams& p, int32_t* idx, float* wt, int32_t* ntaps) {
  int32_t e = 0;
  for (int32_t d = 0; d < p.rank; ++d) {
    const int32_t n = resize_taps(p, d);
    const bool normalize = p.exclude_outside || resize_stretched(p, d);  // the stretched filter's sum is not 1
    bool single = true;
    for (int32_t x = 0; x < p.out[d]; ++x, e += n) {
      int32_t* ie = idx + e;
      float* we = wt + e;
      double src;
      if (!resize_source(p, d, x, src)) {
        ie[0] = -1;  // extrapolate
        continue;
      }
      const double fl = floor(src);
      const double ratio = src - fl;
      const int32_t first = static_cast<int32_t>(fl) + 1 - n / 2;
      auto weight = [&](int32_t t) {
        const int32_t i = first + t;
        return p.exclude_outside && (i < 0 || i >= p.in[d]) ? 0.0 : resize_weight(p, d, n, t, ratio);
      };
      double sum = 0;
      for (int32_t t = 0; t < n; ++t) sum += weight(t);
      int32_t nonzero = 0, last = 0;
      for (int32_t t = 0; t < n; ++t) {
        const int32_t i = first + t;
        const double c = weight(t);
        ie[t] = i < 0 ? 0 : i >= p.in[d] ? p.in[d] - 1 : i;  // edge padding
        we[t] = static_cast<float>(normalize && sum != 0 ? c / sum : c);
        if (c != 0) ++nonzero, last = t;
      }
      if (nonzero == 1) {  // move the one tap first, so the dim may run with one tap
        ie[0] = ie[last], we[0] = we[last];
        for (int32_t t = 1; t < n; ++t) we[t] = 0;
      }
      if (nonzero != 1 || we[0] != 1.0f) single = false;
    }
    ntaps[d] = single ? 1 : n;
  }
}

template <typename T>
inline void resize(const ResizeParams& p, const T* x, T* y, void* scratch) {
  using Acc = decltype(T(0) * 1.0f);  // float, or double for double data
  int32_t* idx = static_cast<int32_t*>(scratch);
  int32_t entries = 0, base[kMaxRank], stride[kMaxRank], ntaps[kMaxRank], in_stride[kMaxRank], oi[kMaxRank], ti[kMaxRank];
  for (int32_t d = 0; d < p.rank; ++d) stride[d] = resize_taps(p, d), base[d] = entries, entries += p.out[d] * stride[d];
  float* wt = reinterpret_cast<float*>(idx + entries);
  resize_build_taps(p, idx, wt, ntaps);
  int32_t total = 1;
  for (int32_t d = p.rank - 1; d >= 0; --d) in_stride[d] = total, total *= p.in[d];
  total = 1;
  bool copy = true;  // one tap of weight 1 in every dim (nearest): copy, exact for any dtype
  for (int32_t d = 0; d < p.rank; ++d) total *= p.out[d], oi[d] = 0, copy = copy && ntaps[d] == 1;
  for (int32_t o = 0; o < total; ++o) {
    bool outside = false;
    for (int32_t d = 0; d < p.rank; ++d) outside = outside || idx[base[d] + oi[d] * stride[d]] < 0;
    if (outside) {
      y[o] = static_cast<T>(p.extrapolation);
    } else if (copy) {
      int32_t off = 0;
      for (int32_t d = 0; d < p.rank; ++d) off += idx[base[d] + oi[d] * stride[d]] * in_stride[d];
      y[o] = x[off];
    } else {
      Acc acc = 0;
      for (int32_t d = 0; d < p.rank; ++d) ti[d] = 0;
      for (;;) {
        int32_t off = 0;
        Acc w = 1;
        for (int32_t d = 0; d < p.rank; ++d) {
          const int32_t e = base[d] + oi[d] * stride[d] + ti[d];
          off += idx[e] * in_stride[d];
          w *= wt[e];
        }
        acc += w * static_cast<Acc>(x[off]);
        int32_t d = p.rank - 1;
        for (; d >= 0; --d) {
          if (++ti[d] < ntaps[d]) break;
          ti[d] = 0;
        }
        if (d < 0) break;
      }
      y[o] = static_cast<T>(acc);
    }
    for (int32_t d = p.rank - 1; d >= 0; --d) {
      if (++oi[d] < p.out[d]) break;
      oi[d] = 0;
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
