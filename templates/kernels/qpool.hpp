// Integer average pooling (AveragePool, GlobalAveragePool and their QLinear forms): the window
// sum of (x - x_zp) times x_scale / (y_scale * count), in fixed point.
#pragma once
#include "pool.hpp"
#include "qdot.hpp"
#include "quant.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct QAvgPoolParams {
  PoolParams pool;
  int32_t x_zp, y_zp;
  int32_t act_min, act_max;
  int32_t uniform;  // every window counts the same: mult/shift hold one entry, else one per count 0..k
  O2M_FIELDS(pool, x_zp, y_zp, act_min, act_max, uniform)
};

// x: [nc, in...]; mult/shift: x_scale / (y_scale * count) by count (see uniform); y: [nc, out...].
template <typename TX, typename TY>
inline void qavg_pool(const QAvgPoolParams& q, const TX* x, const int32_t* mult, const int32_t* shift, TY* y) {
  const PoolParams& p = q.pool;
  const int32_t in_hw = p.in[1] * p.in[2], in_sp = p.in[0] * in_hw;
  const int32_t out_sp = p.out[0] * p.out[1] * p.out[2];
  for (int32_t c = 0; c < p.nc; ++c) {
    const TX* xc = x + c * in_sp;
    TY* yc = y + c * out_sp;
    for (int32_t od = 0; od < p.out[0]; ++od) {
      int32_t d_lo, d_hi, d_pad;
      pool_taps(p, 0, od * p.stride[0] - p.pad_begin[0], d_lo, d_hi, d_pad);
      for (int32_t oh = 0; oh < p.out[1]; ++oh) {
        int32_t h_lo, h_hi, h_pad;
        pool_taps(p, 1, oh * p.stride[1] - p.pad_begin[1], h_lo, h_hi, h_pad);
        for (int32_t ow = 0; ow < p.out[2]; ++ow) {
          int32_t w_lo, w_hi, w_pad;
          const int32_t iw0 = ow * p.stride[2] - p.pad_begin[2];
          pool_taps(p, 2, iw0, w_lo, w_hi, w_pad);
          int32_t sum = 0;
          for (int32_t kd = d_lo; kd < d_hi; ++kd)
            for (int32_t kh = h_lo; kh < h_hi; ++kh) {
              const TX* xr = xc + (od * p.stride[0] - p.pad_begin[0] + kd * p.dil[0]) * in_hw +
                             (oh * p.stride[1] - p.pad_begin[1] + kh * p.dil[1]) * p.in[2] + iw0;
              for (int32_t kw = w_lo; kw < w_hi; ++kw) sum += static_cast<int32_t>(xr[kw * p.dil[2]]) - q.x_zp;
            }
          const int32_t count =
              p.count_include_pad ? d_pad * h_pad * w_pad : (d_hi - d_lo) * (h_hi - h_lo) * (w_hi - w_lo);
          const int32_t at = q.uniform ? 0 : count;
          yc[(od * p.out[1] + oh) * p.out[2] + ow] = qout<TY>(sum, mult[at], shift[at], q.y_zp, q.act_min, q.act_max);
        }
      }
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
