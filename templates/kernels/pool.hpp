// Max, average and Lp pooling over windows of 1 to 3 spatial dims (NC[D]HW), MaxPool's
// Indices output, MaxUnpool, and the global pools.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Spatial arrays are [d, h, w]; a 2-D pool runs with d = 1, a 1-D pool with d = h = 1.
struct PoolParams {
  int32_t nc;  // batch * channels
  int32_t in[3], out[3], k[3], stride[3], dil[3];
  int32_t pad_begin[3], pad_end[3];
  int32_t count_include_pad;  // average pool: divide by the window clipped to the padded input
  int32_t storage_order;      // MaxPool Indices: 0 row-major, 1 column-major spatial index
  float p;                    // LpPool: the norm's order
  O2M_FIELDS(nc, in, out, k, stride, dil, pad_begin, pad_end, count_include_pad, storage_order, p)
};

enum PoolKind { kPoolMax, kPoolAvg, kPoolLp };

// Taps [lo, hi) of one window dim inside the input, and how many lie inside the padded input.
inline void pool_taps(const PoolParams& p, int dim, int32_t start, int32_t& lo, int32_t& hi, int32_t& padded) {
  lo = 0;
  hi = p.k[dim];
  while (lo < hi && start + lo * p.dil[dim] < 0) ++lo;
  while (hi > lo && start + (hi - 1) * p.dil[dim] >= p.in[dim]) --hi;
  padded = 0;
  for (int32_t t = 0; t < p.k[dim]; ++t) padded += start + t * p.dil[dim] < p.in[dim] + p.pad_end[dim] ? 1 : 0;
}

// indices (MaxPool only, may be nullptr): flat index of each maximum in the whole input.
template <typename T, int kKind>
inline void pool_impl(const PoolParams& p, const T* x, T* y, int64_t* indices) {
  const int32_t in_hw = p.in[1] * p.in[2], in_sp = p.in[0] * in_hw;
  const int32_t out_sp = p.out[0] * p.out[1] * p.out[2];
  for (int32_t c = 0; c < p.nc; ++c) {
    const T* xc = x + c * in_sp;
    for (int32_t od = 0; od < p.out[0]; ++od) {
      int32_t d_lo, d_hi, d_pad;
      const int32_t id0 = od * p.stride[0] - p.pad_begin[0];
      pool_taps(p, 0, id0, d_lo, d_hi, d_pad);
      for (int32_t oh = 0; oh < p.out[1]; ++oh) {
        int32_t h_lo, h_hi, h_pad;
        const int32_t ih0 = oh * p.stride[1] - p.pad_begin[1];
        pool_taps(p, 1, ih0, h_lo, h_hi, h_pad);
        for (int32_t ow = 0; ow < p.out[2]; ++ow) {
          int32_t w_lo, w_hi, w_pad;
          const int32_t iw0 = ow * p.stride[2] - p.pad_begin[2];
          pool_taps(p, 2, iw0, w_lo, w_hi, w_pad);
          T acc = T(0);
          int32_t best = -1;
          for (int32_t kd = d_lo; kd < d_hi; ++kd) {
            const int32_t id = id0 + kd * p.dil[0];
            for (int32_t kh = h_lo; kh < h_hi; ++kh) {
              const int32_t ih = ih0 + kh * p.dil[1];
              for (int32_t kw = w_lo; kw < w_hi; ++kw) {
                const int32_t at = id * in_hw + ih * p.in[2] + iw0 + kw * p.dil[2];
                const T v = xc[at];
                if constexpr (kKind == kPoolMax) {
                  if (best < 0 || v > acc) acc = v, best = at;
                } else if constexpr (kKind == kPoolAvg) {
                  acc += v;
                } else {
                  acc += static_cast<T>(pow(fabs(v), static_cast<T>(p.p)));
                }
              }
            }
          }
          const int32_t o = c * out_sp + (od * p.out[1] + oh) * p.out[2] + ow;
          if constexpr (kKind == kPoolAvg) {
            const int32_t inside = (d_hi - d_lo) * (h_hi - h_lo) * (w_hi - w_lo);
            const int32_t div = p.count_include_pad ? d_pad * h_pad * w_pad : inside;
            acc = div > 0 ? static_cast<T>(acc / static_cast<T>(div)) : T(0);
          } else if constexpr (kKind == kPoolLp) {
            acc = static_cast<T>(pow(acc, T(1) / static_cast<T>(p.p)));
          }
          y[o] = acc;
          if (kKind == kPoolMax && indices) {
            int32_t sp = best;  // row-major spatial index; the column-major one reverses the dims
            if (p.storage_order && best >= 0) {
              const int32_t bd = best / in_hw, bh = best / p.in[2] % p.in[1], bw = best % p.in[2];
              sp = bd + p.in[0] * (bh + p.in[1] * bw);
            }
            indices[o] = static_cast<int64_t>(c) * in_sp + sp;
          }
        }
      }
    }
  }
}

template <typename T>
inline void max_pool(const PoolParams& p, const T* x, T* y) { pool_impl<T, kPoolMax>(p, x, y, nullptr); }
template <typename T>
inline void max_pool_indices(const PoolParams& p, const T* x, T* y, int64_t* indices) {
  pool_impl<T, kPoolMax>(p, x, y, indices);
}
template <typename T>
inline void avg_pool(const PoolParams& p, const T* x, T* y) { pool_impl<T, kPoolAvg>(p, x, y, nullptr); }
template <typename T>
inline void lp_pool(const PoolParams& p, const T* x, T* y) { pool_impl<T, kPoolLp>(p, x, y, nullptr); }

struct GlobalPoolParams {
  int32_t nc;       // batch * channels
  int32_t spatial;  // elements per channel
  float p;          // GlobalLpPool: the norm's order
  O2M_FIELDS(nc, spatial, p)
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

template <typename T>
inline void global_lp_pool(const GlobalPoolParams& p, const T* x, T* y) {
  for (int32_t c = 0; c < p.nc; ++c) {
    T acc = T(0);
    for (int32_t i = 0; i < p.spatial; ++i) acc += static_cast<T>(pow(fabs(x[c * p.spatial + i]), static_cast<T>(p.p)));
    y[c] = static_cast<T>(pow(acc, T(1) / static_cast<T>(p.p)));
  }
}

// MaxUnpool: zeros, then each x[i] at the position indices[i] names. Indices are flat positions
// in the unpooled shape `full`; an output_shape that differs puts each at the same coordinates
// of `out` (both right-aligned to kMaxRank).
struct UnpoolParams {
  int32_t n_in;
  int32_t full[kMaxRank], out[kMaxRank];
  O2M_FIELDS(n_in, full, out)
};

template <typename T, typename I>
inline void max_unpool(const UnpoolParams& p, const T* x, const I* indices, T* y) {
  int32_t n_full = 1, n_out = 1;
  for (int d = 0; d < kMaxRank; ++d) n_full *= p.full[d], n_out *= p.out[d];
  for (int32_t i = 0; i < n_out; ++i) y[i] = T(0);
  for (int32_t i = 0; i < p.n_in; ++i) {
    if (indices[i] < 0 || indices[i] >= n_full) continue;
    int32_t rest = static_cast<int32_t>(indices[i]), at = 0, stride = 1;
    bool inside = true;
    for (int d = kMaxRank - 1; d >= 0; --d) {
      const int32_t c = rest % p.full[d];
      rest /= p.full[d];
      inside = inside && c < p.out[d];
      at += c * stride;
      stride *= p.out[d];
    }
    if (inside) y[at] = x[i];
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
