// Det: the determinant of each square matrix in a batch, by LU decomposition with partial
// pivoting in double precision, in the scratch buffer (m * m doubles).
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct DetParams {
  int32_t batch, m;
  O2M_FIELDS(batch, m)
};

template <typename T>
inline void det(const DetParams& p, const T* x, T* y, void* scratch) {
  double* a = static_cast<double*>(scratch);
  const int64_t mm = static_cast<int64_t>(p.m) * p.m;
  for (int32_t b = 0; b < p.batch; ++b) {
    for (int64_t i = 0; i < mm; ++i) a[i] = static_cast<double>(x[b * mm + i]);
    double d = 1.0;
    for (int32_t k = 0; k < p.m && d != 0.0; ++k) {
      int32_t piv = k;
      for (int32_t i = k + 1; i < p.m; ++i)
        if (fabs(a[static_cast<int64_t>(i) * p.m + k]) > fabs(a[static_cast<int64_t>(piv) * p.m + k])) piv = i;
      if (a[static_cast<int64_t>(piv) * p.m + k] == 0.0) {
        d = 0.0;
        break;
      }
      if (piv != k) {
        for (int32_t j = 0; j < p.m; ++j) {
          const double t = a[static_cast<int64_t>(k) * p.m + j];
          a[static_cast<int64_t>(k) * p.m + j] = a[static_cast<int64_t>(piv) * p.m + j];
          a[static_cast<int64_t>(piv) * p.m + j] = t;
        }
        d = -d;
      }
      const double pivot = a[static_cast<int64_t>(k) * p.m + k];
      d *= pivot;
      for (int32_t i = k + 1; i < p.m; ++i) {
        const double f = a[static_cast<int64_t>(i) * p.m + k] / pivot;
        for (int32_t j = k; j < p.m; ++j) a[static_cast<int64_t>(i) * p.m + j] -= f * a[static_cast<int64_t>(k) * p.m + j];
      }
    }
    y[b] = static_cast<T>(d);
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
