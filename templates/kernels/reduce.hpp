// Reductions over any set of axes. The output index of each input element is computed with
// out_strides, which are 0 along reduced axes.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct ReduceParams {
  int32_t n_in, n_out;
  int32_t count;  // input elements folded into each output element
  int32_t in_dims[kMaxRank];
  int32_t out_strides[kMaxRank];
  O2M_FIELDS(n_in, n_out, count, in_dims, out_strides)
};

template <typename T, typename Init, typename Step>
inline void reduce_impl(const ReduceParams& p, const T* x, T* y, Init init, Step step) {
  for (int32_t i = 0; i < p.n_out; ++i) y[i] = init;
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t o = 0;
  for (int32_t i = 0; i < p.n_in; ++i) {
    y[o] = step(y[o], x[i]);
    for (int d = kMaxRank - 1; d >= 0; --d) {
      o += p.out_strides[d];
      if (++idx[d] < p.in_dims[d]) break;
      o -= p.out_strides[d] * p.in_dims[d];
      idx[d] = 0;
    }
  }
}

template <typename T>
inline void reduce_sum(const ReduceParams& p, const T* x, T* y) {
  reduce_impl(p, x, y, T(0), [](T a, T b) { return add_op(a, b); });
}

// Integer means divide in 64 bits: count need not fit T (int8 over 256 elements would divide
// by 0), and an empty reduction (count 0) gives 0.
template <typename T>
inline void reduce_mean(const ReduceParams& p, const T* x, T* y) {
  reduce_sum(p, x, y);
  if constexpr (is_int_v<T>) {
    using W = typename Select<Num<T>::is_signed, int64_t, uint64_t>::type;
    for (int32_t i = 0; i < p.n_out; ++i)
      y[i] = p.count > 0 ? static_cast<T>(static_cast<W>(y[i]) / static_cast<W>(p.count)) : T(0);
  } else {
    for (int32_t i = 0; i < p.n_out; ++i) y[i] = static_cast<T>(y[i] / static_cast<T>(p.count));
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
