// Gemm (Y = alpha * A' B' + beta * C) and batched, broadcasting MatMul.
#pragma once
#include "common.hpp"

namespace o2m {

struct GemmParams {
  int32_t m, n, k;
  int32_t trans_a, trans_b;
  float alpha, beta;
  int32_t c_row_stride, c_col_stride;  // C broadcast to [m, n]; both 0 for a scalar C
  O2M_FIELDS(m, n, k, trans_a, trans_b, alpha, beta, c_row_stride, c_col_stride)
};

// a: [m,k] or [k,m] (trans_a); b: [k,n] or [n,k] (trans_b); c: optional, broadcast to [m,n].
template <typename T>
inline void gemm(const GemmParams& p, const T* a, const T* b, const T* c, T* y) {
  const T alpha = static_cast<T>(p.alpha), beta = static_cast<T>(p.beta);
  for (int32_t i = 0; i < p.m; ++i) {
    for (int32_t j = 0; j < p.n; ++j) {
      T acc = T(0);
      for (int32_t q = 0; q < p.k; ++q) {
        const T av = p.trans_a ? a[q * p.m + i] : a[i * p.k + q];
        const T bv = p.trans_b ? b[j * p.k + q] : b[q * p.n + j];
        acc += av * bv;
      }
      acc *= alpha;
      if (c) acc += beta * c[i * p.c_row_stride + j * p.c_col_stride];
      y[i * p.n + j] = acc;
    }
  }
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
    for (int32_t i = 0; i < p.m; ++i) {
      T* yr = yb + i * p.n;
      for (int32_t j = 0; j < p.n; ++j) yr[j] = T(0);
      // i-k-j order: the inner loop streams rows of b and y contiguously.
      for (int32_t q = 0; q < p.k; ++q) {
        const T av = ab[i * p.k + q];
        const T* br = bb + q * p.n;
        for (int32_t j = 0; j < p.n; ++j) yr[j] += av * br[j];
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

}  // namespace o2m
