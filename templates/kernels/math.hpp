// Elementwise math: trigonometric and hyperbolic functions, Erf, Sign, Round, activations
// (Gelu, Mish, Swish, ...), the predicates IsNaN/IsInf/Not, Shrink and PRelu. Maps built on
// elementwise.hpp's macros.
#pragma once
#include "elementwise.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

O2M_UNARY(sin_, sin(x))
O2M_UNARY(cos_, cos(x))
O2M_UNARY(tan_, tan(x))
O2M_UNARY(asin_, asin(x))
O2M_UNARY(acos_, acos(x))
O2M_UNARY(atan_, atan(x))
O2M_UNARY(sinh_, sinh(x))
O2M_UNARY(cosh_, cosh(x))
O2M_UNARY(asinh_, asinh(x))
O2M_UNARY(acosh_, acosh(x))
O2M_UNARY(atanh_, atanh(x))
O2M_UNARY(erf_, erf(x))
O2M_UNARY(sign, x > T(0) ? T(1) : (is_negative(x) ? T(-1) : (is_nan(x) ? x : T(0))))  // NaN stays, as numpy.sign

// Rounds halves to the even neighbour (numpy.round), whatever the FPU's rounding mode.
template <typename T>
inline T round_half_even(T x) {
  T r = floor(x);
  const T frac = x - r;  // exact; NaN for +-inf, which then falls through unchanged
  if (frac > T(0.5) || (frac == T(0.5) && fmod(r, T(2)) != T(0))) r += T(1);
  return r == T(0) ? static_cast<T>(copysign(T(0), x)) : r;  // -0.3 rounds to -0, as numpy.round
}
O2M_UNARY(round_, round_half_even(x))

// log(1 + e^x) without overflow for large x.
template <typename T>
inline T softplus_of(T x) { return x > T(0) ? x + log1p(exp(-x)) : log1p(exp(x)); }
O2M_UNARY(softplus, softplus_of(x))
O2M_UNARY(softsign, x / (T(1) + fabs(x)))
O2M_UNARY(selu, x > T(0) ? beta * x : beta * (alpha * exp(x) - alpha))  // alpha, beta = gamma
O2M_UNARY(elu, x >= T(0) ? x : alpha * (exp(x) - T(1)))
O2M_UNARY(celu, x < T(0) ? alpha * (exp(x / alpha) - T(1)) : x)  // max(0,x) + min(0,...), NaN passing
O2M_UNARY(thresholded_relu, x > alpha ? x : T(0))
O2M_UNARY(hard_swish, x * clip_value(x / T(6) + T(0.5), T(0), T(1)))

// Gelu: alpha 0 exact (erf), alpha 1 the tanh approximation.
O2M_UNARY(gelu, alpha == T(0) ? T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440)))
                              : T(0.5) * x * (T(1) + tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x))))
O2M_UNARY(mish, x * tanh(softplus_of(x)))
O2M_UNARY(swish, x / (T(1) + exp(-alpha * x)))  // x * sigmoid(alpha * x)

O2M_UNARY_TO(is_nan, bool, x != x)
// alpha: detect +inf, beta: detect -inf (1 or 0).
O2M_UNARY_TO(is_inf, bool, isinf(x) && (x > T(0) ? alpha != T(0) : beta != T(0)))
O2M_UNARY_TO(not_, bool, !x)

// Shrink: x + bias below -lambd, x - bias above lambd, else 0 (alpha = bias, beta = lambd).
// Integers compare and shift in double, then truncate and wrap into T as ONNX's reference
// (numpy's x - bias cast back to x's type) and ORT do: uint8 1 - 2.0 is 255 (differential seed
// 8,030,883), as every integer op in the kernels wraps.
template <typename T, typename C>
inline T shrink_result(C v) {
  if constexpr (Num<T>::is_float) {
    return v;
  } else {
    return static_cast<T>(static_cast<uint64_t>(convert<int64_t>(v)));
  }
}
template <typename T>
inline void shrink(const UnaryParams& p, const T* x, T* y) {
  using C = typename Select<Num<T>::is_float, T, double>::type;
  const C bias = static_cast<C>(p.alpha), lambd = static_cast<C>(p.beta);
  for (int32_t i = 0; i < p.n; ++i) {
    const C v = static_cast<C>(x[i]);
    y[i] = v < -lambd ? shrink_result<T>(v + bias) : (v > lambd ? shrink_result<T>(v - bias) : T(0));
  }
}

// PRelu: slope broadcasts against x.
O2M_BINARY(prelu, T, is_negative(a) ? mul_op(a, b) : a)

}}  // namespace o2m::O2M_KERNELS_VERSION
