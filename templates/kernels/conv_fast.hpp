// Fast 2-D float convolution (NCHW, grouped, pointwise included), the kernel the lowering picks
// for every 2-D (and 1-D) Conv with constant weights whose kernel is at most kMaxFastKw wide with
// no horizontal dilation; o2m::conv (conv.hpp) stays the reference and the fallback.
//
// An output row is computed a register block at a time: 4 output channels x PB neighbouring
// output pixels, whose 4 * PB sums stay in registers over the whole (ic, kh, kw) reduction. Per
// (ic, kh) the block loads the (PB - 1) * S + KW input values it needs once, and the weights
// come packed (pack_conv_weights: the 4 channels' weights of one tap side by side, in reduction
// order), so they are one sequential stream. On a Cortex-M FPU the blocks are the assembly of
// conv_vfp.hpp (vldm loads, 1.1 instructions a multiply-add for a 5x5 kernel); on the M55 they
// are Helium's 4-lane multiply-adds (block_mve: ~0.5 for 5x5, ~0.7 pointwise); elsewhere the
// C++ below, with KW and the stride S as template parameters so it unrolls fully.
// A block whose window crosses the left or right border runs channel by channel on a zero-padded
// copy of its window (a small stack buffer), so no block has a bounds test. Hosts, which have
// stack to spare, instead copy the rows an output row reads once, zero-padded, into a band
// (band_rows), so that every block is an interior one. Rows outside the input are skipped, as
// in the reference. Each output adds its terms in the reference's order (bias, then ic, kh, kw),
// skipped taps add +0, so results equal o2m::conv's (up to the sign of a zero and, where the
// compiler fuses multiply-adds, one rounding per term).
#pragma once

#include "activation.hpp"
#include "conv_vfp.hpp"
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#include <arm_mve.h>
#endif

#if defined(__clang__)
#define O2M_CONV_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define O2M_CONV_UNROLL _Pragma("GCC unroll 32")
#else
#define O2M_CONV_UNROLL
#endif

#if defined(__GNUC__)
#define O2M_CONV_NOINLINE __attribute__((noinline)) inline
#else
#define O2M_CONV_NOINLINE inline
#endif

namespace o2m { inline namespace O2M_KERNELS_VERSION {

constexpr int32_t kMaxFastKw = 7;
constexpr int32_t kMaxFastStride = 2;  // horizontal strides the lowering instantiates
constexpr int32_t kConvBlockOc = 4;    // output channels of a register block

// A 2-D conv's geometry (NCHW, grouped); a 1-D conv is one with h_in = k_h = 1.
struct BandConvParams {
  int32_t n, c_in, h_in, w_in;
  int32_t c_out, h_out, w_out;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left;
  int32_t group;
  O2M_FIELDS(n, c_in, h_in, w_in, c_out, h_out, w_out, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, group)
};

struct Conv2dParams {
  BandConvParams conv;  // geometry; the lowering guarantees dil_w == 1 and k_w == KW
  ActParams act;
  O2M_FIELDS(conv, act)
};

// conv2d_fast's weight layout, made from the model's [c_out][c_in/group][k_h][k_w] by the
// generator (pass pack-conv-weights): within each group, every block of 4 output channels holds
// [ic][kh][kw][4]; the group's last (c_out/group) % 4 channels keep [ic][kh][kw]. Same size.
template <typename T>
inline void pack_conv_weights(int32_t c_out, int32_t group, int32_t per_oc, const T* w, T* packed) {
  const int32_t cout_g = c_out / group;
  for (int32_t g = 0; g < group; ++g) {
    int32_t o = 0;
    for (; o + kConvBlockOc <= cout_g; o += kConvBlockOc) {
      const T* src = w + (g * cout_g + o) * per_oc;
      T* dst = packed + (g * cout_g + o) * per_oc;
      for (int32_t i = 0; i < per_oc; ++i)
        for (int32_t b = 0; b < kConvBlockOc; ++b) dst[i * kConvBlockOc + b] = src[b * per_oc + i];
    }
    for (; o < cout_g; ++o)
      for (int32_t i = 0; i < per_oc; ++i) packed[(g * cout_g + o) * per_oc + i] = w[(g * cout_g + o) * per_oc + i];
  }
}

namespace conv_detail {

// Where one block reads: x at kernel row kh_lo of the group's first channel, w at the block's
// packed weights for (ic 0, kh_lo); strides in elements.
struct BlockWindow {
  int32_t cin, kh_n;
  int32_t x_row, x_skip;  // next kernel row; after a channel's kh_n rows, to the next channel
  int32_t w_skip;         // weights after a channel's kh_n rows (rows outside the input)
  int32_t os;             // output channel stride
};

// One block in C++: out[o * os + p] = sum over ic, kh, kw for o < OCB, p < PB, starting from
// bias (or 0), or from the values in out when acc_in; ReLU on the stored sums when relu.
// Weights: [ic][kh][kw][OCB].
template <int OCB, int PB, int KW, int S, typename T>
inline void block_c(const BlockWindow& b, const T* __restrict x, const T* __restrict wp, const T* bias, bool acc_in,
                    bool relu, T* __restrict out) {
  constexpr int NX = (PB - 1) * S + KW;
  T acc[OCB][PB];
  O2M_CONV_UNROLL
  for (int o = 0; o < OCB; ++o) {
    const T b0 = bias ? bias[o] : T(0);
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[o][p] = b0;
  }
  if (acc_in) {
    O2M_CONV_UNROLL
    for (int o = 0; o < OCB; ++o) {
      O2M_CONV_UNROLL
      for (int p = 0; p < PB; ++p) acc[o][p] = out[o * b.os + p];
    }
  }
  const T* xc = x;
  for (int32_t ic = 0; ic < b.cin; ++ic, xc += b.x_skip, wp += b.w_skip) {
    for (int32_t kh = 0; kh < b.kh_n; ++kh, xc += b.x_row) {
      T xv[NX];
      O2M_CONV_UNROLL
      for (int i = 0; i < NX; ++i) xv[i] = xc[i];
      O2M_CONV_UNROLL
      for (int kw = 0; kw < KW; ++kw, wp += OCB) {
        O2M_CONV_UNROLL
        for (int o = 0; o < OCB; ++o) {
          const T wv = wp[o];
          O2M_CONV_UNROLL
          for (int p = 0; p < PB; ++p) acc[o][p] += wv * xv[p * S + kw];
        }
      }
    }
  }
  O2M_CONV_UNROLL
  for (int o = 0; o < OCB; ++o) {
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) out[o * b.os + p] = relu && !(acc[o][p] > T(0)) ? T(0) : acc[o][p];
  }
}

#if (defined(__SSE2__) || defined(__ARM_NEON)) && defined(__GNUC__) && !defined(O2M_NO_VECTOR)
#define O2M_VECTOR_BLOCKS 1
// One block with the 4 output channels as the lanes of a 128-bit vector (hosts: SSE2, NEON):
// the packed weights of a tap are one load, each input is broadcast once per kernel row.
template <int PB, int KW, int S>
inline void block_vec(const BlockWindow& b, const float* __restrict x, const float* __restrict wp, const float* bias,
                      bool acc_in, bool relu, float* __restrict out) {
  typedef float v4 __attribute__((vector_size(16)));
  constexpr int NX = (PB - 1) * S + KW;
  v4 acc[PB];
  v4 b0 = {0, 0, 0, 0};
  if (bias) b0 = v4{bias[0], bias[1], bias[2], bias[3]};
  if (acc_in) {
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[p] = v4{out[p], out[b.os + p], out[2 * b.os + p], out[3 * b.os + p]};
  } else {
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[p] = b0;
  }
  const float* xc = x;
  for (int32_t ic = 0; ic < b.cin; ++ic, xc += b.x_skip, wp += b.w_skip) {
    for (int32_t kh = 0; kh < b.kh_n; ++kh, xc += b.x_row) {
      v4 xv[NX];
      O2M_CONV_UNROLL
      for (int i = 0; i < NX; ++i) xv[i] = v4{xc[i], xc[i], xc[i], xc[i]};
      O2M_CONV_UNROLL
      for (int kw = 0; kw < KW; ++kw, wp += 4) {
        v4 wv;
        __builtin_memcpy(&wv, wp, sizeof wv);
        O2M_CONV_UNROLL
        for (int p = 0; p < PB; ++p) acc[p] += wv * xv[p * S + kw];
      }
    }
  }
  if (relu) {
    const v4 zero = {0, 0, 0, 0};
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[p] = acc[p] > zero ? acc[p] : zero;
  }
  O2M_CONV_UNROLL
  for (int p = 0; p < PB; ++p) {
    O2M_CONV_UNROLL
    for (int o = 0; o < 4; ++o) out[o * b.os + p] = acc[p][o];
  }
}
#endif

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#define O2M_MVE_BLOCKS 1
// One block on Helium (Cortex-M55), the 4 output channels as the lanes of a Q register: per tap
// one weight load and PB vector-by-scalar multiply-adds (4 MACs each); the channels' outputs
// are 4 apart by os, so sums come and go by gather and scatter. ReLU is vmaxnm with 0, which
// maps NaN to 0 as the reference does.
template <int PB, int KW, int S>
inline void block_mve(const BlockWindow& b, const float* __restrict x, const float* __restrict wp, const float* bias,
                      bool acc_in, bool relu, float* __restrict out) {
  constexpr int NX = (PB - 1) * S + KW;
  const uint32x4_t lanes = vmulq_n_u32(vidupq_n_u32(0u, 1), static_cast<uint32_t>(b.os) * 4u);  // byte offsets
  float32x4_t acc[PB];
  if (acc_in) {
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[p] = vldrwq_gather_offset_f32(out + p, lanes);
  } else {
    const float32x4_t b0 = bias ? vld1q_f32(bias) : vdupq_n_f32(0.0f);
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[p] = b0;
  }
  const float* xc = x;
  if (KW == 1 && S == 1 && b.kh_n == 1 && b.w_skip == 0) {  // pointwise: one loop over the channels
    const int32_t step = b.x_row + b.x_skip;
    for (int32_t ic = 0; ic < b.cin; ++ic, xc += step, wp += 4) {
      const float32x4_t wv = vld1q_f32(wp);
      O2M_CONV_UNROLL
      for (int p = 0; p < PB; ++p) acc[p] = vfmaq_n_f32(acc[p], wv, xc[p]);
    }
  } else {
    for (int32_t ic = 0; ic < b.cin; ++ic, xc += b.x_skip, wp += b.w_skip) {
      for (int32_t kh = 0; kh < b.kh_n; ++kh, xc += b.x_row) {
        float xv[NX];
        O2M_CONV_UNROLL
        for (int i = 0; i < NX; ++i) xv[i] = xc[i];
        O2M_CONV_UNROLL
        for (int kw = 0; kw < KW; ++kw, wp += 4) {
          const float32x4_t wv = vld1q_f32(wp);
          O2M_CONV_UNROLL
          for (int p = 0; p < PB; ++p) acc[p] = vfmaq_n_f32(acc[p], wv, xv[p * S + kw]);
        }
      }
    }
  }
  if (relu) {
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[p] = vmaxnmq_f32(acc[p], vdupq_n_f32(0.0f));
  }
  O2M_CONV_UNROLL
  for (int p = 0; p < PB; ++p) vstrwq_scatter_offset_f32(out + p, lanes, acc[p]);
}
#endif

// One block: Helium on the M55, else the FPU assembly of conv_vfp.hpp when it has this shape,
// the vector code on hosts, else block_c.
template <int OCB, int PB, int KW, int S, typename T>
inline void block(const BlockWindow& b, const T* x, const T* wp, const T* bias, bool acc_in, bool relu, T* out) {
#if defined(O2M_MVE_BLOCKS)
  if constexpr (same_type<T, float> && OCB == kConvBlockOc)
    return block_mve<PB, KW, S>(b, x, wp, bias, acc_in, relu, out);
#elif defined(O2M_VFP_BLOCKS)
  if constexpr (same_type<T, float> && OCB == kConvBlockOc && vfp::Block<KW, S, PB>::kHas) {
    static const float kZero[kConvBlockOc] = {};
    const vfp::BlockArgs a{b.cin,
                           b.kh_n,
                           b.x_row * 4,
                           b.x_skip * 4,
                           b.w_skip * 4,
                           b.os * 4,
                           acc_in ? 1 : 0,
                           bias ? bias : kZero,
                           relu ? 1 : 0};
    if constexpr (KW == 1 && S == 1 && vfp::PointwiseBlock<PB>::kHas) {
      if (b.kh_n == 1) {
        const vfp::BlockArgs pw{a.cin, 1, (b.x_row + b.x_skip) * 4, 0, a.w_skip, a.out_stride, a.accumulate, a.bias, a.relu};
        if (b.w_skip == 0) return vfp::PointwiseBlock<PB>::run(x, wp, out, pw);
      }
    }
    return vfp::Block<KW, S, PB>::run(x, wp, out, a);
  }
#elif defined(O2M_VECTOR_BLOCKS)
  if constexpr (same_type<T, float> && OCB == kConvBlockOc)
    return block_vec<PB, KW, S>(b, x, wp, bias, acc_in, relu, out);
#endif
  block_c<OCB, PB, KW, S>(b, x, wp, bias, acc_in, relu, out);
}

// n values from src to dst, and n zeros at dst. On Cortex-M FPUs vldm/vstm loops: GCC turns
// such loops into memcpy/memset calls, which newlib-nano does a byte at a time.
template <typename T>
inline void copy_values(T* dst, const T* src, int32_t n) {
#if defined(O2M_VFP_BLOCKS)
  if constexpr (same_type<T, float>) return vfp::copy_floats(dst, src, n);
#endif
  for (int32_t i = 0; i < n; ++i) dst[i] = src[i];
}
template <typename T>
inline void zero_values(T* dst, int32_t n) {
#if defined(O2M_VFP_BLOCKS)
  if constexpr (same_type<T, float>) return vfp::zero_floats(dst, n);
#endif
  for (int32_t i = 0; i < n; ++i) dst[i] = T(0);
}

// Of the columns [iw0, iw0 + len) a window reads from a row of w_in values, the ones inside the
// row: [lo, hi), counted from iw0; the rest are padding.
struct InsideSpan {
  int32_t lo, hi;
};
inline InsideSpan inside_span(int32_t iw0, int32_t len, int32_t w_in) {
  const int32_t lo = iw0 < 0 ? (-iw0 < len ? -iw0 : len) : 0;
  return {lo, w_in - iw0 < len ? (w_in - iw0 > lo ? w_in - iw0 : lo) : len};
}

// The len columns of a window (its first at src) to dst, zeros outside span in.
template <typename T>
inline void copy_padded(T* dst, const T* src, InsideSpan in, int32_t len) {
  zero_values(dst, in.lo);
  copy_values(dst + in.lo, src + in.lo, in.hi - in.lo);
  zero_values(dst + in.hi, len - in.hi);
}

constexpr int32_t kEdgeRows = 8;  // kernel rows an edge block copies at a time

// A block whose window [iw0, iw0 + NX) crosses the row's ends: channel by channel (and up to
// kEdgeRows kernel rows at a time), its window is copied into a zero-padded buffer, and the
// block runs on that, carrying its sums through out.
template <int OCB, int PB, int KW, int S, typename T>
inline void edge_block(const BandConvParams& c, const BlockWindow& b, const T* x, const T* wp, const T* bias, int32_t iw0,
                       bool relu, T* out) {
  constexpr int NX = (PB - 1) * S + KW;
  T buf[kEdgeRows * NX];
  // Columns [lo, hi) of the window are inside the row; the rest are zeros.
  const InsideSpan in = inside_span(iw0, NX, c.w_in);
  const int32_t lo = in.lo, hi = in.hi;

  const BlockWindow one{1, 0, NX, 0, 0, b.os};
  bool acc_in = false;
  const T* xc = x;
  for (int32_t ic = 0; ic < b.cin; ++ic, xc += b.x_skip, wp += b.w_skip) {
    for (int32_t kh0 = 0; kh0 < b.kh_n; kh0 += kEdgeRows) {
      const int32_t rows = b.kh_n - kh0 < kEdgeRows ? b.kh_n - kh0 : kEdgeRows;
      // Unrolled with a test per column: a run-time loop becomes a memcpy call per row.
      for (int32_t r = 0; r < rows; ++r, xc += b.x_row) {
        O2M_CONV_UNROLL
        for (int i = 0; i < NX; ++i) buf[r * NX + i] = i >= lo && i < hi ? xc[i] : T(0);
      }
      BlockWindow w = one;
      w.kh_n = rows;
      const bool last = ic + 1 == b.cin && kh0 + rows == b.kh_n;
      block<OCB, PB, KW, S>(w, buf, wp, bias, acc_in, relu && last, out);
      wp += rows * KW * OCB;
      acc_in = true;
    }
  }
}

// The activation over rows of stored sums: one copy of activate_epilogue() per kernel instead of one
// per unrolled block (Cortex-M4 flash: ~15 kB less on mnist8), for ~1 % more instructions.
template <typename T>
O2M_CONV_NOINLINE void activate_rows(const ActParams& a, T* out, int32_t rows, int32_t os, int32_t n) {
  if (a.kind == kActNone) return;
  if (a.kind == kActRelu) {  // the common one, without the per-value dispatch
    for (int32_t r = 0; r < rows; ++r, out += os)
      for (int32_t i = 0; i < n; ++i) out[i] = out[i] < T(0) ? T(0) : out[i];
    return;
  }
  for (int32_t r = 0; r < rows; ++r, out += os)
    for (int32_t i = 0; i < n; ++i) out[i] = activate_epilogue(a, out[i]);
}

// PB pixels from ow (input column iw0 of pixel 0's tap 0): plain, or as an edge block.
template <int OCB, int PB, int KW, int S, typename T>
inline void pixels(const BandConvParams& c, const BlockWindow& b, const T* xr, const T* wp, const T* bias, int32_t ow,
                   bool relu, T* out) {
  constexpr int NX = (PB - 1) * S + KW;
  const int32_t iw0 = ow * S - c.pad_left;
  if (iw0 >= 0 && iw0 + NX <= c.w_in)
    block<OCB, PB, KW, S>(b, xr + iw0, wp, bias, false, relu, out + ow);
  else
    edge_block<OCB, PB, KW, S>(c, b, xr + iw0, wp, bias, iw0, relu, out + ow);
}

// Output pixels [0, w_out) of OCB channels: blocks of 4, then one of 2 and one of 1 for the
// rest. ReLU is applied by the blocks as they store; other activations after.
#if defined(O2M_VFP_BLOCKS)
// PB-pixel blocks [ow, ow + PB * count) on the assembly blocks, their arguments built once;
// border blocks as edge_block.
template <int PB, int KW, int S>
inline void vfp_pixels(const BandConvParams& c, const BlockWindow& b, const float* xr, const float* wp,
                       const vfp::BlockArgs& args, int32_t ow, int32_t count, float* out) {
  constexpr int NX = (PB - 1) * S + KW;
  const bool pointwise = KW == 1 && S == 1 && b.kh_n == 1 && b.w_skip == 0;
  vfp::BlockArgs pw = args;
  pw.x_row = (b.x_row + b.x_skip) * 4;  // the channel stride
  for (int32_t i = 0; i < count; ++i, ow += PB) {
    const int32_t iw0 = ow * S - c.pad_left;
    if (iw0 < 0 || iw0 + NX > c.w_in)
      edge_block<kConvBlockOc, PB, KW, S>(c, b, xr + iw0, wp, args.bias, iw0, args.relu != 0, out + ow);
    else if constexpr (KW == 1 && S == 1 && vfp::PointwiseBlock<PB>::kHas)
      pointwise ? vfp::PointwiseBlock<PB>::run(xr + iw0, wp, out + ow, pw) : vfp::Block<KW, S, PB>::run(xr + iw0, wp, out + ow, args);
    else
      vfp::Block<KW, S, PB>::run(xr + iw0, wp, out + ow, args);
  }
}
#endif

template <int OCB, int KW, int S, typename T>
inline void channels_row(const BandConvParams& c, const BlockWindow& b, const T* xr, const T* wp, const T* bias, T* out,
                         const ActParams& a) {
  const bool relu = a.kind == kActRelu;
#if defined(O2M_VFP_BLOCKS) && !defined(O2M_MVE_BLOCKS)
  if constexpr (same_type<T, float> && OCB == kConvBlockOc && vfp::Block<KW, S, 4>::kHas) {
    static const float kZero[kConvBlockOc] = {};
    const vfp::BlockArgs args{b.cin,        b.kh_n, b.x_row * 4, b.x_skip * 4,      b.w_skip * 4,
                              b.os * 4,     0,      bias ? bias : kZero, relu ? 1 : 0};
    const int32_t n4 = c.w_out / 4, r = c.w_out - 4 * n4;
    vfp_pixels<4, KW, S>(c, b, xr, wp, args, 0, n4, out);
    if (r >= 2) vfp_pixels<2, KW, S>(c, b, xr, wp, args, 4 * n4, 1, out);
    if (r % 2) vfp_pixels<1, KW, S>(c, b, xr, wp, args, c.w_out - 1, 1, out);
    if (!relu) activate_rows(a, out, OCB, b.os, c.w_out);
    return;
  }
#endif
  int32_t ow = 0;
  for (; ow + 4 <= c.w_out; ow += 4) pixels<OCB, 4, KW, S>(c, b, xr, wp, bias, ow, relu, out);
  if (ow + 2 <= c.w_out) {
    pixels<OCB, 2, KW, S>(c, b, xr, wp, bias, ow, relu, out);
    ow += 2;
  }
  if (ow < c.w_out) pixels<OCB, 1, KW, S>(c, b, xr, wp, bias, ow, relu, out);
  if (!relu) activate_rows(a, out, OCB, b.os, c.w_out);
}

#if defined(O2M_VECTOR_BLOCKS)
constexpr int32_t kBandValues = 4096;  // hosts: a 16 kB stack buffer for band_rows

// Hosts: copies the rows one output row reads (n channels x kh_n kernel rows from x, x_row
// apart, x_skip more between channels), zero-padded to columns [-pad_left, band_w - pad_left),
// so that every block of the row is an interior one: on mnist8 the per-channel border blocks
// cost a quarter of the run.
template <typename T>
inline void band_rows(const BandConvParams& c, const BlockWindow& b, const T* x, int32_t band_w, T* band) {
  const InsideSpan in = inside_span(-c.pad_left, band_w, c.w_in);
  for (int32_t ic = 0; ic < b.cin; ++ic, x += b.x_skip)
    for (int32_t r = 0; r < b.kh_n; ++r, x += b.x_row, band += band_w) copy_padded(band, x - c.pad_left, in, band_w);
}
#endif

}  // namespace conv_detail

// Output row oh of every channel of image xb: channel oc's w_out values go to out + oc * os.
// KW = c.k_w, S = c.stride_w; w packed (pack_conv_weights).
template <typename T, int KW, int S>
inline void conv2d_fast_row(const BandConvParams& c, const T* xb, const T* w, const T* bias, int32_t oh, T* out, int32_t os,
                            const ActParams& a) {
  static_assert(KW >= 1 && KW <= kMaxFastKw && S >= 1 && S <= kMaxFastStride, "unsupported kernel width or stride");
  const int32_t cin_g = c.c_in / c.group, cout_g = c.c_out / c.group, ws = cin_g * c.k_h * KW;
  const int32_t ih0 = oh * c.stride_h - c.pad_top;
  int32_t kh_lo = 0, kh_hi = c.k_h;
  while (kh_lo < kh_hi && ih0 + kh_lo * c.dil_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && ih0 + (kh_hi - 1) * c.dil_h >= c.h_in) --kh_hi;
  const int32_t kh_n = kh_hi - kh_lo, x_row = c.dil_h * c.w_in;
  conv_detail::BlockWindow b{cin_g, kh_n, x_row, c.h_in * c.w_in - kh_n * x_row, 0, os};
  const int32_t in_g = cin_g * c.h_in * c.w_in, x_off = (ih0 + kh_lo * c.dil_h) * c.w_in;
  const BandConvParams* cb = &c;  // the geometry the blocks see: the input's, or the band's
#if defined(O2M_VECTOR_BLOCKS)
  const int32_t band_w = (c.w_out - 1) * S + KW;  // input columns the row's blocks read
  const bool banded = kh_n > 0 && (c.pad_left > 0 || band_w - c.pad_left > c.w_in) &&
                      cin_g * kh_n * band_w <= conv_detail::kBandValues;
  T band[conv_detail::kBandValues];
  const conv_detail::BlockWindow input_window = b;
  BandConvParams band_c = c;
  if (banded) {
    band_c.w_in = band_w;
    band_c.pad_left = 0;
    cb = &band_c;
    b.x_row = band_w;
    b.x_skip = 0;
  }
#endif
  // Pointers step channel by channel (no oc * stride products: GCC -O2 then warns that a
  // constant-folded product could overflow in a loop it cannot bound).
  const T* wq = w;
  const T* bq = bias;
  T* yq = out;
  const T* xg = xb;
  for (int32_t g = 0; g < c.group; ++g, xg += in_g) {
    if (kh_n == 0) {  // every kernel row is outside the input: the bias alone
      for (int32_t o = 0; o < cout_g; ++o, yq += os, bq = bq ? bq + 1 : nullptr) {
        for (int32_t i = 0; i < c.w_out; ++i) yq[i] = bq ? *bq : T(0);
        conv_detail::activate_rows(a, yq, 1, os, c.w_out);
      }
      wq += cout_g * ws;
      continue;
    }
    const T* xr = xg + x_off;
#if defined(O2M_VECTOR_BLOCKS)
    if (banded) {
      conv_detail::band_rows(c, input_window, xr, band_w, band);
      xr = band;
    }
#endif
    int32_t left = cout_g;
    b.w_skip = (c.k_h - kh_n) * KW * kConvBlockOc;
    for (; left >= kConvBlockOc; left -= kConvBlockOc, wq += kConvBlockOc * ws, yq += kConvBlockOc * os, bq = bq ? bq + kConvBlockOc : nullptr)
      conv_detail::channels_row<kConvBlockOc, KW, S>(*cb, b, xr, wq + kh_lo * KW * kConvBlockOc, bq, yq, a);
    b.w_skip = (c.k_h - kh_n) * KW;
    for (; left > 0; --left, wq += ws, yq += os, bq = bq ? bq + 1 : nullptr)
      conv_detail::channels_row<1, KW, S>(*cb, b, xr, wq + kh_lo * KW, bq, yq, a);
  }
}

// w: packed (pack_conv_weights) from [c_out, c_in/group, k_h, KW]; bias: [c_out] or nullptr;
// y: [n, c_out, h_out, w_out].
template <typename T, int KW, int S>
inline void conv2d_fast(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y) {
  const BandConvParams& c = p.conv;
  const int32_t out_sp = c.h_out * c.w_out;
  const T* xb = x;
  T* yb = y;
  for (int32_t b = 0; b < c.n; ++b, xb += c.c_in * c.h_in * c.w_in, yb += c.c_out * out_sp) {
    T* yr = yb;
    for (int32_t oh = 0; oh < c.h_out; ++oh, yr += c.w_out) conv2d_fast_row<T, KW, S>(c, xb, w, bias, oh, yr, out_sp, p.act);
  }
}

// Depthwise conv (group == c_in == c_out), KW = 3 or 5, k_h <= KW; 3x3 ones that fit take
// conv2d_dw3 (below), the rest conv2d_dw_chunks: each output row is done in chunks of up to
// kDwChunk pixels. A chunk whose input window lies inside the row reads the
// input directly; one that crosses a border first copies its window of each kernel row into a
// zero-padded stack buffer. Either way the inner loop (PB pixels, sums in registers over all
// kh, kw) has no bounds test. Terms are added in the reference's order (bias, kh, kw); padded
// taps add +-0, rows outside the input are skipped.
constexpr int32_t kDwChunk = 16;  // output pixels per chunk (32 when KW = 3)

namespace conv_detail {

// n output pixels from row pointers rows[0 .. nr) (window of pixel 0 at rows[r][0]): blocks of
// PB, then single pixels. NR = KW: all kernel rows, their pointers and (KW = 3) the weights
// held in registers; NR = 0: nr rows, a run-time loop (top and bottom borders).
template <int PB, int KW, int S, int NR, typename T>
inline void dw_span(const T* const* rows, int32_t nr, const T* __restrict wr, T b0, int32_t n, T* __restrict out) {
  constexpr bool kFixed = NR > 0;
  constexpr int NW = kFixed && KW <= 3 ? KW * KW : 1;
  T wk[NW];
  if constexpr (NW > 1) {
    O2M_CONV_UNROLL
    for (int i = 0; i < NW; ++i) wk[i] = wr[i];
  }
  const T* rp[KW];
  O2M_CONV_UNROLL
  for (int r = 0; r < KW; ++r) rp[r] = rows[r];
  auto pixels = [&](auto pb) {
    constexpr int P = decltype(pb)::value, NX = (P - 1) * S + KW;
    T acc[P];
    O2M_CONV_UNROLL
    for (int p = 0; p < P; ++p) acc[p] = b0;
    auto one_row = [&](const T* __restrict xr, const T* __restrict wrow) {
      T xv[NX];
      O2M_CONV_UNROLL
      for (int i = 0; i < NX; ++i) xv[i] = xr[i];
      O2M_CONV_UNROLL
      for (int kw = 0; kw < KW; ++kw) {
        const T wv = wrow[kw];
        O2M_CONV_UNROLL
        for (int p = 0; p < P; ++p) acc[p] += wv * xv[p * S + kw];
      }
    };
    if constexpr (kFixed) {
      O2M_CONV_UNROLL
      for (int r = 0; r < NR; ++r) one_row(rp[r], NW > 1 ? wk + r * KW : wr + r * KW);
    } else {
      const T* wrow = wr;
      for (int32_t r = 0; r < nr; ++r, wrow += KW) one_row(rp[r], wrow);
    }
    O2M_CONV_UNROLL
    for (int r = 0; r < KW; ++r) rp[r] += P * S;
    O2M_CONV_UNROLL
    for (int p = 0; p < P; ++p) out[p] = acc[p];
    out += P;
  };
  int32_t i = 0;
  for (; i + PB <= n; i += PB) pixels(Constant<int, PB>{});
  for (; i < n; ++i) pixels(Constant<int, 1>{});
}

}  // namespace conv_detail

// 3x3 depthwise (k_h = 3, no vertical dilation), the MobileNet case: each input row is copied
// once, zero-padded, into a small stack buffer (the whole channel, or a ring of three rows), and
// every output row runs on it with no border cases. The inner loop is dw3_row: 4 pixels a step, 9 weights in
// registers (on Cortex-M FPUs the assembly of conv_vfp.hpp); ReLU is applied as values are
// stored. Padded taps add +-0, so results equal the reference's (up to the sign of a zero).
constexpr int32_t kDwRingBytes = 1024;  // on the stack

namespace conv_detail {

// rows output rows of n values from kernel rows r0, r1, r2 (pixel 0's window at their starts;
// each next output row's kernel rows row_step further): out[i] = b0 + taps in the reference's
// order (kh, kw).
template <int S, typename T>
inline void dw3_rows(const T* r0, const T* r1, const T* r2, int32_t row_step, int32_t rows, const T* w, T b0, bool relu,
                     T* out, int32_t n) {
#if defined(O2M_VFP_BLOCKS)
  if constexpr (same_type<T, float>) {
    vfp::DepthwiseArgs a{{r0, r1, r2}, w, &b0, out, n, rows, row_step * 4};
    if (relu)
      vfp::Depthwise3<S, true>::run(a);
    else
      vfp::Depthwise3<S, false>::run(a);
    return;
  }
#endif
  const T w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
  for (int32_t r = 0; r < rows; ++r, r0 += row_step, r1 += row_step, r2 += row_step, out += n) {
    for (int32_t i = 0; i < n; ++i) {
      const int32_t c = i * S;
      const T v = b0 + r0[c] * w0 + r0[c + 1] * w1 + r0[c + 2] * w2 + r1[c] * w3 + r1[c + 1] * w4 + r1[c + 2] * w5 +
                  r2[c] * w6 + r2[c + 1] * w7 + r2[c + 2] * w8;
      out[i] = relu && !(v > T(0)) ? T(0) : v;
    }
  }
}

// True when conv2d_dw3 takes this geometry (else conv2d_dw's general path).
template <typename T, int S>
inline bool dw3_fits(const BandConvParams& c) {
  return c.k_h == 3 && c.dil_h == 1 && 3 * ((c.w_out - 1) * S + 3) <= kDwRingBytes / static_cast<int32_t>(sizeof(T));
}

// A small channel (its padded rows fit the buffer) is copied whole, once; a larger one streams
// through three ring slots, each input row copied once as the window moves down. The buffer's
// padding columns are zeroed once and never written again.
template <typename T, int S>
O2M_CONV_NOINLINE void conv2d_dw3(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y) {
  constexpr int32_t kBuf = kDwRingBytes / static_cast<int32_t>(sizeof(T));
  const BandConvParams& c = p.conv;
  const bool relu = p.act.kind == kActRelu;
  const int32_t in_hw = c.h_in * c.w_in, out_hw = c.h_out * c.w_out, wp = (c.w_out - 1) * S + 3;
  const int32_t hp = (c.h_out - 1) * c.stride_h + 3;
  const bool whole = hp * wp <= kBuf;
  // Columns [lo, hi) of a buffer row hold input columns [lo - pad_left, hi - pad_left).
  const InsideSpan in = inside_span(-c.pad_left, wp, c.w_in);
  const int32_t lo = in.lo, hi = in.hi;
  T buf[kBuf];
  zero_values(buf, whole ? hp * wp : 3 * wp);
  const T* xc = x;
  T* yc = y;
  for (int32_t b = 0; b < c.n; ++b) {
    const T* wc = w;
    for (int32_t oc = 0; oc < c.c_out; ++oc, xc += in_hw, yc += out_hw, wc += 9) {
      const T b0 = bias ? bias[oc] : T(0);
      if (whole) {
        for (int32_t ih = 0; ih < c.h_in && ih + c.pad_top < hp; ++ih)
          copy_values(buf + (ih + c.pad_top) * wp + lo, xc + ih * c.w_in + lo - c.pad_left, hi - lo);
        dw3_rows<S>(buf, buf + wp, buf + 2 * wp, c.stride_h * wp, c.h_out, wc, b0, relu, yc, c.w_out);
        if (!relu) activate_rows(p.act, yc, 1, out_hw, out_hw);
        continue;
      }
      T* slot[3] = {buf, buf + wp, buf + 2 * wp};
      int32_t first = 0;  // slot[k] holds input row first + k
      T* yr = yc;
      for (int32_t oh = 0; oh < c.h_out; ++oh, yr += c.w_out) {
        const int32_t ih0 = oh * c.stride_h - c.pad_top;
        const int32_t d = oh == 0 || ih0 - first >= 3 ? 3 : ih0 - first;
        for (int32_t i = 0; i < d; ++i) {  // rotate the slots no longer needed to the end
          T* t = slot[0];
          slot[0] = slot[1];
          slot[1] = slot[2];
          slot[2] = t;
        }
        for (int32_t k = 3 - d; k < 3; ++k) {
          const int32_t ih = ih0 + k;
          if (ih >= 0 && ih < c.h_in)
            copy_values(slot[k] + lo, xc + ih * c.w_in + lo - c.pad_left, hi - lo);
          else
            zero_values(slot[k] + lo, hi - lo);
        }
        first = ih0;
        dw3_rows<S>(slot[0], slot[1], slot[2], 0, 1, wc, b0, relu, yr, c.w_out);
        if (!relu) activate_rows(p.act, yr, 1, c.w_out, c.w_out);
      }
    }
  }
}

}  // namespace conv_detail

namespace conv_detail {

// The general depthwise path (row chunks); its own function so that its stack buffer and
// conv2d_dw3's are never on the stack together.
template <typename T, int KW, int S>
O2M_CONV_NOINLINE void conv2d_dw_chunks(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y) {
  constexpr int32_t CH = KW <= 3 ? 2 * kDwChunk : kDwChunk, L = (CH - 1) * S + KW;
  constexpr int PB = 4;  // 8 (KW = 3) spills on Cortex-M4: 9 weights + 8 sums + 10 inputs
  const BandConvParams& c = p.conv;
  const int32_t in_hw = c.h_in * c.w_in, out_hw = c.h_out * c.w_out, w_ch = c.k_h * KW;
  T buf[KW][L];
  const T* rows[KW];
  // Rows of one chunk (w_out <= CH): the window is the same for every row, so the
  // buffer's padding is zeroed once and each row copy is a plain loop.
  const bool narrow = c.w_out <= CH && c.pad_left < L;
  const int32_t n_copy = narrow ? (c.w_in < L - c.pad_left ? c.w_in : L - c.pad_left) : 0;
  if (narrow) {
    for (int32_t r = 0; r < KW; ++r)
      conv_detail::zero_values(buf[r], L);
  }
  const T* xc = x;
  T* yc = y;
  for (int32_t b = 0; b < c.n; ++b) {
    const T* wc = w;
    for (int32_t oc = 0; oc < c.c_out; ++oc, xc += in_hw, yc += out_hw, wc += w_ch) {
      const T b0 = bias ? bias[oc] : T(0);
      T* yr = yc;
      for (int32_t oh = 0; oh < c.h_out; ++oh, yr += c.w_out) {
        const int32_t ih0 = oh * c.stride_h - c.pad_top;
        int32_t kh_lo = 0, kh_hi = c.k_h;
        while (kh_lo < kh_hi && ih0 + kh_lo * c.dil_h < 0) ++kh_lo;
        while (kh_hi > kh_lo && ih0 + (kh_hi - 1) * c.dil_h >= c.h_in) --kh_hi;
        const int32_t nr = kh_hi - kh_lo;
        const T* wr = wc + kh_lo * KW;
        const T* x0 = xc + (ih0 + kh_lo * c.dil_h) * c.w_in;
        const int32_t x_row = c.dil_h * c.w_in;
        for (int32_t ow0 = 0; ow0 < c.w_out; ow0 += CH) {
          const int32_t n = c.w_out - ow0 < CH ? c.w_out - ow0 : CH;
          const int32_t iw0 = ow0 * S - c.pad_left, len = (n - 1) * S + KW;
          const bool inside = iw0 >= 0 && iw0 + len <= c.w_in;
          const T* src = x0;
          for (int32_t r = 0; r < nr; ++r, src += x_row) {
            if (inside) {
              rows[r] = src + iw0;
            } else if (narrow) {
              T* d = buf[r] + c.pad_left;
              conv_detail::copy_values(d, src, n_copy);
              rows[r] = buf[r];
            } else {
              conv_detail::copy_padded(buf[r], src + iw0, conv_detail::inside_span(iw0, len, c.w_in), len);
              rows[r] = buf[r];
            }
          }
          if (nr == KW)
            conv_detail::dw_span<PB, KW, S, KW>(rows, nr, wr, b0, n, yr + ow0);
          else
            conv_detail::dw_span<PB, KW, S, 0>(rows, nr, wr, b0, n, yr + ow0);
        }
        conv_detail::activate_rows(p.act, yr, 1, c.w_out, c.w_out);
      }
    }
  }
}

}  // namespace conv_detail

// w: [c_out, 1, k_h, KW]; bias: [c_out] or nullptr; y: [n, c_out, h_out, w_out].
template <typename T, int KW, int S>
inline void conv2d_dw(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y) {
  static_assert(KW >= 1 && KW <= kMaxFastKw && S >= 1 && S <= kMaxFastStride, "unsupported kernel width or stride");
  if constexpr (KW == 3) {
    if (conv_detail::dw3_fits<T, S>(p.conv)) return conv_detail::conv2d_dw3<T, S>(p, x, w, bias, y);
  }
  conv_detail::conv2d_dw_chunks<T, KW, S>(p, x, w, bias, y);
}

}}  // namespace o2m::O2M_KERNELS_VERSION
