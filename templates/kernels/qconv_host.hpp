// Host int8 convolution kernels on SSE2, the x86-64 baseline (no -march needed): the pointwise
// conv and the 3x3 depthwise conv, vectorised over eight output pixels of one channel (NCHW
// keeps them contiguous), so one channel's multiplier and shift serve all eight lanes.
// int8 x int8 products are summed in pairs by PMADDWD (two int16 pairs into one int32 lane),
// requantisation is requantize_usual() on four lanes. Every result is bit-identical to the
// reference kernels (qconv<..., kRef = true>; tests/kernels/qconv_test.cpp). Other hosts
// (aarch64, ...) and the microcontrollers take the portable code in qconv.hpp.
#pragma once
#include <string.h>

#include "conv.hpp"
#include "qdot.hpp"

#if defined(__SSE2__) && !defined(O2M_QDOT_MVE) && !defined(O2M_QDOT_DSP)
#include <emmintrin.h>
#define O2M_QCONV_SSE2 1

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// The low eight bytes of v as int16 lanes: uint8 zero-extended, int8 sign-extended.
template <typename TX>
inline __m128i qh_widen8(__m128i v) {
  if constexpr (QRange<TX>::lo == 0) return _mm_unpacklo_epi8(v, _mm_setzero_si128());
  else return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
}
// The bytes p[0], p[kStep], ..., p[7 * kStep] as int16 lanes (kStep 1 or 2; 2 reads 16 bytes).
template <typename TX, int kStep>
inline __m128i qh_load8(const TX* p) {
  if constexpr (kStep == 1) return qh_widen8<TX>(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if constexpr (QRange<TX>::lo == 0) return _mm_and_si128(v, _mm_set1_epi16(0xff));
  else return _mm_srai_epi16(_mm_slli_epi16(v, 8), 8);
}

// The same for four bytes p[0], ..., p[3 * kStep] in lanes 0-3 (lanes 4-7 zero; 2 reads 8 bytes).
template <typename TX, int kStep>
inline __m128i qh_load4(const TX* p) {
  if constexpr (kStep == 1) {
    int32_t v;
    memcpy(&v, p, 4);
    return qh_widen8<TX>(_mm_cvtsi32_si128(v));
  }
  const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  if constexpr (QRange<TX>::lo == 0) return _mm_and_si128(v, _mm_set1_epi16(0xff));
  else return _mm_srai_epi16(_mm_slli_epi16(v, 8), 8);
}

// {a0 * w0 + b0 * w1, ...} for the int16 lanes of a and b interleaved, w = (w0, w1) per int32
// lane: acc_lo gets lanes 0-3, acc_hi lanes 4-7.
inline void qh_madd_pair(__m128i a, __m128i b, __m128i w, __m128i& acc_lo, __m128i& acc_hi) {
  acc_lo = _mm_add_epi32(acc_lo, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), w));
  acc_hi = _mm_add_epi32(acc_hi, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), w));
}
// The int32 lane (w0, w1) as two int16, in every lane.
inline __m128i qh_pair(int32_t w0, int32_t w1) {
  return _mm_set1_epi32(static_cast<int32_t>((static_cast<uint32_t>(w1) << 16) | (static_cast<uint32_t>(w0) & 0xffffu)));
}

// One channel's requantisation and output clamp: on four lanes when requant_usual(shift),
// else by the scalar qout().
struct QhRequant {
  __m128i mult, mult_neg, half, t, left, zp, lo, hi;
  int32_t m_, s_, zp_, lo_, hi_;
  bool usual;
  QhRequant(int32_t m, int32_t shift, int32_t y_zp, int32_t act_min, int32_t act_max)
      : m_(m), s_(shift), zp_(y_zp), lo_(act_min), hi_(act_max), usual(requant_usual(shift)) {
    const int32_t t_ = usual ? -1 - shift : 1;  // requantize_usual's t = r - 32, 1..30
    mult = _mm_set1_epi32(m);
    mult_neg = _mm_set1_epi32(m < 0 ? -1 : 0);
    half = _mm_set1_epi32(1 << (t_ - 1));
    t = _mm_cvtsi32_si128(t_);
    left = _mm_cvtsi32_si128(32 - t_);
    zp = _mm_set1_epi32(y_zp);
    lo = _mm_set1_epi16(static_cast<int16_t>(act_min));
    hi = _mm_set1_epi16(static_cast<int16_t>(act_max));
  }
  // requantize_usual() of four lanes, plus y_zp: the 64-bit product's high and low words from
  // PMULUDQ (unsigned) corrected to signed, then the same 32-bit steps.
  __attribute__((always_inline)) __m128i four(__m128i acc) const {
    const __m128i lo_mask = _mm_set_epi32(0, -1, 0, -1);
    const __m128i pe = _mm_mul_epu32(acc, mult);                      // lanes 0, 2
    const __m128i po = _mm_mul_epu32(_mm_srli_epi64(acc, 32), mult);  // lanes 1, 3
    __m128i h = _mm_or_si128(_mm_srli_epi64(pe, 32), _mm_andnot_si128(lo_mask, po));
    const __m128i l = _mm_or_si128(_mm_and_si128(pe, lo_mask), _mm_slli_epi64(po, 32));
    // signed: a negative factor's 2^32 came in as the other factor times 2^32
    h = _mm_sub_epi32(h, _mm_and_si128(_mm_srai_epi32(acc, 31), mult));
    h = _mm_sub_epi32(h, _mm_and_si128(mult_neg, acc));
    h = _mm_add_epi32(h, half);
    const __m128i q = _mm_sra_epi32(h, t);
    const __m128i tie = _mm_cmpeq_epi32(_mm_or_si128(_mm_sll_epi32(h, left), l), _mm_setzero_si128());
    return _mm_add_epi32(_mm_andnot_si128(_mm_srli_epi32(tie, 31), q), zp);
  }
  // The eight outputs of accumulators acc0 (lanes 0-3) and acc1 (4-7) stored as TY.
  template <typename TY>
  __attribute__((always_inline)) void out8(TY* y, __m128i acc0, __m128i acc1) const {
    if (usual) return store8(y, four(acc0), four(acc1));
    out8_scalar(y, acc0, acc1);
  }
  template <typename TY>
  __attribute__((noinline)) void out8_scalar(TY* y, __m128i acc0, __m128i acc1, int n = 8) const {
    int32_t a[8];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(a), acc0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(a + 4), acc1);
    for (int i = 0; i < n; ++i) y[i] = qout<TY>(a[i], m_, s_, zp_, lo_, hi_);
  }
  // The four outputs of acc stored as TY.
  template <typename TY>
  __attribute__((always_inline)) void out4(TY* y, __m128i acc) const {
    if (usual) {
      const __m128i q = four(acc);
      const __m128i v = _mm_min_epi16(_mm_max_epi16(_mm_packs_epi32(q, q), lo), hi);
      const int32_t b = _mm_cvtsi128_si32(QRange<TY>::lo == 0 ? _mm_packus_epi16(v, v) : _mm_packs_epi16(v, v));
      memcpy(y, &b, 4);
      return;
    }
    out8_scalar(y, acc, acc, 4);
  }
  // Eight outputs (q + y_zp, as from four()) clamped and stored as TY. |q| < 2^29, so the
  // int16 saturation before the clamp changes nothing.
  template <typename TY>
  __attribute__((always_inline)) void store8(TY* y, __m128i q0, __m128i q1) const {
    const __m128i v = _mm_min_epi16(_mm_max_epi16(_mm_packs_epi32(q0, q1), lo), hi);
    const __m128i b = QRange<TY>::lo == 0 ? _mm_packus_epi16(v, v) : _mm_packs_epi16(v, v);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(y), b);
  }
};

// The SSE2 kernels take byte activations only (the callers also need at least eight outputs
// per channel row).
template <typename TX, typename TY>
constexpr bool qh_types() {
  return sizeof(TX) == 1 && sizeof(TY) == 1;
}

// f(0), ..., f(N - 1), written out: GCC -O2 leaves a loop over a small array of vectors in
// memory, unrolled they stay in registers.
template <int N, typename F>
__attribute__((always_inline)) inline void qh_unroll(F&& f) {
  if constexpr (N > 0) {
    qh_unroll<N - 1>(f);
    f(N - 1);
  }
}

// kOc output channels (weight rows w, w + cin, ...) at pixels [0, 8) of x (channel planes
// in_sp apart): acc = bias + sum w * (x - offset), requantised and stored at y, y + out_sp, ...
template <typename TX, typename TY, int kOc>
inline void qh_pointwise_block(const TX* x, int32_t in_sp, int32_t cin, const int8_t* w, const int32_t* bias,
                               const QhRequant* rq, TY* y, int32_t out_sp) {
  constexpr int32_t off = qx_offset<TX>();
  const __m128i offv = _mm_set1_epi16(static_cast<int16_t>(off)), zero = _mm_setzero_si128();
  __m128i acc[kOc][2];
  qh_unroll<kOc>([&](int i) __attribute__((always_inline)) { acc[i][0] = acc[i][1] = _mm_set1_epi32(bias[i]); });
  for (int32_t ic = 0; ic < cin; ic += 8) {
    const int32_t n = cin - ic < 8 ? cin - ic : 8;
    __m128i wv[kOc];  // eight weights of each row as int16; past cin, 0
    qh_unroll<kOc>([&](int i) __attribute__((always_inline)) {
      const int8_t* wr = w + i * cin + ic;
      if (n == 8) {
        wv[i] = qh_widen8<int8_t>(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(wr)));
      } else {
        int8_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int32_t k = 0; k < n; ++k) b[k] = wr[k];
        wv[i] = qh_widen8<int8_t>(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b)));
      }
    });
    auto row = [&](int32_t k) {  // input channel ic + k at the eight pixels, minus the offset
      if (k >= n) return zero;
      const __m128i v = qh_widen8<TX>(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + (ic + k) * in_sp)));
      return off != 0 ? _mm_sub_epi16(v, offv) : v;
    };
    // channels (ic + k, ic + k + 1) against weight lane k / 2 (an immediate: one per call)
    auto pair = [&](int32_t k, auto sel) __attribute__((always_inline)) {
      const __m128i a = row(k), b = row(k + 1);
      qh_unroll<kOc>([&](int i) __attribute__((always_inline)) {
        qh_madd_pair(a, b, _mm_shuffle_epi32(wv[i], decltype(sel)::value), acc[i][0], acc[i][1]);
      });
    };
    pair(0, Constant<int, 0x00>{});
    if (n > 2) pair(2, Constant<int, 0x55>{});
    if (n > 4) pair(4, Constant<int, 0xaa>{});
    if (n > 6) pair(6, Constant<int, 0xff>{});
  }
  qh_unroll<kOc>([&](int i) __attribute__((always_inline)) {
    rq[i].out8(y + i * out_sp, acc[i][0], acc[i][1]);
  });
}

// A pointwise conv (1x1, unit strides, no padding) with at least eight output pixels: eight pixels by four channels at a time. The last block of pixels
// overlaps the one before when out_sp is not a multiple of eight (the same values again).
template <typename TX, typename TY>
inline void qconv_pointwise_sse2(const ConvParams& c, bool per_channel, int32_t y_zp, int32_t act_min, int32_t act_max,
                                 const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                                 const int32_t* shift, TY* y) {
  const int32_t cin = c.c_in / c.group, cout = c.c_out / c.group;
  const int32_t sp = c.out[0] * c.out[1] * c.out[2];
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t g = 0; g < c.group; ++g) {
      const TX* xg = x + (b * c.c_in + g * cin) * sp;
      TY* yg = y + (b * c.c_out + g * cout) * sp;
      for (int32_t j = 0; j < cout; j += 4) {
        const int32_t nj = cout - j < 4 ? cout - j : 4, oc = g * cout + j;
        // the block's requantisation, set up once for all its pixels (unused entries repeat the first)
        auto rq_of = [&](int32_t i) {
          const int32_t ch = per_channel ? oc + (i < nj ? i : 0) : 0;
          return QhRequant(mult[ch], shift[ch], y_zp, act_min, act_max);
        };
        const QhRequant rq[4] = {rq_of(0), rq_of(1), rq_of(2), rq_of(3)};
        const int8_t* wj = w + oc * cin;
        for (int32_t pix = 0; pix < sp; pix += 8) {
          if (pix + 8 > sp) pix = sp - 8;
          TY* yo = yg + j * sp + pix;
          if (nj == 4) {
            qh_pointwise_block<TX, TY, 4>(xg + pix, sp, cin, wj, bias + oc, rq, yo, sp);
          } else {
            for (int32_t i = 0; i < nj; ++i)
              qh_pointwise_block<TX, TY, 1>(xg + pix, sp, cin, wj + i * cin, bias + oc + i, rq + i, yo + i * sp, sp);
          }
        }
      }
    }
}

// tile[k * 8 + q] = rows[q * stride + k] for k < n (rounded up to 16) and q < 8: eight rows
// transposed 16 columns at a time by three rounds of unpacks.
inline void qh_transpose8(const int8_t* rows, int32_t stride, int32_t n, int8_t* tile) {
  for (int32_t k0 = 0; k0 < n; k0 += 16, tile += 128) {
    __m128i r[8];
    for (int q = 0; q < 8; ++q) r[q] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows + q * stride + k0));
    __m128i a[8], b[8];
    for (int q = 0; q < 8; q += 2) {  // byte pairs of rows (q, q + 1): columns 0-7, 8-15
      a[q] = _mm_unpacklo_epi8(r[q], r[q + 1]);
      a[q + 1] = _mm_unpackhi_epi8(r[q], r[q + 1]);
    }
    for (int h = 0; h < 8; h += 4) {  // rows h..h + 3: columns 0-3, 4-7, 8-11, 12-15
      b[h] = _mm_unpacklo_epi16(a[h], a[h + 2]);
      b[h + 1] = _mm_unpackhi_epi16(a[h], a[h + 2]);
      b[h + 2] = _mm_unpacklo_epi16(a[h + 1], a[h + 3]);
      b[h + 3] = _mm_unpackhi_epi16(a[h + 1], a[h + 3]);
    }
    for (int i = 0; i < 4; ++i) {  // all eight rows: two columns per store
      _mm_storeu_si128(reinterpret_cast<__m128i*>(tile + 32 * i), _mm_unpacklo_epi32(b[i], b[i + 4]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(tile + 32 * i + 16), _mm_unpackhi_epi32(b[i], b[i + 4]));
    }
  }
}

// Any other conv whose patch (kg bytes) fits kQhPatchMax, with at least eight output pixels:
// eight pixels' patches, gathered (gather(b, g, pixel, dst) writes x - offset as int8) into
// rows on the stack and transposed into a tile, tap-major, are multiplied as a pointwise conv
// over kg input channels. The last eight pixels' tile is gathered before any output is written,
// so a pointwise conv may run in place (y over x: qconv_in_place) although the last block
// overlaps the one before it.
constexpr int32_t kQhPatchMax = 1024;  // three 8 KB buffers on the stack
template <typename TY, typename Gather>
inline void qconv_patches_sse2(const ConvParams& c, bool per_channel, int32_t y_zp, int32_t act_min, int32_t act_max,
                               Gather gather, const int8_t* w, const int32_t* bias, const int32_t* mult,
                               const int32_t* shift, TY* y) {
  const int32_t cout = c.c_out / c.group, kg = (c.c_in / c.group) * c.k[0] * c.k[1] * c.k[2];
  const int32_t kg16 = (kg + 15) / 16 * 16;
  const int32_t sp = c.out[0] * c.out[1] * c.out[2];
  int8_t rows[8 * kQhPatchMax], tile[8 * kQhPatchMax], last[8 * kQhPatchMax];
  auto rq_of = [&](int32_t ch) { return QhRequant(mult[per_channel ? ch : 0], shift[per_channel ? ch : 0], y_zp, act_min, act_max); };
  for (int32_t q = 0; q < 8; ++q) memset(rows + q * kg16 + kg, 0, static_cast<size_t>(kg16 - kg));  // never gathered
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t g = 0; g < c.group; ++g) {
      TY* yg = y + (b * c.c_out + g * cout) * sp;
      auto gather_tile = [&](int32_t pix, int8_t* dst) {
        for (int32_t q = 0; q < 8; ++q) gather(b, g, pix + q, rows + q * kg16);
        qh_transpose8(rows, kg16, kg16, dst);
      };
      if (sp % 8) gather_tile(sp - 8, last);
      for (int32_t pix = 0; pix < sp; pix += 8) {
        const bool tail = pix + 8 > sp;  // the last block: back to sp - 8, gathered before the loop
        if (tail)
          pix = sp - 8;
        else
          gather_tile(pix, tile);
        const int8_t* t = tail ? last : tile;
        int32_t j = 0;
        for (; j + 4 <= cout; j += 4) {
          const int32_t oc = g * cout + j;
          const QhRequant rq[4] = {rq_of(oc), rq_of(oc + 1), rq_of(oc + 2), rq_of(oc + 3)};
          qh_pointwise_block<int8_t, TY, 4>(t, 8, kg, w + oc * kg, bias + oc, rq, yg + j * sp + pix, sp);
        }
        for (; j < cout; ++j) {
          const int32_t oc = g * cout + j;
          const QhRequant rq = rq_of(oc);
          qh_pointwise_block<int8_t, TY, 1>(t, 8, kg, w + oc * kg, bias + oc, &rq, yg + j * sp + pix, sp);
        }
      }
    }
}

// One channel of a 3x3 2-D depthwise conv with horizontal stride kS (1 or 2), at least kLanes
// (8 or 4) outputs wide: kLanes outputs of a row per pass, each plane row's taps (0, 1) as one
// PMADDWD pair and tap 2 paired with the next row's tap 2. acc = base + sum x * w, as the
// scalar loop. The last block of a row overlaps the one before (the same values again); a
// stride-2 pass reads one byte past its last tap (inside qconv_scratch_bytes' slack).
template <typename TX, typename TY, int kS, int kLanes>
inline void qconv_depthwise3x3_channel_sse2(const ConvParams& c, int32_t y_zp, int32_t act_min, int32_t act_max,
                                            const TX* plane, int32_t pw, const int8_t* wc, int32_t base, int32_t m,
                                            int32_t s, TY* yc) {
  const int32_t oh_n = c.out[1], ow_n = c.out[2], sh = c.stride[1];
  const QhRequant rq(m, s, y_zp, act_min, act_max);
  const __m128i w01 = qh_pair(wc[0], wc[1]), w34 = qh_pair(wc[3], wc[4]), w67 = qh_pair(wc[6], wc[7]);
  const __m128i w25 = qh_pair(wc[2], wc[5]), w8 = qh_pair(wc[8], 0), zero = _mm_setzero_si128();
  auto load = [](const TX* p) __attribute__((always_inline)) {
    return kLanes == 8 ? qh_load8<TX, kS>(p) : qh_load4<TX, kS>(p);
  };
  for (int32_t oh = 0; oh < oh_n; ++oh) {
    const TX* r0 = plane + oh * sh * pw;
    TY* yr = yc + oh * ow_n;
    for (int32_t ow = 0; ow < ow_n; ow += kLanes) {
      if (ow + kLanes > ow_n) ow = ow_n - kLanes;
      const TX* a = r0 + ow * kS;
      const TX* b = a + pw;
      const TX* d = b + pw;
      __m128i lo = _mm_set1_epi32(base), hi = lo;
      auto taps = [&](__m128i x0, __m128i x1, __m128i w) __attribute__((always_inline)) {
        if (kLanes == 8) qh_madd_pair(x0, x1, w, lo, hi);
        else lo = _mm_add_epi32(lo, _mm_madd_epi16(_mm_unpacklo_epi16(x0, x1), w));
      };
      taps(load(a), load(a + 1), w01);
      taps(load(b), load(b + 1), w34);
      taps(load(d), load(d + 1), w67);
      taps(load(a + 2), load(b + 2), w25);
      taps(load(d + 2), zero, w8);
      if (kLanes == 8) rq.out8(yr + ow, lo, hi);
      else rq.out4(yr + ow, lo);
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION

#endif
