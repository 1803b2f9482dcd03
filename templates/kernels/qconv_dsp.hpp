// The integer convolution's blocks on the DSP extension (Cortex-M4/M7/M33): a 2x2 block of
// outputs (two pixels by two channels, qdot2x2) requantised without a branch and clamped by
// one SSAT/USAT when the output keeps its type's whole range. Bit-identical to qout()
// (tests/target/qkernels_test.sh holds them to the reference kernels).
#pragma once

#include "conv.hpp"
#include "qdot.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {
// qconv_pointwise8_dsp's tile of pixels and its scratch bytes for cin (8, 16) input channels: 16
// or 36 a pixel (qpw8_pixel_slots; the lowering sizes the scratch on every target).
constexpr int32_t kQpw8Tile = 32;
inline int32_t qpw8_scratch_bytes(int32_t cin) { return kQpw8Tile * (cin == 8 ? 16 : 36); }
}}  // namespace o2m::O2M_KERNELS_VERSION

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
inline int32_t qclamp_dsp_value(int32_t q, int32_t y_zp, int32_t lo, int32_t hi) {
  const int32_t v = q + y_zp;
  if constexpr (kFull && QRange<TY>::lo == -128 && QRange<TY>::hi == 127) return __ssat(v, 8);
  else if constexpr (kFull && QRange<TY>::lo == 0 && QRange<TY>::hi == 255) return static_cast<int32_t>(__usat(v, 8));
  else return clip_value(v, lo, hi);
}
template <typename TY, bool kFull>
inline TY qclamp_dsp(int32_t q, int32_t y_zp, int32_t lo, int32_t hi) {
  return static_cast<TY>(qclamp_dsp_value<TY, kFull>(q, y_zp, lo, hi));
}
// qclamp_dsp, then through table when kLut (as qlut_apply), indexed by the clamped value itself
// (not narrowed to the byte and widened again: one instruction less an output).
template <typename TY, bool kFull, bool kLut>
inline TY qstore_dsp(int32_t q, int32_t y_zp, int32_t lo, int32_t hi, const TY* table) {
  const int32_t v = qclamp_dsp_value<TY, kFull>(q, y_zp, lo, hi);
  if constexpr (kLut) return table[v - QRange<TY>::lo];
  else return static_cast<TY>(v);
}

// Rows shorter than this many bytes take qdot2x2_c inline (kShort), longer ones the assembly
// (measured on the Cortex-M4: zant_beer's 8- and 16-channel pointwise convs and 9-byte first
// conv are faster inline, KWS's 40-byte first conv is not).
constexpr int32_t kQdot2x2Short = 24;

// Output channels [0, n & ~1) of one or two pixels (patches p0, p1; p1 = p0 when only one is
// stored, two false), two channels at a time: qdot2x2, then each channel's requantisation
// constants derived once for its two outputs. w: n rows of kg bytes; y: channel j's output at
// y + j * out_sp. Every shift requant_usual. kLut: each output byte through table (qlut_apply).
// TP = int16_t: the patches are widened (qwiden_patch) and run through qdot2x2_wide.
template <typename TY, bool kFull, bool kShort, bool kLut = false, typename TP = int8_t>
inline void qconv_pixels_dsp(const TP* p0, const TP* p1, bool two, const int8_t* w, int32_t kg, int32_t n,
                             const int32_t* bias, const int32_t* mult, const int32_t* shift, bool per_channel,
                             int32_t y_zp, int32_t lo, int32_t hi, int32_t out_sp, TY* y, const TY* table = nullptr) {
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
      yc[0] = qstore_dsp<TY, kFull, kLut>(qrequant_dsp(acc0 + b, m, t, lsh, half), y_zp, lo, hi, table);
      if (two) yc[1] = qstore_dsp<TY, kFull, kLut>(qrequant_dsp(acc1 + b, m, t, lsh, half), y_zp, lo, hi, table);
    };
    channel(0, b0, a[0], a[2], y);
    channel(1, b1, a[1], a[3], y + out_sp);
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
#endif

#if defined(O2M_QDOT_DSP)
namespace o2m { inline namespace O2M_KERNELS_VERSION {

// ---- The pointwise conv's 4x2 block: four pixels by two output channels.
//
// The four pixels' input channels are packed once per block as int16, split the way SXTB16
// splits a weight word: for each group of four channels (c0..c3), per pixel one word (c0, c2)
// and one word (c1, c3), 32 bytes a group (qpw4_pack). The inner loop then loads each pixel's
// halves ready for SMLAD and splits only the weights: per four channels 4 LDR + 4 SXTB16 of
// weights (each weight word read twice, for its even and its odd bytes: no register is left to
// keep it), 8 LDR of pixels and 16 SMLAD for 32 MACs; the 2x2 block of patches (qdot2x2)
// takes 20 for 16.

// Scratch bytes of the packed pixels: 32 per group of four input channels.
inline int32_t qpw4_scratch_bytes(int32_t cin) { return (cin + 3) / 4 * 32; }

// Pixels x, x + 1, .. x + np - 1 (np 1..4; the missing ones repeat the last: computed, not
// stored) of cin channels in_sp apart, as int16 x - offset into s in qpw4's layout; the channels
// past cin of the last group are zero.
template <typename TX>
inline void qpw4_pack(const TX* x, int32_t in_sp, int32_t cin, int32_t np, int16_t* s) {
  constexpr int32_t off = qx_offset<TX>();
  auto x16 = [](TX v) { return static_cast<int16_t>(static_cast<int32_t>(v) - off); };
  for (int32_t p = 0; p < 4; ++p) {
    const TX* xp = x + (p < np ? p : np - 1);
    int16_t* d = s + 4 * p;
    int32_t ic = 0;
    for (; ic + 4 <= cin; ic += 4, d += 16, xp += 4 * in_sp) {
      d[0] = x16(xp[0]);
      d[2] = x16(xp[in_sp]);
      d[1] = x16(xp[2 * in_sp]);
      d[3] = x16(xp[3 * in_sp]);
    }
    if (ic < cin) {
      constexpr int32_t kSlot[4] = {0, 2, 1, 3};
      for (int32_t r = 0; r < 4; ++r) d[kSlot[r]] = ic + r < cin ? x16(xp[r * in_sp]) : 0;
    }
  }
}

// acc[2 * p + c] += pixel p of s (qpw4_pack) . weight row c (w0, w1) over kg bytes. Whole
// 8-byte steps in assembly (as qdot2x2: GCC 12 spills sums and pointers; 14 registers, r7
// free), the rest in C.
__attribute__((always_inline)) inline void qdot4x2_s16(const int16_t* s, const int8_t* w0, const int8_t* w1,
                                                      int32_t kg, int32_t* acc) {
  int32_t s00 = acc[0], s01 = acc[1], s10 = acc[2], s11 = acc[3], s20 = acc[4], s21 = acc[5], s30 = acc[6],
          s31 = acc[7];
  int32_t i = 0;
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
  if (const int32_t n8 = kg & ~7) {
    const int8_t* const end = w0 + n8;
    const int16_t* a = s;
    int32_t ta, tw0, tw1;
#define O2M_QDOT4X2_PIXEL(OFF, P) \
  "ldr %[ta], [%[a], #" #OFF "]\n smlad %[s" #P "0], %[ta], %[tw0], %[s" #P "0]\n smlad %[s" #P "1], %[ta], %[tw1], %[s" #P "1]\n"
#define O2M_QDOT4X2_STEP                                                                                         \
  "ldr %[tw0], [%[w0]]\n sxtb16 %[tw0], %[tw0], ror #8\n ldr %[tw1], [%[w1]]\n sxtb16 %[tw1], %[tw1], ror #8\n"   \
  O2M_QDOT4X2_PIXEL(4, 0) O2M_QDOT4X2_PIXEL(12, 1) O2M_QDOT4X2_PIXEL(20, 2) O2M_QDOT4X2_PIXEL(28, 3)             \
  "ldr %[tw0], [%[w0]], #4\n sxtb16 %[tw0], %[tw0]\n ldr %[tw1], [%[w1]], #4\n sxtb16 %[tw1], %[tw1]\n"           \
  O2M_QDOT4X2_PIXEL(8, 1) O2M_QDOT4X2_PIXEL(16, 2) O2M_QDOT4X2_PIXEL(24, 3)                                     \
  "ldr %[ta], [%[a]], #32\n smlad %[s00], %[ta], %[tw0], %[s00]\n smlad %[s01], %[ta], %[tw1], %[s01]\n"
    __asm__ volatile("1:\n" O2M_QDOT4X2_STEP O2M_QDOT4X2_STEP
                     "ldr %[ta], %[end]\n cmp %[w0], %[ta]\n bne 1b\n"
                     : [a] "+r"(a), [w0] "+r"(w0), [w1] "+r"(w1), [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10),
                       [s11] "+r"(s11), [s20] "+r"(s20), [s21] "+r"(s21), [s30] "+r"(s30), [s31] "+r"(s31),
                       [ta] "=&r"(ta), [tw0] "=&r"(tw0), [tw1] "=&r"(tw1)
                     : [end] "m"(end)
                     : "cc", "memory");
#undef O2M_QDOT4X2_STEP
#undef O2M_QDOT4X2_PIXEL
    s = a;
    i = n8;
    w0 -= n8;  // the C loop below indexes the rows from their start
    w1 -= n8;
  }
#endif
  for (; i < kg; i += 4, s += 16) {
    int32_t v0 = 0, v1 = 0;  // the last group's bytes past kg are not read (their pixels are zero)
    if (i + 4 <= kg) {
      v0 = qload4(w0 + i);
      v1 = qload4(w1 + i);
    } else {
      for (int32_t r = 0; r < kg - i; ++r) {
        v0 |= static_cast<int32_t>(static_cast<uint8_t>(w0[i + r])) << (8 * r);
        v1 |= static_cast<int32_t>(static_cast<uint8_t>(w1[i + r])) << (8 * r);
      }
    }
    const int32_t w0e = __sxtb16(v0), w0o = qsxtb16_ror8(v0), w1e = __sxtb16(v1), w1o = qsxtb16_ror8(v1);
    auto pixel = [&](int32_t p, int32_t& sp0, int32_t& sp1) __attribute__((always_inline)) {
      int32_t e, o;
      memcpy(&e, s + 4 * p, 4);
      memcpy(&o, s + 4 * p + 2, 4);
      sp0 = __smlad(o, w0o, __smlad(e, w0e, sp0));
      sp1 = __smlad(o, w1o, __smlad(e, w1e, sp1));
    };
    pixel(0, s00, s01);
    pixel(1, s10, s11);
    pixel(2, s20, s21);
    pixel(3, s30, s31);
  }
  acc[0] = s00;
  acc[1] = s01;
  acc[2] = s10;
  acc[3] = s11;
  acc[4] = s20;
  acc[5] = s21;
  acc[6] = s30;
  acc[7] = s31;
}

// qconv_pointwise_dsp's outputs of one 4x2 block a by qout: channel 0's np pixels to y, channel
// 1's (when second) to y + sp; mult and shift point at channel 0's, channel 1's are step after.
// kLut: each output through table (qlut_apply).
template <typename TY, bool kLut>
__attribute__((noinline)) void qpw4_store_qout(const int32_t* a, const int32_t* mult, const int32_t* shift,
                                               int32_t step, bool second, int32_t np, int32_t sp, int32_t y_zp,
                                               int32_t lo, int32_t hi, const TY* table, TY* y) {
  for (int32_t col = 0; col < (second ? 2 : 1); ++col)
    for (int32_t q = 0; q < np; ++q)
      y[col * sp + q] = qlut_apply<TY, kLut>(table, qout<TY>(a[2 * q + col], mult[col * step], shift[col * step], y_zp, lo, hi));
}

// A pointwise conv (1x1, unit strides, no padding) four pixels at a time: x: [n, c_in, sp],
// w: [c_out, c_in / group], y: [n, c_out, sp]; s: qpw4_scratch_bytes(c_in / group) bytes. Each
// block of pixels is packed before any of its outputs is written, so y may be x (qconv_in_place).
// kLut: each output through table (qconv_lut's, looked up in the store: qstore_dsp).
template <typename TX, typename TY, bool kFull, bool kLut = false>
inline void qconv_pointwise_dsp(const ConvParams& c, bool per_channel, int32_t y_zp, int32_t lo, int32_t hi,
                                const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                                const int32_t* shift, TY* y, int16_t* s, const TY* table = nullptr) {
  const int32_t kg = c.c_in / c.group, cout_g = c.c_out / c.group, sp = c.out[0] * c.out[1] * c.out[2];
  const int32_t step = per_channel ? 1 : 0;
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t g = 0; g < c.group; ++g) {
      const TX* xg = x + (b * c.c_in + g * kg) * sp;
      TY* yg = y + (b * c.c_out + g * cout_g) * sp;
      for (int32_t pix = 0; pix < sp; pix += 4) {
        const int32_t np = sp - pix < 4 ? sp - pix : 4;
        qpw4_pack(xg + pix, sp, kg, np, s);
        const int8_t* wj = w + g * cout_g * kg;
        const int32_t oc0 = g * cout_g;
        for (int32_t j = 0; j < cout_g; j += 2, wj += 2 * kg) {
          const bool second = j + 1 < cout_g;  // an odd last channel runs as a pair with itself
          const int32_t oc = oc0 + j, oc1 = second ? oc + 1 : oc;
          int32_t a[8];
          a[0] = a[2] = a[4] = a[6] = bias[oc];
          a[1] = a[3] = a[5] = a[7] = bias[oc1];
          qdot4x2_s16(s, wj, second ? wj + kg : wj, kg, a);
          TY* y0 = yg + j * sp + pix;
          if (__builtin_expect(!requant_usual(shift[oc * step]) || !requant_usual(shift[oc1 * step]), 0)) {
            // a shift outside qrequant_dsp's range (a channel of near-zero weights): qout, out of line
            qpw4_store_qout<TY, kLut>(a, mult + oc * step, shift + oc * step, step, second, np, sp, y_zp, lo, hi, table,
                                      y0);
            continue;
          }
          // channel ch's four outputs (column col of a) to yc
          auto channel = [&](int32_t ch, int32_t col, TY* yc) __attribute__((always_inline)) {
            const int32_t m = mult[ch * step], sh = shift[ch * step];
            const int32_t t = -1 - sh, lsh = 33 + sh, half = 1 << (-2 - sh);
            auto out = [&](int32_t q) __attribute__((always_inline)) {
              yc[q] = qstore_dsp<TY, kFull, kLut>(qrequant_dsp(a[2 * q + col], m, t, lsh, half), y_zp, lo, hi, table);
            };
            out(0);  // written out: GCC 12 does not unroll a loop around the assembly
            out(1);
            out(2);
            out(3);
          };
          if (np == 4) {
            channel(oc, 0, y0);
            if (second) channel(oc1, 1, y0 + sp);
          } else {  // the last pixels: through a buffer, only np stored
            TY part[8];
            channel(oc, 0, part);
            channel(oc1, 1, part + 4);
            for (int32_t q = 0; q < np; ++q) {
              y0[q] = part[q];
              if (second) y0[sp + q] = part[4 + q];
            }
          }
        }
      }
    }
}


// ---- The pointwise conv of 8 or 16 input channels (zant_beer's 8 -> 48, 16 -> 8 and 16 -> 96):
// one output channel at a time over a tile of kQpw8Tile pixels.
//
// Each tile's pixels are packed once as int16 x - offset, per pixel and eight channels the words
// (c0, c2), (c1, c3), (c4, c6), (c5, c7) (qpw8_pack), for every output channel; each channel's
// weights are split once (SXTB16) for the whole tile and held in registers with its
// requantisation constants. An output of eight channels then takes 2 LDRD, 4 SMLAD, the
// requantisation (qrequant_dsp's seven instructions, the output's zero point folded into its
// rounding constant: qpw8_zp_folds), the clamp, the table and the store: 17 instructions for 8
// MACs (the 4x2 blocks, qconv_pointwise_dsp, take ~40). Of 16 channels, a first pass over the
// tile sums channels 0..7 into a slot after each pixel's words, the second adds 8..15 and stores.

// Int16 slots of one packed pixel: 8 per eight channels, and with 16 the first pass's sum (2).
constexpr int32_t qpw8_pixel_slots(int32_t cin) { return cin == 8 ? 8 : 18; }

// Pixels x .. x + np - 1 (np <= kQpw8Tile) of cin (8, 16) channels sp apart into s.
template <typename TX>
inline void qpw8_pack(const TX* x, int32_t sp, int32_t cin, int32_t np, int16_t* s) {
  constexpr int32_t kSlot[8] = {0, 2, 1, 3, 4, 6, 5, 7};
  const int32_t slots = qpw8_pixel_slots(cin);
  for (int32_t ic = 0; ic < cin; ++ic) {
    const TX* xc = x + ic * sp;
    int16_t* d = s + ic / 8 * 8 + kSlot[ic % 8];
#pragma GCC unroll 4  // (zant_beer on the M4: 75 K instructions fewer)
    for (int32_t p = 0; p < np; ++p) d[slots * p] = static_cast<int16_t>(static_cast<int32_t>(xc[p]) - qx_offset<TX>());
  }
}

// y_zp * 2^t may be added to the rounding constant (q + y_zp computed by the one shift) when no
// sum can overflow: |acc| <= |bias| + cin * 128 * 128 (int8 weights, packed pixels in [-128, 127]).
inline bool qpw8_zp_folds(int32_t cin, int32_t bias, int32_t mult, int32_t shift, int32_t y_zp) {
  const int64_t t = -1 - shift, acc = (bias < 0 ? -int64_t{bias} : int64_t{bias}) + int64_t{cin} * 128 * 128;
  const int64_t hi = ((acc * (mult < 0 ? -int64_t{mult} : int64_t{mult})) >> 32) + 1;
  return hi + (int64_t{1} << (t - 1)) + (y_zp < 0 ? -int64_t{y_zp} : int64_t{y_zp}) * (int64_t{1} << t) < (int64_t{1} << 31);
}

// The kernel's conditions on the constants: every shift requant_usual, every channel's zero
// point folds (qpw8_zp_folds).
inline bool qpw8_constants_ok(const ConvParams& c, bool per_channel, const int32_t* bias, const int32_t* mult,
                              const int32_t* shift, int32_t y_zp) {
  for (int32_t oc = 0; oc < c.c_out; ++oc) {
    const int32_t ch = per_channel ? oc : 0;
    if (!requant_usual(shift[ch]) || !qpw8_zp_folds(c.c_in, bias[oc], mult[ch], shift[ch], y_zp)) return false;
  }
  return true;
}

#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
// Eight channels of the pixel at s (post-incremented past them) . (w0..w3) added to acc.
#define O2M_QPW8_DOT                                                                                             \
  "ldrd %[e], %[o], [%[s]], #8\n smlad %[acc], %[e], %[w0], %[acc]\n smlad %[acc], %[o], %[w1], %[acc]\n"         \
  "ldrd %[e], %[o], [%[s]], #8\n smlad %[acc], %[e], %[w2], %[acc]\n smlad %[acc], %[o], %[w3], %[acc]\n"
// One output of qpw8_channel_pairs: acc from ACC, the dot, SKIP to the next pixel, requantised
// with y_zp folded into half (so after the shift acc is q + y_zp), TIE its tie rule, SAT its
// clamp, LUT its table lookup; stored at y. 14 registers (GCC 12 spills the C loop's constants).
#define O2M_QPW8_OUT(ACC, SKIP, TIE, SAT, LUT)                                                                   \
  ACC O2M_QPW8_DOT SKIP "smull %[e], %[o], %[acc], %[m]\n add %[o], %[o], %[half]\n asr %[acc], %[o], %[t]\n"    \
  "lsl %[o], %[o], %[lsh]\n orrs %[o], %[o], %[e]\n" TIE SAT LUT "strb %[acc], [%[y]], #1\n"
// Two outputs a pass until y reaches end.
#define O2M_QPW8_PAIRS(ACC, SKIP, TIE, SAT, LUT, ...)                                                            \
  __asm__ volatile("1:\n" O2M_QPW8_OUT(ACC, SKIP, TIE, SAT, LUT) O2M_QPW8_OUT(ACC, SKIP, TIE, SAT, LUT)          \
                   "ldr %[e], %[end]\n cmp %[y], %[e]\n bne 1b\n"                                                \
                   : [s] "+r"(s), [y] "+r"(y), [acc] "=&r"(acc), [e] "=&r"(e), [o] "=&r"(o)                       \
                   : [w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [w3] "r"(w3), [m] "r"(m), [t] "r"(t),              \
                     [lsh] "r"(lsh), [half] "r"(half), [base] "m"(base), [end] "m"(end) __VA_ARGS__               \
                   : "cc", "memory")
// q + y_zp's tie rule: qrequant_dsp clears q's last bit; with y_zp even that is q + y_zp's, with
// y_zp odd it is (q + y_zp - 1) | 1.
#define O2M_QPW8_TIE_EVEN "it eq\n biceq %[acc], %[acc], #1\n"
#define O2M_QPW8_TIE_ODD "itt eq\n subeq %[acc], %[acc], #1\n orreq %[acc], %[acc], #1\n"
#define O2M_QPW8_LUT "ldrb %[acc], [%[tab], %[acc]]\n"
// Every clamp, table and tie variant of O2M_QPW8_PAIRS for ACC and SKIP.
#define O2M_QPW8_VARIANTS(ACC, SKIP)                                                                             \
  if constexpr (QRange<TY>::lo < 0 && kLut) {                                                                   \
    if (y_odd) O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_ODD, "ssat %[acc], #8, %[acc]\n", O2M_QPW8_LUT, , [tab] "r"(tab)); \
    else O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_EVEN, "ssat %[acc], #8, %[acc]\n", O2M_QPW8_LUT, , [tab] "r"(tab));    \
  } else if constexpr (QRange<TY>::lo < 0) {                                                                    \
    if (y_odd) O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_ODD, "ssat %[acc], #8, %[acc]\n", "");                   \
    else O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_EVEN, "ssat %[acc], #8, %[acc]\n", "");                        \
  } else if constexpr (kLut) {                                                                                  \
    if (y_odd) O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_ODD, "usat %[acc], #8, %[acc]\n", O2M_QPW8_LUT, , [tab] "r"(tab)); \
    else O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_EVEN, "usat %[acc], #8, %[acc]\n", O2M_QPW8_LUT, , [tab] "r"(tab));    \
  } else {                                                                                                       \
    if (y_odd) O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_ODD, "usat %[acc], #8, %[acc]\n", "");                   \
    else O2M_QPW8_PAIRS(ACC, SKIP, O2M_QPW8_TIE_EVEN, "usat %[acc], #8, %[acc]\n", "");                        \
  }

// The first pass over 16 channels: each pixel's sum of base and channels 0..7 (weights w0..w3)
// into its slot after its words, from s until end.
inline void qpw8_first_half(const int16_t* s, const int16_t* end, int32_t w0, int32_t w1, int32_t w2, int32_t w3,
                            int32_t base) {
  int32_t acc, e, o;
#define O2M_QPW8_HALF "ldr %[acc], %[base]\n" O2M_QPW8_DOT "str %[acc], [%[s], #16]\n add %[s], %[s], #20\n"
  __asm__ volatile("1:\n" O2M_QPW8_HALF O2M_QPW8_HALF "ldr %[e], %[end]\n cmp %[s], %[e]\n bne 1b\n"
                   : [s] "+r"(s), [acc] "=&r"(acc), [e] "=&r"(e), [o] "=&r"(o)
                   : [w0] "r"(w0), [w1] "r"(w1), [w2] "r"(w2), [w3] "r"(w3), [base] "m"(base), [end] "m"(end)
                   : "cc", "memory");
#undef O2M_QPW8_HALF
}

// Pixels' outputs of one channel, two at a time from s (qpw8_pack; with 16 channels the second
// eight's words, after qpw8_first_half) to y until end: weights w0..w3 (SXTB16 of the channel's
// (last) two weight words, even and odd bytes), acc from base (16: the first pass's sum),
// requantised by (m, t, lsh, half + y_zp * 2^t), clamped to TY's range, through tab (table -
// lowest(TY)) when kLut. y_odd: y_zp is odd.
template <typename TY, int32_t kCin, bool kLut>
inline void qpw8_channel_pairs(const int16_t* s, TY* y, TY* end, int32_t w0, int32_t w1, int32_t w2, int32_t w3,
                               int32_t base, int32_t m, int32_t t, int32_t lsh, int32_t half, bool y_odd,
                               const TY* tab) {
  int32_t acc, e, o;
  if constexpr (kCin == 8) {
    O2M_QPW8_VARIANTS("ldr %[acc], %[base]\n", "")
  } else {
    O2M_QPW8_VARIANTS("ldr %[acc], [%[s], #16]\n", "add %[s], %[s], #20\n")
  }
}
#undef O2M_QPW8_VARIANTS
#undef O2M_QPW8_LUT
#undef O2M_QPW8_TIE_ODD
#undef O2M_QPW8_TIE_EVEN
#undef O2M_QPW8_PAIRS
#undef O2M_QPW8_OUT
#undef O2M_QPW8_DOT
#endif

// A pointwise conv (1x1, unit strides, no padding, one group) of kCin (8, 16) input channels:
// x: [n, kCin, sp], w: [c_out, kCin], y: [n, c_out, sp]; s: qpw8_scratch_bytes(kCin) bytes. The
// output clamp is TY's range; the constants pass qpw8_constants_ok. kLut: each output through
// table. Each tile is packed before any of its outputs is written, so y may be x.
template <typename TX, typename TY, int32_t kCin, bool kLut>
inline void qconv_pointwise8_dsp(const ConvParams& c, bool per_channel, int32_t y_zp, const TX* x, const int8_t* w,
                                 const int32_t* bias, const int32_t* mult, const int32_t* shift, const TY* table, TY* y,
                                 int16_t* s) {
  constexpr int32_t kHalves = kCin / 8, kSlots = qpw8_pixel_slots(kCin);
  const int32_t sp = c.out[0] * c.out[1] * c.out[2], step = per_channel ? 1 : 0;
  for (int32_t b = 0; b < c.n; ++b)
    for (int32_t pix = 0; pix < sp; pix += kQpw8Tile) {
      const int32_t np = sp - pix < kQpw8Tile ? sp - pix : kQpw8Tile;
      qpw8_pack(x + b * kCin * sp + pix, sp, kCin, np, s);
      TY* yo = y + b * c.c_out * sp + pix;
      const int8_t* wo = w;
      for (int32_t oc = 0; oc < c.c_out; ++oc, wo += kCin, yo += sp) {
        int32_t wv[4 * kHalves];  // per eight channels the words (c0, c2), (c1, c3), (c4, c6), (c5, c7)
        for (int32_t i = 0; i < 2 * kHalves; ++i) {
          const int32_t v = qload4(wo + 4 * i);
          wv[2 * i] = __sxtb16(v);
          wv[2 * i + 1] = qsxtb16_ror8(v);
        }
        const int32_t m = mult[oc * step], sh = shift[oc * step], base = bias[oc];
        const int32_t t = -1 - sh, lsh = 33 + sh, half = 1 << (-2 - sh);
        auto out = [&](int32_t p) __attribute__((always_inline)) {
          const int16_t* px = s + kSlots * p;
          int32_t acc = base;
          for (int32_t i = 0; i < 2 * kHalves; ++i) {
            int32_t e, o;
            memcpy(&e, px + 4 * i, 4);
            memcpy(&o, px + 4 * i + 2, 4);
            acc = __smlad(o, wv[2 * i + 1], __smlad(e, wv[2 * i], acc));
          }
          yo[p] = qstore_dsp<TY, true, kLut>(qrequant_dsp(acc, m, t, lsh, half), y_zp, 0, 0, table);
        };
        int32_t p = 0;
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
        if (np >= 2) {
          p = np & ~1;
          const int32_t* wl = wv + 4 * (kHalves - 1);  // the last eight channels' weights
          if constexpr (kHalves == 2) qpw8_first_half(s, s + kSlots * p, wv[0], wv[1], wv[2], wv[3], base);
          qpw8_channel_pairs<TY, kCin, kLut>(s + 8 * (kHalves - 1), yo, yo + p, wl[0], wl[1], wl[2], wl[3], base, m, t,
                                             lsh, half + static_cast<int32_t>(static_cast<uint32_t>(y_zp) << t),
                                             (y_zp & 1) != 0, table - QRange<TY>::lo);
        }
#endif
        for (; p < np; ++p) out(p);
      }
    }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
#endif
