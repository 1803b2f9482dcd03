// Comparisons, logic, Mod, BitShift, Where and the variadic Max, Min, Sum, Mean
// -> templates/kernels/logic.hpp (and elementwise.hpp for the variadic ops).
#include "kernels/logic.hpp"

#include "ops/elementwise.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// Two inputs of one dtype broadcast together; `out` is the output dtype (Undefined: the inputs').
void infer_broadcast(Node& n, DType out) {
  expect_arity(n, 2, 2);
  const Value& a = required_input(n, 0);
  expect_same_dtype(n, a.dtype);
  set_output(n, 0, out == DType::Undefined ? a.dtype : out, binary_output_shape(n, a.shape, required_input(n, 1).shape));
}

void infer_compare(Node& n) { infer_broadcast(n, DType::Bool); }
void infer_same_type(Node& n) { infer_broadcast(n, DType::Undefined); }

O2M_LOWER_BINARY("logic.hpp", equal, visit_any)
O2M_LOWER_BINARY("logic.hpp", less, visit_numeric_strict)
O2M_LOWER_BINARY("logic.hpp", less_equal, visit_numeric_strict)
O2M_LOWER_BINARY("logic.hpp", greater, visit_numeric_strict)
O2M_LOWER_BINARY("logic.hpp", greater_equal, visit_numeric_strict)
O2M_LOWER_BINARY("logic.hpp", and_, visit_bool)
O2M_LOWER_BINARY("logic.hpp", or_, visit_bool)
O2M_LOWER_BINARY("logic.hpp", xor_, visit_bool)
O2M_LOWER_BINARY("logic.hpp", mod_, visit_numeric_strict)
O2M_LOWER_BINARY("logic.hpp", fmod_, visit_numeric_strict)
O2M_LOWER_BINARY("logic.hpp", shift_left, visit_unsigned)
O2M_LOWER_BINARY("logic.hpp", shift_right, visit_unsigned)

// Mod: fmod=0 takes the divisor's sign (Python), fmod=1 the dividend's (C fmod).
std::vector<KernelCall> lower_mod(const Node& n) { return n.attr_int("fmod", 0) ? lower_fmod_(n) : lower_mod_(n); }

void infer_bitshift(Node& n) {
  infer_same_type(n);
  const DType t = n.inputs[0]->dtype;
  if (t != DType::U8 && t != DType::U16 && t != DType::U32 && t != DType::U64)
    n.fail(std::string("shifts unsigned integers only, got ") + dtype_name(t));
  const std::string dir = n.attr_string("direction", "");
  if (dir != "LEFT" && dir != "RIGHT") n.fail("direction must be LEFT or RIGHT, got '" + dir + "'");
}

std::vector<KernelCall> lower_bitshift(const Node& n) {
  return n.attr_string("direction", "") == "LEFT" ? lower_shift_left(n) : lower_shift_right(n);
}

void infer_where(Node& n) {
  expect_arity(n, 3, 3);
  if (required_input(n, 0).dtype != DType::Bool) n.fail(std::string("condition must be bool, got ") + dtype_name(n.inputs[0]->dtype));
  const Value& x = required_input(n, 1);
  if (required_input(n, 2).dtype != x.dtype)
    n.fail(std::string("X is ") + dtype_name(x.dtype) + " but Y is " + dtype_name(n.inputs[2]->dtype));
  set_output(n, 0, x.dtype, broadcast_inputs(n));
}

std::vector<KernelCall> lower_where(const Node& n) {
  const Shape& y = n.outputs[0]->shape;
  o2m::WhereParams p{};
  p.n = i32(n, shape_elems(y));
  padded_dims(n, y, p.dims);
  broadcast_strides(n, n.inputs[0]->shape, y, p.c_strides);
  broadcast_strides(n, n.inputs[1]->shape, y, p.a_strides);
  broadcast_strides(n, n.inputs[2]->shape, y, p.b_strides);
  return {visit_any(n, n.inputs[1]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("logic.hpp", o2m::where, T), "o2m::WhereParams", p, node_inputs(n), {n.outputs[0]});
  })};
}

// Max, Min, Sum, Mean: any number of inputs of one dtype, all broadcast to the output.
void infer_variadic(Node& n) {
  if (n.inputs.empty()) n.fail("needs at least one input");
  for (size_t i = 0; i < n.inputs.size(); ++i) required_input(n, i);
  expect_same_dtype(n, n.inputs[0]->dtype);
  if (n.op == "Mean" && !dtype_is_float(n.inputs[0]->dtype)) n.fail(std::string("expects float data, got ") + dtype_name(n.inputs[0]->dtype));
  set_output(n, 0, n.inputs[0]->dtype, broadcast_inputs(n));
}

// y = in0 op in1, then y = y op in_k for the rest (each element of y is read before it is
// written); Mean then divides by the input count. These ops must not be planned in place
// (OpDef::inplace): with three or more inputs the first call would overwrite a later input.
std::vector<KernelCall> lower_variadic(const Node& n) {
  const Value* y = n.outputs[0];
  const o2m::UnaryParams up{i32(n, y->elems()), static_cast<float>(n.inputs.size()), 0.0f};
  return visit_numeric_strict(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    std::vector<KernelCall> calls;
    if (n.inputs.size() == 1)
      calls.push_back(make_call(O2M_KERNEL("elementwise.hpp", o2m::copy, T), "o2m::UnaryParams", up, {n.inputs[0]}, {y}));
    for (size_t i = 1; i < n.inputs.size(); ++i) {
      const Value* a = i == 1 ? n.inputs[0] : y;
      const o2m::BinaryParams p = binary_params(n, a->shape, n.inputs[i]->shape, y->shape);
      if (n.op == "Max") calls.push_back(make_call(O2M_KERNEL("elementwise.hpp", o2m::max_, T), "o2m::BinaryParams", p, {a, n.inputs[i]}, {y}));
      else if (n.op == "Min") calls.push_back(make_call(O2M_KERNEL("elementwise.hpp", o2m::min_, T), "o2m::BinaryParams", p, {a, n.inputs[i]}, {y}));
      else calls.push_back(make_call(O2M_KERNEL("elementwise.hpp", o2m::add, T), "o2m::BinaryParams", p, {a, n.inputs[i]}, {y}));
    }
    if (n.op == "Mean" && n.inputs.size() > 1)
      calls.push_back(make_call(O2M_KERNEL("elementwise.hpp", o2m::div_by_alpha, T), "o2m::UnaryParams", up, {y}, {y}));
    return calls;
  });
}

}  // namespace

void register_compare_logic_ops(OpTable& t) {
  add_op(t, {"Equal", "", infer_compare, lower_equal, false});
  add_op(t, {"Less", "", infer_compare, lower_less, false});
  add_op(t, {"LessOrEqual", "", infer_compare, lower_less_equal, false});
  add_op(t, {"Greater", "", infer_compare, lower_greater, false});
  add_op(t, {"GreaterOrEqual", "", infer_compare, lower_greater_equal, false});
  add_op(t, {"And", "", infer_compare, lower_and_, false});
  add_op(t, {"Or", "", infer_compare, lower_or_, false});
  add_op(t, {"Xor", "", infer_compare, lower_xor_, false});
  add_op(t, {"Mod", "", infer_same_type, lower_mod, false});
  add_op(t, {"BitShift", "", infer_bitshift, lower_bitshift, false});
  add_op(t, {"Where", "", infer_where, lower_where, false});
  add_op(t, {"Max", "", infer_variadic, lower_variadic, false});
  add_op(t, {"Min", "", infer_variadic, lower_variadic, false});
  add_op(t, {"Sum", "", infer_variadic, lower_variadic, false});
  add_op(t, {"Mean", "", infer_variadic, lower_variadic, false});
}

}  // namespace onnx2mcu
