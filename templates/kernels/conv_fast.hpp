// Fast 2-D float convolution (NCHW, grouped, depthwise and pointwise included), the kernel the
// lowering picks for every 2-D (and 1-D) Conv whose kernel is at most kMaxFastKw wide with no
// horizontal dilation; o2m::conv (conv.hpp) stays the reference and the fallback.
//
// An output row is computed a register block at a time: OCB output channels x PB neighbouring
// output pixels, whose OCB * PB sums stay in registers over the whole (ic, kh, kw) reduction.
// Per (ic, kh) the block loads the (PB - 1) * S + KW input values it needs once and each weight
// once, so a 4 x 4 block does 16 * KW multiply-adds for 3 + 4 + 4 * KW loads (Cortex-M4, KW = 5:
// 80 vmla, 28 loads). KW and the horizontal stride S are template parameters: the kw loop and
// the block are fully unrolled and the input row is read at constant offsets. A block whose
// window crosses the left or right border loads its input values with a bounds test (zero
// outside); interior blocks, nearly all of them, have no test. Rows outside the input are
// skipped, as in the reference. Each output adds its terms in the reference's order (bias, then
// ic, kh, kw), skipped taps add +0, so results equal o2m::conv's (up to the sign of a zero).
// Depthwise layers (one channel a group) use OCB = 1.
#pragma once
#include <type_traits>

#include "activation.hpp"

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

namespace o2m {

constexpr int32_t kMaxFastKw = 7;
constexpr int32_t kMaxFastStride = 2;  // horizontal strides the lowering instantiates

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

namespace conv_detail {

// One block: out[o * os + p] = bias[o] + sum over ic, kh, kw for o < OCB, p < PB.
// xg: the group's first input channel; wo: the block's first weight row; ws: weight stride
// between output channels; iw0: input column of pixel 0's tap 0 (may be < 0 when kEdge).
template <int OCB, int PB, int KW, int S, bool kEdge, typename T>
inline void block(const BandConvParams& c, const T* __restrict xg, const T* __restrict wo, int32_t ws, const T* bias,
                  int32_t kh_lo, int32_t kh_hi, int32_t ih0, int32_t iw0, T* __restrict out, int32_t os) {
  constexpr int NX = (PB - 1) * S + KW;
  const int32_t cin_g = c.c_in / c.group, in_hw = c.h_in * c.w_in;
  T acc[OCB][PB];
  O2M_CONV_UNROLL
  for (int o = 0; o < OCB; ++o) {
    const T b0 = bias ? bias[o] : T(0);
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) acc[o][p] = b0;
  }
  // One pointer per output channel's weights, stepped together: every weight load is then at
  // a constant offset (GCC otherwise keeps o * ws + kw offsets on the stack).
  const T* wp[OCB];
  O2M_CONV_UNROLL
  for (int o = 0; o < OCB; ++o) wp[o] = wo + o * ws + kh_lo * KW;
  const int32_t kh_n = kh_hi - kh_lo, w_skip = (c.k_h - kh_n) * KW;
  const T* xc = xg + (ih0 + kh_lo * c.dil_h) * c.w_in + iw0;
  const int32_t x_row = c.dil_h * c.w_in, x_skip = in_hw - kh_n * x_row;
  // One kernel row of one input channel: the block's input values, then KW * OCB * PB products.
  auto row = [&](const T* xr) {
    T xv[NX];
    O2M_CONV_UNROLL
    for (int i = 0; i < NX; ++i) {
      if constexpr (kEdge)
        xv[i] = (iw0 + i >= 0 && iw0 + i < c.w_in) ? xr[i] : T(0);
      else
        xv[i] = xr[i];
    }
    O2M_CONV_UNROLL
    for (int kw = 0; kw < KW; ++kw) {
      O2M_CONV_UNROLL
      for (int o = 0; o < OCB; ++o) {
        const T wv = wp[o][kw];
        O2M_CONV_UNROLL
        for (int p = 0; p < PB; ++p) acc[o][p] += wv * xv[p * S + kw];
      }
    }
  };
  if (kh_n == 1) {  // pointwise, 1-D, or a border row: one loop, over the channels
    const int32_t w_ic = c.k_h * KW;
    for (int32_t ic = 0; ic < cin_g; ++ic, xc += in_hw) {
      row(xc);
      O2M_CONV_UNROLL
      for (int o = 0; o < OCB; ++o) wp[o] += w_ic;
    }
  } else {
    for (int32_t ic = 0; ic < cin_g; ++ic, xc += x_skip) {
      for (int32_t kh = 0; kh < kh_n; ++kh, xc += x_row) {
        row(xc);
        O2M_CONV_UNROLL
        for (int o = 0; o < OCB; ++o) wp[o] += KW;
      }
      O2M_CONV_UNROLL
      for (int o = 0; o < OCB; ++o) wp[o] += w_skip;
    }
  }
  O2M_CONV_UNROLL
  for (int o = 0; o < OCB; ++o) {
    O2M_CONV_UNROLL
    for (int p = 0; p < PB; ++p) out[o * os + p] = acc[o][p];
  }
}

// The activation over rows of stored sums: one copy of activate() per kernel instead of one
// per unrolled block (Cortex-M4 flash: ~15 kB less on mnist8), for ~1 % more instructions.
template <typename T>
O2M_CONV_NOINLINE void activate_rows(const ActParams& a, T* out, int32_t rows, int32_t os, int32_t n) {
  if (a.kind == kActNone) return;
  for (int32_t r = 0; r < rows; ++r, out += os)
    for (int32_t i = 0; i < n; ++i) out[i] = activate(a, out[i]);
}

// Output pixels [0, w_out) of OCB channels: blocks of PB, then single pixels; a block that
// reads outside [0, w_in) takes the bounds-tested variant. Then the activation.
template <int OCB, int PB, int KW, int S, typename T>
inline void channels_row(const BandConvParams& c, const T* xg, const T* wo, int32_t ws, const T* bias, int32_t kh_lo,
                         int32_t kh_hi, int32_t ih0, T* out, int32_t os, const ActParams& a) {
  const int32_t s = S;
  int32_t ow = 0;
  for (; ow + PB <= c.w_out; ow += PB) {
    const int32_t iw0 = ow * s - c.pad_left;
    if (iw0 >= 0 && iw0 + (PB - 1) * s + KW <= c.w_in)
      block<OCB, PB, KW, S, false>(c, xg, wo, ws, bias, kh_lo, kh_hi, ih0, iw0, out + ow, os);
    else
      block<OCB, PB, KW, S, true>(c, xg, wo, ws, bias, kh_lo, kh_hi, ih0, iw0, out + ow, os);
  }
  for (; ow < c.w_out; ++ow) {
    const int32_t iw0 = ow * s - c.pad_left;
    if (iw0 >= 0 && iw0 + KW <= c.w_in)
      block<OCB, 1, KW, S, false>(c, xg, wo, ws, bias, kh_lo, kh_hi, ih0, iw0, out + ow, os);
    else
      block<OCB, 1, KW, S, true>(c, xg, wo, ws, bias, kh_lo, kh_hi, ih0, iw0, out + ow, os);
  }
  activate_rows(a, out, OCB, os, c.w_out);
}

}  // namespace conv_detail

// Output row oh of every channel of image xb: channel oc's w_out values go to out + oc * os.
// KW = c.k_w, S = c.stride_w.
template <typename T, int KW, int S>
inline void conv2d_fast_row(const BandConvParams& c, const T* xb, const T* w, const T* bias, int32_t oh, T* out, int32_t os,
                            const ActParams& a) {
  static_assert(KW >= 1 && KW <= kMaxFastKw && S >= 1 && S <= kMaxFastStride, "unsupported kernel width or stride");
  const int32_t cin_g = c.c_in / c.group, cout_g = c.c_out / c.group, ws = cin_g * c.k_h * KW;
  const int32_t ih0 = oh * c.stride_h - c.pad_top;
  int32_t kh_lo = 0, kh_hi = c.k_h;
  while (kh_lo < kh_hi && ih0 + kh_lo * c.dil_h < 0) ++kh_lo;
  while (kh_hi > kh_lo && ih0 + (kh_hi - 1) * c.dil_h >= c.h_in) --kh_hi;
  // Pointers step channel by channel (no oc * stride products: GCC -O2 then warns that a
  // constant-folded product could overflow in a loop it cannot bound).
  const T* wq = w;
  const T* bq = bias;
  T* yq = out;
  const T* xg = xb;
  for (int32_t g = 0; g < c.group; ++g, xg += cin_g * c.h_in * c.w_in) {
    int32_t left = cout_g;
    // Depthwise (one output channel a group): pixel blocks only.
    if (cout_g > 1) {
      for (; left >= 4; left -= 4, wq += 4 * ws, yq += 4 * os, bq = bq ? bq + 4 : nullptr)
        conv_detail::channels_row<4, 4, KW, S>(c, xg, wq, ws, bq, kh_lo, kh_hi, ih0, yq, os, a);
    }
    for (; left > 0; --left, wq += ws, yq += os, bq = bq ? bq + 1 : nullptr)
      conv_detail::channels_row<1, 4, KW, S>(c, xg, wq, ws, bq, kh_lo, kh_hi, ih0, yq, os, a);
  }
}

// w: [c_out, c_in/group, k_h, KW]; bias: [c_out] or nullptr; y: [n, c_out, h_out, w_out].
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

// Depthwise conv (group == c_in == c_out), KW = 3 or 5, k_h <= KW: each output row is done in
// chunks of up to kDwChunk pixels. A chunk whose input window lies inside the row reads the
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
  for (; i + PB <= n; i += PB) pixels(std::integral_constant<int, PB>{});
  for (; i < n; ++i) pixels(std::integral_constant<int, 1>{});
}

}  // namespace conv_detail

// w: [c_out, 1, k_h, KW]; bias: [c_out] or nullptr; y: [n, c_out, h_out, w_out].
template <typename T, int KW, int S>
inline void conv2d_dw(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y) {
  static_assert(KW >= 1 && KW <= kMaxFastKw && S >= 1 && S <= kMaxFastStride, "unsupported kernel width or stride");
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
      for (int32_t i = 0; i < L; ++i) buf[r][i] = T(0);
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
              for (int32_t i = 0; i < n_copy; ++i) d[i] = src[i];
              rows[r] = buf[r];
            } else {
              // Zeros left of column 0, a plain copy, zeros right of column w_in - 1.
              T* d = buf[r];
              const int32_t lo = iw0 < 0 ? (-iw0 < len ? -iw0 : len) : 0;
              const int32_t hi = c.w_in - iw0 < len ? (c.w_in - iw0 > lo ? c.w_in - iw0 : lo) : len;
              for (int32_t i = 0; i < lo; ++i) d[i] = T(0);
              for (int32_t i = lo; i < hi; ++i) d[i] = src[iw0 + i];
              for (int32_t i = hi; i < len; ++i) d[i] = T(0);
              rows[r] = d;
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

}  // namespace o2m
