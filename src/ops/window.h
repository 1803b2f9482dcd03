// Sliding-window geometry shared by Conv and the pools: kernel, strides, dilations, pads,
// auto_pad and ceil_mode, for 1-D and 2-D spatial inputs.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end, out;  // per spatial dim
};

// x_shape is [N, C, spatial...]; kernel comes from the weights (Conv) or kernel_shape (pools).
Window compute_window(const Node& n, const Shape& x_shape, std::vector<int64_t> kernel, bool ceil_mode);

}  // namespace onnx2mcu
