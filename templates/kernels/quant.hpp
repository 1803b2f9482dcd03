// DequantizeLinear: y = (x - zero_point) * scale, per tensor or per axis.
#pragma once
#include "common.hpp"

namespace o2m {

struct DequantParams {
  int32_t outer, axis, inner;  // x viewed as [outer, axis, inner]; axis == 1 for per-tensor
  O2M_FIELDS(outer, axis, inner)
};

template <typename T>
inline void dequantize_linear(const DequantParams& p, const T* x, const float* scale, const T* zero_point,
                              float* y) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t a = 0; a < p.axis; ++a) {
      const float s = scale[a];
      const int32_t z = zero_point ? static_cast<int32_t>(zero_point[a]) : 0;
      const int32_t base = (o * p.axis + a) * p.inner;
      for (int32_t i = 0; i < p.inner; ++i) y[base + i] = static_cast<float>(static_cast<int32_t>(x[base + i]) - z) * s;
    }
}

}  // namespace o2m
