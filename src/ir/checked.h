// Size arithmetic that cannot wrap: every sum and product of sizes a model controls goes
// through these, so a hostile dim becomes an error instead of a small, wrong number.
#pragma once
#include <cstdint>
#include <string>

#include "onnx2mcu/error.h"

namespace onnx2mcu {

inline int64_t checked_add(int64_t a, int64_t b, const char* what) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw Error(std::string(what) + " does not fit in 64 bits");
  return r;
}

inline int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw Error(std::string(what) + " does not fit in 64 bits");
  return r;
}

}  // namespace onnx2mcu
