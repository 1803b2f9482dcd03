// Gemm (Y = alpha * A' B' + beta * C) and batched, broadcasting MatMul. Integer sums wrap
// (add_op / mul_op), as ONNX Runtime's do, instead of overflowing (undefined behaviour).
//
// Both run row by row of A: each row times B is a matrix-vector product (the whole job when
// M = 1, as in every fully connected layer at batch 1). Its outputs are computed a register
// block at a time: the block's sums stay in registers for the whole k loop, so each element of
// B is loaded once per row of A and each element of A once per block. B is read as stored:
//   [k, n] (Gemm transB = 0, MatMul): a block is R neighbouring outputs, one row of B per step;
//   [n, k] (Gemm transB = 1):         a block is R dot products over R rows of B.
// Every output adds its k products in order q = 0, 1, ..., as the plain triple loop does, so
// the scalar code rounds exactly as that loop. On cores with Helium (MVE with float,
// Cortex-M55) float blocks use its 4-lane vector FMA; [n, k] blocks then add 4 interleaved
// partial sums, a different rounding order. Measured per MAC (Cortex-M4, QEMU): [k, n] 2.5,
// [n, k] 2.9 instructions, against 9 for the plain loop; M55 0.8 and 1.1.
#pragma once
#include "common.hpp"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 2)
#include <arm_mve.h>
#define O2M_GEMM_MVE 1
#endif

// Unrolls a loop over a block's sums so that each becomes a register.
#if defined(__clang__)
#define O2M_GEMM_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define O2M_GEMM_UNROLL _Pragma("GCC unroll 16")
#else
#define O2M_GEMM_UNROLL
#endif

// gemv stays a function of its own: inlined into its one caller, GCC -O2 was seen to lose the
// vectorisation and register allocation of the blocks (x86-64: 2x the instructions).
#if defined(__GNUC__)
#define O2M_GEMM_NOINLINE __attribute__((noinline))
#else
#define O2M_GEMM_NOINLINE
#endif

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct GemmParams {
  int32_t m, n, k;
  int32_t trans_a, trans_b;
  float alpha, beta;
  int32_t c_row_stride, c_col_stride;  // C broadcast to [m, n]; both 0 for a scalar C
  O2M_FIELDS(m, n, k, trans_a, trans_b, alpha, beta, c_row_stride, c_col_stride)
};

namespace gemm_detail {

// s[r] = sum_q x[q] * b[q * ldb + r] for r < R: R neighbouring outputs of a [k, n] B.
template <int R, typename T>
inline void block_kn(int32_t k, const T* x, const T* b, int32_t ldb, T* s) {
  T acc[R];
  O2M_GEMM_UNROLL
  for (int r = 0; r < R; ++r) acc[r] = T(0);
  for (const T* const xe = x + k; x != xe; ++x, b += ldb) {
    const T xv = *x;
    O2M_GEMM_UNROLL
    for (int r = 0; r < R; ++r) acc[r] = add_op(acc[r], mul_op(xv, b[r]));
  }
  O2M_GEMM_UNROLL
  for (int r = 0; r < R; ++r) s[r] = acc[r];
}

// s[r] = sum_q x[q] * b[r * ldb + q] for r < R: R dot products with rows of an [n, k] B.
template <int R, typename T>
inline void block_nk(int32_t k, const T* x, const T* b, int32_t ldb, T* s) {
  const T* rows[R];
  T acc[R];
  O2M_GEMM_UNROLL
  for (int r = 0; r < R; ++r) {
    rows[r] = b + r * ldb;
    acc[r] = T(0);
  }
  // Four steps of q a trip share the pointer updates; each sum still takes its terms in order.
  constexpr int32_t U = 4;
  for (const T* const xe = x + (k - k % U); x != xe; x += U) {
    O2M_GEMM_UNROLL
    for (int r = 0; r < R; ++r) {
      O2M_GEMM_UNROLL
      for (int u = 0; u < U; ++u) acc[r] = add_op(acc[r], mul_op(x[u], rows[r][u]));
      rows[r] += U;
    }
  }
  for (int32_t q = 0; q < k % U; ++q) {
    O2M_GEMM_UNROLL
    for (int r = 0; r < R; ++r) acc[r] = add_op(acc[r], mul_op(x[q], rows[r][q]));
  }
  O2M_GEMM_UNROLL
  for (int r = 0; r < R; ++r) s[r] = acc[r];
}

#ifdef O2M_GEMM_MVE
// Helium: R / 4 vectors of neighbouring outputs, one broadcast multiply-accumulate each per q.
template <int R>
inline void block_kn_mve(int32_t k, const float* x, const float* b, int32_t ldb, float* s) {
  float32x4_t acc[R / 4];
  O2M_GEMM_UNROLL
  for (int r = 0; r < R / 4; ++r) acc[r] = vdupq_n_f32(0.0f);
  for (const float* const xe = x + k; x != xe; ++x, b += ldb) {
    const float xv = *x;
    O2M_GEMM_UNROLL
    for (int r = 0; r < R / 4; ++r) acc[r] = vfmaq_n_f32(acc[r], vld1q_f32(b + 4 * r), xv);
  }
  O2M_GEMM_UNROLL
  for (int r = 0; r < R / 4; ++r) vst1q_f32(s + 4 * r, acc[r]);
}

// Helium: R dot products, 4 lanes of q at a time; the last k % 4 lanes are predicated off.
template <int R>
inline void block_nk_mve(int32_t k, const float* x, const float* b, int32_t ldb, float* s) {
  float32x4_t acc[R];
  O2M_GEMM_UNROLL
  for (int r = 0; r < R; ++r) acc[r] = vdupq_n_f32(0.0f);
  int32_t q = 0;
  for (; q + 4 <= k; q += 4) {
    const float32x4_t xv = vld1q_f32(x + q);
    O2M_GEMM_UNROLL
    for (int r = 0; r < R; ++r) acc[r] = vfmaq_f32(acc[r], xv, vld1q_f32(b + r * ldb + q));
  }
  if (q < k) {
    const mve_pred16_t tail = vctp32q(static_cast<uint32_t>(k - q));
    const float32x4_t xv = vldrwq_z_f32(x + q, tail);
    O2M_GEMM_UNROLL
    for (int r = 0; r < R; ++r) acc[r] = vfmaq_m_f32(acc[r], xv, vldrwq_z_f32(b + r * ldb + q, tail), tail);
  }
  O2M_GEMM_UNROLL
  for (int r = 0; r < R; ++r)
    s[r] = (vgetq_lane_f32(acc[r], 0) + vgetq_lane_f32(acc[r], 1)) + (vgetq_lane_f32(acc[r], 2) + vgetq_lane_f32(acc[r], 3));
}
#endif

#ifdef O2M_GEMM_MVE
// Helium has 8 vector registers: 16 outputs of a [k, n] B (4 vectors), 4 dot products of [n, k].
constexpr int32_t kKnBlock = 16, kNkBlock = 4;
#else
// 8 sums and the row pointers fit the registers of a Cortex-M FPU (32 singles) and of x86-64.
constexpr int32_t kKnBlock = 8, kNkBlock = 4;
#endif

template <typename T>
inline constexpr bool is_f32 = false;  // inline: one definition across translation units (clang)
template <>
inline constexpr bool is_f32<float> = true;

template <int R, typename T>
inline void kn(int32_t k, const T* x, const T* b, int32_t ldb, T* s) {
#ifdef O2M_GEMM_MVE
  if constexpr (is_f32<T> && R % 4 == 0) return block_kn_mve<R>(k, x, b, ldb, s);
#endif
  block_kn<R>(k, x, b, ldb, s);
}

template <int R, typename T>
inline void nk(int32_t k, const T* x, const T* b, int32_t ldb, T* s) {
#ifdef O2M_GEMM_MVE
  if constexpr (is_f32<T>) return block_nk_mve<R>(k, x, b, ldb, s);
#endif
  block_nk<R>(k, x, b, ldb, s);
}

// y[j] = alpha * (x B)[j] + beta * c[j * c_stride] for j < n, x one contiguous row of k, B
// stored [k, n] or, when b_nk, [n, k]. Blocks of kKnBlock (kNkBlock) outputs, then 4, then 1.
// MatMul (kScale false) has no alpha: its T may be bool, where a product would warn.
template <bool kScale, typename T>
O2M_GEMM_NOINLINE inline void gemv(int32_t n, int32_t k, const T* x, const T* b, bool b_nk, T alpha, T beta, const T* c, int32_t c_stride, T* y) {
  T s[kKnBlock > kNkBlock ? kKnBlock : kNkBlock];
  for (int32_t j = 0; j < n;) {
    const int32_t left = n - j;
    int32_t got;
    if (b_nk) {
      got = left >= kNkBlock ? kNkBlock : 1;
      if (got == kNkBlock)
        nk<kNkBlock>(k, x, b + j * k, k, s);
      else
        nk<1>(k, x, b + j * k, k, s);
    } else {
      got = left >= kKnBlock ? kKnBlock : left >= 4 ? 4 : 1;
      if (got == kKnBlock)
        kn<kKnBlock>(k, x, b + j, n, s);
      else if (got == 4)
        kn<4>(k, x, b + j, n, s);
      else
        kn<1>(k, x, b + j, n, s);
    }
    for (int32_t r = 0; r < got; ++r, ++j) {
      T v = s[r];
      if constexpr (kScale) v = mul_op(v, alpha);
      if (c) v = add_op(v, mul_op(beta, c[j * c_stride]));
      y[j] = v;
    }
  }
}

}  // namespace gemm_detail

// a: [m,k] or [k,m] (trans_a); b: [k,n] or [n,k] (trans_b); c: optional, broadcast to [m,n].
template <typename T>
inline void gemm(const GemmParams& p, const T* a, const T* b, const T* c, T* y) {
  const T alpha = convert<T>(p.alpha), beta = convert<T>(p.beta);  // saturating: a float alpha past an int range
  // A row of A' is contiguous unless A is transposed with more than one row: then the plain loop.
  if (p.trans_a && p.m > 1) {
    for (int32_t i = 0; i < p.m; ++i)
      for (int32_t j = 0; j < p.n; ++j) {
        T acc = T(0);
        for (int32_t q = 0; q < p.k; ++q) acc = add_op(acc, mul_op(a[q * p.m + i], p.trans_b ? b[j * p.k + q] : b[q * p.n + j]));
        acc = mul_op(acc, alpha);
        if (c) acc = add_op(acc, mul_op(beta, c[i * p.c_row_stride + j * p.c_col_stride]));
        y[i * p.n + j] = acc;
      }
    return;
  }
  for (int32_t i = 0; i < p.m; ++i)
    gemm_detail::gemv<true, T>(p.n, p.k, a + i * p.k, b, p.trans_b != 0, alpha, beta, c ? c + i * p.c_row_stride : nullptr,
                         p.c_col_stride, y + i * p.n);
}

// Batch dims are right-aligned to kMaxBatchRank; a stride of 0 broadcasts that operand.
constexpr int kMaxBatchRank = 4;

struct MatMulParams {
  int32_t m, n, k;
  int32_t batch;  // product of batch dims
  int32_t batch_dims[kMaxBatchRank];
  int32_t a_batch_strides[kMaxBatchRank];
  int32_t b_batch_strides[kMaxBatchRank];
  O2M_FIELDS(m, n, k, batch, batch_dims, a_batch_strides, b_batch_strides)
};

template <typename T>
inline void matmul(const MatMulParams& p, const T* a, const T* b, T* y) {
  int32_t idx[kMaxBatchRank] = {0, 0, 0, 0};
  int32_t ao = 0, bo = 0;
  for (int32_t bi = 0; bi < p.batch; ++bi) {
    const T* ab = a + ao;
    const T* bb = b + bo;
    T* yb = y + bi * p.m * p.n;
    for (int32_t i = 0; i < p.m; ++i)
      gemm_detail::gemv<false, T>(p.n, p.k, ab + i * p.k, bb, false, T(1), T(0), nullptr, 0, yb + i * p.n);
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

}}  // namespace o2m::O2M_KERNELS_VERSION
