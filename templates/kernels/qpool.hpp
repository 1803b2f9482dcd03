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

// sum(p[0 .. n)), exact. Helium: VADDVA over 16 bytes, the last block tail-predicated; DSP:
// SXTAB16 (UXTAB16 for uint8) adds a word's bytes into two halfword sums, 256 bytes at a time
// (each halfword then holds at most 128 bytes: no overflow).
template <typename TX, bool kRef = false>
inline int32_t qsum(const TX* p, int32_t n) {
  int32_t s = 0, i = 0;
  if (!kRef) {
#if defined(O2M_QDOT_MVE)
    constexpr bool kU = qx_offset<TX>() != 0;
    const uint8_t* u = reinterpret_cast<const uint8_t*>(p);
    const int8_t* b = reinterpret_cast<const int8_t*>(p);
    for (; i + 16 <= n; i += 16) s = kU ? static_cast<int32_t>(vaddvaq_u8(static_cast<uint32_t>(s), vldrbq_u8(u + i)))
                                        : vaddvaq_s8(s, vldrbq_s8(b + i));
    if (i < n) {
      const mve_pred16_t pr = vctp8q(static_cast<uint32_t>(n - i));
      s = kU ? static_cast<int32_t>(vaddvaq_p_u8(static_cast<uint32_t>(s), vldrbq_z_u8(u + i, pr), pr))
             : vaddvaq_p_s8(s, vldrbq_z_s8(b + i, pr), pr);
    }
    return s;
#elif defined(O2M_QDOT_DSP)
    constexpr bool kU = qx_offset<TX>() != 0;
    const int8_t* b = reinterpret_cast<const int8_t*>(p);
    while (i + 4 <= n) {
      const int32_t end = i + 256 < (n & ~3) ? i + 256 : (n & ~3);
      uint32_t h = 0;  // two halfword sums
      for (; i < end; i += 4) {
        const int32_t v = qload4(b + i);
        if (kU)
          __asm__("uxtab16 %0, %0, %1\n uxtab16 %0, %0, %1, ror #8" : "+r"(h) : "r"(v));
        else
          __asm__("sxtab16 %0, %0, %1\n sxtab16 %0, %0, %1, ror #8" : "+r"(h) : "r"(v));
      }
      s += kU ? static_cast<int32_t>((h & 0xffffu) + (h >> 16))
              : static_cast<int16_t>(h & 0xffffu) + static_cast<int16_t>(h >> 16);
    }
#endif
  }
  for (; i < n; ++i) s += p[i];
  return s;
}

// x: [nc, in...]; mult/shift: x_scale / (y_scale * count) by count (see uniform); y: [nc, out...].
// kRef = true sums tap by tap (the reference the tests hold the row sums to).
template <typename TX, typename TY, bool kRef = false>
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
          // whole rows, consecutive: the window's rows are one run of bytes
          const bool run = !kRef && p.dil[1] == 1 && p.dil[2] == 1 && iw0 + w_lo == 0 && iw0 + w_hi == p.in[2];
          for (int32_t kd = d_lo; kd < d_hi; ++kd) {
            const TX* xd = xc + (od * p.stride[0] - p.pad_begin[0] + kd * p.dil[0]) * in_hw;
            if (run) {
              const int32_t n = (h_hi - h_lo) * p.in[2];
              sum += qsum<TX>(xd + (oh * p.stride[1] - p.pad_begin[1] + h_lo) * p.in[2], n) - n * q.x_zp;
              continue;
            }
            for (int32_t kh = h_lo; kh < h_hi; ++kh) {
              const TX* xr = xd + (oh * p.stride[1] - p.pad_begin[1] + kh * p.dil[1]) * p.in[2] + iw0;
              if (!kRef && p.dil[2] == 1) {
                sum += qsum<TX>(xr + w_lo, w_hi - w_lo) - (w_hi - w_lo) * q.x_zp;
                continue;
              }
              for (int32_t kw = w_lo; kw < w_hi; ++kw) sum += static_cast<int32_t>(xr[kw * p.dil[2]]) - q.x_zp;
            }
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
