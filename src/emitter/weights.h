// Constant tensors as C++ array initializers.
#pragma once
#include <string>

#include "ir/tensor.h"

namespace onnx2mcu {

// "{1.f, 0.5f, ...}" with a line break every few values; exact for every dtype.
std::string tensor_initializer(const Tensor& t);

}  // namespace onnx2mcu
