// Calibration inputs from array files: NumPy .npy, or raw little-endian float32 (.raw/.bin).
#pragma once
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace onnx2mcu {

// The input sets FILE holds for a model whose one input has dtype float32 and shape `shape`:
// an array of that shape (one set) or of [N, shape...] / N x its elements (N sets; a leading
// batch dim of 1 in `shape` may be left out). Throws Error naming the file.
std::vector<Tensor> read_array_file(const std::string& path, const Shape& shape);

}  // namespace onnx2mcu
