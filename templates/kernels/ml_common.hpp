// Score transforms shared by the ai.onnx.ml classifiers and regressors (post_transform), with
// the rules ONNX Runtime applies (its ml_common.h), which the ONNX reference follows too:
// probit uses the same closed-form approximation of erf^-1, and a row of one score gets no
// transform but PROBIT.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// post_transform values (onnx2mcu's numbering; the lowering maps both the string attribute of
// ai.onnx.ml 1-4 and TreeEnsemble-5's integers onto it).
enum : int32_t { kPostNone = 0, kPostLogistic = 1, kPostSoftmax = 2, kPostSoftmaxZero = 3, kPostProbit = 4 };

inline float ml_logistic(float v) {
  const float e = 1.0f / (1.0f + expf(-fabsf(v)));
  return v < 0 ? 1.0f - e : e;
}

// Winitzki's approximation (a = 0.147), as ONNX Runtime and the ONNX reference compute it.
inline float ml_erfinv(float x) {
  const float sgn = x < 0 ? -1.0f : 1.0f;
  x = (1 - x) * (1 + x);
  if (x == 0) return 0;  // the reference's guard: log(0) would make the result NaN
  const float lg = logf(x);
  const float v = 2 / (3.14159265f * 0.147f) + 0.5f * lg;
  const float v2 = 1 / 0.147f * lg;
  return sgn * sqrtf(-v + sqrtf(v * v - v2));
}

inline float ml_probit(float v) { return 1.41421356f * ml_erfinv(2 * v - 1); }

// Transforms one row of n scores in place. n == 1: only PROBIT applies (ONNX Runtime).
template <typename T>
inline void ml_transform_row(int32_t kind, T* s, int32_t n) {
  if (n == 1) {
    if (kind == kPostProbit) s[0] = static_cast<T>(ml_probit(static_cast<float>(s[0])));
    return;
  }
  if (kind == kPostLogistic || kind == kPostProbit) {
    for (int32_t i = 0; i < n; ++i) {
      const float v = static_cast<float>(s[i]);
      s[i] = static_cast<T>(kind == kPostLogistic ? ml_logistic(v) : ml_probit(v));
    }
  } else if (kind == kPostSoftmax || kind == kPostSoftmaxZero) {
    // SOFTMAX_ZERO leaves (near-)zero scores out of the sum: they stay (near) zero.
    float mx = -3.40282347e+38f;
    for (int32_t i = 0; i < n; ++i) mx = static_cast<float>(s[i]) > mx ? static_cast<float>(s[i]) : mx;
    const float zero_scale = expf(-mx);
    float sum = 0;
    for (int32_t i = 0; i < n; ++i) {
      const float v = static_cast<float>(s[i]);
      if (kind == kPostSoftmax || v > 1e-7f || v < -1e-7f) {
        s[i] = static_cast<T>(expf(v - mx));
        sum += static_cast<float>(s[i]);
      } else {
        s[i] = static_cast<T>(v * zero_scale);
      }
    }
    for (int32_t i = 0; i < n; ++i) s[i] = static_cast<T>(static_cast<float>(s[i]) / sum);
  }
}

// A binary classifier's single score s written as two class scores (ONNX Runtime's
// "add_second_class"): [1 - s, s] for probabilities (all weights positive), else [-s, s], or
// [logistic(-s), logistic(s)] under LOGISTIC. PROBIT writes probit(s) into column 0 only.
enum : int32_t { kSecondProbability = 0, kSecondSigned = 1 };
template <typename T>
inline void ml_two_scores(int32_t kind, int32_t second, float s, T* out) {
  if (kind == kPostProbit) {
    out[0] = static_cast<T>(ml_probit(s));
    out[1] = T(0);
  } else if (second == kSecondProbability) {
    out[0] = static_cast<T>(1.0f - s);
    out[1] = static_cast<T>(s);
  } else if (kind == kPostLogistic) {
    out[0] = static_cast<T>(ml_logistic(-s));
    out[1] = static_cast<T>(ml_logistic(s));
  } else {
    out[0] = static_cast<T>(-s);
    out[1] = static_cast<T>(s);
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
