// Sliding-window geometry shared by Conv and the pools: kernel, strides, dilations, pads,
// auto_pad and ceil_mode, for 1 to 3 spatial dims.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end, out;  // per spatial dim
};

// x_shape is [N, C, spatial...]; kernel comes from the weights (Conv) or kernel_shape (pools).
Window compute_window(const Node& n, const Shape& x_shape, std::vector<int64_t> kernel, bool ceil_mode);

// Copies per-spatial-dim values right-aligned into a kernel's [d, h, w] array; the leading
// dims a 1-D or 2-D input lacks get `fill`.
void spatial_array(const Node& n, const std::vector<int64_t>& v, int32_t (&a)[3], int32_t fill);

}  // namespace onnx2mcu
