// RoiAlign (bilinear samples averaged or maxed per bin) and MaxRoiPool (integer bins, max), on
// NCHW feature maps, one output [C, out_h, out_w] block per region of interest.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct RoiAlignParams {
  int32_t batch, channels, height, width;
  int32_t rois, out_h, out_w;
  int32_t sampling_ratio;  // > 0: that many samples per bin and dim; 0: ceil(roi size / bins)
  float spatial_scale;
  int32_t half_pixel;      // coordinate_transformation_mode: 1 half_pixel, 0 output_half_pixel
  int32_t max_mode;        // 0 avg, 1 max
  O2M_FIELDS(batch, channels, height, width, rois, out_h, out_w, sampling_ratio, spatial_scale, half_pixel, max_mode)
};

// Samples per bin along one dim; garbage rois (huge, inf, NaN) are capped instead of looping for
// ever: 4096 samples per bin is far beyond any real feature map.
inline int32_t roi_grid(int32_t ratio, double extent, int32_t bins) {
  if (ratio > 0) return ratio;
  const double g = ceil(extent / bins);
  return g >= 1.0 ? (g <= 4096.0 ? static_cast<int32_t>(g) : 4096) : 0;
}

// ONNX's bilinear sample: 0 outside [-1, size], edges clamped. The four taps' weighted values
// are returned separately because max mode takes the largest of them (as ONNX's reference does).
template <typename T>
inline void roi_taps(const T* img, int32_t h, int32_t w, double y, double x, double* v) {
  v[0] = v[1] = v[2] = v[3] = 0.0;
  if (!(y >= -1.0 && y <= h && x >= -1.0 && x <= w)) return;
  if (y < 0) y = 0;
  if (x < 0) x = 0;
  int32_t y0 = static_cast<int32_t>(y), x0 = static_cast<int32_t>(x), y1, x1;
  if (y0 >= h - 1) y1 = y0 = h - 1, y = y0;
  else y1 = y0 + 1;
  if (x0 >= w - 1) x1 = x0 = w - 1, x = x0;
  else x1 = x0 + 1;
  const double ly = y - y0, lx = x - x0, hy = 1.0 - ly, hx = 1.0 - lx;
  v[0] = hy * hx * static_cast<double>(img[y0 * w + x0]);
  v[1] = hy * lx * static_cast<double>(img[y0 * w + x1]);
  v[2] = ly * hx * static_cast<double>(img[y1 * w + x0]);
  v[3] = ly * lx * static_cast<double>(img[y1 * w + x1]);
}

// x: [batch, C, H, W]; rois: [rois, 4] as x1, y1, x2, y2; batch_index: [rois]; y: [rois, C, out_h, out_w].
template <typename T, typename I>
inline void roi_align(const RoiAlignParams& p, const T* x, const T* rois, const I* batch_index, T* y) {
  const double offset = p.half_pixel ? 0.5 : 0.0;
  const int64_t plane = int64_t{p.height} * p.width;
  for (int32_t r = 0; r < p.rois; ++r) {
    const T* roi = rois + 4 * r;
    const double x0 = static_cast<double>(roi[0]) * p.spatial_scale - offset;
    const double y0 = static_cast<double>(roi[1]) * p.spatial_scale - offset;
    double roi_w = static_cast<double>(roi[2]) * p.spatial_scale - offset - x0;
    double roi_h = static_cast<double>(roi[3]) * p.spatial_scale - offset - y0;
    if (!p.half_pixel) {  // malformed rois become 1x1
      roi_w = roi_w > 1.0 ? roi_w : 1.0;
      roi_h = roi_h > 1.0 ? roi_h : 1.0;
    }
    const double bin_h = roi_h / p.out_h, bin_w = roi_w / p.out_w;
    const int32_t grid_h = roi_grid(p.sampling_ratio, roi_h, p.out_h), grid_w = roi_grid(p.sampling_ratio, roi_w, p.out_w);
    const int32_t count = grid_h * grid_w > 1 ? grid_h * grid_w : 1;
    const int64_t b = static_cast<int64_t>(batch_index[r]);
    for (int32_t c = 0; c < p.channels; ++c) {
      T* out = y + (int64_t{r} * p.channels + c) * p.out_h * p.out_w;
      if (b < 0 || b >= p.batch) {  // no such image: nothing to pool
        for (int32_t i = 0; i < p.out_h * p.out_w; ++i) out[i] = T(0);
        continue;
      }
      const T* img = x + (b * p.channels + c) * plane;
      for (int32_t ph = 0; ph < p.out_h; ++ph)
        for (int32_t pw = 0; pw < p.out_w; ++pw) {
          double acc = 0.0;
          bool first = true;
          for (int32_t iy = 0; iy < grid_h; ++iy) {
            const double sy = y0 + ph * bin_h + (iy + 0.5) * bin_h / grid_h;
            for (int32_t ix = 0; ix < grid_w; ++ix) {
              const double sx = x0 + pw * bin_w + (ix + 0.5) * bin_w / grid_w;
              double v[4];
              roi_taps(img, p.height, p.width, sy, sx, v);
              if (!p.max_mode) {
                acc += v[0] + v[1] + v[2] + v[3];
              } else {
                double m = v[0];
                for (int k = 1; k < 4; ++k) m = v[k] > m ? v[k] : m;
                acc = first || m > acc ? m : acc;
                first = false;
              }
            }
          }
          out[ph * p.out_w + pw] = static_cast<T>(p.max_mode ? acc : acc / count);
        }
    }
  }
}

struct MaxRoiPoolParams {
  int32_t batch, channels, height, width;
  int32_t rois, out_h, out_w;
  float spatial_scale;
  O2M_FIELDS(batch, channels, height, width, rois, out_h, out_w, spatial_scale)
};

// Clamps a float image coordinate to [lo, hi] as an integer (NaN -> lo).
inline int32_t clamp_coord(double v, int32_t lo, int32_t hi) {
  return v >= lo ? (v <= hi ? static_cast<int32_t>(v) : hi) : lo;
}

// rois: [rois, 5] as batch_id, x1, y1, x2, y2 (rounded after scaling); bin (ph, pw) covers rows
// [floor(ph * bin_h), ceil((ph + 1) * bin_h)) of the roi, clipped to the image; an empty bin is 0.
template <typename T>
inline void max_roi_pool(const MaxRoiPoolParams& p, const T* x, const T* rois, T* y) {
  for (int32_t r = 0; r < p.rois; ++r) {
    const T* roi = rois + 5 * r;
    const double bd = static_cast<double>(roi[0]);
    const int64_t b = bd >= 0 && bd < p.batch ? static_cast<int64_t>(bd) : -1;
    const int32_t big = 1 << 24;
    const int32_t x1 = clamp_coord(round(static_cast<double>(roi[1]) * p.spatial_scale), -big, big);
    const int32_t y1 = clamp_coord(round(static_cast<double>(roi[2]) * p.spatial_scale), -big, big);
    const int32_t x2 = clamp_coord(round(static_cast<double>(roi[3]) * p.spatial_scale), -big, big);
    const int32_t y2 = clamp_coord(round(static_cast<double>(roi[4]) * p.spatial_scale), -big, big);
    const double bin_h = (y2 - y1 + 1 > 1 ? y2 - y1 + 1 : 1) / static_cast<double>(p.out_h);
    const double bin_w = (x2 - x1 + 1 > 1 ? x2 - x1 + 1 : 1) / static_cast<double>(p.out_w);
    for (int32_t c = 0; c < p.channels; ++c) {
      T* out = y + (int64_t{r} * p.channels + c) * p.out_h * p.out_w;
      const T* img = b >= 0 ? x + (b * p.channels + c) * int64_t{p.height} * p.width : x;
      for (int32_t ph = 0; ph < p.out_h; ++ph)
        for (int32_t pw = 0; pw < p.out_w; ++pw) {
          const int32_t h0 = clamp_coord(floor(ph * bin_h) + y1, 0, p.height), h1 = clamp_coord(ceil((ph + 1) * bin_h) + y1, 0, p.height);
          const int32_t w0 = clamp_coord(floor(pw * bin_w) + x1, 0, p.width), w1 = clamp_coord(ceil((pw + 1) * bin_w) + x1, 0, p.width);
          T best = T(0);
          bool any = false;
          if (b >= 0)
            for (int32_t h = h0; h < h1; ++h)
              for (int32_t w = w0; w < w1; ++w) {
                const T v = img[h * p.width + w];
                if (!any || v > best) best = v;
                any = true;
              }
          out[ph * p.out_w + pw] = best;
        }
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
