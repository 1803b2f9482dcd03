// Shared by every onnx2mcu kernel. Kernels are header-only and run both inside the generator
// (constant folding) and in the generated code, so the two can never disagree. Both must be
// free of undefined behaviour for any input values: integer arithmetic goes through add_op /
// sub_op / mul_op / neg_op (it wraps, as numpy and ONNX Runtime do) and float -> integer
// through convert (saturates, NaN -> 0). For float T both are the plain operation.
#pragma once
#include <math.h>  // INFINITY
#include <stddef.h>
#include <stdint.h>

#include "numeric.hpp"

// Lists a params struct's fields in declaration order. The generator walks them to print the
// struct as a C++ aggregate initializer; the generated code never calls visit().
#define O2M_FIELDS(...) \
  template <class V>    \
  void visit(V&& v) const { v(__VA_ARGS__); }

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// The two type tools the kernels need, so no kernel header includes the C++ library (a
// freestanding toolchain such as rv32 + picolibc may have no <type_traits>).
template <typename A, typename B>
struct SameType {
  static constexpr bool value = false;
};
template <typename A>
struct SameType<A, A> {
  static constexpr bool value = true;
};
template <typename A, typename B>
constexpr bool same_type = SameType<A, B>::value;
// A compile-time value carried by a type (a template argument of a generic lambda).
template <typename T, T V>
struct Constant {
  static constexpr T value = V;
};

constexpr int kMaxRank = 6;
constexpr int kMaxSpatial = 3;  // spatial dims of Conv-like ops (after N and C)

// What the kernels need to know about each element type (kernel headers stay free of the
// C++ library: see docs/adding-an-op.md).
template <typename T>
struct Num;
#define O2M_NUM(T, FLOAT, INT, SIGNED, LO, HI)                                \
  template <>                                                               \
  struct Num<T> {                                                           \
    static constexpr bool is_float = FLOAT, is_int = INT, is_signed = SIGNED; \
    static constexpr T lowest() { return LO; }                              \
    static constexpr T max() { return HI; }                                 \
  };
O2M_NUM(float, true, false, true, -INFINITY, INFINITY)
O2M_NUM(double, true, false, true, -INFINITY, INFINITY)
O2M_NUM(int8_t, false, true, true, INT8_MIN, INT8_MAX)
O2M_NUM(int16_t, false, true, true, INT16_MIN, INT16_MAX)
O2M_NUM(int32_t, false, true, true, INT32_MIN, INT32_MAX)
O2M_NUM(int64_t, false, true, true, INT64_MIN, INT64_MAX)
O2M_NUM(uint8_t, false, true, false, 0, UINT8_MAX)
O2M_NUM(uint16_t, false, true, false, 0, UINT16_MAX)
O2M_NUM(uint32_t, false, true, false, 0, UINT32_MAX)
O2M_NUM(uint64_t, false, true, false, 0, UINT64_MAX)
O2M_NUM(bool, false, false, false, false, true)
O2M_NUM(float8e8m0, true, false, false, float8e8m0::from_bits(0), float8e8m0::from_bits(0xFE))
#undef O2M_NUM
template <typename B, typename F>  // float16, bfloat16, float8: -inf and inf, or -max and max
struct Num<SmallFloat<B, F>> {
  static constexpr bool is_float = true, is_int = false, is_signed = true;
  static constexpr SmallFloat<B, F> lowest() { return SmallFloat<B, F>::from_bits(F::kSign | F::kTop); }
  static constexpr SmallFloat<B, F> max() { return SmallFloat<B, F>::from_bits(F::kTop); }
};

// Storage-only types: converted by convert(), moved by copying kernels, never computed on.
template <typename T>
struct IsSmallFloat { static constexpr bool value = false; };
template <typename B, typename F>
struct IsSmallFloat<SmallFloat<B, F>> { static constexpr bool value = true; };
template <>
struct IsSmallFloat<float8e8m0> { static constexpr bool value = true; };
template <typename T>
struct IsSmallInt { static constexpr bool value = false; };
template <int B, bool S>
struct IsSmallInt<SmallInt<B, S>> { static constexpr bool value = true; };

// Integer types other than bool: their arithmetic wraps (two's complement) as in ONNX Runtime.
template <typename T>
constexpr bool is_int_v = Num<T>::is_int;

// Select<Cond, A, B>::type is A when Cond holds, else B.
template <bool Cond, typename A, typename B>
struct Select { using type = A; };
template <typename A, typename B>
struct Select<false, A, B> { using type = B; };

// Unsigned type at least as wide as int, so arithmetic on it never promotes to signed int
// (uint16 * uint16 would overflow int) and wraps instead of being undefined.
template <typename T>
using wrap_t = typename Select<sizeof(T) <= 4, uint32_t, uint64_t>::type;

// Converts a value following ONNX Cast's rules, and defines the cases C++ leaves undefined:
// float -> integer truncates toward zero and saturates at the type's limits (NaN -> 0);
// integer -> narrower integer (int4, int2 too) keeps the low bits; anything -> bool is x != 0.
// To a small float: round to nearest even; `saturate` (Cast's attribute) applies to the 8-bit
// and 4-bit floats only, `e8m0` is Cast's round_mode for float8e8m0.
template <typename To, typename From>
inline To convert(From x, bool saturate = true, E8M0Round e8m0 = E8M0Round::Up) {
  if constexpr (IsSmallInt<From>::value) {
    return convert<To>(x.value(), saturate, e8m0);
  } else if constexpr (IsSmallFloat<From>::value) {
    return convert<To>(static_cast<float>(x), saturate, e8m0);
  } else if constexpr (IsSmallInt<To>::value) {
    return To::wrap(convert<int64_t>(x));
  } else if constexpr (IsSmallFloat<To>::value && sizeof(To) == 1) {
    return To::from(static_cast<double>(x), saturate, e8m0);
  } else if constexpr (IsSmallFloat<To>::value) {
    return To(x);
  } else if constexpr (!Num<To>::is_float && !Num<To>::is_int) {
    return x != From(0);
  } else if constexpr (Num<From>::is_float && is_int_v<To>) {
    if (x != x) return To(0);
    if (x <= static_cast<From>(Num<To>::lowest())) return Num<To>::lowest();
    // max rounds up to 2^bits when From cannot hold it exactly; anything at or past it saturates.
    if (x >= static_cast<From>(Num<To>::max())) return Num<To>::max();
    return static_cast<To>(x);
  } else {
    return static_cast<To>(x);
  }
}

// ONNX Clip is min(max(x, lo), hi), in that order, so lo > hi gives hi everywhere: the same as
// clamping to [hi, hi]. clip_low gives that lower bound; bounds known when compiling are ordered
// so by the generator (clip_bounds), run-time ones by their kernel, once.
template <typename T>
inline T clip_low(T lo, T hi) { return lo > hi ? hi : lo; }
// Every clamp in the kernels (Clip, fused activations, quantized output ranges) is this one; it
// needs lo <= hi (clip_low). NaN stays NaN. Its two compares are independent: the dependent
// min(max()) chain cost int8 models 2.4 % more instructions on Cortex-M4.
template <typename T>
inline T clip_value(T x, T lo, T hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

template <typename T>
inline bool is_nan(T x) {
  if constexpr (Num<T>::is_float) return x != x;
  (void)x;
  return false;
}

template <typename T>
inline bool is_negative(T x) {
  if constexpr (Num<T>::is_signed) return x < T(0);
  (void)x;
  return false;
}

template <typename T>
inline T add_op(T a, T b) {
  if constexpr (is_int_v<T>) return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
  else return static_cast<T>(a + b);  // bool: promoted to int and back
}
template <typename T>
inline T sub_op(T a, T b) {
  if constexpr (is_int_v<T>) return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b));
  else return static_cast<T>(a - b);  // bool: promoted to int and back
}
template <typename T>
inline T mul_op(T a, T b) {
  if constexpr (is_int_v<T>) return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
  else return static_cast<T>(a * b);  // bool: promoted to int and back
}
template <typename T>
inline T neg_op(T x) {
  if constexpr (is_int_v<T>) return sub_op(T(0), x);
  else return -x;
}

}}  // namespace o2m::O2M_KERNELS_VERSION
