// One call of layout.hpp's pad kernel, shared by Pad (layout.cpp) and CenterCropPad (geometry.cpp).
#pragma once
#include <vector>

#include "ops/op.h"

namespace onnx2mcu {

// Node output 0 = x with begin[d] elements before dim d (negative: that many cropped), filled
// per mode (0 constant `value`, 1 reflect, 2 edge); no call when the output is empty.
std::vector<KernelCall> pad_call(const Node& n, const Value& x, const std::vector<int64_t>& begin, int32_t mode, float value);

}  // namespace onnx2mcu
