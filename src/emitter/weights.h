// Constant tensors as C++ array initializers.
#pragma once
#include <string>

#include "ir/tensor.h"

namespace onnx2mcu {

// "{1.f, 0.5f, ...}" with a line break every few values; exact for every dtype. The types
// stored as bits (float16, float8, int4, ...) print their storage units (uint16_t or uint8_t,
// the packed bytes for int4): the array's element type is dtype_api_ctype.
std::string tensor_initializer(const Tensor& t);

// Length of that array for a tensor of `bytes` bytes (at least 1).
int64_t tensor_array_len(DType t, int64_t bytes);

}  // namespace onnx2mcu
