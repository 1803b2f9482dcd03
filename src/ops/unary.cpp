// Elementwise unary ops (activations, Abs, Neg, Exp, ...) -> templates/kernels/elementwise.hpp.
#include "kernels/elementwise.hpp"

#include <limits>

#include "ops/clip.h"
#include "ops/elementwise.h"
#include "ops/normalize.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// x (and, for Clip, its bounds) -> an output of x's type and shape.
void infer_like_x(Node& n, size_t max_inputs) {
  expect_arity(n, 1, max_inputs);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, x.shape);
}

void infer_same(Node& n) { infer_like_x(n, 1); }

}  // namespace

bool clip_bounds(const Node& n, float& lo, float& hi) {
  lo = -std::numeric_limits<float>::infinity();
  hi = std::numeric_limits<float>::infinity();
  for (size_t i = 1; i < 3; ++i)
    if (n.input(i) && !n.input(i)->is_const()) return false;
  if (n.input(1)) lo = static_cast<float>(n.input(1)->constant->float_at(0));
  if (n.input(2)) hi = static_cast<float>(n.input(2)->constant->float_at(0));
  lo = o2m::clip_low(lo, hi);
  return true;
}

namespace {

// Known bounds that are exact as floats (float32 data) go into the params, and the plain clip
// kernel runs.
bool clip_constant_bounds(const Node& n, float& lo, float& hi) {
  const bool known = clip_bounds(n, lo, hi);
  if (required_input(n, 0).dtype == DType::F32) return known;
  lo = -std::numeric_limits<float>::infinity();
  hi = std::numeric_limits<float>::infinity();
  return false;
}

// Before opset 11 the bounds were float attributes (float data only then).
void normalize_clip(Node& n, Graph& g) {
  if (n.opset >= 11) return;
  if (n.inputs.size() > 1) n.fail("takes one input before opset 11");
  attr_to_input(n, g, "min", 1, known_float_type(n));
  attr_to_input(n, g, "max", 2, known_float_type(n));
}

// alpha/beta of each op, with ONNX's defaults.
o2m::UnaryParams unary_params(const Node& n) {
  o2m::UnaryParams p{i32(n, n.outputs[0]->elems()), 0.0f, 0.0f};
  if (n.op == "LeakyRelu") p.alpha = n.attr_float("alpha", 0.01f);
  if (n.op == "HardSigmoid") {
    p.alpha = n.attr_float("alpha", 0.2f);
    p.beta = n.attr_float("beta", 0.5f);
  }
  if (n.op == "Clip") clip_constant_bounds(n, p.alpha, p.beta);
  return p;
}

O2M_LOWER_UNARY("elementwise.hpp", relu, visit_numeric_strict, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", leaky_relu, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", sigmoid, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", hard_sigmoid, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", tanh_, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", sqrt_, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", floor_, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", ceil_, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", abs_, visit_numeric_strict, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", neg, visit_numeric_strict, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", exp_, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", log_, visit_float, unary_params)
O2M_LOWER_UNARY("elementwise.hpp", reciprocal, visit_float, unary_params)

// Clip reads its optional bounds from tensors of x's type, so integer bounds stay exact and
// bounds known only at run time work too; constant float32 bounds are baked into the params.
void infer_clip(Node& n) {
  infer_like_x(n, 3);
  for (size_t i = 1; i < 3; ++i)
    if (n.input(i) && n.input(i)->dtype != n.input(0)->dtype)
      n.fail("bound '" + n.input(i)->name + "' is " + dtype_name(n.input(i)->dtype) + ", x is " + dtype_name(n.input(0)->dtype));
}

std::vector<KernelCall> lower_clip(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::UnaryParams p = unary_params(n);
  float lo, hi;
  if (clip_constant_bounds(n, lo, hi))
    return {make_call(O2M_KERNEL("elementwise.hpp", o2m::clip, float), "o2m::UnaryParams", p, {&x}, {n.outputs[0]})};
  return {visit_numeric_strict(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("elementwise.hpp", o2m::clip_range, T), "o2m::UnaryParams", p, {&x, n.input(1), n.input(2)},
                     {n.outputs[0]});
  })};
}

}  // namespace

void register_unary_ops(OpTable& t) {
  add_op(t, {"Relu", "", infer_same, lower_relu, false, false, true});
  add_op(t, {"LeakyRelu", "", infer_same, lower_leaky_relu, false, false, true});
  add_op(t, {"Clip", "", infer_clip, lower_clip, false, false, true}).normalize = normalize_clip;
  add_op(t, {"Sigmoid", "", infer_same, lower_sigmoid, false, false, true});
  add_op(t, {"HardSigmoid", "", infer_same, lower_hard_sigmoid, false, false, true});
  add_op(t, {"Tanh", "", infer_same, lower_tanh_, false, false, true});
  add_op(t, {"Sqrt", "", infer_same, lower_sqrt_, false, false, true});
  add_op(t, {"Floor", "", infer_same, lower_floor_, false, false, true});
  add_op(t, {"Ceil", "", infer_same, lower_ceil_, false, false, true});
  add_op(t, {"Abs", "", infer_same, lower_abs_, false, false, true});
  add_op(t, {"Neg", "", infer_same, lower_neg, false, false, true});
  add_op(t, {"Exp", "", infer_same, lower_exp_, false, false, true});
  add_op(t, {"Log", "", infer_same, lower_log_, false, false, true});
  add_op(t, {"Reciprocal", "", infer_same, lower_reciprocal, false, false, true});
}

}  // namespace onnx2mcu
