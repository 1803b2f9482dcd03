// Tensors made from shapes and small constants: ConstantOfShape, Shape, Size, Range, EyeLike,
// OneHot, NonZero, HannWindow, HammingWindow, BlackmanWindow.
#pragma once
#include <math.h>
#include <string.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Fills y with one value, given exactly as a 64-bit pattern: the bits of a float (low word)
// or double, or an integer's value (two's complement, sign-extended).
struct FillParams {
  int32_t n;
  int32_t lo, hi;  // low and high 32 bits
  O2M_FIELDS(n, lo, hi)
};

template <typename T>
inline T value_from_bits(uint64_t bits) {
  if constexpr (IsSmallFloat<T>::value) return T::from_bits(static_cast<uint32_t>(bits));  // float16, ...
  else return static_cast<T>(static_cast<int64_t>(bits));
}
template <>
inline float value_from_bits<float>(uint64_t bits) {
  const uint32_t b = static_cast<uint32_t>(bits);
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}
template <>
inline double value_from_bits<double>(uint64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}
template <>
inline bool value_from_bits<bool>(uint64_t bits) {
  return bits != 0;
}

template <typename T>
inline void fill(const FillParams& p, T* y) {
  const uint64_t bits = (static_cast<uint64_t>(static_cast<uint32_t>(p.hi)) << 32) | static_cast<uint32_t>(p.lo);
  const T v = value_from_bits<T>(bits);
  for (int32_t i = 0; i < p.n; ++i) y[i] = v;
}

// Shape and Size: y[i] = values[i] (at most 8 values).
struct ValuesParams {
  int32_t n;
  int32_t values[8];
  O2M_FIELDS(n, values)
};

template <typename T>
inline void write_values(const ValuesParams& p, T* y) {
  for (int32_t i = 0; i < p.n; ++i) y[i] = static_cast<T>(p.values[i]);
}

// Range: y[i] = start + i * delta; the generator computed n from start, limit and delta.
struct RangeParams {
  int32_t n;
  O2M_FIELDS(n)
};

template <typename T>
inline void range(const RangeParams& p, const T* start, const T* limit, const T* delta, T* y) {
  (void)limit;
  for (int32_t i = 0; i < p.n; ++i) y[i] = static_cast<T>(start[0] + static_cast<T>(i) * delta[0]);
}

// EyeLike: a [rows, cols] matrix with ones where col - row == k.
struct EyeParams {
  int32_t rows, cols, k;
  O2M_FIELDS(rows, cols, k)
};

template <typename T>
inline void eye_like(const EyeParams& p, T* y) {
  for (int32_t r = 0; r < p.rows; ++r)
    for (int32_t c = 0; c < p.cols; ++c) y[r * p.cols + c] = c - r == p.k ? T(1) : T(0);
}

// OneHot: idx is [outer, inner], y is [outer, depth, inner]; y = values[1] where the index
// (negative counts from depth) equals the depth position, else values[0].
struct OneHotParams {
  int32_t outer, depth, inner;
  O2M_FIELDS(outer, depth, inner)
};

template <typename T, typename I>
inline void one_hot(const OneHotParams& p, const I* idx, const T* values, T* y) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t d = 0; d < p.depth; ++d)
      for (int32_t i = 0; i < p.inner; ++i) {
        // A NaN or out-of-range float index matches no depth (casting it would be undefined;
        // fuzz_graphs seed 7,132,976).
        const double v = static_cast<double>(idx[o * p.inner + i]);
        int64_t a = -1 - int64_t{p.depth};
        if (v >= -9.0e18 && v <= 9.0e18) a = static_cast<int64_t>(v);
        if (a < 0) a += p.depth;
        *y++ = a == d ? values[1] : values[0];
      }
}

// NonZero: y is [rank, count]; column j holds the coordinates of the j-th non-zero element
// in row-major order. count was computed by the generator (the op only folds).
struct NonZeroParams {
  int32_t n, rank, count;
  int32_t dims[kMaxRank];  // the input's dims, not padded
  O2M_FIELDS(n, rank, count, dims)
};

template <typename T>
inline void nonzero(const NonZeroParams& p, const T* x, int64_t* y) {
  int32_t at[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t j = 0;
  for (int32_t i = 0; i < p.n && j < p.count; ++i) {
    if (x[i] != T(0)) {
      for (int32_t d = 0; d < p.rank; ++d) y[d * p.count + j] = at[d];
      ++j;
    }
    for (int32_t d = p.rank - 1; d >= 0; --d) {
      if (++at[d] < p.dims[d]) break;
      at[d] = 0;
    }
  }
}

// HannWindow, HammingWindow, BlackmanWindow: y[k] = a0 - a1 cos(2 pi k / m) + a2 cos(4 pi k / m)
// for k < size, with m = size (periodic) or size - 1 (symmetric), computed in double.
struct WindowParams {
  int32_t size, periodic;
  float a0, a1, a2;
  O2M_FIELDS(size, periodic, a0, a1, a2)
};

template <typename T>
inline void window(const WindowParams& p, T* y) {
  const double m = p.periodic ? p.size : p.size - 1;
  const double pi = 3.14159265358979323846;
  for (int32_t k = 0; k < p.size; ++k) {
    const double w = 2.0 * pi * k / m;
    y[k] = static_cast<T>(static_cast<double>(p.a0) - static_cast<double>(p.a1) * cos(w) + static_cast<double>(p.a2) * cos(2.0 * w));
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
