#include "emitter/weights.h"

#include <algorithm>

#include "emitter/literals.h"

namespace onnx2mcu {

int64_t tensor_array_len(DType t, int64_t bytes) {
  return std::max<int64_t>(1, bytes / static_cast<int64_t>(std::max<size_t>(1, dtype_size(t))));
}

std::string tensor_initializer(const Tensor& t) {
  const bool as_bits = dtype_is_small_float(t.dtype) || dtype_is_packed(t.dtype);
  const int64_t n = as_bits ? static_cast<int64_t>(t.bytes.size() / dtype_size(t.dtype)) : t.elems();
  const int per_line = dtype_is_float(t.dtype) ? 8 : 16;
  std::string out = "{";
  for (int64_t i = 0; i < n; ++i) {
    if (i % per_line == 0) out += "\n    ";
    if (as_bits && dtype_size(t.dtype) == 2) {
      out += std::to_string(t.data<uint16_t>()[i]) + "u";
    } else if (as_bits) {
      out += std::to_string(t.data<uint8_t>()[i]) + "u";
    } else {
      switch (t.dtype) {
        case DType::F32: out += float_literal(t.data<float>()[i]); break;
        case DType::F64: out += double_literal(t.data<double>()[i]); break;
        case DType::U64: out += std::to_string(t.data<uint64_t>()[i]) + "ull"; break;
        case DType::U32: out += std::to_string(t.data<uint32_t>()[i]) + "u"; break;
        case DType::Bool: out += t.data<uint8_t>()[i] ? "true" : "false"; break;
        default: out += int_literal(t.int_at(i)); break;
      }
    }
    if (i + 1 < n) out += (i + 1) % per_line == 0 ? "," : ", ";
  }
  return out + "\n}";
}

}  // namespace onnx2mcu
