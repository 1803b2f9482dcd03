// GridSample (opset 16), 4-D: y[n, c, h, w] samples x[n, c] at grid[n, h, w] = (x, y) in
// [-1, 1], as PyTorch's grid_sample (which the ONNX definition follows): nearest, bilinear or
// bicubic (A = -0.75); zeros, border or reflection padding; align_corners. Computed in double.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m {

enum { kGridNearest = 0, kGridBilinear = 1, kGridBicubic = 2 };
enum { kGridZeros = 0, kGridBorder = 1, kGridReflection = 2 };

struct GridSampleParams {
  int32_t n, c, h, w, out_h, out_w;
  int32_t mode, padding, align_corners;
  O2M_FIELDS(n, c, h, w, out_h, out_w, mode, padding, align_corners)
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

// One pixel of plane (h x w), 0 outside it.
template <typename T>
inline double grid_at_(const T* plane, const GridSampleParams& p, int64_t y, int64_t x) {
  if (y < 0 || y >= p.h || x < 0 || x >= p.w) return 0.0;
  return static_cast<double>(plane[y * p.w + x]);
}

inline double grid_cubic1_(double t) { return ((-0.75 + 2) * t - (-0.75 + 3)) * t * t + 1; }
inline double grid_cubic2_(double t) { return ((-0.75 * t - 5 * -0.75) * t + 8 * -0.75) * t - 4 * -0.75; }

template <typename T>
inline void grid_sample(const GridSampleParams& p, const T* x, const T* grid, T* y) {
  const int64_t plane = static_cast<int64_t>(p.h) * p.w, out_plane = static_cast<int64_t>(p.out_h) * p.out_w;
  for (int32_t b = 0; b < p.n; ++b)
    for (int64_t o = 0; o < out_plane; ++o) {
      const T* g = grid + (b * out_plane + o) * 2;
      const double gx = grid_unnormalize_(static_cast<double>(g[0]), p.w, p.align_corners);
      const double gy = grid_unnormalize_(static_cast<double>(g[1]), p.h, p.align_corners);
      for (int32_t c = 0; c < p.c; ++c) {
        const T* src = x + (static_cast<int64_t>(b) * p.c + c) * plane;
        double v = 0;
        if (p.mode == kGridBicubic) {
          // Taps around the unpadded point; each tap is padded on its own.
          const double fx = floor(gx), fy = floor(gy), tx = gx - fx, ty = gy - fy;
          const double wx[4] = {grid_cubic2_(tx + 1), grid_cubic1_(tx), grid_cubic1_(1 - tx), grid_cubic2_(2 - tx)};
          const double wy[4] = {grid_cubic2_(ty + 1), grid_cubic1_(ty), grid_cubic1_(1 - ty), grid_cubic2_(2 - ty)};
          for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
              const double py = grid_pad_(fy - 1 + i, p.h, p), px = grid_pad_(fx - 1 + j, p.w, p);
              v += wy[i] * wx[j] * grid_at_(src, p, grid_index_(py), grid_index_(px));
            }
        } else {
          const double px = grid_pad_(gx, p.w, p), py = grid_pad_(gy, p.h, p);
          if (p.mode == kGridNearest) {
            v = grid_at_(src, p, grid_index_(nearbyint(py)), grid_index_(nearbyint(px)));
          } else {
            const double fx = floor(px), fy = floor(py), tx = px - fx, ty = py - fy;
            const int64_t x0 = grid_index_(fx), y0 = grid_index_(fy);
            v = (1 - ty) * ((1 - tx) * grid_at_(src, p, y0, x0) + tx * grid_at_(src, p, y0, x0 + 1)) +
                ty * ((1 - tx) * grid_at_(src, p, y0 + 1, x0) + tx * grid_at_(src, p, y0 + 1, x0 + 1));
          }
        }
        y[(static_cast<int64_t>(b) * p.c + c) * out_plane + o] = static_cast<T>(v);
      }
    }
}

}  // namespace o2m
