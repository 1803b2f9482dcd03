// GridSample (opset 16: 4-D; 20: any rank), here 3-D to 5-D: y[n, c, o...] samples x[n, c] at
// grid[n, o...] = (x, y, z) in [-1, 1] (the innermost dim first), as PyTorch's grid_sample (which
// the ONNX definition follows): nearest, N-linear or N-cubic (A = -0.75); zeros, border or
// reflection padding; align_corners. Separable: a product of per-dim taps. Computed in double.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

enum { kGridNearest = 0, kGridBilinear = 1, kGridBicubic = 2 };
enum { kGridZeros = 0, kGridBorder = 1, kGridReflection = 2 };

constexpr int32_t kGridDims = 3;  // spatial dims at most (D, H, W)

struct GridSampleParams {
  int32_t n, c;
  int32_t in[kGridDims], out[kGridDims];  // spatial sizes (D, H, W); 1 for the dims a lower rank lacks
  int32_t rank;                           // spatial dims the grid gives coordinates for: 1 to 3
  int32_t mode, padding, align_corners;
  O2M_FIELDS(n, c, in, out, rank, mode, padding, align_corners)
};

// [-1, 1] -> pixel coordinates.
inline double grid_unnormalize_(double v, int32_t size, int32_t align) {
  return align ? (v + 1.0) / 2.0 * (size - 1) : ((v + 1.0) * size - 1.0) / 2.0;
}

// Reflects v into [twice_low / 2, twice_high / 2].
inline double grid_reflect_(double v, int32_t twice_low, int32_t twice_high) {
  if (twice_low == twice_high) return 0.0;
  const double lo = twice_low / 2.0, span = (twice_high - twice_low) / 2.0;
  v = fabs(v - lo);
  const double extra = fmod(v, span);
  const double flips = floor(v / span);
  return fmod(flips, 2.0) == 0.0 ? extra + lo : span - extra + lo;
}

// Border and reflection padding move a coordinate inside [0, size - 1].
inline double grid_pad_(double v, int32_t size, const GridSampleParams& p) {
  const double hi = size - 1;
  if (p.padding == kGridBorder) return v < 0 ? 0 : (v > hi ? hi : v);
  if (p.padding == kGridReflection) {
    v = p.align_corners ? grid_reflect_(v, 0, 2 * (size - 1)) : grid_reflect_(v, -1, 2 * size - 1);
    return v < 0 ? 0 : (v > hi ? hi : v);
  }
  return v;
}

// A pixel index from a coordinate. Far-outside and NaN coordinates (a grid of any values reaches
// here) become -2, outside every plane, instead of an out-of-range cast (undefined behaviour).
inline int64_t grid_index_(double v) { return v > -2 && v < 2147483647.0 ? static_cast<int64_t>(v) : -2; }

inline double grid_cubic1_(double t) { return ((-0.75 + 2) * t - (-0.75 + 3)) * t * t + 1; }
inline double grid_cubic2_(double t) { return ((-0.75 * t - 5 * -0.75) * t + 8 * -0.75) * t - 4 * -0.75; }

// The taps of one dim at pixel coordinate v: indices (outside the dim when < 0 or >= size) and
// weights; returns how many.
inline int32_t grid_taps_(const GridSampleParams& p, double v, int32_t size, int64_t* idx, double* w) {
  if (p.mode == kGridBicubic) {  // taps around the unpadded point; each tap is padded on its own
    const double f = floor(v), t = v - f;
    w[0] = grid_cubic2_(t + 1), w[1] = grid_cubic1_(t), w[2] = grid_cubic1_(1 - t), w[3] = grid_cubic2_(2 - t);
    for (int32_t i = 0; i < 4; ++i) idx[i] = grid_index_(grid_pad_(f - 1 + i, size, p));
    return 4;
  }
  v = grid_pad_(v, size, p);
  if (p.mode == kGridNearest) {
    idx[0] = grid_index_(nearbyint(v)), w[0] = 1;
    return 1;
  }
  const double f = floor(v);
  idx[0] = grid_index_(f), idx[1] = idx[0] + 1;
  w[0] = 1 - (v - f), w[1] = v - f;
  return 2;
}

template <typename T>
inline void grid_sample(const GridSampleParams& p, const T* x, const T* grid, T* y) {
  const int64_t plane = static_cast<int64_t>(p.in[0]) * p.in[1] * p.in[2];
  const int64_t out_plane = static_cast<int64_t>(p.out[0]) * p.out[1] * p.out[2];
  const int32_t first = kGridDims - p.rank;  // the dims before it have size 1 and one tap
  int64_t idx[kGridDims][4];
  double w[kGridDims][4];
  int32_t taps[kGridDims];
  for (int32_t b = 0; b < p.n; ++b)
    for (int64_t o = 0; o < out_plane; ++o) {
      const T* g = grid + (b * out_plane + o) * p.rank;
      for (int32_t d = 0; d < kGridDims; ++d) {
        if (d < first) {
          idx[d][0] = 0, w[d][0] = 1, taps[d] = 1;
          continue;
        }
        const double v = grid_unnormalize_(static_cast<double>(g[kGridDims - 1 - d]), p.in[d], p.align_corners);
        taps[d] = grid_taps_(p, v, p.in[d], idx[d], w[d]);
      }
      for (int32_t c = 0; c < p.c; ++c) {
        const T* src = x + (static_cast<int64_t>(b) * p.c + c) * plane;
        double v = 0;
        for (int32_t i = 0; i < taps[0]; ++i)
          for (int32_t j = 0; j < taps[1]; ++j)
            for (int32_t k = 0; k < taps[2]; ++k) {
              const int64_t z = idx[0][i], r = idx[1][j], q = idx[2][k];
              const bool inside = z >= 0 && z < p.in[0] && r >= 0 && r < p.in[1] && q >= 0 && q < p.in[2];
              // 0 outside, still weighted: a NaN coordinate's NaN weights give NaN, not a silent 0.
              v += w[0][i] * w[1][j] * w[2][k] * (inside ? static_cast<double>(src[(z * p.in[1] + r) * p.in[2] + q]) : 0.0);
            }
        y[(static_cast<int64_t>(b) * p.c + c) * out_plane + o] = static_cast<T>(v);
      }
    }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
