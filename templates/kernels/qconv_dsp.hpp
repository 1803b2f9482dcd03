// The integer convolution's blocks on the DSP extension (Cortex-M4/M7/M33): a 2x2 block of
// outputs (two pixels by two channels, qdot2x2) requantised without a branch and clamped by
// one SSAT/USAT when the output keeps its type's whole range. Bit-identical to qout()
// (tests/target/qkernels_test.sh holds them to the reference kernels).
#pragma once

#include "qdot.hpp"

#if defined(O2M_QDOT_DSP)
namespace o2m { inline namespace O2M_KERNELS_VERSION {

// requantize_usual(acc, mult, shift) as seven instructions: the product's high word plus half
// (2^(t-1)) shifted right by t; a tie (the t bits shifted out and the low word all zero) clears
// the last bit. t = -1 - shift (1..30), lsh = 32 - t; the caller checked requant_usual(shift).
// Written out: GCC 12 branches around the BIC and spills the block's constants.
inline int32_t qrequant_dsp(int32_t acc, int32_t mult, int32_t t, int32_t lsh, int32_t half) {
  int32_t lo, hi, q, dropped;
  __asm__("smull %[lo], %[hi], %[acc], %[m]\n"
          "add %[hi], %[hi], %[half]\n"
          "lsl %[d], %[hi], %[lsh]\n"
          "asr %[q], %[hi], %[t]\n"
          "orrs %[d], %[d], %[lo]\n"
          "it eq\n"
          "biceq %[q], %[q], #1\n"
          : [lo] "=&r"(lo), [hi] "=&r"(hi), [q] "=&r"(q), [d] "=&r"(dropped)
          : [acc] "r"(acc), [m] "r"(mult), [half] "r"(half), [lsh] "r"(lsh), [t] "r"(t)
          : "cc");
  return q;
}

// clip_value(q, lo - y_zp, hi - y_zp) + y_zp (the same: |q| < 2^30, no overflow); kFull: lo
// and hi are TY's range, one saturating instruction for 8-bit outputs.
template <typename TY, bool kFull>
inline TY qclamp_dsp(int32_t q, int32_t y_zp, int32_t lo, int32_t hi) {
  const int32_t v = q + y_zp;
  if constexpr (kFull && QRange<TY>::lo == -128 && QRange<TY>::hi == 127) return static_cast<TY>(__ssat(v, 8));
  else if constexpr (kFull && QRange<TY>::lo == 0 && QRange<TY>::hi == 255) return static_cast<TY>(__usat(v, 8));
  else return static_cast<TY>(clip_value(v, lo, hi));
}

// Rows shorter than this many bytes take qdot2x2_c inline (kShort), longer ones the assembly
// (measured on the Cortex-M4: zant_beer's 8- and 16-channel pointwise convs and 9-byte first
// conv are faster inline, KWS's 40-byte first conv is not).
constexpr int32_t kQdot2x2Short = 24;

// Output channels [0, n & ~1) of one or two pixels (patches p0, p1; p1 = p0 when only one is
// stored, two false), two channels at a time: qdot2x2, then each channel's requantisation
// constants derived once for its two outputs. w: n rows of kg bytes; y: channel j's output at
// y + j * out_sp. Every shift requant_usual. TP = int16_t: the patches are widened
// (qwiden_patch) and run through qdot2x2_wide.
template <typename TY, bool kFull, bool kShort, typename TP = int8_t>
inline void qconv_pixels_dsp(const TP* p0, const TP* p1, bool two, const int8_t* w, int32_t kg, int32_t n,
                             const int32_t* bias, const int32_t* mult, const int32_t* shift, bool per_channel,
                             int32_t y_zp, int32_t lo, int32_t hi, int32_t out_sp, TY* y) {
  const int32_t step = per_channel ? 1 : 0;
  for (int32_t j = 0; j + 2 <= n; j += 2, w += 2 * kg, bias += 2, mult += 2 * step, shift += 2 * step,
               y += 2 * out_sp) {
    int32_t a[4];
    int32_t b0 = bias[0], b1 = bias[1];
    if constexpr (sizeof(TP) == 2) {  // started from the bias
      a[0] = a[2] = b0;
      a[1] = a[3] = b1;
      b0 = b1 = 0;
      qdot2x2_wide(p0, p1, w, kg, kg, a[0], a[1], a[2], a[3]);
    } else if constexpr (kShort) {  // started from the bias
      a[0] = a[2] = b0;
      a[1] = a[3] = b1;
      b0 = b1 = 0;
      qdot2x2_c(p0, p1, w, w + kg, kg, a[0], a[1], a[2], a[3]);
    } else {
      qdot2x2(p0, p1, w, w + kg, kg, a);
    }
    auto channel = [&](int32_t c, int32_t b, int32_t acc0, int32_t acc1, TY* yc) __attribute__((always_inline)) {
      const int32_t m = mult[c * step], s = shift[c * step];
      const int32_t t = -1 - s, lsh = 33 + s, half = 1 << (-2 - s);
      yc[0] = qclamp_dsp<TY, kFull>(qrequant_dsp(acc0 + b, m, t, lsh, half), y_zp, lo, hi);
      if (two) yc[1] = qclamp_dsp<TY, kFull>(qrequant_dsp(acc1 + b, m, t, lsh, half), y_zp, lo, hi);
    };
    channel(0, b0, a[0], a[2], y);
    channel(1, b1, a[1], a[3], y + out_sp);
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
#endif
