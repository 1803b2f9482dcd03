// Conv (+ activation) + Max/AveragePool in one pass, band by band: each pooled output row is
// computed from just the conv rows its window needs, held in a small scratch band, so the full
// conv output never exists in RAM. Used when pool windows do not overlap vertically.
#pragma once
#include "activation.hpp"
#include "conv_fast.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// The pool's geometry over one image's conv output.
struct BandPoolParams {
  int32_t h_in, w_in, h_out, w_out;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t count_include_pad;
  O2M_FIELDS(h_in, w_in, h_out, w_out, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, pad_bottom, pad_right,
             count_include_pad)
};

struct ConvPoolParams {
  BandConvParams conv;
  BandPoolParams pool;
  int32_t pool_max;  // 1: MaxPool, 0: AveragePool
  ActParams act;     // applied to each conv output before the pool
  O2M_FIELDS(conv, pool, pool_max, act)
};

// One conv output row (all of its w_out values) of channel oc for image xb: the reference, and
// the path for kernels conv2d_fast_row does not take (KW = 0: wide kernels, dilated columns).
template <typename T>
inline void conv2d_row(const BandConvParams& p, const T* xb, const T* w, const T* bias, int32_t oc, int32_t oh, T* out) {
  const int32_t cin_g = p.c_in / p.group, cout_g = p.c_out / p.group, g = oc / cout_g;
  const T* wk = w + oc * cin_g * p.k_h * p.k_w;
  const T* xg = xb + g * cin_g * p.h_in * p.w_in;
  const int32_t ih0 = oh * p.stride_h - p.pad_top;
  int32_t kh_lo = 0, kh_hi = p.k_h;
  while (kh_lo < kh_hi && ih0 + kh_lo * p.dil_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && ih0 + (kh_hi - 1) * p.dil_h >= p.h_in) --kh_hi;
  for (int32_t ow = 0; ow < p.w_out; ++ow) {
    const int32_t iw0 = ow * p.stride_w - p.pad_left;
    int32_t kw_lo = 0, kw_hi = p.k_w;
    while (kw_lo < kw_hi && iw0 + kw_lo * p.dil_w < 0) ++kw_lo;
    while (kw_hi > kw_lo && iw0 + (kw_hi - 1) * p.dil_w >= p.w_in) --kw_hi;
    T acc = bias ? bias[oc] : T(0);
    for (int32_t ic = 0; ic < cin_g; ++ic) {
      const T* xc = xg + ic * p.h_in * p.w_in;
      const T* wc = wk + ic * p.k_h * p.k_w;
      for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
        const T* xr = xc + (ih0 + kh * p.dil_h) * p.w_in + iw0;
        const T* wr = wc + kh * p.k_w;
        for (int32_t kw = kw_lo; kw < kw_hi; ++kw) acc += xr[kw * p.dil_w] * wr[kw];
      }
    }
    out[ow] = acc;
  }
}

// One pooled row of a max pool whose windows lie inside the conv rows (nrows rows of row_len
// values): out[pw] = act(max of the window). K: the pool width when fixed (2, 3), else 0.
template <int K, typename T>
inline void max_pool_row(const T* rows, int32_t nrows, int32_t row_len, int32_t k_w, int32_t stride, int32_t w_out,
                         const ActParams& a, T* out) {
  const int32_t kw_n = K > 0 ? K : k_w;
  for (int32_t pw = 0; pw < w_out; ++pw) {
    const T* win = rows + pw * stride;
    T m = win[0];
    for (int32_t k = 0; k < nrows; ++k, win += row_len) {
      O2M_CONV_UNROLL
      for (int32_t kw = 0; kw < kw_n; ++kw) m = win[kw] > m ? win[kw] : m;
    }
    out[pw] = activate_epilogue(a, m);
  }
}

// scratch: c_out * pool.k_h * conv.w_out elements of T (conv_pool_scratch_bytes).
// KW, S: the conv's kernel width and horizontal stride for conv2d_fast_row (w packed:
// pack_conv_weights); KW = 0 for the
// reference row. kCompact (--optimize size): no max-pool fast path, every pool the general loop.
template <typename T, int KW = 0, int S = 1, bool kCompact = false>
inline void conv_pool(const ConvPoolParams& p, const T* x, const T* w, const T* bias, T* y, void* scratch) {
  const BandConvParams& c = p.conv;
  const BandPoolParams& q = p.pool;
  T* band = static_cast<T*>(scratch);
  // A max pool whose windows lie inside the row: a plain max over each window, and a monotone
  // activation once per pooled value instead of once per conv value (max(act) == act(max)).
  const bool plain_max = !kCompact && p.pool_max && q.dil_w == 1 && q.pad_left == 0 && (q.w_out - 1) * q.stride_w + q.k_w <= q.w_in &&
                         activation_is_monotone(p.act);
  const ActParams none{kActNone, 0, 0, 0, 0};
  const ActParams& conv_act = plain_max ? none : p.act;
  for (int32_t b = 0; b < c.n; ++b) {
    const T* xb = x + b * c.c_in * c.h_in * c.w_in;
    T* yb = y + b * c.c_out * q.h_out * q.w_out;
    for (int32_t ph = 0; ph < q.h_out; ++ph) {
      // Conv rows under this pool row's window; rows outside the conv output are padding.
      int32_t nrows = 0;
      for (int32_t kh = 0; kh < q.k_h; ++kh) {
        const int32_t r = ph * q.stride_h - q.pad_top + kh * q.dil_h;
        if (r < 0 || r >= c.h_out) continue;
        if constexpr (KW > 0) {
          conv2d_fast_row<T, KW, S>(c, xb, w, bias, r, band + nrows * c.w_out, q.k_h * c.w_out, conv_act);
        } else {
          for (int32_t oc = 0; oc < c.c_out; ++oc) {
            T* row = band + (oc * q.k_h + nrows) * c.w_out;
            conv2d_row(c, xb, w, bias, oc, r, row);
            for (int32_t i = 0; i < c.w_out; ++i) row[i] = activate_epilogue(conv_act, row[i]);
          }
        }
        ++nrows;
      }
      if (!kCompact && plain_max && nrows > 0) {
        for (int32_t oc = 0; oc < c.c_out; ++oc) {
          const T* rows = band + oc * q.k_h * c.w_out;
          T* out = yb + (oc * q.h_out + ph) * q.w_out;
          if (q.k_w == 2)
            max_pool_row<2>(rows, nrows, c.w_out, q.k_w, q.stride_w, q.w_out, p.act, out);
          else if (q.k_w == 3)
            max_pool_row<3>(rows, nrows, c.w_out, q.k_w, q.stride_w, q.w_out, p.act, out);
          else
            max_pool_row<0>(rows, nrows, c.w_out, q.k_w, q.stride_w, q.w_out, p.act, out);
        }
        continue;
      }
      for (int32_t oc = 0; oc < c.c_out; ++oc) {
        for (int32_t pw = 0; pw < q.w_out; ++pw) {
          const int32_t iw0 = pw * q.stride_w - q.pad_left;
          T acc = T(0);
          bool any = false;
          int32_t count = 0, padded = 0;
          if (!p.pool_max && q.count_include_pad) {  // the divisor only AveragePool needs
            for (int32_t k = 0; k < q.k_h; ++k) {
              const int32_t r = ph * q.stride_h - q.pad_top + k * q.dil_h;
              for (int32_t kw = 0; kw < q.k_w; ++kw) {
                const int32_t col = iw0 + kw * q.dil_w;
                if (r < q.h_in + q.pad_bottom && col < q.w_in + q.pad_right) ++padded;
              }
            }
          }
          for (int32_t k = 0; k < nrows; ++k) {
            const T* row = band + (oc * q.k_h + k) * c.w_out;
            for (int32_t kw = 0; kw < q.k_w; ++kw) {
              const int32_t col = iw0 + kw * q.dil_w;
              if (col < 0 || col >= q.w_in) continue;
              const T v = row[col];
              if (p.pool_max) {
                if (!any || v > acc) acc = v;
                any = true;
              } else {
                acc += v;
              }
              ++count;
            }
          }
          if (!p.pool_max) {
            const int32_t div = q.count_include_pad ? padded : count;
            acc = div > 0 ? acc / static_cast<T>(div) : T(0);
          }
          yb[(oc * q.h_out + ph) * q.w_out + pw] = acc;
        }
      }
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
