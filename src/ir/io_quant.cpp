#include "ir/io_quant.h"

#include "kernels/quant.hpp"
#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

template <typename F>
auto visit_native(DType t, F&& f) {
  switch (t) {
    case DType::I8: return f(int8_t{});
    case DType::U8: return f(uint8_t{});
    case DType::I16: return f(int16_t{});
    case DType::U16: return f(uint16_t{});
    default: throw Error(std::string("internal: ") + dtype_name(t) + " is no native I/O type");
  }
}

}  // namespace

bool is_native_io_type(DType t) { return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::U16; }

Tensor quantize_io(const Tensor& x, DType t, const IoQuant& q) {
  if (x.dtype != DType::F32) throw Error(std::string("internal: quantize_io of ") + dtype_name(x.dtype) + " data");
  Tensor y(t, x.shape);
  visit_native(t, [&](auto zero) {
    using T = decltype(zero);
    // The kernel itself: the data a native input is given is what the model's QuantizeLinear made.
    const o2m::QuantParams p{1, 1, static_cast<int32_t>(x.elems())};
    const T zp = static_cast<T>(q.zero_point);
    o2m::quantize_linear<T>(p, x.data<float>(), &q.scale, &zp, y.data<T>());
  });
  return y;
}

Tensor dequantize_io(const Tensor& x, const IoQuant& q) {
  Tensor y(DType::F32, x.shape);
  visit_native(x.dtype, [&](auto zero) {
    using T = decltype(zero);
    const o2m::DequantParams p{1, 1, static_cast<int32_t>(x.elems())};
    const T zp = static_cast<T>(q.zero_point);
    o2m::dequantize_linear<T>(p, x.data<T>(), &q.scale, &zp, y.data<float>());
  });
  return y;
}

}  // namespace onnx2mcu
