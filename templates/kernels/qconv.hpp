// Integer convolution (NC[D]HW, grouped and depthwise), three entry points:
//   qconv         the fast path: int8 weights with zero point 0, int8/uint8 activations, the
//                 input zero point folded into the bias, requantised by per-channel or
//                 per-tensor fixed-point multipliers computed at compile time (lower-qdq).
//   qlinear_conv  ONNX QLinearConv with every scale and zero point read at run time (models
//                 whose quantisation parameters are graph inputs: the ONNX node tests).
//   conv_integer  ONNX ConvInteger: int32 accumulators, no requantisation.
#pragma once

#include "conv.hpp"
#include "qconv_dsp.hpp"
#include "qconv_host.hpp"
#include "qdot.hpp"
#include "quant.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct QConvParams {
  ConvParams conv;
  int32_t x_zp;              // input zero point; padding reads as this value
  int32_t y_zp;              // output zero point
  int32_t act_min, act_max;  // output clamp: the type's range, narrowed by a fused Relu/Clip
  int32_t per_channel;       // mult/shift hold c_out entries (else one)
  O2M_FIELDS(conv, x_zp, y_zp, act_min, act_max, per_channel)
};



inline bool k_sp1(const ConvParams& c) { return c.k[0] == 1 && c.k[1] == 1 && c.k[2] == 1; }

#if defined(O2M_QDOT_MVE)
// `rows` runs of n bytes, from s (rows ss apart) to d (rows ds apart): whole 16-byte blocks,
// then the tail under one predicate made once (a depthwise plane's rows are often narrow: KWS's
// are 5 bytes). kFlip: each byte's top bit flipped on the way, uint8 x to the int8 x - 128.
template <bool kFlip = false, typename TD, typename TS>
inline void qv_copy_rows(TD* d, int32_t ds, const TS* s, int32_t ss, int32_t n, int32_t rows) {
  static_assert(sizeof(TD) == 1 && sizeof(TS) == 1, "bytes");
  uint8_t* ud = reinterpret_cast<uint8_t*>(d);
  const uint8_t* us = reinterpret_cast<const uint8_t*>(s);
  if (n <= 0 || rows <= 0) return;
  const uint8x16_t flip = vdupq_n_u8(kFlip ? 0x80 : 0);
#if !defined(O2M_NO_ASM)  // else the loop below: no whole block, the predicated tail a row
  if (n < 16) {  // a predicated load and store a row in a low-overhead loop (6 or 7 instructions; GCC 12: 16)
    const mve_pred16_t pr = vctp8q(static_cast<uint32_t>(n));  // in VPR for the block (the "Up" operand)
    uint8x16_t t;
#define O2M_COPY_ROWS_ASM(BLOCK)                                                                  \
  __asm__ volatile("dls lr, %[rows]\n1:\n" BLOCK "add %[s], %[ss]\n add %[d], %[ds]\n le lr, 1b\n"  \
                   : [d] "+r"(ud), [s] "+r"(us), [t] "=&w"(t)                                      \
                   : [ds] "r"(ds), [ss] "r"(ss), [rows] "r"(rows), [f] "w"(flip), [pr] "Up"(pr)    \
                   : "lr", "memory")
    if constexpr (kFlip)
      O2M_COPY_ROWS_ASM("vpsttt\n vldrbt.u8 %q[t], [%[s]]\n veort %q[t], %q[t], %q[f]\n vstrbt.8 %q[t], [%[d]]\n");
    else
      O2M_COPY_ROWS_ASM("vpstt\n vldrbt.u8 %q[t], [%[s]]\n vstrbt.8 %q[t], [%[d]]\n");
#undef O2M_COPY_ROWS_ASM
    return;
  }
#endif
  const int32_t whole = n & ~15;
  const mve_pred16_t tail = vctp8q(static_cast<uint32_t>(n - whole));
  auto flipped = [&](uint8x16_t v) {
    if constexpr (kFlip) return veorq_u8(v, flip);
    else return v;
  };
  for (int32_t r = 0; r < rows; ++r, ud += ds, us += ss) {
    for (int32_t i = 0; i < whole; i += 16) vstrbq_u8(ud + i, flipped(vldrbq_u8(us + i)));
    if (whole < n) vstrbq_p_u8(ud + whole, flipped(vldrbq_z_u8(us + whole, tail)), tail);
  }
}
#endif

// n values xp[0], xp[stride], ... as int8 (x - offset) into patch: a 1x1 window's channels.
// Helium gathers eight at a time (widening to 16-bit lanes, offsets up to 65535), stores them
// narrowed, the last eight predicated.
template <typename TX, bool kRef = false>
inline void qgather_strided(const TX* xp, int32_t stride, int32_t n, int8_t* patch) {
  constexpr int32_t off = qx_offset<TX>();
#if defined(O2M_QDOT_MVE)
  if (!kRef && stride <= 65535 / 7) {
    const uint16x8_t offs = vmulq_n_u16(vidupq_n_u16(0u, 1), static_cast<uint16_t>(stride));
    const uint8_t* u = reinterpret_cast<const uint8_t*>(xp);
    int32_t ic = 0;
    for (; ic + 8 <= n; ic += 8, u += 8 * stride) {  // unpredicated (GCC 12 sets up each predicate apart)
      if constexpr (off != 0)
        vstrbq_s16(patch + ic, vsubq_n_s16(vreinterpretq_s16_u16(vldrbq_gather_offset_u16(u, offs)),
                                           static_cast<int16_t>(off)));
      else
        vstrbq_s16(patch + ic, vldrbq_gather_offset_s16(reinterpret_cast<const int8_t*>(u), offs));
    }
    if (ic < n) {
      const mve_pred16_t pr = vctp16q(static_cast<uint32_t>(n - ic));
      int16x8_t v;
      if constexpr (off != 0)
        v = vsubq_n_s16(vreinterpretq_s16_u16(vldrbq_gather_offset_z_u16(u, offs, pr)), static_cast<int16_t>(off));
      else
        v = vldrbq_gather_offset_z_s16(reinterpret_cast<const int8_t*>(u), offs, pr);
      vstrbq_p_s16(patch + ic, v, pr);
    }
    return;
  }
#endif
  for (int32_t ic = 0; ic < n; ++ic) patch[ic] = static_cast<int8_t>(static_cast<int32_t>(xp[ic * stride]) - off);
}

// Gathers the receptive field of output (od, oh, ow) for input channels [0, cin_g) of xg.
// kRef = false copies a window wholly inside the input without bounds tests (the same bytes).
template <typename TX, bool kRef = false>
inline void qconv_gather(const ConvParams& c, const TX* xg, int32_t cin_g, int32_t od, int32_t oh, int32_t ow,
                         int8_t pad_v, int8_t* patch) {
  constexpr int32_t off = qx_offset<TX>();
  const int32_t in_hw = c.in[1] * c.in[2], in_sp = c.in[0] * in_hw;
  const int32_t id0 = od * c.stride[0] - c.pad[0], ih0 = oh * c.stride[1] - c.pad[1], iw0 = ow * c.stride[2] - c.pad[2];
  if (k_sp1(c) && id0 >= 0 && ih0 >= 0 && iw0 >= 0 && id0 < c.in[0] && ih0 < c.in[1] && iw0 < c.in[2]) {
    // a 1x1 window inside the input: a strided copy
    return qgather_strided<TX, kRef>(xg + id0 * in_hw + ih0 * c.in[2] + iw0, in_sp, cin_g, patch);
  }
  if (!kRef && c.k[0] == 1 && id0 >= 0 && id0 < c.in[0] && ih0 >= 0 && iw0 >= 0 &&
      ih0 + (c.k[1] - 1) * c.dil[1] < c.in[1] && iw0 + (c.k[2] - 1) * c.dil[2] < c.in[2]) {
    const TX* xp = xg + id0 * in_hw + ih0 * c.in[2] + iw0;  // a 2-D window inside the input
    const int32_t kh_n = c.k[1], kw_n = c.k[2], rs = c.dil[1] * c.in[2], cs = c.dil[2];
    auto x8 = [](TX v) { return static_cast<int8_t>(static_cast<int32_t>(v) - off); };
    int8_t* out = patch;
#if defined(O2M_QDOT_MVE)
    if (kh_n == 3 && kw_n == 3 && cs == 1 && rs < 32767) {
      // a 3x3 window on Helium: its first eight bytes by one widening gather (offsets of
      // (kh, kw) = (0,0)..(2,1)) and one narrowing store, the ninth by itself
      const uint16_t o[8] = {0, 1, 2, static_cast<uint16_t>(rs), static_cast<uint16_t>(rs + 1),
                             static_cast<uint16_t>(rs + 2), static_cast<uint16_t>(2 * rs), static_cast<uint16_t>(2 * rs + 1)};
      const uint16x8_t offs = vld1q_u16(o);
      for (int32_t ic = 0; ic < cin_g; ++ic, out += 9) {
        const TX* xr = xp + ic * in_sp;
        int16x8_t v;
        if constexpr (off != 0)
          v = vsubq_n_s16(vreinterpretq_s16_u16(vldrbq_gather_offset_u16(reinterpret_cast<const uint8_t*>(xr), offs)),
                          static_cast<int16_t>(off));
        else
          v = vldrbq_gather_offset_s16(reinterpret_cast<const int8_t*>(xr), offs);
        vstrbq_s16(out, v);
        out[8] = x8(xr[2 * rs + 2]);
      }
      return;
    }
    if (cs == 1 && kw_n < 16) {  // one predicated copy a row (uint8: x - 128 is x with its top bit flipped)
      for (int32_t ic = 0; ic < cin_g; ++ic, out += kh_n * kw_n)
        qv_copy_rows<off != 0>(out, kw_n, xp + ic * in_sp, rs, kw_n, kh_n);
      return;
    }
#endif
    for (int32_t ic = 0; ic < cin_g; ++ic) {
      const TX* xr = xp + ic * in_sp;
      if constexpr (off == 0) {
        if (kw_n == 3 && kh_n == 3 && cs == 1) {  // the common int8 3x3 window: a halfword and a byte a row
          memcpy(out, xr, 2);
          out[2] = xr[2];
          memcpy(out + 3, xr + rs, 2);
          out[5] = xr[rs + 2];
          memcpy(out + 6, xr + 2 * rs, 2);
          out[8] = xr[2 * rs + 2];
          out += 9;
          continue;
        }
      }
      if (kw_n == 3 && cs == 1) {  // the common 3-wide row, unrolled
        for (int32_t kh = 0; kh < kh_n; ++kh, xr += rs, out += 3) {
          out[0] = x8(xr[0]);
          out[1] = x8(xr[1]);
          out[2] = x8(xr[2]);
        }
        continue;
      }
      for (int32_t kh = 0; kh < kh_n; ++kh, xr += rs)
        for (int32_t kw = 0; kw < kw_n; ++kw) *out++ = x8(xr[kw * cs]);
    }
    return;
  }
#if defined(O2M_QDOT_MVE)
  if (!kRef && c.k[0] == 1 && id0 >= 0 && id0 < c.in[0] && c.k[1] == 3 && c.k[2] == 3 && c.dil[1] == 1 &&
      c.dil[2] == 1 && in_hw <= 65535) {
    // a 3x3 window across the input's edge on Helium (a 32x32 plane has 124 such of 1024): the
    // taps inside by one predicated widening gather at their offsets in the channel plane
    // (taps outside neither read nor kept: pad_v instead, by VPSEL), the ninth by itself
    uint16_t o[9];
    uint32_t inside = 0;  // the predicate: two bits per 16-bit lane
    for (int32_t t = 0; t < 9; ++t) {
      const int32_t ih = ih0 + t / 3, iw = iw0 + t % 3;
      const bool in = ih >= 0 && ih < c.in[1] && iw >= 0 && iw < c.in[2];
      o[t] = static_cast<uint16_t>(in ? ih * c.in[2] + iw : 0);
      if (in) inside |= 3u << (2 * t);
    }
    const uint16x8_t offs = vld1q_u16(o);
    const mve_pred16_t pr = static_cast<mve_pred16_t>(inside & 0xffffu);
    const bool in8 = (inside >> 16) != 0;
    const int16x8_t pad = vdupq_n_s16(pad_v);
    const TX* xc = xg + id0 * in_hw;
    int8_t* out = patch;
    for (int32_t ic = 0; ic < cin_g; ++ic, xc += in_sp, out += 9) {
      int16x8_t v;
      if constexpr (off != 0)
        v = vsubq_n_s16(vreinterpretq_s16_u16(vldrbq_gather_offset_z_u16(reinterpret_cast<const uint8_t*>(xc), offs, pr)),
                        static_cast<int16_t>(off));
      else
        v = vldrbq_gather_offset_z_s16(reinterpret_cast<const int8_t*>(xc), offs, pr);
      vstrbq_s16(out, vpselq_s16(v, pad, pr));
      out[8] = in8 ? static_cast<int8_t>(static_cast<int32_t>(xc[o[8]]) - off) : pad_v;
    }
    return;
  }
#endif
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

#if defined(O2M_QDOT_MVE)
// A 2-D 3x3 window (unit dilation) of a dense conv: qgather2_3x3_mve may gather it.
inline bool qconv_window3x3(const ConvParams& c) {
  return c.in[0] == 1 && c.k[0] == 1 && c.k[1] == 3 && c.k[2] == 3 && c.dil[1] == 1 && c.dil[2] == 1 &&
         c.in[2] < 32767 && c.in[2] * 2 + c.stride[2] < 32767;
}
// The patches of output pixels pix and pix + 1 (qconv_window3x3), when both windows are wholly
// inside the input on one output row: per channel, two widening gathers of each window's first
// eight bytes (offsets offs: (kh, kw) = (0,0)..(2,1), as qconv_gather's), two narrowing stores,
// the ninth bytes by themselves. One call for the pair, with no per-pixel set-up: qconv_gather's
// (called per pixel) cost as much as its channels on IC's 16-channel layers. Else false, nothing done.
template <typename TX>
inline bool qgather2_3x3_mve(const ConvParams& c, const TX* xg, int32_t cin_g, int32_t pix, uint16x8_t offs,
                             int8_t* patch0, int8_t* patch1) {
  constexpr int32_t off = qx_offset<TX>();
  const int32_t ow_n = c.out[2], oh = pix / ow_n, ow = pix - oh * ow_n, sw = c.stride[2], in_w = c.in[2];
  const int32_t ih0 = oh * c.stride[1] - c.pad[1], iw0 = ow * sw - c.pad[2];
  if (ow + 1 >= ow_n || ih0 < 0 || iw0 < 0 || ih0 + 2 >= c.in[1] || iw0 + sw + 2 >= in_w) return false;
  const int32_t in_sp = c.in[1] * in_w, last = 2 * in_w + 2;
  const uint8_t* xr = reinterpret_cast<const uint8_t*>(xg + ih0 * in_w + iw0);
  for (int32_t ic = 0; ic < cin_g; ++ic, xr += in_sp, patch0 += 9, patch1 += 9) {
    int16x8_t v0, v1;
    if constexpr (off != 0) {
      v0 = vsubq_n_s16(vreinterpretq_s16_u16(vldrbq_gather_offset_u16(xr, offs)), static_cast<int16_t>(off));
      v1 = vsubq_n_s16(vreinterpretq_s16_u16(vldrbq_gather_offset_u16(xr + sw, offs)), static_cast<int16_t>(off));
    } else {
      v0 = vldrbq_gather_offset_s16(reinterpret_cast<const int8_t*>(xr), offs);
      v1 = vldrbq_gather_offset_s16(reinterpret_cast<const int8_t*>(xr + sw), offs);
    }
    vstrbq_s16(patch0, v0);
    vstrbq_s16(patch1, v1);
    patch0[8] = static_cast<int8_t>(static_cast<int32_t>(xr[last]) - off);
    patch1[8] = static_cast<int8_t>(static_cast<int32_t>(xr[last + sw]) - off);
  }
  return true;
}
// qgather2_3x3_mve's offsets for rows in_w apart.
inline uint16x8_t qgather_3x3_offsets(int32_t in_w) {
  const uint16_t o[8] = {0, 1, 2, static_cast<uint16_t>(in_w), static_cast<uint16_t>(in_w + 1),
                         static_cast<uint16_t>(in_w + 2), static_cast<uint16_t>(2 * in_w),
                         static_cast<uint16_t>(2 * in_w + 1)};
  return vld1q_u16(o);
}
#endif

// 2-D depthwise (one input and one output channel per group) runs without a patch: each
// channel's plane is copied once into a buffer padded with x_zp, so every window is whole and
// sums x * w directly; the folded bias absorbs the offset (x - offset = x * w - offset * wsum).
inline bool qconv_depthwise_2d(const ConvParams& c) {
  return c.group == c.c_in && c.c_out == c.c_in && c.in[0] == 1 && c.k[0] == 1 && c.out[0] == 1;
}
// A 3x3 2-D conv of one input channel (a model's first, on a grey image: zant_beer's) runs on
// the DSP extension as a depthwise conv with a channel multiplier (qconv_depthwise_only with
// kOneIn, chosen by the lowering): the input padded into the plane once, then each output
// channel over it as a depthwise channel (its weights in registers, its requantisation set up
// once), where the patches would do 9 MACs an output between requantisations. zant_beer's 1 -> 16 channels
// 3x3 stride 2 on the M4: 6.98 -> 3.47 instructions/MAC.
inline bool qconv_one_channel_3x3(const ConvParams& c) {
  return c.c_in == 1 && c.group == 1 && c.c_out >= 2 && c.in[0] == 1 && c.k[0] == 1 && c.out[0] == 1 && c.k[1] == 3 &&
         c.k[2] == 3 && c.dil[1] == 1 && c.dil[2] == 1;
}
inline int32_t qconv_plane_h(const ConvParams& c) { return (c.out[1] - 1) * c.stride[1] + (c.k[1] - 1) * c.dil[1] + 1; }
inline int32_t qconv_plane_w(const ConvParams& c) { return (c.out[2] - 1) * c.stride[2] + (c.k[2] - 1) * c.dil[2] + 1; }

// Bytes of one patch (one group's receptive field as int8), rounded to a word.
inline int32_t qconv_patch_stride(const ConvParams& c) {
  return ((c.c_in / c.group) * c.k[0] * c.k[1] * c.k[2] + 3) / 4 * 4;
}

// A pointwise conv (1x1, unit strides, no padding) reads input pixel pix for output pixel pix.
inline bool qconv_pointwise(const ConvParams& c) {
  return k_sp1(c) && c.stride[0] == 1 && c.stride[1] == 1 && c.stride[2] == 1 && c.pad[0] == 0 && c.pad[1] == 0 &&
         c.pad[2] == 0;
}

// The DSP blocks widen a dense conv's (not pointwise, not depthwise) two patches to int16 once
// per pixel pair (qwiden_patch) when at least four channel pairs share them, in place in twice
// a patch's bytes. Decided for every target, as the arena is.
inline bool qconv_wide_patch(const ConvParams& c) {
  const int32_t cout_g = c.c_out / c.group;
  return !qconv_depthwise_2d(c) && !qconv_pointwise(c) && cout_g >= 8 && cout_g % 2 == 0;
}

#if defined(O2M_QDOT_DSP)
// A dense conv (qconv_wide_patch) on the DSP extension, two output pixels at a time: each
// pixel's int8 patch gathered into the upper half of its int16 one and widened in place
// (qwiden_patch), then every channel pair against both (qconv_pixels_dsp). gather(b, g, pix,
// patch): pixel pix's patch of group g, batch b. Every shift requant_usual; kFull: the output
// clamp is TY's range (IC's convs, KWS's and VWW's first: one SSAT an output, measured 2-6%
// faster than the general clamp); kLut: each output through table (zant_beer's first conv).
// Apart from qconv: inlined there, it costs the other paths registers.
template <typename TY, bool kFull, bool kLut, typename Gather>
__attribute__((noinline)) inline void qconv_patches_dsp(const ConvParams& c, bool per_channel, int32_t y_zp, int32_t lo,
                                                       int32_t hi, Gather gather, const int8_t* w, const int32_t* bias,
                                                       const int32_t* mult, const int32_t* shift, const TY* table, TY* y,
                                                       void* scratch) {
  const int32_t cout_g = c.c_out / c.group, kg = (c.c_in / c.group) * c.k[0] * c.k[1] * c.k[2];
  const int32_t ps = qconv_patch_stride(c), out_sp = c.out[0] * c.out[1] * c.out[2];
  int16_t* const wide0 = static_cast<int16_t*>(scratch);
  int16_t* const wide1 = wide0 + ps;
  int8_t* const patch0 = static_cast<int8_t*>(scratch) + ps;
  int8_t* const patch1 = patch0 + 2 * ps;
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t g = 0; g < c.group; ++g) {
      const int32_t* mg = mult + (per_channel ? g * cout_g : 0);
      const int32_t* sg = shift + (per_channel ? g * cout_g : 0);
      TY* yg = y + (b * c.c_out + g * cout_g) * out_sp;
      for (int32_t pix = 0; pix < out_sp; pix += 2) {
        // an odd last pixel runs as a pair with itself, the second half not stored
        const bool two = pix + 1 < out_sp;
        gather(b, g, pix, patch0);
        qwiden_patch(patch0, wide0, kg);
        if (two) {
          gather(b, g, pix + 1, patch1);
          qwiden_patch(patch1, wide1, kg);
        }
        qconv_pixels_dsp<TY, kFull, false, kLut, int16_t>(wide0, two ? wide1 : wide0, two, w + g * cout_g * kg, kg, cout_g,
                                                         bias + g * cout_g, mg, sg, per_channel, y_zp, lo, hi, out_sp,
                                                         yg + pix, table);
      }
    }
}
#endif

// Working bytes of qconv: two patches (two output pixels at a time; widened, twice that:
// qconv_wide_patch), for a pointwise conv at least four pixels packed as int16 (the DSP block,
// qpw4_scratch_bytes), or for a 2-D depthwise conv (and qconv_one_channel_3x3's, on every
// target, as the arena is decided) one padded input plane and the 3 * stride + 4 bytes the
// Helium (and DSP) loops may read past its end.
inline int32_t qconv_scratch_bytes(const ConvParams& c) {
  if (qconv_depthwise_2d(c) || qconv_one_channel_3x3(c))
    return (qconv_plane_h(c) * qconv_plane_w(c) + 3 * c.stride[2] + 4 + 3) / 4 * 4;
  if (qconv_pointwise(c)) return 8 * qconv_patch_stride(c);  // = qpw4_scratch_bytes(c_in / group)
  return (qconv_wide_patch(c) ? 4 : 2) * qconv_patch_stride(c);
}

// qconv may write y over x (the same bytes) for these geometries: a 2-D depthwise conv copies
// each channel into its plane before writing that channel's output, and a pointwise conv gathers
// each pixel's channels into a patch before writing that pixel's outputs (never a later one's).
// The planner relies on it (src/ops/qlinear_conv.cpp); tests/target/qkernels_test.cpp checks
// every variant in place.
inline bool qconv_in_place(const ConvParams& c) {
  const bool same_plane = c.out[0] == c.in[0] && c.out[1] == c.in[1] && c.out[2] == c.in[2];
  return c.c_out == c.c_in && same_plane && (qconv_depthwise_2d(c) || (c.group == 1 && qconv_pointwise(c)));
}

#if defined(O2M_QDOT_MVE)
// Four plane bytes at p + i * stride (i < 4) widened to int32: a contiguous load when the stride
// is 1, else a gather. Not predicated: lanes past the plane's end read at most 3 * stride + 4
// bytes further on, which qconv_scratch_bytes leaves room for.
template <typename TX>
inline int32x4_t qdw_load4(const TX* p, bool unit, uint32x4_t offs) {
  if constexpr (qx_offset<TX>() != 0) {
    const uint8_t* u = reinterpret_cast<const uint8_t*>(p);
    return vreinterpretq_s32_u32(unit ? vldrbq_u32(u) : vldrbq_gather_offset_u32(u, offs));
  } else {
    const int8_t* s = reinterpret_cast<const int8_t*>(p);
    return unit ? vldrbq_s32(s) : vldrbq_gather_offset_s32(s, offs);
  }
}

// acc + the nine taps of a 3x3 window at r0 (rows pw apart) for four positions, each tap one
// qdw_load4 and one VMLA by its weight.
template <typename TX>
__attribute__((always_inline)) inline int32x4_t qdw_taps3x3(int32x4_t acc, const TX* r0, int32_t pw, bool unit,
                                                            uint32x4_t offs, int32_t w0, int32_t w1, int32_t w2,
                                                            int32_t w3, int32_t w4, int32_t w5, int32_t w6, int32_t w7,
                                                            int32_t w8) {
  const TX* r1 = r0 + pw;
  const TX* r2 = r1 + pw;
  acc = vmlaq_n_s32(acc, qdw_load4(r0, unit, offs), w0);
  acc = vmlaq_n_s32(acc, qdw_load4(r0 + 1, unit, offs), w1);
  acc = vmlaq_n_s32(acc, qdw_load4(r0 + 2, unit, offs), w2);
  acc = vmlaq_n_s32(acc, qdw_load4(r1, unit, offs), w3);
  acc = vmlaq_n_s32(acc, qdw_load4(r1 + 1, unit, offs), w4);
  acc = vmlaq_n_s32(acc, qdw_load4(r1 + 2, unit, offs), w5);
  acc = vmlaq_n_s32(acc, qdw_load4(r2, unit, offs), w6);
  acc = vmlaq_n_s32(acc, qdw_load4(r2 + 1, unit, offs), w7);
  acc = vmlaq_n_s32(acc, qdw_load4(r2 + 2, unit, offs), w8);
  return acc;
}

// One channel of a 2-D depthwise conv on Helium: four output pixels per pass, each tap one
// widening load (or gather) of four plane bytes and one VMLA by the tap's weight (a 3x3 window
// unrolled with its weights in registers), then qout4. acc = base + sum x * w, as the scalar
// loop. With both strides 1 the passes run over the plane's rows end to end (position q is
// output (q / pw, q % pw), stored when q % pw < out width by a predicated scatter), so a narrow
// row does not leave most of a pass's lanes idle; otherwise a row at a time, tail-predicated.
template <typename TX, typename TY>
inline void qconv_depthwise_channel_mve(const QConvParams& p, const TX* plane, int32_t pw, const int8_t* wc,
                                        int32_t base, int32_t m, int32_t s, TY* yc) {
  const ConvParams& c = p.conv;
  const int32_t sw = c.stride[2], ow_n = c.out[2], oh_n = c.out[1], sh = c.stride[1];
  const int32_t y_zp = p.y_zp, lo = p.act_min, hi = p.act_max;
  const uint32x4_t offs = vmulq_n_u32(vidupq_n_u32(0, 1), static_cast<uint32_t>(sw));
  const bool k33 = c.k[1] == 3 && c.k[2] == 3 && c.dil[1] == 1 && c.dil[2] == 1;
  const bool fast_rq = qout4_usual(m, s), unit = sw == 1;
  const int32_t w0 = wc[0], w1 = wc[k33 ? 1 : 0], w2 = wc[k33 ? 2 : 0], w3 = wc[k33 ? 3 : 0], w4 = wc[k33 ? 4 : 0],
                w5 = wc[k33 ? 5 : 0], w6 = wc[k33 ? 6 : 0], w7 = wc[k33 ? 7 : 0], w8 = wc[k33 ? 8 : 0];
  auto taps = [&](const TX* r0) __attribute__((always_inline)) {  // inlined into both loops
    int32x4_t acc = vdupq_n_s32(base);
    if (k33) {
      acc = qdw_taps3x3(acc, r0, pw, unit, offs, w0, w1, w2, w3, w4, w5, w6, w7, w8);
    } else {
      for (int32_t kh = 0; kh < c.k[1]; ++kh) {
        const TX* rk = r0 + kh * c.dil[1] * pw;
        for (int32_t kw = 0; kw < c.k[2]; ++kw)
          acc = vmlaq_n_s32(acc, qdw_load4(rk + kw * c.dil[2], unit, offs), wc[kh * c.k[2] + kw]);
      }
    }
    return acc;
  };
  // A strided 3x3 (VWW's stride-2 layers, 24 down to 3 outputs wide): four consecutive output
  // pixels per pass over the output rows end to end, so narrow rows keep the lanes busy; each
  // tap one gather at the lanes' plane offsets, which step 4 * sw a pass and wrap to the next
  // output row (more than once when ow_n < 4). The outputs are dense: one predicated VSTRB.
  // Lanes past the last output read the last window (clamped), inside the plane, and are not stored.
  if (fast_rq && k33 && !unit) {
    const int32_t qn = oh_n * ow_n, jump = sh * pw - ow_n * sw, wraps = (4 + ow_n - 1) / ow_n;
    const int32x4_t last = vdupq_n_s32((oh_n - 1) * sh * pw + (ow_n - 1) * sw);
    int32x4_t col = vreinterpretq_s32_u32(vidupq_n_u32(0, 1));  // output column per lane
    int32x4_t in = vmulq_n_s32(col, sw);                       // its window's plane offset
    // col + add, in + add * sw, then a lane past the row (col >= ow_n) to the next output row:
    // keep = -1 for the lanes that stay (the sign of col - ow_n), so no predicates
    auto step = [&](int32_t add) __attribute__((always_inline)) {
      const int32x4_t d = vaddq_n_s32(col, add - ow_n);
      const int32x4_t keep = vshrq_n_s32(d, 31);
      col = vmlaq_n_s32(d, keep, -ow_n);
      in = vmlaq_n_s32(vaddq_n_s32(in, add * sw + jump), keep, jump);
    };
    for (int32_t i = 0; i < wraps; ++i) step(0);
    const TX* r0 = plane;  // three row pointers and three offset vectors: fewer registers than nine taps' pointers
    const TX* r1 = plane + pw;
    const TX* r2 = plane + 2 * pw;
    for (int32_t q = 0; q < qn; q += 4) {
      const int32x4_t oi = vminq_s32(in, last);
      const uint32x4_t o0 = vreinterpretq_u32_s32(oi), o1 = vreinterpretq_u32_s32(vaddq_n_s32(oi, 1)),
                       o2 = vreinterpretq_u32_s32(vaddq_n_s32(oi, 2));
      int32x4_t acc = vdupq_n_s32(base);
      acc = vmlaq_n_s32(acc, qdw_load4(r0, false, o0), w0);
      acc = vmlaq_n_s32(acc, qdw_load4(r0, false, o1), w1);
      acc = vmlaq_n_s32(acc, qdw_load4(r0, false, o2), w2);
      acc = vmlaq_n_s32(acc, qdw_load4(r1, false, o0), w3);
      acc = vmlaq_n_s32(acc, qdw_load4(r1, false, o1), w4);
      acc = vmlaq_n_s32(acc, qdw_load4(r1, false, o2), w5);
      acc = vmlaq_n_s32(acc, qdw_load4(r2, false, o0), w6);
      acc = vmlaq_n_s32(acc, qdw_load4(r2, false, o1), w7);
      acc = vmlaq_n_s32(acc, qdw_load4(r2, false, o2), w8);
      const int32x4_t v = qout4(acc, m, s, y_zp, lo, hi);
      const mve_pred16_t pr = vctp32q(static_cast<uint32_t>(qn - q));
      if constexpr (qx_offset<TY>() != 0)
        vstrbq_p_u32(reinterpret_cast<uint8_t*>(yc + q), vreinterpretq_u32_s32(v), pr);
      else
        vstrbq_p_s32(reinterpret_cast<int8_t*>(yc + q), v, pr);
      step(4);
      for (int32_t i = 1; i < wraps; ++i) step(0);
    }
    return;
  }
  // End to end when a row at a time would leave more lanes idle (4 * ceil(ow_n / 4) > pw: KWS's
  // 5-wide rows, not VWW's 48-wide ones); a lane passes a row's end at most once a pass (pw >= 4).
  if (fast_rq && sw == 1 && sh == 1 && pw >= 4 && (ow_n + 3) / 4 * 4 > pw) {
    const int32_t qn = oh_n * pw, gap = pw - ow_n;
    int32x4_t col = vreinterpretq_s32_u32(vidupq_n_u32(0, 1));  // q % pw per lane
    int32x4_t dst = col;                                        // the output index of position q
    for (int32_t q = 0; q < qn; q += 4) {
      const int32x4_t v = qout4(taps(plane + q), m, s, y_zp, lo, hi);
      const mve_pred16_t st = vcmpltq_m_n_s32(col, ow_n, vctp32q(static_cast<uint32_t>(qn - q)));
      if constexpr (qx_offset<TY>() != 0)
        vstrbq_scatter_offset_p_u32(reinterpret_cast<uint8_t*>(yc), vreinterpretq_u32_s32(dst), vreinterpretq_u32_s32(v), st);
      else
        vstrbq_scatter_offset_p_s32(reinterpret_cast<int8_t*>(yc), vreinterpretq_u32_s32(dst), v, st);
      col = vaddq_n_s32(col, 4);
      dst = vaddq_n_s32(dst, 4);
      const mve_pred16_t wrap = vcmpgeq_n_s32(col, pw);
      col = vsubq_m_n_s32(col, col, pw, wrap);
      dst = vsubq_m_n_s32(dst, dst, gap, wrap);
    }
    return;
  }
  int32_t outs[4];
  for (int32_t oh = 0; oh < oh_n; ++oh) {
    const TX* r0 = plane + oh * sh * pw;
    TY* yr = yc + oh * ow_n;
    for (int32_t ow = 0; ow < ow_n; ow += 4, r0 += 4 * sw) {
      const mve_pred16_t pr = vctp32q(static_cast<uint32_t>(ow_n - ow));
      const int32x4_t acc = taps(r0);
      if (fast_rq) {
        const int32x4_t v = qout4(acc, m, s, y_zp, lo, hi);
        if constexpr (qx_offset<TY>() != 0)
          vstrbq_p_u32(reinterpret_cast<uint8_t*>(yr + ow), vreinterpretq_u32_s32(v), pr);
        else
          vstrbq_p_s32(reinterpret_cast<int8_t*>(yr + ow), v, pr);
      } else {  // a multiplier outside qout4's range: the scalar requantisation
        vst1q_s32(outs, acc);
        for (int32_t i = 0; i < 4 && ow + i < ow_n; ++i)
          yr[ow + i] = qout<TY>(outs[i], m, s, y_zp, lo, hi);
      }
    }
  }
}
// A depthwise plane's padding: n bytes of one value, 16 at a time, the last run predicated.
template <typename T>
inline void qv_fill_bytes(T* d, T v, int32_t n) {
  static_assert(sizeof(T) == 1, "bytes");
  const uint8x16_t vv = vdupq_n_u8(static_cast<uint8_t>(v));
  uint8_t* u = reinterpret_cast<uint8_t*>(d);
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) vstrbq_u8(u + i, vv);  // unpredicated: GCC 12 sets up each predicate apart
  if (i < n) vstrbq_p_u8(u + i, vv, vctp8q(static_cast<uint32_t>(n - i)));
}

// A column to a row (kGather: d[i] = s[i * stride], a widening gather) or a row to a column
// (d[i * stride] = s[i], a scatter), n bytes eight at a time (16-bit offsets: a stride up to
// 9362). Whole eights in a low-overhead loop, then the last n % 8 under one predicate (no lanes
// when n % 8 is 0); written out, as GCC 12 moves the predicate through a core register and puts
// a VPST before each predicated instruction.
template <bool kGather, typename TD, typename TS>
inline void qv_column_bytes(TD* d, const TS* s, int32_t stride, int32_t n) {
  static_assert(sizeof(TD) == 1 && sizeof(TS) == 1, "bytes");
  const uint16x8_t offs = vmulq_n_u16(vidupq_n_u16(0u, 1), static_cast<uint16_t>(stride));
  const mve_pred16_t tail = vctp16q(static_cast<uint32_t>(n & 7));  // in VPR (the "Up" operand)
#if defined(O2M_NO_ASM)
  uint8_t* ud = reinterpret_cast<uint8_t*>(d);
  const uint8_t* us = reinterpret_cast<const uint8_t*>(s);
  const int32_t whole = n & ~7;
  if constexpr (kGather) {
    for (int32_t i = 0; i < whole; i += 8) vstrbq_u16(ud + i, vldrbq_gather_offset_u16(us + i * stride, offs));
    if (whole < n) vstrbq_p_u16(ud + whole, vldrbq_gather_offset_z_u16(us + whole * stride, offs, tail), tail);
  } else {
    for (int32_t i = 0; i < whole; i += 8) vstrbq_scatter_offset_u16(ud + i * stride, offs, vldrbq_u16(us + i));
    if (whole < n) vstrbq_scatter_offset_p_u16(ud + whole * stride, offs, vldrbq_z_u16(us + whole, tail), tail);
  }
#else
  uint16x8_t t;
#define O2M_COLUMN_ASM(LOOP, TAIL)                                                                \
  __asm__ volatile("wls lr, %[k], 2f\n1:\n" LOOP "le lr, 1b\n2:\n vpstt\n" TAIL                  \
                   : [d] "+r"(d), [s] "+r"(s), [t] "=&w"(t)                                        \
                   : [o] "w"(offs), [step] "r"(8 * stride), [k] "r"(n >> 3), [pr] "Up"(tail)       \
                   : "lr", "memory")
  if constexpr (kGather)
    O2M_COLUMN_ASM("vldrb.u16 %q[t], [%[s], %q[o]]\n vstrb.16 %q[t], [%[d]], #8\n add %[s], %[step]\n",
                   "vldrbt.u16 %q[t], [%[s], %q[o]]\n vstrbt.16 %q[t], [%[d]]\n");
  else
    O2M_COLUMN_ASM("vldrb.u16 %q[t], [%[s]], #8\n vstrb.16 %q[t], [%[d], %q[o]]\n add %[d], %[step]\n",
                   "vldrbt.u16 %q[t], [%[s]]\n vstrbt.16 %q[t], [%[d], %q[o]]\n");
#undef O2M_COLUMN_ASM
#endif
}

// The in-place passes below: `passes` passes of four plane positions, from plane on, each
// output (acc = base + sum x * w, then qout4; the caller checks qout4_usual) stored over
// plane[q .. q + 3]. Written out (compiled from C, GCC 12 spills weights and the
// requantisation's constants every pass): 34 instructions a pass: the base reloaded from the
// stack (eight vector registers hold the rest), 9 widening loads and 9 VMLAs, then qout4's
// steps (qdot.hpp). 13 core registers (9 weights, 3 row pointers, mult): r7 must be free, as
// qdot2x2's DSP assembly needs; else (O2M_NO_ASM) the same passes in C.
template <typename TX>
__attribute__((noinline)) inline void qdw3x3_s1_inplace(TX* plane, int32_t pw, int32_t passes, const int8_t* wc,
                                                      int32_t base, int32_t m, int32_t s, int32_t y_zp, int32_t lo,
                                                      int32_t hi) {
  const int32_t w0 = wc[0], w1 = wc[1], w2 = wc[2], w3 = wc[3], w4 = wc[4], w5 = wc[5], w6 = wc[6], w7 = wc[7],
                w8 = wc[8];
#if !defined(__OPTIMIZE__) || defined(O2M_NO_ASM)
  const uint32x4_t offs = vdupq_n_u32(0);  // unused: the loads are contiguous
  for (int32_t q = 0; q < 4 * passes; q += 4) {
    const int32x4_t acc =
        qdw_taps3x3(vdupq_n_s32(base), plane + q, pw, true, offs, w0, w1, w2, w3, w4, w5, w6, w7, w8);
    vstrbq_s32(reinterpret_cast<int8_t*>(plane + q), qout4(acc, m, s, y_zp, lo, hi));
  }
#else
  const int32x4_t vsh = vdupq_n_s32(s), vsh32 = vdupq_n_s32(s + 32), vlo = vdupq_n_s32(lo - y_zp),
                  vhi = vdupq_n_s32(hi - y_zp), vzp = vdupq_n_s32(y_zp);
  TX* p0 = plane;
  TX* p1 = plane + pw;
  TX* p2 = p1 + pw;
  int32x4_t a, x, q;
#define O2M_DW_ROW(LD, P, WA, WB, WC)                                                              \
  LD " %q[x], [%[" P "], #1]\n vmla.s32 %q[a], %q[x], %[" WB "]\n"                                \
  LD " %q[x], [%[" P "], #2]\n vmla.s32 %q[a], %q[x], %[" WC "]\n"                                \
  LD " %q[x], [%[" P "]], #4\n vmla.s32 %q[a], %q[x], %[" WA "]\n"
#define O2M_DW_ASM(LD)                                                                            \
  __asm__ volatile(                                                                               \
      "ldr lr, %[basem]\n vdup.32 %q[a], lr\n ldr lr, %[passes]\n"                                \
      "sub sp, #16\n vstrw.32 %q[a], [sp]\n dls lr, lr\n"                                          \
      "1:\n vldrw.u32 %q[a], [sp]\n"                                                             \
      LD " %q[x], [%[p0]]\n vmla.s32 %q[a], %q[x], %[w0]\n"                                       \
      LD " %q[x], [%[p0], #1]\n vmla.s32 %q[a], %q[x], %[w1]\n"                                   \
      LD " %q[x], [%[p0], #2]\n vmla.s32 %q[a], %q[x], %[w2]\n"                                   \
      O2M_DW_ROW(LD, "p1", "w3", "w4", "w5") O2M_DW_ROW(LD, "p2", "w6", "w7", "w8")                \
      "vqdmulh.s32 %q[x], %q[a], %[m]\n vmul.i32 %q[a], %q[a], %[m]\n"                             \
      "vshl.s32 %q[q], %q[x], %q[sh]\n vshl.s32 %q[x], %q[x], %q[sh32]\n"                          \
      "vorr %q[a], %q[a], %q[x]\n vshr.u32 %q[x], %q[x], #31\n vsli.32 %q[a], %q[q], #31\n"        \
      "vmin.u32 %q[a], %q[a], %q[x]\n vadd.i32 %q[q], %q[q], %q[a]\n"                              \
      "vmax.s32 %q[q], %q[q], %q[lo]\n vmin.s32 %q[q], %q[q], %q[hi]\n vadd.i32 %q[q], %q[q], %q[zp]\n" \
      "vstrb.32 %q[q], [%[p0]], #4\n le lr, 1b\n add sp, #16\n"                                    \
      : [p0] "+r"(p0), [p1] "+r"(p1), [p2] "+r"(p2), [a] "=&w"(a), [x] "=&w"(x), [q] "=&w"(q)       \
      : [w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [w3] "r"(w3), [w4] "r"(w4), [w5] "r"(w5),        \
        [w6] "r"(w6), [w7] "r"(w7), [w8] "r"(w8), [m] "r"(m), [sh] "w"(vsh), [sh32] "w"(vsh32),     \
        [lo] "w"(vlo), [hi] "w"(vhi), [zp] "w"(vzp), [basem] "m"(base), [passes] "m"(passes)       \
      : "lr", "memory")
  if constexpr (qx_offset<TX>() != 0)
    O2M_DW_ASM("vldrb.u32");
  else
    O2M_DW_ASM("vldrb.s32");
#undef O2M_DW_ASM
#undef O2M_DW_ROW
#endif
}

// One channel of a 3x3, stride-1 2-D depthwise conv on Helium, in place, when qout4 applies:
// four plane positions q per pass over the rows end to end (as above), their outputs stored by
// one plain VSTRB over plane[q .. q + 3], which no later pass reads (pass q reads plane[q ..
// q + 2 * pw + 5], inside qconv_scratch_bytes); then each row's out-width bytes are copied to y.
// No predicate and no scatter in the loop. The plane's padding is overwritten: the caller
// writes it again before the next channel. acc = base + sum x * w, as the scalar loop.
template <typename TX, typename TY>
inline void qconv_depthwise3x3_s1_inplace_mve(const QConvParams& p, TX* plane, int32_t pw, const int8_t* wc,
                                              int32_t base, int32_t m, int32_t s, TY* yc) {
  const int32_t oh_n = p.conv.out[1], ow_n = p.conv.out[2], qn = oh_n * pw;
  qdw3x3_s1_inplace(plane, pw, (qn + 3) / 4, wc, base, m, s, p.y_zp, p.act_min, p.act_max);
  qv_copy_rows(yc, ow_n, plane, pw, ow_n, oh_n);
}
#endif

#if defined(O2M_QDOT_MVE)
// A 3x3 stride-1 depthwise conv transposed: worth it when the rows are much narrower than the
// columns (KWS: 25 x 5 outputs, planes 27 x 7), as the in-place passes run over the rows end to
// end and waste the two padding columns of every row (2 of 7 positions for KWS, 2 of 27
// transposed). The plane, filled with x_zp, holds column c of the padded input as row c (ph
// wide); the taps' weights are transposed to match, and output row ow, oh = 0 .. out_h - 1,
// goes back to y as column ow.
inline bool qconv_depthwise_transposed(const ConvParams& c, int32_t ph, int32_t pw) {
  return (c.out[2] * ph + 3) / 4 < (c.out[1] * pw + 3) / 4 && 7 * c.in[2] <= 65535 && 7 * c.out[2] <= 65535;
}
template <typename TX, typename TY>
inline void qconv_depthwise3x3_s1_transposed_mve(const QConvParams& p, const TX* xc, TX* plane,
                                                                          int32_t ph, int32_t pw, const int8_t* wc,
                                                                          int32_t base, int32_t m, int32_t s, TY* yc) {
  const ConvParams& c = p.conv;
  const int32_t rbeg = c.pad[1] < ph ? c.pad[1] : ph, rend = c.pad[1] + c.in[1] < ph ? c.pad[1] + c.in[1] : ph;
  const int32_t cn = (c.pad[2] + c.in[2] < pw ? c.pad[2] + c.in[2] : pw) - c.pad[2];
  qv_fill_bytes(plane, static_cast<TX>(p.x_zp), ph * pw);
  for (int32_t iw = 0; iw < cn; ++iw)
    qv_column_bytes<true>(plane + (c.pad[2] + iw) * ph + rbeg, xc + (rbeg - c.pad[1]) * c.in[2] + iw, c.in[2],
                          rend - rbeg);
  const int8_t wt[9] = {wc[0], wc[3], wc[6], wc[1], wc[4], wc[7], wc[2], wc[5], wc[8]};
  qdw3x3_s1_inplace(plane, ph, (c.out[2] * ph + 3) / 4, wt, base, m, s, p.y_zp, p.act_min, p.act_max);
  for (int32_t ow = 0; ow < c.out[2]; ++ow) qv_column_bytes<false>(yc + ow, plane + ow * ph, c.out[2], c.out[1]);
}
// The whole conv transposed when every channel's requantisation is qout4_usual (else false,
// nothing done). Apart from qconv_depthwise: inlined there, it costs the other paths registers.
template <typename TX, typename TY>
__attribute__((noinline)) inline bool qconv_depthwise_transposed_mve(const QConvParams& p, const TX* x, const int8_t* w,
                                                                    const int32_t* bias, const int32_t* mult,
                                                                    const int32_t* shift, TY* y, TX* plane) {
  const ConvParams& c = p.conv;
  for (int32_t i = 0; i < (p.per_channel ? c.c_out : 1); ++i)
    if (!qout4_usual(mult[i], shift[i])) return false;
  const int32_t ph = qconv_plane_h(c), pw = qconv_plane_w(c), in_sp = c.in[1] * c.in[2], out_sp = c.out[1] * c.out[2];
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t ch = 0; ch < c.c_out; ++ch) {
      const int8_t* wc = w + ch * 9;
      int32_t wsum = 0;
      for (int32_t t = 0; t < 9; ++t) wsum += wc[t];
      const int32_t pc = p.per_channel ? ch : 0;
      qconv_depthwise3x3_s1_transposed_mve(p, x + (b * c.c_in + ch) * in_sp, plane, ph, pw, wc,
                                           bias[ch] - qx_offset<TX>() * wsum, mult[pc], shift[pc],
                                           y + (b * c.c_out + ch) * out_sp);
    }
  return true;
}
#endif

#if defined(O2M_QDOT_DSP) && defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
// The sums of a 3x3 stride-1 window for `pairs` pairs of outputs along a plane row (r0: the
// first window's top-left byte, rows pw apart): acc[2i], acc[2i + 1] for outputs 2i, 2i + 1,
// started from base. Weights as qconv_depthwise3x3_channel_dsp's: wa, wb, wc the rows' (w0, w2)
// pairs, w1ab the first two rows' w1 as a pair, w1c the third's. Written out (14 registers; not
// inlined, where they are not): compiled from C, GCC 12 spills weights and pointers every pair.
// 25 instructions a pair of outputs (18 MACs); the requantisation runs apart
// (qrequant_sums_dsp), over the rows' sums.
template <typename TX>
__attribute__((noinline)) inline void qdw3x3_pairs_dsp(const TX* r0, int32_t pw, int32_t pairs, int32_t base, int32_t wa,
                                                       int32_t wb, int32_t wc, int32_t w1ab, int32_t w1c, int32_t* acc) {
  const TX* const end = r0 + 2 * pairs;
  int32_t v, e, a0, a1;
#define O2M_DW_PAIRS_ASM(X)                                                                       \
  __asm__ volatile(                                                                               \
      "1:\n ldr %[v], [%[r]]\n" X " %[e], %[v]\n" X " %[v], %[v], ror #8\n"                        \
      "smlad %[a0], %[e], %[wa], %[base]\n smlabb %[a0], %[v], %[w1ab], %[a0]\n"                   \
      "smlad %[a1], %[v], %[wa], %[base]\n smlatb %[a1], %[e], %[w1ab], %[a1]\n"                   \
      "ldr %[v], [%[r], %[pw]]\n" X " %[e], %[v]\n" X " %[v], %[v], ror #8\n"                      \
      "smlad %[a0], %[e], %[wb], %[a0]\n smlabt %[a0], %[v], %[w1ab], %[a0]\n"                     \
      "smlad %[a1], %[v], %[wb], %[a1]\n smlatt %[a1], %[e], %[w1ab], %[a1]\n"                     \
      "ldr %[v], [%[r], %[pw], lsl #1]\n" X " %[e], %[v]\n" X " %[v], %[v], ror #8\n"              \
      "smlad %[a0], %[e], %[wc], %[a0]\n smlabb %[a0], %[v], %[w1c], %[a0]\n"                      \
      "smlad %[a1], %[v], %[wc], %[a1]\n smlatb %[a1], %[e], %[w1c], %[a1]\n"                      \
      "strd %[a0], %[a1], [%[acc]], #8\n adds %[r], #2\n cmp %[r], %[end]\n bne 1b\n"              \
      : [r] "+r"(r0), [acc] "+r"(acc), [v] "=&r"(v), [e] "=&r"(e), [a0] "=&r"(a0), [a1] "=&r"(a1)  \
      : [pw] "r"(pw), [end] "r"(end), [base] "r"(base), [wa] "r"(wa), [wb] "r"(wb), [wc] "r"(wc),  \
        [w1ab] "r"(w1ab), [w1c] "r"(w1c)                                                          \
      : "cc", "memory")
  if constexpr (qx_offset<TX>() != 0)
    O2M_DW_PAIRS_ASM("uxtb16");
  else
    O2M_DW_PAIRS_ASM("sxtb16");
#undef O2M_DW_PAIRS_ASM
}

// The sums of a 3x3 window at column stride 2 for `pairs` pairs of outputs along a plane row
// (r0: the first window's top-left byte, rows pw apart), started from base: output j's at
// acc[j + 1], acc[0] and acc[2 * pairs + 1] junk. Weights as qdw3x3_pairs_dsp's. A row's word
// r0..r3 split into (r0, r2) and (r1, r3) gives output 2i whole and output 2i + 1 but for its
// r4 * w2, which is the next word's r0: added one pass later (pairs + 1 passes; the last word
// reads up to five bytes past the row, inside the plane's slack). 29 instructions a pair of
// outputs (18 MACs), 14 registers; from C, GCC 12 reloads weights and pointers.
template <typename TX>
__attribute__((noinline)) inline void qdw3x3_s2_pairs_dsp(const TX* r0, int32_t pw, int32_t pairs, int32_t base,
                                                          int32_t wa, int32_t wb, int32_t wc, int32_t w1ab, int32_t w1c,
                                                          int32_t* acc) {
  const TX* const end = r0 + 4 * (pairs + 1);
  int32_t v, o, a0, a1p, a1n = 0;
#define O2M_DW_S2_ASM(X)                                                                          \
  __asm__ volatile(                                                                               \
      "1:\n ldr %[v], [%[r]]\n" X " %[o], %[v], ror #8\n" X " %[v], %[v]\n"                       \
      "smlabt %[a1p], %[v], %[wa], %[a1n]\n smlad %[a0], %[v], %[wa], %[base]\n"                   \
      "smlabb %[a0], %[o], %[w1ab], %[a0]\n smlatb %[a1n], %[v], %[wa], %[base]\n"                 \
      "smlatb %[a1n], %[o], %[w1ab], %[a1n]\n"                                                     \
      "ldr %[v], [%[r], %[pw]]\n" X " %[o], %[v], ror #8\n" X " %[v], %[v]\n"                      \
      "smlabt %[a1p], %[v], %[wb], %[a1p]\n smlad %[a0], %[v], %[wb], %[a0]\n"                     \
      "smlabt %[a0], %[o], %[w1ab], %[a0]\n smlatb %[a1n], %[v], %[wb], %[a1n]\n"                  \
      "smlatt %[a1n], %[o], %[w1ab], %[a1n]\n"                                                     \
      "ldr %[v], [%[r], %[pw], lsl #1]\n" X " %[o], %[v], ror #8\n" X " %[v], %[v]\n"              \
      "smlabt %[a1p], %[v], %[wc], %[a1p]\n smlad %[a0], %[v], %[wc], %[a0]\n"                     \
      "smlabb %[a0], %[o], %[w1c], %[a0]\n smlatb %[a1n], %[v], %[wc], %[a1n]\n"                   \
      "smlatb %[a1n], %[o], %[w1c], %[a1n]\n"                                                      \
      "strd %[a1p], %[a0], [%[acc]], #8\n adds %[r], #4\n ldr %[v], %[end]\n cmp %[r], %[v]\n bne 1b\n" \
      : [r] "+r"(r0), [acc] "+r"(acc), [a1n] "+r"(a1n), [v] "=&r"(v), [o] "=&r"(o), [a0] "=&r"(a0),  \
        [a1p] "=&r"(a1p)                                                                          \
      : [pw] "r"(pw), [end] "m"(end), [base] "r"(base), [wa] "r"(wa), [wb] "r"(wb), [wc] "r"(wc),   \
        [w1ab] "r"(w1ab), [w1c] "r"(w1c)                                                          \
      : "cc", "memory")
  if constexpr (qx_offset<TX>() != 0)
    O2M_DW_S2_ASM("uxtb16");
  else
    O2M_DW_S2_ASM("sxtb16");
#undef O2M_DW_S2_ASM
}
#endif

#if defined(O2M_QDOT_DSP)
// The sums the assembly above leaves (the base included) requantised (every shift
// requant_usual), clamped and stored as qstore_dsp: `rows` rows of n sums, stride apart in acc,
// into n outputs a row. Out of line with only the loop's values live: inlined, GCC 12 keeps the
// multiplier and the output pointer on the stack (16 instructions an output with the table);
// for TY's whole range two at a time in assembly, 13 an output.
template <typename TY, bool kFull, bool kLut>
__attribute__((noinline)) inline void qrequant_sums_dsp(const int32_t* acc, int32_t rows, int32_t n, int32_t stride,
                                                        int32_t m, int32_t s, int32_t y_zp, int32_t lo, int32_t hi,
                                                        const TY* table, TY* y) {
  const int32_t t = -1 - s, lsh = 33 + s, half = 1 << (-2 - s);
  for (int32_t r = 0; r < rows; ++r, acc += stride) {
    int32_t i = 0;
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
    if constexpr (kFull) {
      if (const int32_t n2 = n & ~1) {
        const int32_t* a = acc;
        const int32_t* const end = acc + n2;
        const TY* tab = kLut ? table - QRange<TY>::lo : nullptr;  // indexed by the clamped value
        int32_t a0, a1, plo, phi, d;
#define O2M_RQ_ONE(A, SAT, LUT)                                                                  \
  "smull %[plo], %[phi], %[" A "], %[m]\n add %[phi], %[phi], %[half]\n lsl %[d], %[phi], %[lsh]\n" \
  "asr %[" A "], %[phi], %[t]\n orrs %[d], %[d], %[plo]\n it eq\n biceq %[" A "], %[" A "], #1\n"    \
  "add %[" A "], %[" A "], %[zp]\n" SAT " %[" A "], #8, %[" A "]\n" LUT(A) "strb %[" A "], [%[y]], #1\n"
#define O2M_RQ_LUT(A) "ldrb %[" A "], [%[tab], %[" A "]]\n"
#define O2M_RQ_NOLUT(A) ""
#define O2M_RQ_ASM(SAT, LUT)                                                                     \
  __asm__ volatile("1:\n ldrd %[a0], %[a1], [%[a]], #8\n" O2M_RQ_ONE("a0", SAT, LUT) O2M_RQ_ONE("a1", SAT, LUT) \
                   "ldr %[d], %[end]\n cmp %[a], %[d]\n bne 1b\n"                                  \
                   : [a] "+r"(a), [y] "+r"(y), [a0] "=&r"(a0), [a1] "=&r"(a1), [plo] "=&r"(plo),     \
                     [phi] "=&r"(phi), [d] "=&r"(d)                                               \
                   : [end] "m"(end), [m] "r"(m), [half] "r"(half), [lsh] "r"(lsh), [t] "r"(t),       \
                     [zp] "r"(y_zp), [tab] "r"(tab)                                               \
                   : "cc", "memory")
        if constexpr (QRange<TY>::lo == 0 && kLut) O2M_RQ_ASM("usat", O2M_RQ_LUT);
        else if constexpr (QRange<TY>::lo == 0) O2M_RQ_ASM("usat", O2M_RQ_NOLUT);
        else if constexpr (kLut) O2M_RQ_ASM("ssat", O2M_RQ_LUT);
        else O2M_RQ_ASM("ssat", O2M_RQ_NOLUT);
#undef O2M_RQ_ASM
#undef O2M_RQ_NOLUT
#undef O2M_RQ_LUT
#undef O2M_RQ_ONE
        i = n2;
      }
    }
#endif
    for (; i < n; ++i) *y++ = qstore_dsp<TY, kFull, kLut>(qrequant_dsp(acc[i], m, t, lsh, half), y_zp, lo, hi, table);
  }
}

#if defined(O2M_QDOT_DSP) && defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
// The sums buffer of qdw3x3_rows_dsp: outputs it holds at once. 104: two of zant_beer's 50-byte
// plane rows or four of its 24-output stride-2 rows a call. Measured on the M4 (the buffer now
// beside qconv_depthwise's frame only): 64 -> 104 zant_beer 19,384,223 -> 19,274,752
// instructions, KWS 5,406,941 -> 5,382,169, VWW qop 19,074,848 -> 19,029,482, for 160 bytes of
// stack; 128 runs the same counts, 96 slower (zant_beer 19,340,032).
constexpr int32_t kDwSums = 104;

// qconv_depthwise3x3_channel_dsp's geometries that run in assembly (qdw3x3_pairs_dsp and
// qdw3x3_s2_pairs_dsp, for a requant_usual shift): column stride 2 with at most kDwSums - 2
// outputs a row, or unit strides with whole plane rows of at most kDwSums and at least 64
// outputs in all (VWW's 6 x 6 outputs measured slower this way).
inline bool qdw3x3_rows_dsp_fits(const ConvParams& c, int32_t pw) {
  const int32_t ow_n = c.out[2];
  if (c.stride[2] == 2) return ow_n <= kDwSums - 2;
  return c.stride[2] == 1 && c.stride[1] == 1 && pw <= kDwSums && c.out[1] * ow_n >= 64;
}

// One channel of those geometries (the plane's rows pw apart; weights as qconv.. _channel_dsp's),
// called by qconv_depthwise itself rather than from qconv_depthwise3x3_channel_dsp: the sums
// buffer (the most of this frame) is then on the stack beside qconv_depthwise's frame only, not
// also beside the C path's.
template <typename TX, typename TY, bool kFull, bool kLut>
__attribute__((noinline)) inline void qdw3x3_rows_dsp(const QConvParams& p, const TX* plane, int32_t pw,
                                                      const int8_t* wc, int32_t base, int32_t m, int32_t s, TY* yc,
                                                      const TY* table) {
  constexpr int32_t kSums = kDwSums;
  const int32_t oh_n = p.conv.out[1], ow_n = p.conv.out[2], sh = p.conv.stride[1], sw = p.conv.stride[2];
  const int32_t y_zp = p.y_zp, lo = p.act_min, hi = p.act_max;
  auto pair = [](int32_t a, int32_t b) { return static_cast<int32_t>((static_cast<uint32_t>(b) << 16) | (static_cast<uint32_t>(a) & 0xffffu)); };
  const int32_t wa = pair(wc[0], wc[2]), wb = pair(wc[3], wc[5]), wc2 = pair(wc[6], wc[8]), w1c = wc[7];
  int32_t acc[kSums];
  if (sw == 2) {
    // the sums of as many output rows as kSums holds (each with its two junk sums), by
    // qdw3x3_s2_pairs_dsp a row, then requantised together. Measured on the M4: zant_beer's
    // 48 x 48 -> 24 x 24 5.28 -> 4.22 instructions/MAC, 24 x 24 -> 12 x 12 5.63 -> 4.84.
    const int32_t w1ab = pair(wc[1], wc[4]), pairs = (ow_n + 1) / 2, per = 2 * (pairs + 1), rows = kSums / per;
    for (int32_t oh = 0; oh < oh_n; oh += rows) {
      const int32_t n = oh_n - oh < rows ? oh_n - oh : rows;
      for (int32_t r = 0; r < n; ++r)
        qdw3x3_s2_pairs_dsp(plane + (oh + r) * sh * pw, pw, pairs, base, wa, wb, wc2, w1ab, w1c, acc + r * per);
      qrequant_sums_dsp<TY, kFull, kLut>(acc + 1, n, ow_n, per, m, s, y_zp, lo, hi, table, yc + oh * ow_n);
    }
  } else {
    // the sums of as many whole plane rows as kSums holds, end to end (a narrow row's call and
    // requantisation set-up would cost more than its pairs; the sums at the rows' last two
    // positions are dropped), by qdw3x3_pairs_dsp, then requantised. Measured on the M4: KWS's
    // 25 x 5 outputs 4.99 -> 4.86 instructions/MAC, VWW's 24 x 24 3.65 -> 3.46; its 6 x 6
    // outputs are slower this way (4.89 -> 4.97), hence at least kSums outputs. The rows then
    // requantised by one qrequant_sums_dsp: zant_beer's 48 x 48 3.73 -> 3.24.
    const int32_t w1ab = pair(wc[1], wc[4]), rows = kSums / pw;
    for (int32_t oh = 0; oh < oh_n; oh += rows) {
      const int32_t n = oh_n - oh < rows ? oh_n - oh : rows;
      // an odd count's last pair reads one byte past the last row, inside the plane's slack
      qdw3x3_pairs_dsp(plane + oh * pw, pw, ((n - 1) * pw + ow_n + 1) / 2, base, wa, wb, wc2, w1ab, w1c, acc);
      qrequant_sums_dsp<TY, kFull, kLut>(acc, n, ow_n, pw, m, s, y_zp, lo, hi, table, yc + oh * ow_n);
    }
  }
}
#endif

// One channel of a 3x3 2-D depthwise conv on the DSP extension. A plane row's four bytes r0..r3
// split (SXTB16, or UXTB16 for uint8) into the halfword pairs (r0,r2) and (r1,r3); with a
// weight row as the pair (w0,w2) and w1:
//   y[ow]     = SMLAD((r0,r2), (w0,w2)) + r1 * w1   (SMLABB)
//   y[ow + 1] = SMLAD((r1,r3), (w0,w2)) + r2 * w1   (SMLATB, stride 1 only)
// so with unit column stride one word per row serves two output pixels, otherwise one (the
// word reads one byte past the window, inside the plane's slack). acc = base + sum x * w, as
// the scalar loop. kUsual: requant_usual(s), checked by the caller, requantised by
// qrequant_dsp; kFull: the output clamp is TY's range; kLut: each output through table.
template <typename TX, typename TY, bool kUsual, bool kFull, bool kLut = false>
inline void qconv_depthwise3x3_channel_dsp(const QConvParams& p, const TX* plane, int32_t pw, const int8_t* wc,
                                           int32_t base, int32_t m, int32_t s, TY* yc, const TY* table = nullptr) {
  const int32_t oh_n = p.conv.out[1], ow_n = p.conv.out[2], sh = p.conv.stride[1], sw = p.conv.stride[2];
  const int32_t y_zp = p.y_zp, lo = p.act_min, hi = p.act_max;
  const int32_t t = -1 - s, lsh = 33 + s, half = kUsual ? 1 << (-2 - s) : 0;
  auto out = [&](int32_t acc) {
    if constexpr (kUsual) return qstore_dsp<TY, kFull, kLut>(qrequant_dsp(acc, m, t, lsh, half), y_zp, lo, hi, table);
    else return qlut_apply<TY, kLut>(table, qout<TY>(acc, m, s, y_zp, lo, hi));
  };
  auto pair = [](int32_t a, int32_t b) { return static_cast<int32_t>((static_cast<uint32_t>(b) << 16) | (static_cast<uint32_t>(a) & 0xffffu)); };
  const int32_t wa = pair(wc[0], wc[2]), wb = pair(wc[3], wc[5]), wc2 = pair(wc[6], wc[8]);
  const int32_t w1a = wc[1], w1b = wc[4], w1c = wc[7];
  auto row = [&](const TX* r, int32_t w02, int32_t w1, int32_t& a0, int32_t& a1) {
    int32_t e, o;
    qsplit4(r, e, o);
    a0 = __smlabb(o, w1, __smlad(e, w02, a0));
    a1 = __smlatb(e, w1, __smlad(o, w02, a1));
  };
  auto row1 = [&](const TX* r, int32_t w02, int32_t w1, int32_t a) {
    int32_t e, o;
    qsplit4(r, e, o);
    return __smlabb(o, w1, __smlad(e, w02, a));
  };
  for (int32_t oh = 0; oh < oh_n; ++oh) {
    const TX* r0 = plane + oh * sh * pw;
    TY* yr = yc + oh * ow_n;
    if (sw != 1) {
      for (int32_t ow = 0; ow < ow_n; ++ow, r0 += sw)
        yr[ow] = out(row1(r0 + 2 * pw, wc2, w1c, row1(r0 + pw, wb, w1b, row1(r0, wa, w1a, base))));
      continue;
    }
    int32_t ow = 0;
    for (; ow + 2 <= ow_n; ow += 2, r0 += 2) {
      int32_t a0 = base, a1 = base;
      row(r0, wa, w1a, a0, a1);
      row(r0 + pw, wb, w1b, a0, a1);
      row(r0 + 2 * pw, wc2, w1c, a0, a1);
      yr[ow] = out(a0);
      yr[ow + 1] = out(a1);
    }
    if (ow < ow_n)  // an odd last pixel (the word reads one byte past the row)
      yr[ow] = out(row1(r0 + 2 * pw, wc2, w1c, row1(r0 + pw, wb, w1b, row1(r0, wa, w1a, base))));
  }
}
#endif

// kLut: each output through table (qlut_apply); only the scalar and DSP paths take it (qconv_lut).
// kOneIn: every output channel reads the one input channel (qconv_one_channel_3x3, on the DSP
// extension), whose plane is copied once.
template <typename TX, typename TY, bool kRef = false, bool kLut = false, bool kOneIn = false>
inline void qconv_depthwise(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                            const int32_t* shift, TY* y, TX* plane, const TY* table = nullptr) {
  const ConvParams& c = p.conv;
  constexpr int32_t off = qx_offset<TX>();
  const int32_t ph = qconv_plane_h(c), pw = qconv_plane_w(c);
  const int32_t in_sp = c.in[1] * c.in[2], k_sp = c.k[1] * c.k[2], out_sp = c.out[1] * c.out[2];
  const TX zx = static_cast<TX>(p.x_zp);
  const bool k33 = c.k[1] == 3 && c.k[2] == 3 && c.dil[1] == 1 && c.dil[2] == 1;
  // the rows and columns of the plane that hold input: the same for every channel
  const int32_t rbeg = c.pad[1] < ph ? c.pad[1] : ph, rend = c.pad[1] + c.in[1] < ph ? c.pad[1] + c.in[1] : ph;
  const int32_t cn = (c.pad[2] + c.in[2] < pw ? c.pad[2] + c.in[2] : pw) - c.pad[2];
  // as locals: a store into the plane (a char type) could otherwise change them
  const int32_t pad_t = c.pad[1], pad_l = c.pad[2], in_w = c.in[2];
  bool dirty = !kRef;  // the plane's padding is to be written (again, after an in-place channel)
#if defined(O2M_QDOT_DSP) && defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
  const bool rows_asm = !kRef && k33 && qdw3x3_rows_dsp_fits(c, pw);  // once, not per channel
#endif
#if defined(O2M_QDOT_MVE)
  if (!kRef && k33 && c.stride[1] == 1 && c.stride[2] == 1 && qconv_depthwise_transposed(c, ph, pw) &&
      qconv_depthwise_transposed_mve(p, x, w, bias, mult, shift, y, plane))
    return;
#endif
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t ch = 0; ch < c.c_out; ++ch) {
      const TX* xc = x + (b * c.c_in + (kOneIn ? 0 : ch)) * in_sp;
      if (kRef) {
        for (int32_t r = 0; r < ph; ++r) {
          TX* pr = plane + r * pw;
          const int32_t ih = r - c.pad[1];
          for (int32_t col = 0; col < pw; ++col) {
            const int32_t iw = col - c.pad[2];
            pr[col] = ih >= 0 && ih < c.in[1] && iw >= 0 && iw < c.in[2] ? xc[ih * c.in[2] + iw] : zx;
          }
        }
      } else if (!kOneIn || dirty || ch == 0) {
        // the padding is written once (and after an in-place channel): copy the rows in
#if defined(O2M_QDOT_MVE)
        if (dirty) qv_fill_bytes(plane, zx, ph * pw);
        dirty = false;
        qv_copy_rows(plane + rbeg * pw + pad_l, pw, xc + (rbeg - pad_t) * in_w, in_w, cn, rend - rbeg);
#else
        if (dirty)
          for (int32_t i = 0; i < ph * pw; ++i) plane[i] = zx;
        dirty = false;
        for (int32_t r = rbeg; r < rend; ++r) {
          TX* pr = plane + r * pw + pad_l;
          const TX* xr = xc + (r - pad_t) * in_w;
          int32_t col = 0;
          for (; col + 4 <= cn; col += 4) memcpy(pr + col, xr + col, 4);  // one word
          for (; col < cn; ++col) pr[col] = xr[col];
        }
#endif
      }
      const int8_t* wc = w + ch * k_sp;
      int32_t wsum = 0;
      for (int32_t t = 0; t < k_sp; ++t) wsum += wc[t];
      const int32_t m = mult[p.per_channel ? ch : 0], s = shift[p.per_channel ? ch : 0];
      const int32_t base = bias[ch] - off * wsum;
      const int32_t w0 = wc[0], w1 = wc[k33 ? 1 : 0], w2 = wc[k33 ? 2 : 0], w3 = wc[k33 ? 3 : 0], w4 = wc[k33 ? 4 : 0],
                    w5 = wc[k33 ? 5 : 0], w6 = wc[k33 ? 6 : 0], w7 = wc[k33 ? 7 : 0], w8 = wc[k33 ? 8 : 0];
      TY* yc = y + (b * c.c_out + ch) * out_sp;
#if defined(O2M_QDOT_MVE)
      if (!kRef && k33 && c.stride[1] == 1 && c.stride[2] == 1 && qout4_usual(m, s)) {
        qconv_depthwise3x3_s1_inplace_mve(p, plane, pw, wc, base, m, s, yc);
        dirty = true;
        continue;
      }
      if (!kRef) {
        qconv_depthwise_channel_mve(p, plane, pw, wc, base, m, s, yc);
        continue;
      }
#elif defined(O2M_QDOT_DSP)
      if (!kRef && k33) {
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
        if (rows_asm && requant_usual(s)) {
          if (kLut || (p.act_min == QRange<TY>::lo && p.act_max == QRange<TY>::hi))  // kLut: qconv_lut
            qdw3x3_rows_dsp<TX, TY, true, kLut>(p, plane, pw, wc, base, m, s, yc, table);
          else
            qdw3x3_rows_dsp<TX, TY, false, kLut>(p, plane, pw, wc, base, m, s, yc, table);
          continue;
        }
#endif
        if (!requant_usual(s))
          qconv_depthwise3x3_channel_dsp<TX, TY, false, false, kLut>(p, plane, pw, wc, base, m, s, yc, table);
        else if (kLut || (p.act_min == QRange<TY>::lo && p.act_max == QRange<TY>::hi))  // kLut: qconv_lut
          qconv_depthwise3x3_channel_dsp<TX, TY, true, true, kLut>(p, plane, pw, wc, base, m, s, yc, table);
        else
          qconv_depthwise3x3_channel_dsp<TX, TY, true, false, kLut>(p, plane, pw, wc, base, m, s, yc, table);
        continue;
      }
#elif defined(O2M_QCONV_SSE2)
      if constexpr (!kRef && qh_types<TX, TY>()) {
        if (k33 && c.out[2] >= 4 && (c.stride[2] == 1 || c.stride[2] == 2)) {
          const bool wide = c.out[2] >= 8;
          if (c.stride[2] == 1 && wide)
            qconv_depthwise3x3_channel_sse2<TX, TY, 1, 8>(c, p.y_zp, p.act_min, p.act_max, plane, pw, wc, base, m, s, yc);
          else if (c.stride[2] == 1)
            qconv_depthwise3x3_channel_sse2<TX, TY, 1, 4>(c, p.y_zp, p.act_min, p.act_max, plane, pw, wc, base, m, s, yc);
          else if (wide)
            qconv_depthwise3x3_channel_sse2<TX, TY, 2, 8>(c, p.y_zp, p.act_min, p.act_max, plane, pw, wc, base, m, s, yc);
          else
            qconv_depthwise3x3_channel_sse2<TX, TY, 2, 4>(c, p.y_zp, p.act_min, p.act_max, plane, pw, wc, base, m, s, yc);
          continue;
        }
      }
#endif
      for (int32_t oh = 0; oh < c.out[1]; ++oh) {
        const TX* r0 = plane + oh * c.stride[1] * pw;
        TY* yr = yc + oh * c.out[2];
        if (k33) {  // the common 3x3 window, unrolled with its weights in registers
          for (int32_t ow = 0; ow < c.out[2]; ++ow, r0 += c.stride[2]) {
            const TX* r1 = r0 + pw;
            const TX* r2 = r1 + pw;
            const int32_t acc = base + r0[0] * w0 + r0[1] * w1 + r0[2] * w2 + r1[0] * w3 + r1[1] * w4 + r1[2] * w5 +
                                r2[0] * w6 + r2[1] * w7 + r2[2] * w8;
            yr[ow] = qlut_apply<TY, kLut>(table, qout<TY>(acc, m, s, p.y_zp, p.act_min, p.act_max));
          }
          continue;
        }
        for (int32_t ow = 0; ow < c.out[2]; ++ow, r0 += c.stride[2]) {
          int32_t acc = base;
          for (int32_t kh = 0; kh < c.k[1]; ++kh)
            for (int32_t kw = 0; kw < c.k[2]; ++kw)
              acc += static_cast<int32_t>(r0[kh * c.dil[1] * pw + kw * c.dil[2]]) * wc[kh * c.k[2] + kw];
          yr[ow] = qlut_apply<TY, kLut>(table, qout<TY>(acc, m, s, p.y_zp, p.act_min, p.act_max));
        }
      }
    }
}

#if defined(O2M_QDOT_MVE) && defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
// qconv_pixels_mve for two pixels when every channel is qout4_usual, written out: compiled from
// C, GCC 12 spills the requantisation's constants and reloads its pointers every channel pair
// (about 44 instructions a pair besides the dot's loop; here 35, with the whole 16-byte blocks
// in qdot2x2_v's loop and the tail under one predicate, which stays in VPR for the whole call).
// ctx holds what a pair reads once: the patches, kg % 16 and kg, mult and shift, the lanes'
// index step, y_zp, the bytes between channel pairs in y, and the whole blocks. 12 core
// registers and lr, all eight vector registers.
template <typename TY>
__attribute__((noinline)) inline void qconv_pairs2_mve(const int8_t* p0, const int8_t* p1, const int8_t* w, int32_t kg,
                                                      int32_t pairs, const int32_t* bias, const int32_t* mult,
                                                      const int32_t* shift, bool per_channel, int32_t y_zp, int32_t lo,
                                                      int32_t hi, int32_t out_sp, TY* y) {
  const int32_t os = out_sp * static_cast<int32_t>(sizeof(TY)), one = per_channel ? 1 : 0, rem = kg & 15;
  const uint32x4_t y_offs = vreinterpretq_u32_s32(qv_lanes(0, os, sizeof(TY), os + static_cast<int32_t>(sizeof(TY))));
  uint32x4_t idx = vreinterpretq_u32_s32(qv_lanes(0, one, 0, one));  // the lanes' channels (j, j + 1, j, j + 1)
  const int32x4_t vlo = vdupq_n_s32(lo - y_zp), vhi = vdupq_n_s32(hi - y_zp);
  auto word = [](const void* q) { return static_cast<int32_t>(reinterpret_cast<uintptr_t>(q)); };
  const int32_t ctx[10] = {word(p0), word(p1), rem, kg, word(mult), word(shift), 2 * one, y_zp, 2 * os, kg >> 4};
  const int8_t* b1 = w - rem;  // so that the first pair's rows are b1 + rem = w and w + kg
  const int8_t *a0, *a1, *b0;
  int32_t s00, s01, s10, s11;
  int32x4_t a, x, m, sh;
  const mve_pred16_t pr = vctp8q(static_cast<uint32_t>(rem));  // in VPR (the "Up" operand)
#define O2M_PAIRS2_ASM(TAIL)                                                                       \
  __asm__ volatile(                                                                                \
      "1:\n ldrd %[a0], %[a1], [%[ctx]]\n ldrd %[s00], %[s01], [%[ctx], #8]\n"                      \
      "add %[b0], %[b1], %[s00]\n add %[b1], %[b0], %[s01]\n"                                       \
      "ldrd %[s00], %[s01], [%[bias]], #8\n mov %[s10], %[s00]\n mov %[s11], %[s01]\n"              \
      "ldr lr, [%[ctx], #36]\n wls lr, lr, 3f\n"                                                   \
      "2:\n vldrb.u8 %q[a], [%[b0]], #16\n vldrb.u8 %q[x], [%[a0]], #16\n"                         \
      "vmlava.s8 %[s00], %q[x], %q[a]\n vldrb.u8 %q[m], [%[a1]], #16\n"                             \
      "vmlava.s8 %[s10], %q[m], %q[a]\n vldrb.u8 %q[a], [%[b1]], #16\n"                             \
      "vmlava.s8 %[s01], %q[x], %q[a]\n vmlava.s8 %[s11], %q[m], %q[a]\n le lr, 2b\n"               \
      "3:\n" TAIL                                                                                   \
      "vmov %q[a][2], %q[a][0], %[s00], %[s10]\n vmov %q[a][3], %q[a][1], %[s01], %[s11]\n"          \
      "ldrd %[s00], %[s01], [%[ctx], #16]\n"                                                        \
      "vldrw.u32 %q[m], [%[s00], %q[idx], uxtw #2]\n vldrw.u32 %q[sh], [%[s01], %q[idx], uxtw #2]\n" \
      "ldrd %[s00], %[s01], [%[ctx], #24]\n vadd.i32 %q[idx], %q[idx], %[s00]\n"                    \
      "vqdmulh.s32 %q[x], %q[a], %q[m]\n vmul.i32 %q[a], %q[a], %q[m]\n"                            \
      "vshl.s32 %q[m], %q[x], %q[sh]\n mov %[s00], #32\n vadd.i32 %q[sh], %q[sh], %[s00]\n"          \
      "vshl.s32 %q[x], %q[x], %q[sh]\n vorr %q[a], %q[a], %q[x]\n vshr.u32 %q[x], %q[x], #31\n"      \
      "vsli.32 %q[a], %q[m], #31\n vmin.u32 %q[a], %q[a], %q[x]\n vadd.i32 %q[m], %q[m], %q[a]\n"   \
      "vmax.s32 %q[m], %q[m], %q[lo]\n vmin.s32 %q[m], %q[m], %q[hi]\n vadd.i32 %q[m], %q[m], %[s01]\n" \
      "vstrb.32 %q[m], [%[y], %q[yo]]\n ldr %[s00], [%[ctx], #32]\n add %[y], %[s00]\n"             \
      "subs %[pairs], #1\n bne 1b\n"                                                                \
      : [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0), [b1] "+&r"(b1), [s00] "=&Te"(s00),             \
        [s01] "=&Te"(s01), [s10] "=&Te"(s10), [s11] "=&Te"(s11), [bias] "+&r"(bias), [y] "+&r"(y),      \
        [pairs] "+&r"(pairs), [a] "=&w"(a), [x] "=&w"(x), [m] "=&w"(m), [sh] "=&w"(sh), [idx] "+&w"(idx) \
      : [ctx] "r"(ctx), [yo] "w"(y_offs), [lo] "w"(vlo), [hi] "w"(vhi), [pr] "Up"(pr)                  \
      : "lr", "cc", "memory")
  if (rem)  // the last kg % 16 bytes of the rows under the predicate
    O2M_PAIRS2_ASM("vpstttt\n vldrbt.u8 %q[a], [%[b0]]\n vldrbt.u8 %q[x], [%[a0]]\n vldrbt.u8 %q[m], [%[a1]]\n"
                   "vldrbt.u8 %q[sh], [%[b1]]\n vpstttt\n vmlavat.s8 %[s00], %q[x], %q[a]\n"
                   "vmlavat.s8 %[s10], %q[m], %q[a]\n vmlavat.s8 %[s01], %q[x], %q[sh]\n"
                   "vmlavat.s8 %[s11], %q[m], %q[sh]\n");
  else
    O2M_PAIRS2_ASM("");
#undef O2M_PAIRS2_ASM
}
#endif

#if defined(O2M_QDOT_MVE)
// Output channels [0, n & ~1) of one or two pixels (patches p0, p1; p1 = p0 when only one is
// stored) on Helium, two channels at a time: a 2x2 block (qdot2x2_v, started from the bias) is
// one vector, lanes (pixel, channel) = (0, 0), (0, 1), (1, 0), (1, 1), requantised by qout4 with
// the channels' multiplier and shift as lanes {c0, c1, c0, c1} (one gather each) and stored by
// one scatter into two channel planes (out_sp apart). Every channel qout4_usual, or with kWide
// qout4_wide_ok (requantised by qout4_wide).
template <typename TY, bool kTwo, bool kWide>
inline void qconv_pixels_mve(const int8_t* p0, const int8_t* p1, const int8_t* w, int32_t kg, int32_t n,
                             const int32_t* bias, const int32_t* mult, const int32_t* shift, bool per_channel,
                             int32_t y_zp, int32_t lo, int32_t hi, int32_t out_sp, TY* y) {
  const uint32_t os = static_cast<uint32_t>(out_sp) * sizeof(TY);
  const uint32x4_t y_offs = vreinterpretq_u32_s32(
      qv_lanes(0, static_cast<int32_t>(os), sizeof(TY), static_cast<int32_t>(os + sizeof(TY))));
  // the channels' multiplier and shift by index (j, j + 1, j, j + 1), or 0 for one per tensor
  const int32_t step = per_channel ? 2 : 0, one = per_channel ? 1 : 0;
  uint32x4_t idx = vreinterpretq_u32_s32(qv_lanes(0, one, 0, one));
  // pixel 0's lanes (0 and 1) when only one is stored: by VCTP (GCC 12 materialises a constant
  // predicate 0x00ff as all lanes)
  const mve_pred16_t lanes = vctp32q(2);
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
  if constexpr (kTwo && !kWide) {
    if (n >= 2) qconv_pairs2_mve(p0, p1, w, kg, n >> 1, bias, mult, shift, per_channel, y_zp, lo, hi, out_sp, y);
    return;
  }
#endif
  for (int32_t j = 0; j + 2 <= n; j += 2, w += 2 * kg, bias += 2, y += 2 * out_sp) {
    const int32x4_t acc = qdot2x2_v(p0, p1, w, w + kg, kg, bias[0], bias[1]);
    const int32x4_t m = vldrwq_gather_shifted_offset_s32(mult, idx);
    const int32x4_t sh = vldrwq_gather_shifted_offset_s32(shift, idx);
    idx = vaddq_n_u32(idx, static_cast<uint32_t>(step));
    const int32x4_t v = kWide ? qout4_wide(acc, m, sh, y_zp, lo, hi) : qout4(acc, m, sh, y_zp, lo, hi);
    if constexpr (qx_offset<TY>() != 0) {
      uint8_t* yu = reinterpret_cast<uint8_t*>(y);
      if (kTwo)
        vstrbq_scatter_offset_u32(yu, y_offs, vreinterpretq_u32_s32(v));
      else
        vstrbq_scatter_offset_p_u32(yu, y_offs, vreinterpretq_u32_s32(v), lanes);
    } else {
      int8_t* ys = reinterpret_cast<int8_t*>(y);
      if (kTwo)
        vstrbq_scatter_offset_s32(ys, y_offs, v);
      else
        vstrbq_scatter_offset_p_s32(ys, y_offs, v, lanes);
    }
  }
}
#endif

#if defined(O2M_QDOT_MVE)
// Input channels up to which a Helium pointwise conv runs across pixels (qconv_pointwise_pixels_mve).
constexpr int32_t kQmvePixelsCin = 8;
// A pointwise conv with few input channels (VWW's 8 -> 16) on Helium across pixels: x's
// channel planes are contiguous, so four pixels of one channel are one widening load, and each
// output channel's eight pixels a pass are two accumulators of base + sum x * w (base = bias -
// offset * the weights' sum, as qconv_depthwise), requantised by qout4. The channel-wise dot
// would leave most of its 16 lanes idle. Not in place: a later output channel reads all of x.
template <typename TX, typename TY>
inline void qconv_pointwise_pixels_mve(const ConvParams& c, bool per_channel, int32_t y_zp, int32_t lo, int32_t hi,
                                       const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                                       const int32_t* shift, TY* y) {
  const int32_t cin = c.c_in, sp = c.out[0] * c.out[1] * c.out[2];
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t oc = 0; oc < c.c_out; ++oc) {
      const TX* xb = x + b * cin * sp;
      const int8_t* wo = w + oc * cin;
      int32_t wsum = 0;
      for (int32_t ic = 0; ic < cin; ++ic) wsum += wo[ic];
      const int32_t base = bias[oc] - qx_offset<TX>() * wsum;
      const int32_t m = mult[per_channel ? oc : 0], s = shift[per_channel ? oc : 0];
      TY* yo = y + (b * c.c_out + oc) * sp;
      auto load = [](const TX* p, mve_pred16_t pr) __attribute__((always_inline)) {
        if constexpr (qx_offset<TX>() != 0)
          return vreinterpretq_s32_u32(vldrbq_z_u32(reinterpret_cast<const uint8_t*>(p), pr));
        else
          return vldrbq_z_s32(reinterpret_cast<const int8_t*>(p), pr);
      };
      auto store = [&](int32_t pix, int32x4_t acc, mve_pred16_t pr) __attribute__((always_inline)) {
        const int32x4_t v = qout4(acc, m, s, y_zp, lo, hi);
        if constexpr (qx_offset<TY>() != 0)
          vstrbq_p_u32(reinterpret_cast<uint8_t*>(yo + pix), vreinterpretq_u32_s32(v), pr);
        else
          vstrbq_p_s32(reinterpret_cast<int8_t*>(yo + pix), v, pr);
      };
      // whole passes unpredicated, then the last under predicates (it must not read past a
      // plane: the last one ends x)
      auto pass = [&](int32_t pix, mve_pred16_t p0, mve_pred16_t p1, auto tail) __attribute__((always_inline)) {
        int32x4_t a0 = vdupq_n_s32(base), a1 = a0;
        const TX* xp = xb + pix;
        for (int32_t ic = 0; ic < cin; ++ic, xp += sp) {
          const int32_t wi = wo[ic];
          a0 = vmlaq_n_s32(a0, decltype(tail)::value ? load(xp, p0) : qdw_load4(xp, true, vdupq_n_u32(0)), wi);
          a1 = vmlaq_n_s32(a1, decltype(tail)::value ? load(xp + 4, p1) : qdw_load4(xp + 4, true, vdupq_n_u32(0)), wi);
        }
        store(pix, a0, p0);
        store(pix + 4, a1, p1);
      };
      const mve_pred16_t all = vctp32q(4);
      int32_t pix = 0;
      for (; pix + 8 <= sp; pix += 8) pass(pix, all, all, Constant<bool, false>{});
      if (pix < sp)
        pass(pix, vctp32q(static_cast<uint32_t>(sp - pix)), vctp32q(static_cast<uint32_t>(sp - pix > 4 ? sp - pix - 4 : 0)),
             Constant<bool, true>{});
    }
}
#endif

// Input channels up to which a DSP pointwise conv may run across pixels (qconv_pointwise_pixels_dsp).
constexpr int32_t kQdspPixelsCin = 16;
// The geometries qconv_pointwise_few is for: a pointwise conv (1x1, unit strides, no padding,
// one group) with few input channels, where running across pixels was measured faster on the
// Cortex-M4 (zant_beer with its output tables, instructions/MAC, vs the 4x2 blocks of
// qconv_pointwise_dsp): of 8 or 16 channels the tiles (qconv_pointwise8_dsp), 8 -> 48 2.7 vs 5.0,
// 16 -> 8 2.9 vs 3.7, 16 -> 96 2.2 vs 3.0; other even counts one output channel at a time
// (qconv_pointwise_pixels_dsp; 16 -> 8 3.8 vs the 2x2 blocks' 4.7). The lowering decides, so
// other models do not carry the path's code.
inline bool qconv_pointwise_few_pays(const ConvParams& c) {
  const bool pointwise = c.k[0] == 1 && c.k[1] == 1 && c.k[2] == 1 && c.stride[0] == 1 && c.stride[1] == 1 &&
                         c.stride[2] == 1 && c.pad[0] == 0 && c.pad[1] == 0 && c.pad[2] == 0 && c.group == 1;
  return pointwise && c.c_in % 2 == 0 && (c.c_in <= 8 || c.c_in == 16 || (c.c_in <= kQdspPixelsCin && c.c_out <= c.c_in));
}
// qconv_pointwise_few's kTiles for c_in input channels: c_in when qconv_pointwise8_dsp takes it
// (8, 16), else 0.
constexpr int32_t qconv_pointwise_tiles_cin(int32_t c_in) { return c_in == 8 || c_in == 16 ? c_in : 0; }
// Scratch bytes of qconv_pointwise_few: qconv's, or qconv_pointwise8_dsp's tile when larger.
inline int32_t qconv_pointwise_few_scratch_bytes(const ConvParams& c) {
  const int32_t bytes = qconv_scratch_bytes(c);
  const bool tiles = qconv_pointwise_tiles_cin(c.c_in) != 0;
  return tiles && bytes < qpw8_scratch_bytes(c.c_in) ? qpw8_scratch_bytes(c.c_in) : bytes;
}
#if defined(O2M_QDOT_DSP)
// A pointwise conv with few input channels (an even number; 8 and 16 take qconv_pointwise8_dsp's
// tiles when its constants allow) on the DSP extension across pixels, as its Helium counterpart: with so short a dot, the 2x2 blocks'
// gathers and per-pair requantisation setup cost more than the MACs. Per output channel (its
// weights paired and its requantisation constants made once), four pixels at a time: a word of
// each of two channel planes, split into halfwords (bytes 0,2 and 1,3) and repacked as one
// pixel's (channel c, c + 1) pair, then one SMLAD by the two channels' weights. acc = base +
// sum x * w, base = bias - offset * the weights' sum (as qconv_depthwise). Every shift
// requant_usual; kFull: the output clamp is TY's range; kLut: through table. Not in place.
template <typename TX, typename TY, bool kFull, bool kLut>
inline void qconv_pointwise_pixels_dsp(const ConvParams& c, bool per_channel, int32_t y_zp, int32_t lo, int32_t hi,
                                       const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                                       const int32_t* shift, const TY* table, TY* y) {
  const int32_t cin = c.c_in, sp = c.out[0] * c.out[1] * c.out[2], pairs = cin / 2;
  // (lo of a, lo of b) and (hi of a, hi of b) as halfword pairs: PKHBT and PKHTB (written out:
  // GCC 12 spells them as two instructions each)
  auto low = [](int32_t a, int32_t b) __attribute__((always_inline)) {
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
  };
  auto high = [](int32_t a, int32_t b) __attribute__((always_inline)) {
    int32_t r;
    __asm__("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
  };
  int32_t wp[kQdspPixelsCin / 2];
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t oc = 0; oc < c.c_out; ++oc) {
      const TX* xb = x + b * cin * sp;
      const int8_t* wo = w + oc * cin;
      int32_t wsum = 0;
      for (int32_t i = 0; i < pairs; ++i) {
        wp[i] = low(wo[2 * i], wo[2 * i + 1]);
        wsum += wo[2 * i] + wo[2 * i + 1];
      }
      const int32_t base = bias[oc] - qx_offset<TX>() * wsum;
      const int32_t m = mult[per_channel ? oc : 0], s = shift[per_channel ? oc : 0];
      const int32_t t = -1 - s, lsh = 33 + s, half = 1 << (-2 - s);
      auto out = [&](int32_t acc) __attribute__((always_inline)) {
        return qstore_dsp<TY, kFull, kLut>(qrequant_dsp(acc, m, t, lsh, half), y_zp, lo, hi, table);
      };
      TY* yo = y + (b * c.c_out + oc) * sp;
      int32_t p = 0;
      for (; p + 4 <= sp; p += 4) {
        int32_t a0 = base, a1 = base, a2 = base, a3 = base;
        const TX* xp = xb + p;
        for (int32_t i = 0; i < pairs; ++i, xp += 2 * sp) {
          int32_t ae, ao, be, bo;  // channel c's pixels (0, 2) and (1, 3), then channel c + 1's
          qsplit4(xp, ae, ao);
          qsplit4(xp + sp, be, bo);
          const int32_t wi = wp[i];
          a0 = __smlad(low(ae, be), wi, a0);
          a1 = __smlad(low(ao, bo), wi, a1);
          a2 = __smlad(high(ae, be), wi, a2);
          a3 = __smlad(high(ao, bo), wi, a3);
        }
        yo[p] = out(a0);
        yo[p + 1] = out(a1);
        yo[p + 2] = out(a2);
        yo[p + 3] = out(a3);
      }
      for (; p < sp; ++p) {  // the last sp % 4 pixels one at a time
        int32_t acc = base;
        for (int32_t ic = 0; ic < cin; ++ic) acc += static_cast<int32_t>(xb[ic * sp + p]) * wo[ic];
        yo[p] = out(acc);
      }
    }
}
#endif

// x: [n, c_in, in...] TX; w: [c_out, c_in/group, k...] int8; bias: [c_out] folded by
// qfold_bias; mult/shift: [c_out] or [1]; y: [n, c_out, out...] TY;
// scratch: qconv_scratch_bytes(p.conv) bytes for two patches.
// Outputs are computed two pixels by two channels at a time (QDot::dot2x2: every loaded word of
// a patch or of a weight row is used twice); kRef = true keeps the reference kernel, one pixel
// at a time against the portable dot products, which the tests hold the blocked path to.
// kLut: each output byte through table (qconv_lut; not on the Helium and SSE2 paths).
template <typename TX, typename TY, bool kRef = false, bool kLut = false>
inline void qconv_core(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                       const int32_t* shift, const TY* table, TY* y, void* scratch) {
#if defined(O2M_QDOT_MVE) || defined(O2M_QCONV_SSE2)
  static_assert(kRef || !kLut, "the vector paths do not take the table: qconv_lut looks it up after them");
#endif
  const ConvParams& c = p.conv;
  const int32_t cin_g = c.c_in / c.group, cout_g = c.c_out / c.group;
  const int32_t in_sp = c.in[0] * c.in[1] * c.in[2];
  const int32_t kg = cin_g * c.k[0] * c.k[1] * c.k[2];
  const int32_t out_hw = c.out[1] * c.out[2], out_sp = c.out[0] * out_hw;
  const int8_t pad_v = static_cast<int8_t>(p.x_zp - qx_offset<TX>());
  int8_t* patch0 = static_cast<int8_t*>(scratch);
  int8_t* patch1 = patch0 + qconv_patch_stride(c);
  if (qconv_depthwise_2d(c))
    return qconv_depthwise<TX, TY, kRef, kLut>(p, x, w, bias, mult, shift, y, static_cast<TX*>(scratch), table);
  // p's fields as locals: a store through y (a char type) could otherwise change them
  const int32_t y_zp = p.y_zp, act_min = p.act_min, act_max = p.act_max, per_channel = p.per_channel;
  auto out = [&](TY* yo, int32_t oc, int32_t acc) {
    const int32_t ch = per_channel ? oc : 0;
    *yo = qlut_apply<TY, kLut>(table, qout<TY>(acc + bias[oc], mult[ch], shift[ch], y_zp, act_min, act_max));
  };
  // a pointwise conv (1x1, unit strides, no padding) reads input pixel pix for output pixel pix
  const bool pointwise = qconv_pointwise(c);
  auto gather = [&](const TX* xg, int32_t pix, int8_t* patch) {
    if (pointwise) return qgather_strided<TX, kRef>(xg + pix, in_sp, cin_g, patch);
    const int32_t od = pix / out_hw, oh = pix % out_hw / c.out[2], ow = pix % c.out[2];
    qconv_gather<TX, kRef>(c, xg, cin_g, od, oh, ow, pad_v, patch);
  };
#if defined(O2M_QDOT_MVE)
  // two pixels' 3x3 windows at once (qgather2_3x3_mve)
  const bool window3x3 = !kRef && qconv_window3x3(c);
  const uint16x8_t offs3x3 = qgather_3x3_offsets(c.in[2]);
#endif
  // every shift in requantize()'s usual range: the blocks requantise without testing each
  const bool rq_usual = !kRef && qout4_all_usual(mult, shift, per_channel ? c.c_out : 1);
#if defined(O2M_QDOT_MVE)
  // else the Helium blocks may still requantise every channel, by qout4_wide
  bool rq_wide = !kRef && !rq_usual;
  for (int32_t i = 0; rq_wide && i < (per_channel ? c.c_out : 1); ++i) rq_wide = qout4_wide_ok(mult[i], shift[i]);
#endif
#if defined(O2M_QCONV_SSE2)
  // In place (y over x: qconv_in_place) the SSE2 pointwise path would read x after writing over
  // it (for each block of output channels); the patch path gathers each tile before writing it.
  const bool in_place = static_cast<const void*>(x) == static_cast<const void*>(y);
  if constexpr (!kRef && qh_types<TX, TY>())
    if (pointwise && out_sp >= 8 && !in_place)
      return qconv_pointwise_sse2(c, per_channel != 0, y_zp, act_min, act_max, x, w, bias, mult, shift, y);
  if constexpr (!kRef && qh_types<TX, TY>())
    if (out_sp >= 8 && kg <= kQhPatchMax) {
      auto gather_bg = [&](int32_t b, int32_t g, int32_t pix, int8_t* patch) {
        gather(x + (b * c.c_in + g * cin_g) * in_sp, pix, patch);
      };
      return qconv_patches_sse2(c, per_channel != 0, y_zp, act_min, act_max, gather_bg, w, bias, mult, shift, y);
    }
#endif
#if defined(O2M_QDOT_MVE)
  if (pointwise && rq_usual && c.group == 1 && c.c_in <= kQmvePixelsCin &&
      static_cast<const void*>(x) != static_cast<const void*>(y))
    return qconv_pointwise_pixels_mve(c, per_channel != 0, y_zp, act_min, act_max, x, w, bias, mult, shift, y);
#endif
#if defined(O2M_QDOT_DSP)
  // the output clamp is TY's own (always with a table: qconv_lut; fewer variants compiled)
  const bool full_range = kLut || (act_min == QRange<TY>::lo && act_max == QRange<TY>::hi);
  if (!kRef && pointwise) {  // four pixels by two channels (qconv_pointwise_dsp)
    int16_t* packed = static_cast<int16_t*>(scratch);
    if (full_range)
      qconv_pointwise_dsp<TX, TY, true, kLut>(c, per_channel != 0, y_zp, act_min, act_max, x, w, bias, mult, shift, y,
                                              packed, table);
    else
      qconv_pointwise_dsp<TX, TY, false>(c, per_channel != 0, y_zp, act_min, act_max, x, w, bias, mult, shift, y, packed);
    return;
  }
  if (rq_usual && qconv_wide_patch(c)) {  // (qconv_patches_dsp)
    // captured by value: a local whose address escapes to the call is kept in memory by the other paths
    auto gather_bg = [&c, x, cin_g, in_sp, out_hw, pad_v](int32_t b, int32_t g, int32_t pix, int8_t* patch) {
      const int32_t od = pix / out_hw, oh = pix % out_hw / c.out[2], ow = pix % c.out[2];
      qconv_gather<TX, kRef>(c, x + (b * c.c_in + g * cin_g) * in_sp, cin_g, od, oh, ow, pad_v, patch);
    };
    // (with a table the range is always full: full_range is constant, one variant compiled)
    return full_range ? qconv_patches_dsp<TY, true, kLut>(c, per_channel != 0, y_zp, act_min, act_max, gather_bg, w,
                                                          bias, mult, shift, table, y, scratch)
                      : qconv_patches_dsp<TY, false, kLut>(c, per_channel != 0, y_zp, act_min, act_max, gather_bg, w,
                                                           bias, mult, shift, table, y, scratch);
  }
#endif
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t g = 0; g < c.group; ++g) {
      const TX* xg = x + (b * c.c_in + g * cin_g) * in_sp;
      const int8_t* wg = w + g * cout_g * kg;
      TY* yg = y + (b * c.c_out + g * cout_g) * out_sp;
      if constexpr (kRef) {  // the reference: one pixel at a time
        for (int32_t pix = 0; pix < out_sp; ++pix) {
          gather(xg, pix, patch0);
          TY* yo = yg + pix;
          int32_t j = 0;
          for (; j + 2 <= cout_g; j += 2) {
            int32_t a0, a1;
            QDot<kRef>::dot2(patch0, wg + j * kg, wg + (j + 1) * kg, kg, &a0, &a1);
            out(yo + j * out_sp, g * cout_g + j, a0);
            out(yo + (j + 1) * out_sp, g * cout_g + j + 1, a1);
          }
          if (j < cout_g) out(yo + j * out_sp, g * cout_g + j, QDot<kRef>::dot(patch0, wg + j * kg, kg));
        }
        continue;
      }
      for (int32_t pix = 0; pix < out_sp; pix += 2) {  // two pixels at a time
        // an odd last pixel runs as a pair with itself, the second half not stored
        const bool two = pix + 1 < out_sp;
        const int8_t* pb = patch1;
#if defined(O2M_QDOT_MVE)
        if (!(window3x3 && two && qgather2_3x3_mve<TX>(c, xg, cin_g, pix, offs3x3, patch0, patch1)))
#endif
        {
          gather(xg, pix, patch0);
          pb = patch0;
          if (two) {
            gather(xg, pix + 1, patch1);
            pb = patch1;
          }
        }
        TY* yo = yg + pix;
        int32_t j = 0;
#if defined(O2M_QDOT_MVE)
        if (rq_usual || rq_wide) {
          j = cout_g & ~1;
          const int32_t* mg = mult + (per_channel ? g * cout_g : 0);
          const int32_t* sg = shift + (per_channel ? g * cout_g : 0);
          auto pixels = [&](auto kTwo, auto kWide) {
            qconv_pixels_mve<TY, decltype(kTwo)::value, decltype(kWide)::value>(
                patch0, pb, wg, kg, cout_g, bias + g * cout_g, mg, sg, per_channel, y_zp, act_min, act_max, out_sp, yo);
          };
          if (rq_usual)
            two ? pixels(Constant<bool, true>{}, Constant<bool, false>{}) : pixels(Constant<bool, false>{}, Constant<bool, false>{});
          else
            two ? pixels(Constant<bool, true>{}, Constant<bool, true>{}) : pixels(Constant<bool, false>{}, Constant<bool, true>{});
        }
#elif defined(O2M_QDOT_DSP)
        if (rq_usual) {
          j = cout_g & ~1;
          const int32_t* mg = mult + (per_channel ? g * cout_g : 0);
          const int32_t* sg = shift + (per_channel ? g * cout_g : 0);
          auto pixels = [&](auto full, auto short_rows) {
            qconv_pixels_dsp<TY, decltype(full)::value, decltype(short_rows)::value, kLut>(
                patch0, pb, two, wg, kg, cout_g, bias + g * cout_g, mg, sg, per_channel, y_zp, act_min, act_max, out_sp,
                yo, table);
          };
          if (kg < kQdot2x2Short)
            full_range ? pixels(Constant<bool, true>{}, Constant<bool, true>{})
                       : pixels(Constant<bool, false>{}, Constant<bool, true>{});
          else
            full_range ? pixels(Constant<bool, true>{}, Constant<bool, false>{})
                       : pixels(Constant<bool, false>{}, Constant<bool, false>{});
        }
#endif
        for (; j + 2 <= cout_g; j += 2) {
          int32_t a[4];
          QDot<kRef>::dot2x2(patch0, pb, wg + j * kg, wg + (j + 1) * kg, kg, a);
          const int32_t oc = g * cout_g + j;
          const int32_t c0 = per_channel ? oc : 0, c1 = per_channel ? oc + 1 : 0;
          // the pair's parameters read once (a store through y could otherwise reload them)
          const int32_t b0 = bias[oc], b1 = bias[oc + 1], m0 = mult[c0], m1 = mult[c1], s0 = shift[c0], s1 = shift[c1];
          TY* y0 = yo + j * out_sp;
          TY* y1 = y0 + out_sp;
          auto block = [&](auto usual) __attribute__((always_inline)) {
            constexpr bool kU = decltype(usual)::value;
            y0[0] = qlut_apply<TY, kLut>(table, qout<TY, kU>(a[0] + b0, m0, s0, y_zp, act_min, act_max));
            y1[0] = qlut_apply<TY, kLut>(table, qout<TY, kU>(a[1] + b1, m1, s1, y_zp, act_min, act_max));
            if (two) {
              y0[1] = qlut_apply<TY, kLut>(table, qout<TY, kU>(a[2] + b0, m0, s0, y_zp, act_min, act_max));
              y1[1] = qlut_apply<TY, kLut>(table, qout<TY, kU>(a[3] + b1, m1, s1, y_zp, act_min, act_max));
            }
          };
          if (rq_usual)
            block(Constant<bool, true>{});
          else
            block(Constant<bool, false>{});
        }
        if (j < cout_g) {  // odd channel count: the last one against both patches
          int32_t a0, a1;
          QDot<kRef>::dot2(wg + j * kg, patch0, pb, kg, &a0, &a1);
          out(yo + j * out_sp, g * cout_g + j, a0);
          if (two) out(yo + j * out_sp + 1, g * cout_g + j, a1);
        }
      }
    }
}

template <typename TX, typename TY, bool kRef = false>
inline void qconv(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                  const int32_t* shift, TY* y, void* scratch) {
  qconv_core<TX, TY, kRef, false>(p, x, w, bias, mult, shift, nullptr, y, scratch);
}

// qconv, then each output byte through table (256 entries of TY, indexed by y - lowest(TY)):
// a QLut after the conv, fused by lower-qdq (fold_output_table), which leaves the conv its
// type's whole range. Then the scalar and DSP paths look each byte up as they store it (only
// their full-range variants compiled again); the Helium and SSE2 paths, which store vectors,
// and a narrowed range run the lookup as a pass over y afterwards. The reference always looks
// up as it stores. The same bytes either way.
template <typename TX, typename TY, bool kRef = false>
inline void qconv_lut(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                      const int32_t* shift, const TY* table, TY* y, void* scratch) {
#if defined(O2M_QDOT_MVE) || defined(O2M_QCONV_SSE2)
  constexpr bool kAfter = !kRef;
#else
  constexpr bool kAfter = false;
#endif
  if constexpr (!kAfter) {
    if (kRef || (p.act_min == QRange<TY>::lo && p.act_max == QRange<TY>::hi))
      return qconv_core<TX, TY, kRef, true>(p, x, w, bias, mult, shift, table, y, scratch);
  }
  qconv_core<TX, TY, kRef, false>(p, x, w, bias, mult, shift, nullptr, y, scratch);
  const ConvParams& c = p.conv;
  const int32_t n = c.n * c.c_out * c.out[0] * c.out[1] * c.out[2];
  for (int32_t i = 0; i < n; ++i) y[i] = qlut_apply<TY, true>(table, y[i]);
}

// qconv (kLut = false, table null) or qconv_lut for the geometries of qconv_pointwise_few_pays:
// on the DSP extension across pixels (8 or 16 channels whose constants pass qpw8_constants_ok:
// qconv_pointwise8_dsp; else qconv_pointwise_pixels_dsp) when every shift is requant_usual, the
// output keeps TY's whole range and y is not x; else as qconv / qconv_lut. scratch:
// qconv_pointwise_few_scratch_bytes. kTiles: qconv_pointwise_tiles_cin(c_in) (a template
// argument: a model carries only the tiles it runs).
template <typename TX, typename TY, bool kLut = false, int32_t kTiles = 0>
inline void qconv_pointwise_few(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias,
                                const int32_t* mult, const int32_t* shift, const TY* table, TY* y, void* scratch) {
#if defined(O2M_QDOT_DSP)
  // (on the DSP extension qout4_usual is requant_usual)
  const bool usual = p.act_min == QRange<TY>::lo && p.act_max == QRange<TY>::hi &&
                     static_cast<const void*>(x) != static_cast<const void*>(y) &&
                     qout4_all_usual(mult, shift, p.per_channel ? p.conv.c_out : 1);
  if constexpr (kTiles != 0)
    if (usual && qpw8_constants_ok(p.conv, p.per_channel != 0, bias, mult, shift, p.y_zp))
      return qconv_pointwise8_dsp<TX, TY, kTiles, kLut>(p.conv, p.per_channel != 0, p.y_zp, x, w, bias, mult, shift, table,
                                                        y, static_cast<int16_t*>(scratch));
  if (usual)
    return qconv_pointwise_pixels_dsp<TX, TY, true, kLut>(p.conv, p.per_channel != 0, p.y_zp, p.act_min, p.act_max, x, w,
                                                           bias, mult, shift, table, y);
#endif
  if constexpr (kLut) qconv_lut<TX, TY>(p, x, w, bias, mult, shift, table, y, scratch);
  else qconv<TX, TY>(p, x, w, bias, mult, shift, y, scratch);
}

// qconv (kLut = false, table null) or qconv_lut for a 2-D depthwise conv (qconv_depthwise_2d;
// the lowering's choice, not with --optimize size): on the DSP extension straight to
// qconv_depthwise, without qconv_core's frame (424 bytes on the M4, for the other paths' locals)
// under it on the stack; measured, the M4 stack peak: KWS 1,372 -> 996 bytes, zant_beer 1,476 ->
// 1,060, VWW 1,420 -> 1,108 (then kDwSums' 104 sums: 1,100, 1,212, 1,148). The table as
// qconv_lut's: looked up as stored for TY's whole range, else in a pass over y afterwards.
// Elsewhere as qconv / qconv_lut (on the M55 the direct call measured slower: qconv_core
// compiled without qconv_depthwise inlined cost KWS's pointwise convs 83 instructions each).
// kOneIn: a 3x3 conv of one input channel (qconv_one_channel_3x3, zant_beer's first conv) run as
// a depthwise conv with a channel multiplier.
template <typename TX, typename TY, bool kLut = false, bool kOneIn = false>
inline void qconv_depthwise_only(const QConvParams& p, const TX* x, const int8_t* w, const int32_t* bias,
                                 const int32_t* mult, const int32_t* shift, const TY* table, TY* y, void* scratch) {
#if defined(O2M_QDOT_DSP)
  if (!kLut || (p.act_min == QRange<TY>::lo && p.act_max == QRange<TY>::hi))
    return qconv_depthwise<TX, TY, false, kLut, kOneIn>(p, x, w, bias, mult, shift, y, static_cast<TX*>(scratch), table);
#endif
  if constexpr (kLut) qconv_lut<TX, TY>(p, x, w, bias, mult, shift, table, y, scratch);
  else qconv<TX, TY>(p, x, w, bias, mult, shift, y, scratch);
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

}}  // namespace o2m::O2M_KERNELS_VERSION
