// Shared by every onnx2mcu kernel. Kernels are header-only and run both inside the generator
// (constant folding) and in the generated code, so the two can never disagree.
#pragma once
#include <stddef.h>
#include <stdint.h>

// Lists a params struct's fields in declaration order. The generator walks them to print the
// struct as a C++ aggregate initializer; the generated code never calls visit().
#define O2M_FIELDS(...) \
  template <class V>    \
  void visit(V&& v) const { v(__VA_ARGS__); }

namespace o2m {

constexpr int kMaxRank = 6;

}  // namespace o2m
