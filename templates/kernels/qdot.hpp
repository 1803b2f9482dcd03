// int8 dot products: the inner loop of the integer convolution and matrix kernels.
//
// One portable reference, plus variants chosen at compile time inside this header:
//   __ARM_FEATURE_MVE (Cortex-M55 Helium): 16 lanes per VMLADAVA, tail-predicated;
//   __ARM_FEATURE_DSP (Cortex-M4/M7/M33): SXTB16 splits four int8 into two int16 pairs
//     (bytes 0,2 and 1,3), SMLAD multiplies and accumulates a pair. Both operands are split
//     the same way, so products pair up without reordering either buffer.
// Every variant returns exactly the reference's int32 sum (tests/target/qkernels_test.sh).
#pragma once
#include <string.h>

#include "quant.hpp"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define O2M_QDOT_MVE 1
#elif defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define O2M_QDOT_DSP 1
#endif

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// uint8 activations are moved to int8 (x - 128) on their way into a kernel's working buffer,
// so every dot product is int8 x int8; the 128 is folded into the bias with the zero point.
template <typename TX> constexpr int32_t qx_offset() { return QRange<TX>::lo == 0 ? 128 : 0; }

// The bias the int8 kernels expect: bias - (x_zp - offset) * sum(w[row]). The working buffer
// holds x - offset and pads with x_zp - offset, so subtracting (x_zp - offset) per tap equals
// this one term, padding included. w: [rows, k] int8; bias may be null. Computed modulo 2^32
// (a bias near the int32 limits may leave it for now): the accumulator that starts from it is
// exact whenever the whole sum fits in int32, as the reference's is.
inline void qfold_bias(int32_t rows, int32_t k, const int8_t* w, const int32_t* bias, int32_t x_zp_minus_offset,
                       int32_t* out) {
  for (int32_t r = 0; r < rows; ++r) {
    int32_t s = 0;
    for (int32_t i = 0; i < k; ++i) s += w[r * k + i];
    const uint32_t b = static_cast<uint32_t>(bias ? bias[r] : 0);
    out[r] = static_cast<int32_t>(b - static_cast<uint32_t>(x_zp_minus_offset) * static_cast<uint32_t>(s));
  }
}

// One output value: clamp(requantize(acc) + y_zp, lo, hi) in the output type; kUsual: the
// caller has checked requant_usual(shift).
template <typename TY, bool kUsual = false>
inline TY qout(int32_t acc, int32_t mult, int32_t shift, int32_t y_zp, int32_t lo, int32_t hi) {
  const int32_t q = kUsual ? requantize_usual(acc, mult, shift) : requantize(acc, mult, shift);
  return static_cast<TY>(clip_value(q, lo - y_zp, hi - y_zp) + y_zp);
}

// An output table fused into a kernel's store (lower-qdq folds a QLut after a QConv into it):
// table[v - lowest(TY)], 256 entries; kLut = false: v itself.
template <typename TY, bool kLut>
inline TY qlut_apply(const TY* table, TY v) {
  if constexpr (kLut) return table[static_cast<int32_t>(v) - QRange<TY>::lo];
  else return v;
}

// sum(a[i] * b[i]) for i < n.
inline int32_t qdot_ref(const int8_t* a, const int8_t* b, int32_t n) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += static_cast<int32_t>(a[i]) * b[i];
  return acc;
}

// The same for two rows b0, b1 against one a: a is read once.
inline void qdot2_ref(const int8_t* a, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc0, int32_t* acc1) {
  int32_t s0 = 0, s1 = 0;
  for (int32_t i = 0; i < n; ++i) {
    s0 += static_cast<int32_t>(a[i]) * b0[i];
    s1 += static_cast<int32_t>(a[i]) * b1[i];
  }
  *acc0 = s0;
  *acc1 = s1;
}

// A 2x2 block: rows a0, a1 (two pixels' patches) against rows b0, b1 (two channels' weights),
// acc = {a0.b0, a0.b1, a1.b0, a1.b1}. Each loaded word is used twice.
inline void qdot2x2_ref(const int8_t* a0, const int8_t* a1, const int8_t* b0, const int8_t* b1, int32_t n,
                        int32_t* acc) {
  qdot2_ref(a0, b0, b1, n, acc, acc + 1);
  qdot2_ref(a1, b0, b1, n, acc + 2, acc + 3);
}

#if defined(O2M_QDOT_DSP)

inline int32_t qload4(const int8_t* p) {
  int32_t v;
  memcpy(&v, p, 4);  // one LDR: v7E-M allows unaligned word loads
  return v;
}
// SXTB16 of v rotated by 8: bytes 1 and 3. One instruction (GCC 12 does not fuse
// __sxtb16(__ror(v, 8)) into SXTB16's rotate operand, so it is spelled out).
inline int32_t qsxtb16_ror8(int32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
// The same for bytes read as unsigned (uint8 activations): UXTB16.
inline int32_t quxtb16_ror8(int32_t v) {
  int32_t r;
  __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
// The four bytes at p as halfword pairs, bytes 0,2 (e) and 1,3 (o), sign- or zero-extended
// as TX is int8 or uint8.
template <typename TX>
__attribute__((always_inline)) inline void qsplit4(const TX* p, int32_t& e, int32_t& o) {
  const int32_t v = qload4(reinterpret_cast<const int8_t*>(p));
  if constexpr (QRange<TX>::lo == 0) {
    e = static_cast<int32_t>(__uxtb16(static_cast<uint32_t>(v)));
    o = quxtb16_ror8(v);
  } else {
    e = __sxtb16(v);
    o = qsxtb16_ror8(v);
  }
}

inline int32_t qdot(const int8_t* a, const int8_t* b, int32_t n) {
  int32_t acc = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    const int32_t va = qload4(a + i), vb = qload4(b + i);
    acc = __smlad(__sxtb16(va), __sxtb16(vb), acc);
    acc = __smlad(qsxtb16_ror8(va), qsxtb16_ror8(vb), acc);
  }
  for (; i < n; ++i) acc += static_cast<int32_t>(a[i]) * b[i];
  return acc;
}

// s0 += a . b0 and s1 += a . b1 over four bytes, each operand split by SXTB16 into its even
// (e) and odd (o) bytes.
inline void qsmlad2(int32_t ae, int32_t ao, int32_t b0e, int32_t b0o, int32_t b1e, int32_t b1o, int32_t& s0,
                    int32_t& s1) {
  s0 = __smlad(ao, b0o, __smlad(ae, b0e, s0));
  s1 = __smlad(ao, b1o, __smlad(ae, b1e, s1));
}

inline void qdot2(const int8_t* a, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc0, int32_t* acc1) {
  int32_t s0 = 0, s1 = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    const int32_t va = qload4(a + i), v0 = qload4(b0 + i), v1 = qload4(b1 + i);
    qsmlad2(__sxtb16(va), qsxtb16_ror8(va), __sxtb16(v0), qsxtb16_ror8(v0), __sxtb16(v1), qsxtb16_ror8(v1), s0, s1);
  }
  for (; i < n; ++i) {
    s0 += static_cast<int32_t>(a[i]) * b0[i];
    s1 += static_cast<int32_t>(a[i]) * b1[i];
  }
  *acc0 = s0;
  *acc1 = s1;
}

// qdot2x2's loops in C, adding to the sums s00 (a0.b0), s01 (a0.b1), s10, s11; inlined: for a
// short row (a few words) the call and the assembly's set-up cost more than they save.
__attribute__((always_inline)) inline void qdot2x2_c(const int8_t* a0, const int8_t* a1, const int8_t* b0,
                                                     const int8_t* b1, int32_t n, int32_t& s00, int32_t& s01,
                                                     int32_t& s10, int32_t& s11) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const int32_t vb0 = qload4(b0 + i), vb1 = qload4(b1 + i);
    const int32_t b0e = __sxtb16(vb0), b0o = qsxtb16_ror8(vb0), b1e = __sxtb16(vb1), b1o = qsxtb16_ror8(vb1);
    const int32_t va0 = qload4(a0 + i);
    qsmlad2(__sxtb16(va0), qsxtb16_ror8(va0), b0e, b0o, b1e, b1o, s00, s01);
    const int32_t va1 = qload4(a1 + i);
    qsmlad2(__sxtb16(va1), qsxtb16_ror8(va1), b0e, b0o, b1e, b1o, s10, s11);
  }
  for (; i < n; ++i) {
    const int32_t x0 = a0[i], x1 = a1[i], w0 = b0[i], w1 = b1[i];
    s00 += x0 * w0;
    s01 += x0 * w1;
    s10 += x1 * w0;
    s11 += x1 * w1;
  }
}

inline void qdot2x2(const int8_t* a0, const int8_t* a1, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc) {
  int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
  // Eight bytes a pass, written out: four pointers, four sums and six temporaries take all 14
  // allocatable registers, the end is read from the stack; compiled from C, GCC 12 spills sums
  // and pointers every pass. Per pass: 8 LDR, 16 SXTB16, 16 SMLAD and 3 for the loop, for 32
  // MACs. Needs r7 free, as GCC leaves it when optimising: a build with -fno-omit-frame-pointer
  // (or another reserved register) fails here with "impossible constraints" and defines
  // O2M_NO_ASM to take the C loop.
  if (const int32_t n8 = n & ~7) {
    const int8_t* const end = b0 + n8;
    int32_t t0, t1, t2, t3, t4, t5;
#define O2M_QDOT2X2_STEP                                                                          \
  "ldr %[t0], [%[b0]], #4\n sxtb16 %[t1], %[t0]\n sxtb16 %[t0], %[t0], ror #8\n"                   \
  "ldr %[t2], [%[b1]], #4\n sxtb16 %[t3], %[t2]\n sxtb16 %[t2], %[t2], ror #8\n"                   \
  "ldr %[t4], [%[a0]], #4\n sxtb16 %[t5], %[t4]\n sxtb16 %[t4], %[t4], ror #8\n"                   \
  "smlad %[s00], %[t5], %[t1], %[s00]\n smlad %[s00], %[t4], %[t0], %[s00]\n"                      \
  "smlad %[s01], %[t5], %[t3], %[s01]\n smlad %[s01], %[t4], %[t2], %[s01]\n"                      \
  "ldr %[t4], [%[a1]], #4\n sxtb16 %[t5], %[t4]\n sxtb16 %[t4], %[t4], ror #8\n"                   \
  "smlad %[s10], %[t5], %[t1], %[s10]\n smlad %[s10], %[t4], %[t0], %[s10]\n"                      \
  "smlad %[s11], %[t5], %[t3], %[s11]\n smlad %[s11], %[t4], %[t2], %[s11]\n"
    __asm__ volatile("1:\n" O2M_QDOT2X2_STEP O2M_QDOT2X2_STEP
                     "ldr %[t0], %[end]\n cmp %[b0], %[t0]\n bne 1b\n"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [s00] "+r"(s00), [s01] "+r"(s01),
                       [s10] "+r"(s10), [s11] "+r"(s11), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2),
                       [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5)
                     : [end] "m"(end)
                     : "cc", "memory");
#undef O2M_QDOT2X2_STEP
    n -= n8;  // the pointers have moved on by n8
  }
#endif
  qdot2x2_c(a0, a1, b0, b1, n, s00, s01, s10, s11);
  acc[0] = s00;
  acc[1] = s01;
  acc[2] = s10;
  acc[3] = s11;
}

// A patch widened once for qdot2x2_wide: each word's bytes k0..k3 as the halfwords (k0, k2, k1,
// k3), the pairs SXTB16 makes of a weight word, so the patch is split once per pixel instead of
// once per channel pair. n bytes from x, rounded up to a word. In place when d's bytes end where
// x's do (x = d + n4 / 2 as bytes): every word is read before its bytes are written over.
inline void qwiden_patch(const int8_t* x, int16_t* d, int32_t n) {
  int32_t i = 0;
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
  // eight bytes a pass, written out (9 instructions; GCC 12: 18 without post-increments)
  if (const int32_t n8 = n & ~7) {
    const int8_t* const end = x + n8;
    int32_t v0, v1, e0, e1;
    __asm__ volatile(
        "1:\n ldrd %[v0], %[v1], [%[x]], #8\n"
        "sxtb16 %[e0], %[v0]\n sxtb16 %[v0], %[v0], ror #8\n sxtb16 %[e1], %[v1]\n sxtb16 %[v1], %[v1], ror #8\n"
        "strd %[e0], %[v0], [%[d]], #8\n strd %[e1], %[v1], [%[d]], #8\n cmp %[x], %[end]\n bne 1b\n"
        : [x] "+r"(x), [d] "+r"(d), [v0] "=&r"(v0), [v1] "=&r"(v1), [e0] "=&r"(e0), [e1] "=&r"(e1)
        : [end] "r"(end)
        : "cc", "memory");
    n -= n8;  // the pointers have moved on by n8
  }
#endif
  for (; i < n; i += 4) {
    const int32_t v = qload4(x + i), e = __sxtb16(v), o = qsxtb16_ror8(v);
    memcpy(d + i, &e, 4);
    memcpy(d + i + 2, &o, 4);
  }
}

// qdot2x2 against widened patches a0, a1 (qwiden_patch, word-aligned) and the weight rows b0
// and b0 + kg, adding to the sums s00 (a0.b0), s01 (a0.b1), s10, s11. Only the weights are split
// here. Per 8 bytes: 4 LDRD, 4 LDR, 8 SXTB16, 16 SMLAD and 3 for the loop, for 32 MACs (qdot2x2:
// 8 LDR, 16 SXTB16). Written out as qdot2x2 (14 registers, r7 free; else the C loop).
__attribute__((always_inline)) inline void qdot2x2_wide(const int16_t* a0, const int16_t* a1, const int8_t* b0,
                                                        int32_t kg, int32_t n, int32_t& s00, int32_t& s01,
                                                        int32_t& s10, int32_t& s11) {
  int32_t i = 0;
#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
  if (const int32_t n8 = n & ~7) {
    const int8_t* const end = b0 + n8;
    int32_t x0, x1, x2, x3, t, u;
#define O2M_QDOT2X2_WIDE_STEP                                                                     \
  "ldrd %[x0], %[x1], [%[a0]], #8\n ldrd %[x2], %[x3], [%[a1]], #8\n"                              \
  "ldr %[t], [%[b0], %[kg]]\n sxtb16 %[u], %[t]\n sxtb16 %[t], %[t], ror #8\n"                     \
  "smlad %[s01], %[x0], %[u], %[s01]\n smlad %[s01], %[x1], %[t], %[s01]\n"                        \
  "smlad %[s11], %[x2], %[u], %[s11]\n smlad %[s11], %[x3], %[t], %[s11]\n"                        \
  "ldr %[t], [%[b0]], #4\n sxtb16 %[u], %[t]\n sxtb16 %[t], %[t], ror #8\n"                        \
  "smlad %[s00], %[x0], %[u], %[s00]\n smlad %[s00], %[x1], %[t], %[s00]\n"                        \
  "smlad %[s10], %[x2], %[u], %[s10]\n smlad %[s10], %[x3], %[t], %[s10]\n"
    __asm__ volatile("1:\n" O2M_QDOT2X2_WIDE_STEP O2M_QDOT2X2_WIDE_STEP
                     "ldr %[t], %[end]\n cmp %[b0], %[t]\n bne 1b\n"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [s00] "+r"(s00), [s01] "+r"(s01),
                       [s10] "+r"(s10), [s11] "+r"(s11), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2),
                       [x3] "=&r"(x3), [t] "=&r"(t), [u] "=&r"(u)
                     : [kg] "r"(kg), [end] "m"(end)
                     : "cc", "memory");
#undef O2M_QDOT2X2_WIDE_STEP
    n -= n8;  // the pointers have moved on by n8
  }
#endif
  for (; i + 4 <= n; i += 4) {
    int32_t e0, o0, e1, o1;
    memcpy(&e0, a0 + i, 4);
    memcpy(&o0, a0 + i + 2, 4);
    memcpy(&e1, a1 + i, 4);
    memcpy(&o1, a1 + i + 2, 4);
    const int32_t v0 = qload4(b0 + i), v1 = qload4(b0 + kg + i);
    const int32_t w0e = __sxtb16(v0), w0o = qsxtb16_ror8(v0), w1e = __sxtb16(v1), w1o = qsxtb16_ror8(v1);
    s00 = __smlad(o0, w0o, __smlad(e0, w0e, s00));
    s01 = __smlad(o0, w1o, __smlad(e0, w1e, s01));
    s10 = __smlad(o1, w0o, __smlad(e1, w0e, s10));
    s11 = __smlad(o1, w1o, __smlad(e1, w1e, s11));
  }
  for (; i < n; ++i) {  // the last word's bytes k0, k1, k2 at halfwords 0, 2, 1
    const int32_t at = (i & ~3) + ((i & 1) << 1) + ((i & 2) >> 1);
    const int32_t x0 = a0[at], x1 = a1[at], w0 = b0[i], w1 = b0[kg + i];
    s00 += x0 * w0;
    s01 += x0 * w1;
    s10 += x1 * w0;
    s11 += x1 * w1;
  }
}

#if defined(__OPTIMIZE__) && !defined(O2M_NO_ASM)
#define O2M_QDOT1X4_DSP 1
// One row a against four rows b, b + stride, b + 2 * stride, b + 3 * stride: acc[r] += a . b_r
// (the caller starts acc from the bias). Each word of a is split once for four weight rows. The
// whole 8-byte steps in assembly (as qdot2x2: GCC 12 spills sums and pointers; 14 registers, r7
// free; out of line, so that the loop's end can take a register), the rest in C. Only with the
// assembly (in C, qdot2's pairs are faster).
__attribute__((noinline)) inline void qdot1x4(const int8_t* a, const int8_t* b, int32_t stride, int32_t n,
                                              int32_t* acc) {
  const int8_t* b0 = b;
  const int8_t* b1 = b0 + stride;
  const int8_t* b2 = b1 + stride;
  const int8_t* b3 = b2 + stride;
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  if (const int32_t n8 = n & ~7) {
    const int8_t* const end = a + n8;
    int32_t ta, tae, tw, twe;
#define O2M_QDOT1X4_ROW(B, S)                                                                     \
  "ldr %[tw], [%[" B "]], #4\n sxtb16 %[twe], %[tw]\n sxtb16 %[tw], %[tw], ror #8\n"               \
  "smlad %[" S "], %[tae], %[twe], %[" S "]\n smlad %[" S "], %[ta], %[tw], %[" S "]\n"
#define O2M_QDOT1X4_STEP                                                                          \
  "ldr %[ta], [%[a]], #4\n sxtb16 %[tae], %[ta]\n sxtb16 %[ta], %[ta], ror #8\n"                   \
  O2M_QDOT1X4_ROW("b0", "s0") O2M_QDOT1X4_ROW("b1", "s1") O2M_QDOT1X4_ROW("b2", "s2") O2M_QDOT1X4_ROW("b3", "s3")
    // 16 bytes a pass (the loop's compare and branch amortised over 64 MACs), entered at its
    // second half when n8 holds an odd number of 8-byte steps
    __asm__ volatile("sub %[tw], %[end], %[a]\n tst %[tw], #8\n bne 2f\n"
                     "1:\n" O2M_QDOT1X4_STEP O2M_QDOT1X4_STEP "2:\n" O2M_QDOT1X4_STEP O2M_QDOT1X4_STEP
                     "cmp %[a], %[end]\n bne 1b\n"
                     : [a] "+r"(a), [b0] "+r"(b0), [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [s0] "+r"(s0),
                       [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [ta] "=&r"(ta), [tae] "=&r"(tae), [tw] "=&r"(tw),
                       [twe] "=&r"(twe)
                     : [end] "r"(end)
                     : "cc", "memory");
#undef O2M_QDOT1X4_STEP
#undef O2M_QDOT1X4_ROW
    n -= n8;  // the pointers have moved on by n8
  }
  for (int32_t i = 0; i < n; ++i) {
    const int32_t x = a[i];
    s0 += x * b0[i];
    s1 += x * b1[i];
    s2 += x * b2[i];
    s3 += x * b3[i];
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}
#endif

#elif defined(O2M_QDOT_MVE)

// Whole 16-byte blocks run unpredicated (GCC 12 puts a VPST before every predicated
// instruction), the last partial block tail-predicated: step(i, QAll{}) then step(i, pred).
struct QAll {};
inline int8x16_t qv_load(const int8_t* p, QAll) { return vldrbq_s8(p); }
inline int8x16_t qv_load(const int8_t* p, mve_pred16_t pr) { return vldrbq_z_s8(p, pr); }
inline int32_t qv_mlad(int32_t acc, int8x16_t a, int8x16_t b, QAll) { return vmladavaq_s8(acc, a, b); }
inline int32_t qv_mlad(int32_t acc, int8x16_t a, int8x16_t b, mve_pred16_t pr) { return vmladavaq_p_s8(acc, a, b, pr); }
template <typename Step>
inline void qv_blocks(int32_t n, Step step) {
  int32_t i = 0;
  for (; i + 16 <= n; i += 16) step(i, QAll{});
  if (i < n) step(i, vctp8q(static_cast<uint32_t>(n - i)));
}

inline int32_t qdot(const int8_t* a, const int8_t* b, int32_t n) {
  int32_t acc = 0;
  qv_blocks(n, [&](int32_t i, auto pr) { acc = qv_mlad(acc, qv_load(a + i, pr), qv_load(b + i, pr), pr); });
  return acc;
}

inline void qdot2(const int8_t* a, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc0, int32_t* acc1) {
  int32_t s0 = 0, s1 = 0;
  qv_blocks(n, [&](int32_t i, auto pr) {
    const int8x16_t va = qv_load(a + i, pr);
    s0 = qv_mlad(s0, va, qv_load(b0 + i, pr), pr);
    s1 = qv_mlad(s1, va, qv_load(b1 + i, pr), pr);
  });
  *acc0 = s0;
  *acc1 = s1;
}

// The vector {x0, x1, x2, x3}: two VMOVs of a pair of core registers each.
inline int32x4_t qv_lanes(int32_t x0, int32_t x1, int32_t x2, int32_t x3) {
#if defined(O2M_NO_ASM)
  int32x4_t v = vdupq_n_s32(x0);
  v = vsetq_lane_s32(x1, v, 1);
  v = vsetq_lane_s32(x2, v, 2);
  return vsetq_lane_s32(x3, v, 3);
#else
  int32x4_t v;
  __asm__("vmov %q0[2], %q0[0], %1, %3\n vmov %q0[3], %q0[1], %2, %4" : "=&w"(v) : "r"(x0), "r"(x1), "r"(x2), "r"(x3));
  return v;
#endif
}

// A 2x2 block on Helium: {init0 + a0.b0, init1 + a0.b1, init0 + a1.b0, init1 + a1.b1} (lanes
// (pixel, channel) = (0, 0), (0, 1), (1, 0), (1, 1)); every 16 loaded bytes are used twice,
// 9 instructions per 64 MACs. Whole blocks run in a low-overhead loop of post-increment loads
// (written out: GCC 12 re-derives each address from an index), the last partial block
// tail-predicated.
__attribute__((always_inline)) inline int32x4_t qdot2x2_v(const int8_t* a0, const int8_t* a1, const int8_t* b0,
                                                          const int8_t* b1, int32_t n, int32_t init0, int32_t init1) {
  int32_t s00 = init0, s01 = init1, s10 = init0, s11 = init1;
#if defined(O2M_NO_ASM)
  qv_blocks(n, [&](int32_t i, auto pr) {
    const int8x16_t va0 = qv_load(a0 + i, pr), va1 = qv_load(a1 + i, pr);
    const int8x16_t vb0 = qv_load(b0 + i, pr), vb1 = qv_load(b1 + i, pr);
    s00 = qv_mlad(s00, va0, vb0, pr);
    s01 = qv_mlad(s01, va0, vb1, pr);
    s10 = qv_mlad(s10, va1, vb0, pr);
    s11 = qv_mlad(s11, va1, vb1, pr);
  });
#else
  if (int32_t blocks = n >> 4) {
    __asm__ volatile(
        "dls lr, %[k]\n"
        "1:\n"
        "vldrb.u8 q0, [%[b0]], #16\n"
        "vldrb.u8 q1, [%[a0]], #16\n"
        "vmlava.s8 %[s00], q1, q0\n"
        "vldrb.u8 q2, [%[a1]], #16\n"
        "vmlava.s8 %[s10], q2, q0\n"
        "vldrb.u8 q0, [%[b1]], #16\n"
        "vmlava.s8 %[s01], q1, q0\n"
        "vmlava.s8 %[s11], q2, q0\n"
        "le lr, 1b\n"
        : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [s00] "+Te"(s00), [s01] "+Te"(s01),
          [s10] "+Te"(s10), [s11] "+Te"(s11), [k] "+r"(blocks)
        :
        : "lr", "d0", "d1", "d2", "d3", "d4", "d5", "memory");
  }
  if (const int32_t r = n & 15) {
    // the tail under one predicate (the "Up" operand, in VPR): two VPSTTTT blocks (GCC 12 puts
    // a VPST before each predicated instruction); lanes past the end are neither loaded nor summed
    const mve_pred16_t pr = vctp8q(static_cast<uint32_t>(r));
    int8x16_t t0, t1, t2, t3;
    __asm__ volatile(
        "vpstttt\n vldrbt.u8 %q[t0], [%[b0]]\n vldrbt.u8 %q[t1], [%[a0]]\n vldrbt.u8 %q[t2], [%[a1]]\n"
        "vldrbt.u8 %q[t3], [%[b1]]\n"
        "vpstttt\n vmlavat.s8 %[s00], %q[t1], %q[t0]\n vmlavat.s8 %[s10], %q[t2], %q[t0]\n"
        "vmlavat.s8 %[s01], %q[t1], %q[t3]\n vmlavat.s8 %[s11], %q[t2], %q[t3]\n"
        : [s00] "+Te"(s00), [s01] "+Te"(s01), [s10] "+Te"(s10), [s11] "+Te"(s11), [t0] "=&w"(t0), [t1] "=&w"(t1),
          [t2] "=&w"(t2), [t3] "=&w"(t3)
        : [a0] "r"(a0), [a1] "r"(a1), [b0] "r"(b0), [b1] "r"(b1), [pr] "Up"(pr)
        : "memory");
  }
#endif
  return qv_lanes(s00, s01, s10, s11);
}

inline void qdot2x2(const int8_t* a0, const int8_t* a1, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc) {
  vst1q_s32(acc, qdot2x2_v(a0, a1, b0, b1, n, 0, 0));
}

// One row a against four rows b, b + stride, b + 2 * stride, b + 3 * stride: the vector
// {a.b0, a.b1, a.b2, a.b3}, every loaded 16 bytes of a used four times. Whole blocks run in a
// low-overhead loop of post-increment loads (written out: GCC 12 re-derives each address from
// an index), the last partial block tail-predicated.
__attribute__((always_inline)) inline int32x4_t qdot1x4(const int8_t* a, const int8_t* b, int32_t stride, int32_t n) {
  const int8_t* b1 = b + stride;
  const int8_t* b2 = b1 + stride;
  const int8_t* b3 = b2 + stride;
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  if (int32_t blocks = n >> 4) {
#if defined(O2M_NO_ASM)
    for (; blocks > 0; --blocks, a += 16, b += 16, b1 += 16, b2 += 16, b3 += 16) {
      const int8x16_t va = vldrbq_s8(a);
      s0 = vmladavaq_s8(s0, va, vldrbq_s8(b));
      s1 = vmladavaq_s8(s1, va, vldrbq_s8(b1));
      s2 = vmladavaq_s8(s2, va, vldrbq_s8(b2));
      s3 = vmladavaq_s8(s3, va, vldrbq_s8(b3));
    }
#else
    __asm__ volatile(
        "dls lr, %[k]\n"
        "1:\n"
        "vldrb.u8 q0, [%[a]], #16\n"
        "vldrb.u8 q1, [%[b0]], #16\n"
        "vmlava.s8 %[s0], q0, q1\n"
        "vldrb.u8 q1, [%[b1]], #16\n"
        "vmlava.s8 %[s1], q0, q1\n"
        "vldrb.u8 q1, [%[b2]], #16\n"
        "vmlava.s8 %[s2], q0, q1\n"
        "vldrb.u8 q1, [%[b3]], #16\n"
        "vmlava.s8 %[s3], q0, q1\n"
        "le lr, 1b\n"
        : [a] "+r"(a), [b0] "+r"(b), [b1] "+r"(b1), [b2] "+r"(b2), [b3] "+r"(b3), [s0] "+Te"(s0), [s1] "+Te"(s1),
          [s2] "+Te"(s2), [s3] "+Te"(s3), [k] "+r"(blocks)
        :
        : "lr", "d0", "d1", "d2", "d3", "memory");
#endif
  }
  if (const int32_t r = n & 15) {
    const mve_pred16_t pr = vctp8q(static_cast<uint32_t>(r));
    const int8x16_t va = vldrbq_z_s8(a, pr);
    s0 = vmladavaq_p_s8(s0, va, vldrbq_z_s8(b, pr), pr);
    s1 = vmladavaq_p_s8(s1, va, vldrbq_z_s8(b1, pr), pr);
    s2 = vmladavaq_p_s8(s2, va, vldrbq_z_s8(b2, pr), pr);
    s3 = vmladavaq_p_s8(s3, va, vldrbq_z_s8(b3, pr), pr);
  }
  int32x4_t v = vdupq_n_s32(s0);
  v = vsetq_lane_s32(s1, v, 1);
  v = vsetq_lane_s32(s2, v, 2);
  return vsetq_lane_s32(s3, v, 3);
}

// Lane-wise shift left (right for a negative count) and product, by one count/factor (a core
// register: no vector register spent) or one per lane.
inline int32x4_t qv_shl(int32x4_t x, int32_t n) { return vshlq_r_s32(x, n); }
inline int32x4_t qv_shl(int32x4_t x, int32x4_t n) { return vshlq_s32(x, n); }
inline int32x4_t qv_mul(int32x4_t x, int32_t m) { return vmulq_n_s32(x, m); }
inline int32x4_t qv_mul(int32x4_t x, int32x4_t m) { return vmulq_s32(x, m); }
inline int32x4_t qv_splat(int32_t m) { return vdupq_n_s32(m); }
inline int32_t qv_add(int32_t x, int32_t c) { return x + c; }
inline int32x4_t qv_add(int32x4_t x, int32_t c) { return vaddq_n_s32(x, c); }
inline int32x4_t qv_splat(int32x4_t m) { return m; }

inline int32x4_t qv_qdmulh(int32x4_t x, int32_t m) { return vqdmulhq_n_s32(x, m); }
inline int32x4_t qv_qdmulh(int32x4_t x, int32x4_t m) { return vqdmulhq_s32(x, m); }

// qout() of four accumulators at once, with one (mult, shift) for all lanes (S = int32_t) or
// one per lane (S = int32x4_t), when qout4_usual(mult, shift) (checked by the caller): the
// product's bits 31..62 by VQDMULH (ph; exact, as no multiplier is INT32_MIN) and bits 0..31
// by VMUL (pl), then with u = -shift (2..31) q = ph >> u, and x = ph << (32 - u) holds the
// rounding bit on top and the bits below it after; rest = x | pl with bit 31 replaced by q's
// last bit (VSLI) is zero exactly on a tie to an even q, so q + min(rest, round) (unsigned:
// no compare and predicated add) rounds half to even, as requantize(): the same bits.
template <typename S>
inline int32x4_t qout4(int32x4_t acc, S mult, S shift, int32_t y_zp, int32_t lo, int32_t hi) {
  const int32x4_t ph = qv_qdmulh(acc, mult);
  const int32x4_t pl = qv_mul(acc, mult);
  const int32x4_t q = qv_shl(ph, shift);
  const int32x4_t x = qv_shl(ph, qv_add(shift, 32));
  const uint32x4_t round = vshrq_n_u32(vreinterpretq_u32_s32(x), 31);
  const int32x4_t rest = vsliq_n_s32(vorrq_s32(x, pl), q, 31);
  const int32x4_t r = vaddq_s32(q, vreinterpretq_s32_u32(vminq_u32(vreinterpretq_u32_s32(rest), round)));
  return vaddq_n_s32(vminq_s32(vmaxq_s32(r, vdupq_n_s32(lo - y_zp)), vdupq_n_s32(hi - y_zp)), y_zp);
}

inline int32x4_t qv_qshl(int32x4_t x, int32_t n) { return vqshlq_r_s32(x, n); }
inline int32x4_t qv_qshl(int32x4_t x, int32x4_t n) { return vqshlq_s32(x, n); }
inline int32_t qv_max(int32_t x, int32_t c) { return x > c ? x : c; }
inline int32x4_t qv_max(int32x4_t x, int32_t c) { return vmaxq_s32(x, vdupq_n_s32(c)); }
inline int32_t qv_min(int32_t x, int32_t c) { return x < c ? x : c; }
inline int32x4_t qv_min(int32x4_t x, int32_t c) { return vminq_s32(x, vdupq_n_s32(c)); }

// qout4 that also takes lanes with a multiplier of 1/4 or more (qout4_wide_ok: shift -1 .. 29,
// mult 0 or at least 2^30; VWW's pointwise layers have many such channels): acc * 2^(shift + 2)
// saturated (VQSHL), then qout4 with shift -2, the same product. When the shift saturates,
// |acc| >= 2^(29 - shift) and both the exact result and the saturated one are beyond 2^27,
// outside an 8- or 16-bit output's clamp. Lanes with a usual shift shift by 0: qout4 itself.
template <typename S>
inline int32x4_t qout4_wide(int32x4_t acc, S mult, S shift, int32_t y_zp, int32_t lo, int32_t hi) {
  return qout4(qv_qshl(acc, qv_max(qv_add(shift, 2), 0)), mult, qv_min(shift, -2), y_zp, lo, hi);
}

#else

inline int32_t qdot(const int8_t* a, const int8_t* b, int32_t n) { return qdot_ref(a, b, n); }
inline void qdot2(const int8_t* a, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc0, int32_t* acc1) {
  qdot2_ref(a, b0, b1, n, acc0, acc1);
}
inline void qdot2x2(const int8_t* a0, const int8_t* a1, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc) {
  qdot2x2_ref(a0, a1, b0, b1, n, acc);
}

#endif

// The blocked kernels' fast requantisation applies: requant_usual(shift) and, on Helium
// (qout4's VQDMULH saturates INT32_MIN * INT32_MIN), a multiplier other than INT32_MIN.
inline bool qout4_usual(int32_t mult, int32_t shift) {
#if defined(O2M_QDOT_MVE)
  return mult != -2147483647 - 1 && requant_usual(shift);
#else
  static_cast<void>(mult);
  return requant_usual(shift);
#endif
}

// qout4_usual for each of the n channels (n = 1 for per-tensor constants): the blocks then
// requantise without testing each channel.
inline bool qout4_all_usual(const int32_t* mult, const int32_t* shift, int32_t n) {
  for (int32_t i = 0; i < n; ++i)
    if (!qout4_usual(mult[i], shift[i])) return false;
  return true;
}

#if defined(O2M_QDOT_MVE)
// qout4_wide applies: qout4_usual, or a multiplier of 1/4 up to 2^29 held as mult >= 2^30 (as
// lower-qdq makes them) or 0.
inline bool qout4_wide_ok(int32_t mult, int32_t shift) {
  return qout4_usual(mult, shift) || (shift >= -1 && shift <= 29 && (mult == 0 || mult >= (1 << 30)));
}
#endif

// Kernels take `bool kRef = false`: true pins them to the reference dot products, so a test
// can run the reference and the variant of the same kernel in one program.
template <bool kRef> struct QDot {
  static int32_t dot(const int8_t* a, const int8_t* b, int32_t n) { return qdot(a, b, n); }
  static void dot2(const int8_t* a, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* s0, int32_t* s1) {
    qdot2(a, b0, b1, n, s0, s1);
  }
  static void dot2x2(const int8_t* a0, const int8_t* a1, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc) {
    qdot2x2(a0, a1, b0, b1, n, acc);
  }
};
template <> struct QDot<true> {
  static int32_t dot(const int8_t* a, const int8_t* b, int32_t n) { return qdot_ref(a, b, n); }
  static void dot2(const int8_t* a, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* s0, int32_t* s1) {
    qdot2_ref(a, b0, b1, n, s0, s1);
  }
  static void dot2x2(const int8_t* a0, const int8_t* a1, const int8_t* b0, const int8_t* b1, int32_t n, int32_t* acc) {
    qdot2x2_ref(a0, a1, b0, b1, n, acc);
  }
};

}}  // namespace o2m::O2M_KERNELS_VERSION
