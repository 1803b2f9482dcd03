// Integer matrix products, three entry points:
//   qgemm           the fast path: y[m,n] = requant(bias[n] + sum_k x[m,k] * w[n,k]) with int8
//                   weights (zero point 0, stored [n, k]), int8/uint8 x, the x zero point
//                   folded into the bias (qfold_bias), fixed-point multipliers from lower-qdq.
//   qlinear_matmul  ONNX QLinearMatMul with every scale and zero point read at run time.
//   matmul_integer  ONNX MatMulInteger: int32 results.
#pragma once
#include "gemm.hpp"
#include "qconv_dsp.hpp"
#include "qdot.hpp"
#include "quant.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct QGemmParams {
  int32_t m, n, k;
  int32_t y_zp;
  int32_t act_min, act_max;  // output clamp: the type's range, narrowed by a fused Relu/Clip
  int32_t per_channel;       // mult/shift hold n entries (else one)
  O2M_FIELDS(m, n, k, y_zp, act_min, act_max, per_channel)
};

#if defined(O2M_QDOT1X4_DSP)
// Columns [0, n & ~3) of one row a (k bytes) on the DSP extension, four at a time: qdot1x4 (each
// word of a split once for four), each output requantised by qrequant_dsp and clamped by
// qclamp_dsp (every shift requant_usual, checked by the caller): the same bytes as qout().
// kCommon: one multiplier (its constants derived once a row) and the clamp TY's whole range (one
// SSAT/USAT); else per-channel constants each output and a general clamp. Out of line, so that
// the requantisation keeps its constants in registers (inlined, GCC 12 spills them every output).
template <typename TY, bool kCommon>
__attribute__((noinline)) void qgemm_row_dsp(const int8_t* a, const int8_t* w, int32_t n, int32_t k,
                                             const int32_t* bias, const int32_t* mult, const int32_t* shift,
                                             bool per_channel, int32_t y_zp, int32_t lo, int32_t hi, TY* y) {
  const int32_t step = per_channel ? 1 : 0;
  int32_t m = mult[0], t = -1 - shift[0], lsh = 33 + shift[0], half = 1 << (-2 - shift[0]);
  for (TY* const end = y + (n & ~3); y != end; w += 4 * k, bias += 4, mult += 4 * step, shift += 4 * step, y += 4) {
    int32_t acc[4] = {bias[0], bias[1], bias[2], bias[3]};
    qdot1x4(a, w, k, k, acc);
    auto out = [&](int32_t r) __attribute__((always_inline)) {
      if constexpr (!kCommon) {
        m = mult[r * step];
        t = -1 - shift[r * step];
        lsh = 33 + shift[r * step];
        half = 1 << (-2 - shift[r * step]);
      }
      y[r] = qclamp_dsp<TY, kCommon>(qrequant_dsp(acc[r], m, t, lsh, half), y_zp, lo, hi);
    };
    if constexpr (kCommon) {
      out(0);  // written out: GCC 12 does not unroll a loop around the assembly
      out(1);
      out(2);
      out(3);
    } else {  // a loop: four sets of constants take longer than it
      for (int32_t r = 0; r < 4; ++r) out(r);
    }
  }
}
#endif

// Working bytes of qgemm: one row of x moved to int8 when x is uint8.
template <typename TX>
constexpr int32_t qgemm_scratch_bytes(int32_t k) {
  return qx_offset<TX>() ? (k + 3) / 4 * 4 : 4;
}

// x: [m, k] TX; w: [n, k] int8; bias: [n] folded; mult/shift: [n] or [1]; y: [m, n] TY;
// scratch: qgemm_scratch_bytes<TX>(k) bytes.
template <typename TX, typename TY, bool kRef = false>
inline void qgemm(const QGemmParams& p, const TX* x, const int8_t* w, const int32_t* bias, const int32_t* mult,
                  const int32_t* shift, TY* y, void* scratch) {
  int8_t* row = static_cast<int8_t*>(scratch);
  constexpr int32_t off = qx_offset<TX>();
#if defined(O2M_QDOT_MVE) || defined(O2M_QDOT1X4_DSP)
  // every shift in qout4's (and qrequant_dsp's) range
  const bool rq_usual = !kRef && qout4_all_usual(mult, shift, p.per_channel ? p.n : 1);
#endif
#if defined(O2M_QDOT1X4_DSP)
  const bool full_range = p.act_min == QRange<TY>::lo && p.act_max == QRange<TY>::hi;  // the clamp is TY's own
#endif
  for (int32_t i = 0; i < p.m; ++i) {
    const int8_t* a = reinterpret_cast<const int8_t*>(x + i * p.k);
    if (off) {
      for (int32_t q = 0; q < p.k; ++q) row[q] = static_cast<int8_t>(static_cast<int32_t>(x[i * p.k + q]) - off);
      a = row;
    }
    TY* yr = y + i * p.n;
    int32_t j = 0;
#if defined(O2M_QDOT_MVE)
    // Helium: four columns at a time (qdot1x4: each 16 bytes of the row used four times), one
    // vector requantised by qout4 and stored as four bytes
    if (rq_usual)
      for (; j + 4 <= p.n; j += 4) {
        const int32x4_t m4 = p.per_channel ? vld1q_s32(mult + j) : vdupq_n_s32(mult[0]);
        const int32x4_t s4 = p.per_channel ? vld1q_s32(shift + j) : vdupq_n_s32(shift[0]);
        const int32x4_t acc = vaddq_s32(qdot1x4(a, w + j * p.k, p.k, p.k), vld1q_s32(bias + j));
        const int32x4_t v = qout4(acc, m4, s4, p.y_zp, p.act_min, p.act_max);
        if constexpr (qx_offset<TY>() != 0)
          vstrbq_u32(reinterpret_cast<uint8_t*>(yr + j), vreinterpretq_u32_s32(v));
        else
          vstrbq_s32(reinterpret_cast<int8_t*>(yr + j), v);
      }
#elif defined(O2M_QDOT1X4_DSP)
    if (rq_usual) {
      j = p.n & ~3;
      if (full_range && !p.per_channel)
        qgemm_row_dsp<TY, true>(a, w, p.n, p.k, bias, mult, shift, false, p.y_zp, p.act_min, p.act_max, yr);
      else
        qgemm_row_dsp<TY, false>(a, w, p.n, p.k, bias, mult, shift, p.per_channel != 0, p.y_zp, p.act_min, p.act_max,
                                 yr);
    }
#endif
    for (; j + 2 <= p.n; j += 2) {
      int32_t a0, a1;
      QDot<kRef>::dot2(a, w + j * p.k, w + (j + 1) * p.k, p.k, &a0, &a1);
      const int32_t c0 = p.per_channel ? j : 0, c1 = p.per_channel ? j + 1 : 0;
      yr[j] = qout<TY>(a0 + bias[j], mult[c0], shift[c0], p.y_zp, p.act_min, p.act_max);
      yr[j + 1] = qout<TY>(a1 + bias[j + 1], mult[c1], shift[c1], p.y_zp, p.act_min, p.act_max);
    }
    if (j < p.n) {  // odd n: the last column
      const int32_t ch = p.per_channel ? j : 0;
      yr[j] = qout<TY>(QDot<kRef>::dot(a, w + j * p.k, p.k) + bias[j], mult[ch], shift[ch], p.y_zp, p.act_min,
                       p.act_max);
    }
  }
}

// ---- The run-time-parameter paths (batched, broadcasting like o2m::matmul).

struct QMatMulParams {
  MatMulParams mm;
  int32_t a_per_row;  // a's zero point (and scale) hold m entries, else one
  int32_t b_per_col;  // b's zero point (and scale) hold n entries, else one
  O2M_FIELDS(mm, a_per_row, b_per_col)
};

// Calls emit(index into y, row i, column j, acc) with acc = sum (a - za[i]) * (b - zb[j]).
template <typename TA, typename TB, typename Emit>
inline void qmatmul_direct(const QMatMulParams& q, const TA* a, const TA* a_zp, const TB* b, const TB* b_zp, Emit emit) {
  const MatMulParams& p = q.mm;
  int32_t idx[kMaxBatchRank] = {0, 0, 0, 0};
  int32_t ao = 0, bo = 0;
  for (int32_t bi = 0; bi < p.batch; ++bi) {
    for (int32_t i = 0; i < p.m; ++i) {
      const int32_t za = a_zp ? static_cast<int32_t>(a_zp[q.a_per_row ? i : 0]) : 0;
      for (int32_t j = 0; j < p.n; ++j) {
        const int32_t zb = b_zp ? static_cast<int32_t>(b_zp[q.b_per_col ? j : 0]) : 0;
        int32_t acc = 0;
        for (int32_t k = 0; k < p.k; ++k)
          acc += (static_cast<int32_t>(a[ao + i * p.k + k]) - za) * (static_cast<int32_t>(b[bo + k * p.n + j]) - zb);
        emit((bi * p.m + i) * p.n + j, i, j, acc);
      }
    }
    for (int d = kMaxBatchRank - 1; d >= 0; --d) {
      ao += p.a_batch_strides[d];
      bo += p.b_batch_strides[d];
      if (++idx[d] < p.batch_dims[d]) break;
      ao -= p.a_batch_strides[d] * p.batch_dims[d];
      bo -= p.b_batch_strides[d] * p.batch_dims[d];
      idx[d] = 0;
    }
  }
}

// ONNX QLinearMatMul; the multiplier is a_scale * b_scale / y_scale in float, as onnxruntime
// computes it, made fixed-point exactly.
template <typename TA, typename TB, typename TY>
inline void qlinear_matmul(const QMatMulParams& q, const TA* a, const float* a_scale, const TA* a_zp, const TB* b,
                           const float* b_scale, const TB* b_zp, const float* y_scale, const TY* y_zp, TY* y) {
  const int32_t zy = y_zp ? static_cast<int32_t>(*y_zp) : 0;
  qmatmul_direct(q, a, a_zp, b, b_zp, [&](int32_t at, int32_t i, int32_t j, int32_t acc) {
    int32_t mult, shift;
    quantize_multiplier(a_scale[q.a_per_row ? i : 0] * b_scale[q.b_per_col ? j : 0] / y_scale[0], &mult, &shift);
    y[at] = qout<TY>(acc, mult, shift, zy, QRange<TY>::lo, QRange<TY>::hi);
  });
}

template <typename TA, typename TB>
inline void matmul_integer(const QMatMulParams& q, const TA* a, const TB* b, const TA* a_zp, const TB* b_zp, int32_t* y) {
  qmatmul_direct(q, a, a_zp, b, b_zp, [&](int32_t at, int32_t, int32_t, int32_t acc) { y[at] = acc; });
}

}}  // namespace o2m::O2M_KERNELS_VERSION
