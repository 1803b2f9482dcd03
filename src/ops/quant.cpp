// DequantizeLinear -> templates/kernels/quant.hpp. (Constant weights fold away at compile time.)
#include "kernels/quant.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_dequantize(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  if (required_input(n, 1).dtype != DType::F32) n.fail("expects a float32 scale");
  set_output(n, 0, DType::F32, x.shape);
}

std::vector<KernelCall> lower_dequantize(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& scale = required_input(n, 1);
  o2m::DequantParams p{i32(n, x.elems()), 1, 1};
  if (scale.elems() != 1) {
    const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 1), static_cast<int64_t>(x.shape.size())));
    if (scale.elems() != x.shape[axis]) n.fail("per-axis scale has " + std::to_string(scale.elems()) + " values for dim " + std::to_string(x.shape[axis]));
    p = {i32(n, prod(x.shape, 0, axis)), i32(n, x.shape[axis]), i32(n, prod(x.shape, axis + 1, x.shape.size()))};
  }
  auto call = [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("quant.hpp", o2m::dequantize_linear, T), "o2m::DequantParams", p, node_inputs(n), {n.outputs[0]});
  };
  switch (x.dtype) {
    case DType::I8: return std::vector<KernelCall>{call(int8_t{})};
    case DType::U8: return std::vector<KernelCall>{call(uint8_t{})};
    case DType::I32: return std::vector<KernelCall>{call(int32_t{})};
    default: n.fail(std::string("cannot dequantize ") + dtype_name(x.dtype));
  }
}

}  // namespace

void register_quant_ops(OpTable& t) { add_op(t, {"DequantizeLinear", "", infer_dequantize, lower_dequantize, false}); }

}  // namespace onnx2mcu
