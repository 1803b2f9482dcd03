// Elementwise kernels: unary maps, binary ops with numpy broadcasting, Cast.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Integer division truncates like C; x / 0 gives 0 and MIN / -1 wraps instead of trapping.
template <typename T>
inline T div_op(T a, T b) {
  if constexpr (is_int_v<T>) {
    if (b == T(0)) return T(0);
    if (is_negative(b) && b == T(-1)) return neg_op(a);
  }
  return static_cast<T>(a / b);
}

// Base T, exponent E (ONNX Pow allows different types). Integer powers are exact (wrapping);
// an integer base with a float exponent is computed in double and truncated, as numpy does.
template <typename T, typename E>
inline T pow_op(T a, E b) {
  if constexpr (is_int_v<T> && is_int_v<E>) {
    if (is_negative(b)) return a == T(1) ? T(1) : (a == T(-1) && is_negative(a) ? (b % 2 ? a : T(1)) : T(0));
    uint64_t base = static_cast<uint64_t>(a), r = 1, e = static_cast<uint64_t>(b);
    for (; e; e >>= 1, base *= base)
      if (e & 1) r *= base;
    return static_cast<T>(r);
  } else if constexpr (is_int_v<T>) {
    return convert<T>(pow(static_cast<double>(a), static_cast<double>(b)));
  } else {
    return static_cast<T>(pow(a, static_cast<T>(b)));
  }
}

struct UnaryParams {
  int32_t n;      // element count
  float alpha;    // op-specific (LeakyRelu slope, Clip min, HardSigmoid alpha, ...)
  float beta;     // op-specific (Clip max, HardSigmoid beta, ...)
  O2M_FIELDS(n, alpha, beta)
};

// O2M_UNARY_TO(NAME, R, EXPR): y[i] = EXPR of x (type T) with alpha, beta converted to T.
#define O2M_UNARY_TO(NAME, R, EXPR)                                   \
  template <typename T>                                               \
  inline void NAME(const UnaryParams& p, const T* x_in, R* y) {       \
    const T alpha = ::o2m::convert<T>(p.alpha);                       \
    const T beta = ::o2m::convert<T>(p.beta);                         \
    (void)alpha;                                                      \
    (void)beta;                                                       \
    for (int32_t i = 0; i < p.n; ++i) {                               \
      const T x = x_in[i];                                            \
      y[i] = static_cast<R>(EXPR);                                    \
    }                                                                 \
  }
#define O2M_UNARY(NAME, EXPR) O2M_UNARY_TO(NAME, T, EXPR)

// NaN passes through, as max(x, 0) does in ONNX's reference and ONNX Runtime.
O2M_UNARY(relu, x < T(0) ? T(0) : x)
O2M_UNARY(leaky_relu, x >= T(0) ? x : x * alpha)
O2M_UNARY(clip, clip_value(x, clip_low(alpha, beta), beta))
O2M_UNARY(sigmoid, T(1) / (T(1) + exp(-x)))
O2M_UNARY(hard_sigmoid, clip_value(alpha * x + beta, T(0), T(1)))
O2M_UNARY(tanh_, tanh(x))
O2M_UNARY(sqrt_, sqrt(x))
O2M_UNARY(floor_, floor(x))
O2M_UNARY(ceil_, ceil(x))
O2M_UNARY(abs_, is_negative(x) ? neg_op(x) : x)
O2M_UNARY(neg, neg_op(x))
O2M_UNARY(exp_, exp(x))
O2M_UNARY(log_, log(x))
O2M_UNARY(reciprocal, T(1) / x)
O2M_UNARY(copy, x)
O2M_UNARY(div_by_alpha, x / alpha)  // Mean: the sum divided by the input count

// Clip with bounds read from tensors (opset >= 11); a missing bound (nullptr) is no bound.
template <typename T>
inline void clip_range(const UnaryParams& p, const T* x, const T* lo_in, const T* hi_in, T* y) {
  const T hi = hi_in ? hi_in[0] : Num<T>::max();
  const T lo = clip_low(lo_in ? lo_in[0] : Num<T>::lowest(), hi);
  for (int32_t i = 0; i < p.n; ++i) y[i] = clip_value(x[i], lo, hi);
}

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

template <typename A, typename B, typename R, typename F>
inline void binary_map(const BinaryParams& p, const A* a, const B* b, R* y, F f) {
  if (p.mode == 0) {
    for (int32_t i = 0; i < p.n; ++i) y[i] = f(a[i], b[i]);
    return;
  }
  if (p.mode == 1) {
    const A s = a[0];
    for (int32_t i = 0; i < p.n; ++i) y[i] = f(s, b[i]);
    return;
  }
  if (p.mode == 2) {
    const B s = b[0];
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

// O2M_BINARY(NAME, R, EXPR): y = EXPR of a and b (both of type T), as type R.
#define O2M_BINARY(NAME, R, EXPR)                                                   \
  template <typename T>                                                             \
  inline void NAME(const BinaryParams& p, const T* a_in, const T* b_in, R* y) {     \
    binary_map(p, a_in, b_in, y, [](T a, T b) { return static_cast<R>(EXPR); });    \
  }

O2M_BINARY(add, T, add_op(a, b))
O2M_BINARY(sub, T, sub_op(a, b))
O2M_BINARY(mul, T, mul_op(a, b))
O2M_BINARY(div, T, div_op(a, b))
// A NaN on either side gives NaN, as numpy.maximum (ONNX's reference) and ONNX Runtime do.
O2M_BINARY(max_, T, a > b || is_nan(a) ? a : b)
O2M_BINARY(min_, T, a < b || is_nan(a) ? a : b)

template <typename T, typename E = T>
inline void pow_(const BinaryParams& p, const T* a_in, const E* b_in, T* y) {
  binary_map(p, a_in, b_in, y, [](T a, E b) { return pow_op(a, b); });
}

struct CastParams {
  int32_t n;
  int32_t saturate;    // Cast's `saturate`: 1 (default) or 0; float8 targets only
  int32_t round_mode;  // Cast's `round_mode` for float8e8m0: an E8M0Round
  O2M_FIELDS(n, saturate, round_mode)
};

// Any dtype to any dtype, the packed ones (int4, ...) read and written through load/store.
template <typename From, typename To>
inline void cast(const CastParams& p, const From* x, To* y) {
  clear_packed_tail(y, p.n);
  const E8M0Round mode = static_cast<E8M0Round>(p.round_mode);
  for (int32_t i = 0; i < p.n; ++i) store(y, i, convert<To>(load(x, i), p.saturate != 0, mode));
}

}}  // namespace o2m::O2M_KERNELS_VERSION
