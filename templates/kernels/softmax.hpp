// Softmax, LogSoftmax and Hardmax along one axis of a tensor viewed as [outer, axis, inner].
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct SoftmaxParams {
  int32_t outer, axis, inner;
  O2M_FIELDS(outer, axis, inner)
};

template <typename T, bool kLog>
inline void softmax_impl(const SoftmaxParams& p, const T* x, T* y) {
  if (p.axis <= 0) return;  // an empty axis: the tensors are empty, and xs[0] is not there to read
  for (int32_t o = 0; o < p.outer; ++o) {
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* xs = x + o * p.axis * p.inner + i;
      T* ys = y + o * p.axis * p.inner + i;
      T mx = xs[0];
      for (int32_t a = 1; a < p.axis; ++a) mx = xs[a * p.inner] > mx ? xs[a * p.inner] : mx;
      T sum = T(0);
      for (int32_t a = 0; a < p.axis; ++a) {
        const T e = exp(xs[a * p.inner] - mx);
        if (!kLog) ys[a * p.inner] = e;
        sum += e;
      }
      if (kLog) {
        const T ls = log(sum);
        for (int32_t a = 0; a < p.axis; ++a) ys[a * p.inner] = xs[a * p.inner] - mx - ls;
      } else {
        const T inv = T(1) / sum;
        for (int32_t a = 0; a < p.axis; ++a) ys[a * p.inner] *= inv;
      }
    }
  }
}

template <typename T>
inline void softmax(const SoftmaxParams& p, const T* x, T* y) { softmax_impl<T, false>(p, x, y); }
template <typename T>
inline void log_softmax(const SoftmaxParams& p, const T* x, T* y) { softmax_impl<T, true>(p, x, y); }

// 1 at the first maximum along the axis, 0 elsewhere.
template <typename T>
inline void hardmax(const SoftmaxParams& p, const T* x, T* y) {
  if (p.axis <= 0) return;  // an empty axis: nothing to read or write
  for (int32_t o = 0; o < p.outer; ++o) {
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* xs = x + o * p.axis * p.inner + i;
      T* ys = y + o * p.axis * p.inner + i;
      int32_t best = 0;
      for (int32_t a = 1; a < p.axis; ++a) best = xs[a * p.inner] > xs[best * p.inner] ? a : best;
      for (int32_t a = 0; a < p.axis; ++a) ys[a * p.inner] = a == best ? T(1) : T(0);
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
