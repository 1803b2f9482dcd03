// Float overloads of C's math functions where no C++ library provides them.
//
// With a C++ library (libstdc++, libc++) <math.h> brings <cmath>'s float overloads, so exp(x)
// of a float computes in float. A freestanding C++ build on a C library alone (picolibc on
// RV32) has only C's double exp(double): every float exp, log or tanh would then compute in
// double, in software on a core without a double FPU (an LSTM on riscv32-imafc: 25x slower).
// There, the kernels' unqualified calls find these instead: float -> expf & co.; double keeps
// the double function; any other argument (an integer, a float16) converts to double, as the
// C function alone would have done.
#pragma once
#include <math.h>

#include "version.hpp"

#if !defined(__GLIBCXX__) && !defined(_LIBCPP_VERSION)
namespace o2m { inline namespace O2M_KERNELS_VERSION {

#define O2M_FLOAT_MATH1(FN)                                                       \
  inline float FN(float x) { return ::FN##f(x); }                                 \
  inline double FN(double x) { return ::FN(x); }                                  \
  template <typename T>                                                           \
  inline double FN(T x) { return ::FN(static_cast<double>(x)); }
#define O2M_FLOAT_MATH2(FN)                                                       \
  inline float FN(float x, float y) { return ::FN##f(x, y); }                     \
  inline double FN(double x, double y) { return ::FN(x, y); }                     \
  template <typename T, typename U>                                               \
  inline double FN(T x, U y) { return ::FN(static_cast<double>(x), static_cast<double>(y)); }

O2M_FLOAT_MATH1(exp)
O2M_FLOAT_MATH1(log)
O2M_FLOAT_MATH1(log1p)
O2M_FLOAT_MATH1(log10)
O2M_FLOAT_MATH1(sqrt)
O2M_FLOAT_MATH1(floor)
O2M_FLOAT_MATH1(ceil)
O2M_FLOAT_MATH1(round)
O2M_FLOAT_MATH1(nearbyint)
O2M_FLOAT_MATH1(fabs)
O2M_FLOAT_MATH1(erf)
O2M_FLOAT_MATH1(sin)
O2M_FLOAT_MATH1(cos)
O2M_FLOAT_MATH1(tan)
O2M_FLOAT_MATH1(asin)
O2M_FLOAT_MATH1(acos)
O2M_FLOAT_MATH1(atan)
O2M_FLOAT_MATH1(sinh)
O2M_FLOAT_MATH1(cosh)
O2M_FLOAT_MATH1(tanh)
O2M_FLOAT_MATH1(asinh)
O2M_FLOAT_MATH1(acosh)
O2M_FLOAT_MATH1(atanh)
O2M_FLOAT_MATH2(pow)
O2M_FLOAT_MATH2(fmod)
O2M_FLOAT_MATH2(copysign)

#undef O2M_FLOAT_MATH1
#undef O2M_FLOAT_MATH2

}  // namespace O2M_KERNELS_VERSION
}  // namespace o2m
#endif
