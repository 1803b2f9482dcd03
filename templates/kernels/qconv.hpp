// Integer convolution (NC[D]HW, grouped and depthwise), three entry points:
//   qconv         the fast path: int8 weights with zero point 0, int8/uint8 activations, the
//                 input zero point folded into the bias, requantised by per-channel or
//                 per-tensor fixed-point multipliers computed at compile time (lower-qdq).
//   qlinear_conv  ONNX QLinearConv with every scale and zero point read at run time (models
//                 whose quantisation parameters are graph inputs: the ONNX node tests).
//   conv_integer  ONNX ConvInteger: int32 accumulators, no requantisation.
#pragma once
#include "conv.hpp"
#include "qdot.hpp"
#include "quant.hpp"

namespace o2m {

struct QConvParams {
  ConvParams conv;
  int32_t x_zp;              // input zero point; padding reads as this value
  int32_t y_zp;              // output zero point
  int32_t act_min, act_max;  // output clamp: the type's range, narrowed by a fused Relu/Clip
  int32_t per_channel;       // mult/shift hold c_out entries (else one)
  O2M_FIELDS(conv, x_zp, y_zp, act_min, act_max, per_channel)
};



inline bool k_sp1(const ConvParams& c) { return c.k[0] == 1 && c.k[1] == 1 && c.k[2] == 1; }

// Gathers the receptive field of output (od, oh, ow) for input channels [0, cin_g) of xg.
template <typename TX>
inline void qconv_gather(const ConvParams& c, const TX* xg, int32_t cin_g, int32_t od, int32_t oh, int32_t ow,
                         int8_t pad_v, int8_t* patch) {
  constexpr int32_t off = qx_offset<TX>();
  const int32_t in_hw = c.in[1] * c.in[2], in_sp = c.in[0] * in_hw;
  const int32_t id0 = od * c.stride[0] - c.pad[0], ih0 = oh * c.stride[1] - c.pad[1], iw0 = ow * c.stride[2] - c.pad[2];
  if (k_sp1(c) && id0 >= 0 && ih0 >= 0 && iw0 >= 0 && id0 < c.in[0] && ih0 < c.in[1] && iw0 < c.in[2]) {
    const TX* xp = xg + id0 * in_hw + ih0 * c.in[2] + iw0;  // 1x1 window inside the input: a strided copy
    for (int32_t ic = 0; ic < cin_g; ++ic) patch[ic] = static_cast<int8_t>(static_cast<int32_t>(xp[ic * in_sp]) - off);
    return;
  }
  int32_t kw_lo, kw_hi;
  conv_tap_range(iw0, c.k[2], c.dil[2], c.in[2], kw_lo, kw_hi);
  int8_t* out = patch;
  for (int32_t ic = 0; ic < cin_g; ++ic) {
    const TX* xc = xg + ic * in_sp;
    for (int32_t kd = 0; kd < c.k[0]; ++kd) {
      const int32_t id = id0 + kd * c.dil[0];
      for (int32_t kh = 0; kh < c.k[1]; ++kh) {
        const int32_t ih = ih0 + kh * c.dil[1];
        if (id < 0 || id >= c.in[0] || ih < 0 || ih >= c.in[1]) {
          for (int32_t kw = 0; kw < c.k[2]; ++kw) *out++ = pad_v;
          continue;
        }
        const TX* xr = xc + id * in_hw + ih * c.in[2] + iw0;
        int32_t kw = 0;
        for (; kw < kw_lo; ++kw) *out++ = pad_v;
        for (; kw < kw_hi; ++kw) *out++ = static_cast<int8_t>(static_cast<int32_t>(xr[kw * c.dil[2]]) - off);
        for (; kw < c.k[2]; ++kw) *out++ = pad_v;
      }
    }
  }
}

// 2-D depthwise (one input and one output channel per group) runs without a patch: each
// channel's plane is copied once into a buffer padded with x_zp, so every window is whole and
// sums x * w directly; the folded bias absorbs the offset (x - offset = x * w - offset * wsum).
inline bool qconv_depthwise_2d(const ConvParams& c) {
  return c.group == c.c_in && c.c_out == c.c_in && c.in[0] == 1 && c.k[0] == 1 && c.out[0] == 1;
}
inline int32_t qconv_plane_h(const ConvParams& c) { return (c.out[1] - 1) * c.stride[1] + (c.k[1] - 1) * c.dil[1] + 1; }
inline int32_t qconv_plane_w(const ConvParams& c) { return (c.out[2] - 1) * c.stride[2] + (c.k[2] - 1) * c.dil[2] + 1; }

// Working bytes of qconv: the patch (one group's receptive field as int8), or for a 2-D
// depthwise conv one padded input plane.
inline int32_t qconv_scratch_bytes(const ConvParams& c) {
  const int32_t patch = (c.c_in / c.group) * c.k[0] * c.k[1] * c.k[2];
  const int32_t plane = qconv_depthwise_2d(c) ? qconv_plane_h(c) * qconv_plane_w(c) : 0;
  return ((patch > plane ? patch : plane) + 3) / 4 * 4;
}

template <typename TX, typename TY>
inline void qconv_depthwise(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                            const int32_t* shift, TY* y, TX* plane) {
  const ConvParams& c = p.conv;
  constexpr int32_t off = qx_offset<TX>();
  const int32_t ph = qconv_plane_h(c), pw = qconv_plane_w(c);
  const int32_t in_sp = c.in[1] * c.in[2], k_sp = c.k[1] * c.k[2], out_sp = c.out[1] * c.out[2];
  const TX zx = static_cast<TX>(p.x_zp);
  const bool k33 = c.k[1] == 3 && c.k[2] == 3 && c.dil[1] == 1 && c.dil[2] == 1;
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t ch = 0; ch < c.c_out; ++ch) {
      const TX* xc = x + (b * c.c_in + ch) * in_sp;
      for (int32_t r = 0; r < ph; ++r) {
        TX* pr = plane + r * pw;
        const int32_t ih = r - c.pad[1];
        for (int32_t col = 0; col < pw; ++col) {
          const int32_t iw = col - c.pad[2];
          pr[col] = ih >= 0 && ih < c.in[1] && iw >= 0 && iw < c.in[2] ? xc[ih * c.in[2] + iw] : zx;
        }
      }
      const int8_t* wc = w + ch * k_sp;
      int32_t wsum = 0;
      for (int32_t t = 0; t < k_sp; ++t) wsum += wc[t];
      const int32_t m = mult[p.per_channel ? ch : 0], s = shift[p.per_channel ? ch : 0];
      const int32_t base = bias[ch] - off * wsum;
      const int32_t w0 = wc[0], w1 = wc[k33 ? 1 : 0], w2 = wc[k33 ? 2 : 0], w3 = wc[k33 ? 3 : 0], w4 = wc[k33 ? 4 : 0],
                    w5 = wc[k33 ? 5 : 0], w6 = wc[k33 ? 6 : 0], w7 = wc[k33 ? 7 : 0], w8 = wc[k33 ? 8 : 0];
      TY* yc = y + (b * c.c_out + ch) * out_sp;
      for (int32_t oh = 0; oh < c.out[1]; ++oh) {
        const TX* r0 = plane + oh * c.stride[1] * pw;
        TY* yr = yc + oh * c.out[2];
        if (k33) {  // the common 3x3 window, unrolled with its weights in registers
          for (int32_t ow = 0; ow < c.out[2]; ++ow, r0 += c.stride[2]) {
            const TX* r1 = r0 + pw;
            const TX* r2 = r1 + pw;
            const int32_t acc = base + r0[0] * w0 + r0[1] * w1 + r0[2] * w2 + r1[0] * w3 + r1[1] * w4 + r1[2] * w5 +
                                r2[0] * w6 + r2[1] * w7 + r2[2] * w8;
            yr[ow] = qout<TY>(acc, m, s, p.y_zp, p.act_min, p.act_max);
          }
          continue;
        }
        for (int32_t ow = 0; ow < c.out[2]; ++ow, r0 += c.stride[2]) {
          int32_t acc = base;
          for (int32_t kh = 0; kh < c.k[1]; ++kh)
            for (int32_t kw = 0; kw < c.k[2]; ++kw)
              acc += static_cast<int32_t>(r0[kh * c.dil[1] * pw + kw * c.dil[2]]) * wc[kh * c.k[2] + kw];
          yr[ow] = qout<TY>(acc, m, s, p.y_zp, p.act_min, p.act_max);
        }
      }
    }
}

// x: [n, c_in, in...] TX; w: [c_out, c_in/group, k...] int8; bias: [c_out] folded by
// qfold_bias; mult/shift: [c_out] or [1]; y: [n, c_out, out...] TY;
// scratch: qconv_scratch_bytes(p.conv) bytes for the patch.
template <typename TX, typename TY, bool kRef = false>
inline void qconv(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                  const int32_t* shift, TY* y, void* scratch) {
  int8_t* patch = static_cast<int8_t*>(scratch);
  const ConvParams& c = p.conv;
  const int32_t cin_g = c.c_in / c.group, cout_g = c.c_out / c.group;
  const int32_t in_sp = c.in[0] * c.in[1] * c.in[2];
  const int32_t kg = cin_g * c.k[0] * c.k[1] * c.k[2];
  const int32_t out_sp = c.out[0] * c.out[1] * c.out[2];
  const int8_t pad_v = static_cast<int8_t>(p.x_zp - qx_offset<TX>());
  if (qconv_depthwise_2d(c)) return qconv_depthwise(p, x, w, bias, mult, shift, y, static_cast<TX*>(scratch));
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t g = 0; g < c.group; ++g) {
      const TX* xg = x + (b * c.c_in + g * cin_g) * in_sp;
      for (int32_t od = 0; od < c.out[0]; ++od)
        for (int32_t oh = 0; oh < c.out[1]; ++oh)
          for (int32_t ow = 0; ow < c.out[2]; ++ow) {
            qconv_gather(c, xg, cin_g, od, oh, ow, pad_v, patch);
            TY* yo = y + (b * c.c_out + g * cout_g) * out_sp + (od * c.out[1] + oh) * c.out[2] + ow;
            int32_t j = 0;
            for (; j + 2 <= cout_g; j += 2) {
              const int32_t oc = g * cout_g + j;
              int32_t a0, a1;
              QDot<kRef>::dot2(patch, w + oc * kg, w + (oc + 1) * kg, kg, &a0, &a1);
              const int32_t c0 = p.per_channel ? oc : 0, c1 = p.per_channel ? oc + 1 : 0;
              yo[j * out_sp] = qout<TY>(a0 + bias[oc], mult[c0], shift[c0], p.y_zp, p.act_min, p.act_max);
              yo[(j + 1) * out_sp] = qout<TY>(a1 + bias[oc + 1], mult[c1], shift[c1], p.y_zp, p.act_min, p.act_max);
            }
            if (j < cout_g) {  // odd channel count: the last one
              const int32_t oc = g * cout_g + j, ch = p.per_channel ? oc : 0;
              const int32_t a = QDot<kRef>::dot(patch, w + oc * kg, kg);
              yo[j * out_sp] = qout<TY>(a + bias[oc], mult[ch], shift[ch], p.y_zp, p.act_min, p.act_max);
            }
          }
    }
}

// ---- The run-time-parameter paths: plain loops over the valid taps.

struct QLinearConvParams {
  ConvParams conv;
  int32_t w_per_channel;  // w_scale / w_zero_point hold c_out entries (else one)
  O2M_FIELDS(conv, w_per_channel)
};

// Calls emit(b, oc, index into y, acc) with acc = sum over valid taps of (x - zx) * (w - zw[oc]).
template <typename TX, typename TW, typename Emit>
inline void qconv_direct(const QLinearConvParams& q, const TX* x, int32_t zx, const TW* w, const TW* w_zp, Emit emit) {
  const ConvParams& p = q.conv;
  const int32_t cin_g = p.c_in / p.group, cout_g = p.c_out / p.group;
  const int32_t in_hw = p.in[1] * p.in[2], in_sp = p.in[0] * in_hw;
  const int32_t k_hw = p.k[1] * p.k[2], k_sp = p.k[0] * k_hw;
  const int32_t out_sp = p.out[0] * p.out[1] * p.out[2];
  for (int32_t b = 0; b < p.n; ++b)
    for (int32_t oc = 0; oc < p.c_out; ++oc) {
      const int32_t g = oc / cout_g;
      const int32_t zw = w_zp ? static_cast<int32_t>(w_zp[q.w_per_channel ? oc : 0]) : 0;
      const TW* wk = w + oc * cin_g * k_sp;
      const TX* xb = x + (b * p.c_in + g * cin_g) * in_sp;
      for (int32_t od = 0; od < p.out[0]; ++od) {
        const int32_t id0 = od * p.stride[0] - p.pad[0];
        int32_t kd_lo, kd_hi;
        conv_tap_range(id0, p.k[0], p.dil[0], p.in[0], kd_lo, kd_hi);
        for (int32_t oh = 0; oh < p.out[1]; ++oh) {
          const int32_t ih0 = oh * p.stride[1] - p.pad[1];
          int32_t kh_lo, kh_hi;
          conv_tap_range(ih0, p.k[1], p.dil[1], p.in[1], kh_lo, kh_hi);
          for (int32_t ow = 0; ow < p.out[2]; ++ow) {
            const int32_t iw0 = ow * p.stride[2] - p.pad[2];
            int32_t kw_lo, kw_hi;
            conv_tap_range(iw0, p.k[2], p.dil[2], p.in[2], kw_lo, kw_hi);
            int32_t acc = 0;
            for (int32_t ic = 0; ic < cin_g; ++ic)
              for (int32_t kd = kd_lo; kd < kd_hi; ++kd)
                for (int32_t kh = kh_lo; kh < kh_hi; ++kh) {
                  const TX* xr = xb + ic * in_sp + (id0 + kd * p.dil[0]) * in_hw + (ih0 + kh * p.dil[1]) * p.in[2] + iw0;
                  const TW* wr = wk + ic * k_sp + kd * k_hw + kh * p.k[2];
                  for (int32_t kw = kw_lo; kw < kw_hi; ++kw)
                    acc += (static_cast<int32_t>(xr[kw * p.dil[2]]) - zx) * (static_cast<int32_t>(wr[kw]) - zw);
                }
            emit(b, oc, (b * p.c_out + oc) * out_sp + (od * p.out[1] + oh) * p.out[2] + ow, acc);
          }
        }
      }
    }
}

// ONNX QLinearConv. The multiplier is x_scale * w_scale / y_scale in float, as onnxruntime
// computes it, then made fixed-point exactly (quantize_multiplier).
template <typename TX, typename TW, typename TY>
inline void qlinear_conv(const QLinearConvParams& q, const TX* x, const float* x_scale, const TX* x_zp, const TW* w,
                         const float* w_scale, const TW* w_zp, const float* y_scale, const TY* y_zp,
                         const int32_t* bias, TY* y) {
  const int32_t zy = y_zp ? static_cast<int32_t>(*y_zp) : 0;
  qconv_direct(q, x, x_zp ? static_cast<int32_t>(*x_zp) : 0, w, w_zp, [&](int32_t, int32_t oc, int32_t at, int32_t acc) {
    int32_t mult, shift;
    quantize_multiplier(x_scale[0] * w_scale[q.w_per_channel ? oc : 0] / y_scale[0], &mult, &shift);
    y[at] = qout<TY>(acc + (bias ? bias[oc] : 0), mult, shift, zy, QRange<TY>::lo, QRange<TY>::hi);
  });
}

// ONNX ConvInteger: y = sum (x - x_zp) * (w - w_zp) as int32.
template <typename TX, typename TW>
inline void conv_integer(const QLinearConvParams& q, const TX* x, const TW* w, const TX* x_zp, const TW* w_zp, int32_t* y) {
  qconv_direct(q, x, x_zp ? static_cast<int32_t>(*x_zp) : 0, w, w_zp,
               [&](int32_t, int32_t, int32_t at, int32_t acc) { y[at] = acc; });
}

}  // namespace o2m
