// --io native: a quantized model's graph input or output carried as the integer tensor its
// leading QuantizeLinear makes or its trailing DequantizeLinear reads (passes/native_io.cpp).
#pragma once
#include <cstdint>

#include "ir/dtype.h"
#include "ir/tensor.h"

namespace onnx2mcu {

// Per-tensor parameters: real = (q - zero_point) * scale. The integer type is the Value's.
struct IoQuant {
  float scale = 1;
  int32_t zero_point = 0;
};

// The integer types a native input or output may have: 8 and 16 bits, signed or not.
bool is_native_io_type(DType t);
// float32 data as QuantizeLinear (templates/kernels/quant.hpp) turns it into type `t`.
Tensor quantize_io(const Tensor& x, DType t, const IoQuant& q);
// Integer data as DequantizeLinear turns it into float32.
Tensor dequantize_io(const Tensor& x, const IoQuant& q);

}  // namespace onnx2mcu
