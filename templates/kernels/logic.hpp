// Comparisons (bool outputs), logic on bools, Mod, BitShift and Where, all broadcasting.
#pragma once
#include "elementwise.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

O2M_BINARY(equal, bool, a == b)
O2M_BINARY(less, bool, a < b)
O2M_BINARY(less_equal, bool, a <= b)
O2M_BINARY(greater, bool, a > b)
O2M_BINARY(greater_equal, bool, a >= b)
O2M_BINARY(and_, bool, a && b)
O2M_BINARY(or_, bool, a || b)
O2M_BINARY(xor_, bool, a != b)

// Remainder with the dividend's sign (C fmod, ONNX Mod with fmod=1). x % 0 gives 0.
template <typename T>
inline T trunc_mod(T a, T b) {
  if constexpr (is_int_v<T>) {
    if (b == T(0) || (is_negative(b) && b == T(-1))) return T(0);
    return static_cast<T>(a % b);
  } else {
    return static_cast<T>(fmod(a, b));
  }
}

// Remainder with the divisor's sign (Python %, ONNX Mod with fmod=0).
template <typename T>
inline T floor_mod(T a, T b) {
  const T r = trunc_mod(a, b);
  return r != T(0) && is_negative(r) != is_negative(b) ? static_cast<T>(r + b) : r;
}

O2M_BINARY(fmod_, T, trunc_mod(a, b))
O2M_BINARY(mod_, T, floor_mod(a, b))

// BitShift on unsigned integers; shifting by the type's width or more gives 0.
template <typename T>
inline T shift(T a, T b, bool left) {
  if (b >= T(sizeof(T) * 8)) return T(0);
  const wrap_t<T> v = a;
  return static_cast<T>(left ? v << b : v >> b);
}
O2M_BINARY(shift_left, T, shift(a, b, true))
O2M_BINARY(shift_right, T, shift(a, b, false))

// Where: y = cond ? a : b, all three broadcast to the output (strides 0 along broadcast dims).
struct WhereParams {
  int32_t n;  // output elements
  int32_t dims[kMaxRank];
  int32_t c_strides[kMaxRank];
  int32_t a_strides[kMaxRank];
  int32_t b_strides[kMaxRank];
  O2M_FIELDS(n, dims, c_strides, a_strides, b_strides)
};

template <typename T>
inline void where(const WhereParams& p, const bool* c, const T* a, const T* b, T* y) {
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t co = 0, ao = 0, bo = 0;
  for (int32_t i = 0; i < p.n; ++i) {
    y[i] = c[co] ? a[ao] : b[bo];
    for (int d = kMaxRank - 1; d >= 0; --d) {
      co += p.c_strides[d];
      ao += p.a_strides[d];
      bo += p.b_strides[d];
      if (++idx[d] < p.dims[d]) break;
      co -= p.c_strides[d] * p.dims[d];
      ao -= p.a_strides[d] * p.dims[d];
      bo -= p.b_strides[d] * p.dims[d];
      idx[d] = 0;
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
