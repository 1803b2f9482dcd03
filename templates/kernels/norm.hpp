// BatchNormalization in inference mode.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m {

struct BatchNormParams {
  int32_t n, c, spatial;
  float epsilon;
  O2M_FIELDS(n, c, spatial, epsilon)
};

template <typename T>
inline void batch_norm(const BatchNormParams& p, const T* x, const T* scale, const T* bias, const T* mean,
                       const T* var, T* y) {
  for (int32_t c = 0; c < p.c; ++c) {
    const T k = scale[c] / static_cast<T>(sqrt(var[c] + static_cast<T>(p.epsilon)));
    const T b = bias[c] - mean[c] * k;
    for (int32_t n = 0; n < p.n; ++n) {
      const T* xs = x + (n * p.c + c) * p.spatial;
      T* ys = y + (n * p.c + c) * p.spatial;
      for (int32_t i = 0; i < p.spatial; ++i) ys[i] = xs[i] * k + b;
    }
  }
}

}  // namespace o2m
