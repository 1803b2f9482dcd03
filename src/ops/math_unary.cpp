// Elementwise math: Sin ... Atanh, Erf, Sign, Round, Softplus, Softsign, Selu, Elu, Celu,
// ThresholdedRelu, HardSwish, Gelu, Mish, Swish, Shrink, IsNaN, IsInf, Not and PRelu
// -> templates/kernels/math.hpp.
#include "kernels/math.hpp"

#include "ops/elementwise.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_same(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, x.shape);
}

void infer_predicate(Node& n) {
  expect_arity(n, 1, 1);
  set_output(n, 0, DType::Bool, required_input(n, 0).shape);
}

// The attributes each op keeps in alpha/beta, with ONNX's defaults.
o2m::UnaryParams math_params(const Node& n) {
  o2m::UnaryParams p{i32(n, n.outputs[0]->elems()), 0.0f, 0.0f};
  if (n.op == "Selu") {
    p.alpha = n.attr_float("alpha", 1.67326319217681884765625f);
    p.beta = n.attr_float("gamma", 1.05070102214813232421875f);
  } else if (n.op == "Elu" || n.op == "Celu" || n.op == "ThresholdedRelu") {
    p.alpha = n.attr_float("alpha", 1.0f);
  } else if (n.op == "Shrink") {
    p.alpha = n.attr_float("bias", 0.0f);
    p.beta = n.attr_float("lambd", 0.5f);
  } else if (n.op == "Gelu") {
    const std::string approximate = n.attr_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh") n.fail("approximate must be 'none' or 'tanh', got '" + approximate + "'");
    p.alpha = approximate == "tanh" ? 1.0f : 0.0f;
  } else if (n.op == "Swish") {
    p.alpha = n.attr_float("alpha", 1.0f);
  } else if (n.op == "IsInf") {
    p.alpha = static_cast<float>(n.attr_int("detect_positive", 1));
    p.beta = static_cast<float>(n.attr_int("detect_negative", 1));
  }
  return p;
}

#define MATH_OP(FN, VISIT) O2M_LOWER_UNARY("math.hpp", FN, VISIT, math_params)
MATH_OP(sin_, visit_float)
MATH_OP(cos_, visit_float)
MATH_OP(tan_, visit_float)
MATH_OP(asin_, visit_float)
MATH_OP(acos_, visit_float)
MATH_OP(atan_, visit_float)
MATH_OP(sinh_, visit_float)
MATH_OP(cosh_, visit_float)
MATH_OP(asinh_, visit_float)
MATH_OP(acosh_, visit_float)
MATH_OP(atanh_, visit_float)
MATH_OP(erf_, visit_float)
MATH_OP(sign, visit_numeric_strict)
MATH_OP(round_, visit_float)
MATH_OP(softplus, visit_float)
MATH_OP(softsign, visit_float)
MATH_OP(selu, visit_float)
MATH_OP(elu, visit_float)
MATH_OP(celu, visit_float)
MATH_OP(thresholded_relu, visit_float)
MATH_OP(hard_swish, visit_float)
MATH_OP(gelu, visit_float)
MATH_OP(mish, visit_float)
MATH_OP(swish, visit_float)
MATH_OP(shrink, visit_numeric_strict)
MATH_OP(is_nan, visit_float)
MATH_OP(is_inf, visit_float)
MATH_OP(not_, visit_bool)
#undef MATH_OP

// PRelu: the slope broadcasts to x's shape (unidirectionally). Before opset 7 a slope that is
// not a single value holds one value per channel (dim 1 of x): a 1-D slope of C values is read
// as [C, 1, ...] there, which numpy broadcasting would align with the last dim instead.
Shape prelu_slope_shape(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const Shape& s = required_input(n, 1).shape;
  if (n.opset >= 7 || s.size() != 1 || x.size() < 3 || s[0] == 1 || s[0] != x[1]) return s;
  Shape per_channel(x.size() - 1, 1);
  per_channel[0] = s[0];
  return per_channel;
}

void infer_prelu(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  if (broadcast_shapes(n, x.shape, prelu_slope_shape(n)) != x.shape)
    n.fail("slope " + shape_str(n.inputs[1]->shape) + " does not broadcast to x " + shape_str(x.shape));
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_prelu(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::BinaryParams p = binary_params(n, x.shape, prelu_slope_shape(n), n.outputs[0]->shape);
  return {visit_numeric_strict(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("math.hpp", o2m::prelu, T), "o2m::BinaryParams", p, {n.inputs[0], n.inputs[1]}, {n.outputs[0]});
  })};
}

}  // namespace

void register_math_unary_ops(OpTable& t) {
  add_op(t, {"Sin", "", infer_same, lower_sin_, false, false, true});
  add_op(t, {"Cos", "", infer_same, lower_cos_, false, false, true});
  add_op(t, {"Tan", "", infer_same, lower_tan_, false, false, true});
  add_op(t, {"Asin", "", infer_same, lower_asin_, false, false, true});
  add_op(t, {"Acos", "", infer_same, lower_acos_, false, false, true});
  add_op(t, {"Atan", "", infer_same, lower_atan_, false, false, true});
  add_op(t, {"Sinh", "", infer_same, lower_sinh_, false, false, true});
  add_op(t, {"Cosh", "", infer_same, lower_cosh_, false, false, true});
  add_op(t, {"Asinh", "", infer_same, lower_asinh_, false, false, true});
  add_op(t, {"Acosh", "", infer_same, lower_acosh_, false, false, true});
  add_op(t, {"Atanh", "", infer_same, lower_atanh_, false, false, true});
  add_op(t, {"Erf", "", infer_same, lower_erf_, false, false, true});
  add_op(t, {"Sign", "", infer_same, lower_sign, false, false, true});
  add_op(t, {"Round", "", infer_same, lower_round_, false, false, true});
  add_op(t, {"Softplus", "", infer_same, lower_softplus, false, false, true});
  add_op(t, {"Softsign", "", infer_same, lower_softsign, false, false, true});
  add_op(t, {"Selu", "", infer_same, lower_selu, false, false, true});
  add_op(t, {"Elu", "", infer_same, lower_elu, false, false, true});
  add_op(t, {"Celu", "", infer_same, lower_celu, false, false, true});
  add_op(t, {"ThresholdedRelu", "", infer_same, lower_thresholded_relu, false, false, true});
  add_op(t, {"HardSwish", "", infer_same, lower_hard_swish, false, false, true});
  add_op(t, {"Shrink", "", infer_same, lower_shrink, false, false, true});
  add_op(t, {"IsNaN", "", infer_predicate, lower_is_nan, false, false, true});
  add_op(t, {"IsInf", "", infer_predicate, lower_is_inf, false, false, true});
  add_op(t, {"Not", "", infer_same, lower_not_, false, false, true});
  add_op(t, {"PRelu", "", infer_prelu, lower_prelu, false, false, true});
  add_op(t, {"Gelu", "", infer_same, lower_gelu, false, false, true});
  add_op(t, {"Mish", "", infer_same, lower_mish, false, false, true});
  add_op(t, {"Swish", "", infer_same, lower_swish, false, false, true});
}

}  // namespace onnx2mcu
