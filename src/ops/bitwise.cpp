// BitwiseAnd, BitwiseOr, BitwiseXor, BitwiseNot (opset 18), BitCast (opset 26)
// -> templates/kernels/bitwise.hpp.
#include "kernels/bitwise.hpp"

#include "ops/elementwise.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// The integer types ONNX allows for the Bitwise* ops.
template <typename F>
auto visit_bits(const Node& n, DType t, F&& f) {
  return visit_among<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(n, t, std::forward<F>(f));
}

void check_integer(const Node& n, DType t) {
  if (t == DType::Bool || dtype_is_float(t)) n.fail(std::string("expects integer data, got ") + dtype_name(t));
}

void infer_bitwise_binary(Node& n) {
  expect_arity(n, 2, 2);
  const Value& a = required_input(n, 0);
  expect_same_dtype(n, a.dtype);
  check_integer(n, a.dtype);
  set_output(n, 0, a.dtype, broadcast_shapes(n, a.shape, required_input(n, 1).shape));
}

void infer_bitwise_not(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  check_integer(n, x.dtype);
  set_output(n, 0, x.dtype, x.shape);
}

O2M_LOWER_BINARY("bitwise.hpp", bitwise_and, visit_bits)
O2M_LOWER_BINARY("bitwise.hpp", bitwise_or, visit_bits)
O2M_LOWER_BINARY("bitwise.hpp", bitwise_xor, visit_bits)

o2m::UnaryParams count_params(const Node& n) { return {i32(n, n.outputs[0]->elems()), 0.0f, 0.0f}; }
O2M_LOWER_UNARY("bitwise.hpp", bitwise_not, visit_bits, count_params)

// ---- BitCast: the same bytes read as another type of the same width ----

DType bitcast_target(const Node& n) {
  if (!n.has_attr("to")) n.fail("the attribute 'to' is required");
  const auto to = n.attr_int("to", 0);
  const DType t = dtype_from_onnx(static_cast<int>(to));
  if (t == DType::Undefined) n.fail("'to' = " + std::to_string(to) + " is not a supported element type");
  return t;
}

void infer_bitcast(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  const DType to = bitcast_target(n);
  if (dtype_size(to) != dtype_size(x.dtype))
    n.fail(std::string("cannot reinterpret ") + dtype_name(x.dtype) + " as " + dtype_name(to) + ": their widths differ");
  // A bool must hold 0 or 1; other bytes read as bool are undefined in C++.
  if (to == DType::Bool && x.dtype != DType::Bool) n.fail(std::string("BitCast from ") + dtype_name(x.dtype) + " to bool is not supported");
  set_output(n, 0, to, x.shape);
}

std::vector<KernelCall> lower_bitcast(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::BitCastParams p{i32(n, x.bytes())};
  return {make_call("bitwise.hpp", "o2m::bitcast", &o2m::bitcast, "o2m::BitCastParams", p, {&x}, {n.outputs[0]})};
}

}  // namespace

void register_bitwise_ops(OpTable& t) {
  add_op(t, {"BitwiseAnd", "", infer_bitwise_binary, lower_bitwise_and});
  add_op(t, {"BitwiseOr", "", infer_bitwise_binary, lower_bitwise_or});
  add_op(t, {"BitwiseXor", "", infer_bitwise_binary, lower_bitwise_xor});
  add_op(t, {"BitwiseNot", "", infer_bitwise_not, lower_bitwise_not, false, false, true});
  add_op(t, {"BitCast", "", infer_bitcast, lower_bitcast, /*is_view=*/true});
}

}  // namespace onnx2mcu
