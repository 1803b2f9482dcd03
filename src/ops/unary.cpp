// Elementwise unary ops -> the O2M_UNARY kernels in templates/kernels/elementwise.hpp.
#include "kernels/elementwise.hpp"

#include <limits>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_same(Node& n) {
  expect_arity(n, 1, 3);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, x.shape);
}

// Clip's bounds: attributes before opset 11, optional constant inputs after.
std::pair<float, float> clip_bounds(const Node& n) {
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (n.opset < 11) return {n.attr_float("min", lo), n.attr_float("max", hi)};
  if (n.input(1)) lo = static_cast<float>(constant_input(n, 1, "Clip's min").float_at(0));
  if (n.input(2)) hi = static_cast<float>(constant_input(n, 2, "Clip's max").float_at(0));
  return {lo, hi};
}

// alpha/beta of each op, with ONNX's defaults.
o2m::UnaryParams unary_params(const Node& n) {
  o2m::UnaryParams p{i32(n, n.outputs[0]->elems()), 0.0f, 0.0f};
  if (n.op == "LeakyRelu") p.alpha = n.attr_float("alpha", 0.01f);
  if (n.op == "HardSigmoid") {
    p.alpha = n.attr_float("alpha", 0.2f);
    p.beta = n.attr_float("beta", 0.5f);
  }
  if (n.op == "Clip") std::tie(p.alpha, p.beta) = clip_bounds(n);
  return p;
}


#define O2M_UNARY_OP(OPNAME, FN, VISIT)                                                         \
  std::vector<KernelCall> lower_##FN(const Node& n) {                                           \
    const Value& x = required_input(n, 0);                                                     \
    o2m::UnaryParams p = unary_params(n);                                                      \
    return {VISIT(n, x.dtype, [&](auto t) {                                                    \
      using T = decltype(t);                                                                   \
      return make_call(O2M_KERNEL("elementwise.hpp", o2m::FN, T), "o2m::UnaryParams", p, {&x}, \
                       {n.outputs[0]});                                                        \
    })};                                                                                       \
  }

O2M_UNARY_OP(Relu, relu, visit_numeric)
O2M_UNARY_OP(LeakyRelu, leaky_relu, visit_float)
O2M_UNARY_OP(Clip, clip, visit_numeric)
O2M_UNARY_OP(Sigmoid, sigmoid, visit_float)
O2M_UNARY_OP(HardSigmoid, hard_sigmoid, visit_float)
O2M_UNARY_OP(Tanh, tanh_, visit_float)
O2M_UNARY_OP(Sqrt, sqrt_, visit_float)
O2M_UNARY_OP(Floor, floor_, visit_float)
O2M_UNARY_OP(Ceil, ceil_, visit_float)
O2M_UNARY_OP(Abs, abs_, visit_numeric)
O2M_UNARY_OP(Neg, neg, visit_numeric)
O2M_UNARY_OP(Exp, exp_, visit_float)
O2M_UNARY_OP(Log, log_, visit_float)
O2M_UNARY_OP(Reciprocal, reciprocal, visit_float)

}  // namespace

void register_unary_ops(OpTable& t) {
  add_op(t, {"Relu", "", infer_same, lower_relu, false});
  add_op(t, {"LeakyRelu", "", infer_same, lower_leaky_relu, false});
  add_op(t, {"Clip", "", infer_same, lower_clip, false});
  add_op(t, {"Sigmoid", "", infer_same, lower_sigmoid, false});
  add_op(t, {"HardSigmoid", "", infer_same, lower_hard_sigmoid, false});
  add_op(t, {"Tanh", "", infer_same, lower_tanh_, false});
  add_op(t, {"Sqrt", "", infer_same, lower_sqrt_, false});
  add_op(t, {"Floor", "", infer_same, lower_floor_, false});
  add_op(t, {"Ceil", "", infer_same, lower_ceil_, false});
  add_op(t, {"Abs", "", infer_same, lower_abs_, false});
  add_op(t, {"Neg", "", infer_same, lower_neg, false});
  add_op(t, {"Exp", "", infer_same, lower_exp_, false});
  add_op(t, {"Log", "", infer_same, lower_log_, false});
  add_op(t, {"Reciprocal", "", infer_same, lower_reciprocal, false});
}

}  // namespace onnx2mcu
