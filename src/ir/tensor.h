// Constant tensor data (weights, folded results): dtype, shape and raw little-endian bytes.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

#include "ir/dtype.h"
#include "ir/shape.h"

namespace onnx2mcu {

struct Tensor {
  DType dtype = DType::Undefined;
  Shape shape;
  std::vector<uint8_t> bytes;

  Tensor() = default;
  Tensor(DType t, Shape s) : dtype(t), shape(std::move(s)), bytes(static_cast<size_t>(shape_bits_bytes(shape, dtype_bits(t)))) {}

  int64_t elems() const { return shape_elems(shape); }
  template <typename T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <typename T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }

  // Element i converted to int64/double, whatever the dtype: for shape and axes inputs.
  int64_t int_at(int64_t i) const;
  double float_at(int64_t i) const;
  std::vector<int64_t> to_ints() const;
};

}  // namespace onnx2mcu
