// Judges one output the way ONNX's backend test runner does (numpy assert_allclose for floats):
// |got - ref| <= atol + rtol * |ref|, NaN matches NaN, an infinity only the same infinity;
// integers and bool must match exactly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace conformance {

// "" when `got` (the raw bytes the harness printed) matches `ref`, else one line saying what
// differs: how many elements, the first bad index with both values, the largest error.
std::string compare_output(const onnx2mcu::Tensor& ref, const std::vector<uint8_t>& got, double rtol, double atol);

}  // namespace conformance
