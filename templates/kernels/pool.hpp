// Max and average pooling over NCHW windows, and global average pooling.
#pragma once
#include "common.hpp"

namespace o2m {

struct PoolParams {
  int32_t nc;  // batch * channels
  int32_t h_in, w_in, h_out, w_out;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t count_include_pad;  // average pool: divide by the window clipped to the padded input
  O2M_FIELDS(nc, h_in, w_in, h_out, w_out, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left,
             pad_bottom, pad_right, count_include_pad)
};

template <typename T, bool kMax>
inline void pool2d(const PoolParams& p, const T* x, T* y) {
  for (int32_t c = 0; c < p.nc; ++c) {
    const T* xc = x + c * p.h_in * p.w_in;
    T* yc = y + c * p.h_out * p.w_out;
    for (int32_t oh = 0; oh < p.h_out; ++oh) {
      for (int32_t ow = 0; ow < p.w_out; ++ow) {
        const int32_t ih0 = oh * p.stride_h - p.pad_top, iw0 = ow * p.stride_w - p.pad_left;
        T acc = T(0);
        bool any = false;
        int32_t count = 0, padded_count = 0;
        for (int32_t kh = 0; kh < p.k_h; ++kh) {
          const int32_t ih = ih0 + kh * p.dil_h;
          for (int32_t kw = 0; kw < p.k_w; ++kw) {
            const int32_t iw = iw0 + kw * p.dil_w;
            if (ih < p.h_in + p.pad_bottom && iw < p.w_in + p.pad_right) ++padded_count;
            if (ih < 0 || ih >= p.h_in || iw < 0 || iw >= p.w_in) continue;
            const T v = xc[ih * p.w_in + iw];
            if (kMax) {
              if (!any || v > acc) acc = v;
              any = true;
            } else {
              acc += v;
            }
            ++count;
          }
        }
        if (!kMax) {
          const int32_t div = p.count_include_pad ? padded_count : count;
          acc = div > 0 ? acc / static_cast<T>(div) : T(0);
        }
        yc[oh * p.w_out + ow] = acc;
      }
    }
  }
}

template <typename T>
inline void max_pool2d(const PoolParams& p, const T* x, T* y) { pool2d<T, true>(p, x, y); }
template <typename T>
inline void avg_pool2d(const PoolParams& p, const T* x, T* y) { pool2d<T, false>(p, x, y); }

struct GlobalPoolParams {
  int32_t nc;       // batch * channels
  int32_t spatial;  // elements per channel
  O2M_FIELDS(nc, spatial)
};

template <typename T>
inline void global_avg_pool(const GlobalPoolParams& p, const T* x, T* y) {
  for (int32_t c = 0; c < p.nc; ++c) {
    T acc = T(0);
    for (int32_t i = 0; i < p.spatial; ++i) acc += x[c * p.spatial + i];
    y[c] = acc / static_cast<T>(p.spatial);
  }
}

template <typename T>
inline void global_max_pool(const GlobalPoolParams& p, const T* x, T* y) {
  for (int32_t c = 0; c < p.nc; ++c) {
    T acc = x[c * p.spatial];
    for (int32_t i = 1; i < p.spatial; ++i) acc = x[c * p.spatial + i] > acc ? x[c * p.spatial + i] : acc;
    y[c] = acc;
  }
}

}  // namespace o2m
