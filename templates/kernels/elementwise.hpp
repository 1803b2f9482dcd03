// Elementwise kernels: unary maps, binary ops with numpy broadcasting, Cast.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m {

struct UnaryParams {
  int32_t n;      // element count
  float alpha;    // op-specific (LeakyRelu slope, Clip min, HardSigmoid alpha, ...)
  float beta;     // op-specific (Clip max, HardSigmoid beta, ...)
  O2M_FIELDS(n, alpha, beta)
};

#define O2M_UNARY(NAME, EXPR)                                          \
  template <typename T>                                               \
  inline void NAME(const UnaryParams& p, const T* x_in, T* y) {      \
    const T alpha = static_cast<T>(p.alpha);                          \
    const T beta = static_cast<T>(p.beta);                            \
    (void)alpha;                                                      \
    (void)beta;                                                       \
    for (int32_t i = 0; i < p.n; ++i) {                               \
      const T x = x_in[i];                                            \
      y[i] = static_cast<T>(EXPR);                                    \
    }                                                                 \
  }

O2M_UNARY(relu, x > T(0) ? x : T(0))
O2M_UNARY(leaky_relu, x >= T(0) ? x : x * alpha)
O2M_UNARY(clip, x < alpha ? alpha : (x > beta ? beta : x))
O2M_UNARY(sigmoid, T(1) / (T(1) + exp(-x)))
O2M_UNARY(hard_sigmoid, fmax(T(0), fmin(T(1), alpha * x + beta)))
O2M_UNARY(tanh_, tanh(x))
O2M_UNARY(sqrt_, sqrt(x))
O2M_UNARY(floor_, floor(x))
O2M_UNARY(ceil_, ceil(x))
O2M_UNARY(abs_, x < T(0) ? -x : x)
O2M_UNARY(neg, -x)
O2M_UNARY(exp_, exp(x))
O2M_UNARY(log_, log(x))
O2M_UNARY(reciprocal, T(1) / x)
O2M_UNARY(copy, x)

// Broadcasting binary op. Shapes are right-aligned and padded to kMaxRank; a stride of 0
// repeats an operand along that dim. `mode` picks a flat loop for the common cases.
struct BinaryParams {
  int32_t mode;  // 0: same shape, 1: a is a scalar, 2: b is a scalar, 3: general broadcast
  int32_t n;     // output elements
  int32_t dims[kMaxRank];
  int32_t a_strides[kMaxRank];
  int32_t b_strides[kMaxRank];
  O2M_FIELDS(mode, n, dims, a_strides, b_strides)
};

template <typename T, typename R, typename F>
inline void binary_map(const BinaryParams& p, const T* a, const T* b, R* y, F f) {
  if (p.mode == 0) {
    for (int32_t i = 0; i < p.n; ++i) y[i] = f(a[i], b[i]);
    return;
  }
  if (p.mode == 1) {
    const T s = a[0];
    for (int32_t i = 0; i < p.n; ++i) y[i] = f(s, b[i]);
    return;
  }
  if (p.mode == 2) {
    const T s = b[0];
    for (int32_t i = 0; i < p.n; ++i) y[i] = f(a[i], s);
    return;
  }
  // General case: odometer over the outer dims, a tight loop over the innermost one.
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  const int32_t inner = p.dims[kMaxRank - 1];
  const int32_t as = p.a_strides[kMaxRank - 1], bs = p.b_strides[kMaxRank - 1];
  int32_t ao = 0, bo = 0;
  for (int32_t base = 0; base < p.n; base += inner) {
    for (int32_t i = 0; i < inner; ++i) y[base + i] = f(a[ao + i * as], b[bo + i * bs]);
    for (int d = kMaxRank - 2; d >= 0; --d) {
      ao += p.a_strides[d];
      bo += p.b_strides[d];
      if (++idx[d] < p.dims[d]) break;
      ao -= p.a_strides[d] * p.dims[d];
      bo -= p.b_strides[d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

#define O2M_BINARY(NAME, R, EXPR)                                                   \
  template <typename T>                                                             \
  inline void NAME(const BinaryParams& p, const T* a_in, const T* b_in, R* y) {     \
    binary_map(p, a_in, b_in, y, [](T a, T b) { return static_cast<R>(EXPR); });    \
  }

O2M_BINARY(add, T, a + b)
O2M_BINARY(sub, T, a - b)
O2M_BINARY(mul, T, a* b)
O2M_BINARY(div, T, a / b)
O2M_BINARY(pow_, T, pow(a, b))
O2M_BINARY(max_, T, a > b ? a : b)
O2M_BINARY(min_, T, a < b ? a : b)

struct CastParams {
  int32_t n;
  O2M_FIELDS(n)
};

template <typename From, typename To>
inline void cast(const CastParams& p, const From* x, To* y) {
  for (int32_t i = 0; i < p.n; ++i) y[i] = static_cast<To>(x[i]);
}

}  // namespace o2m
