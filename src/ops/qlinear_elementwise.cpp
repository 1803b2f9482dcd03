// com.microsoft.QLinearAdd/QLinearMul/QLinearLeakyRelu/QLinearSigmoid and the integer ops
// lower-qdq makes of them: onnx2mcu.QAdd, QMul, QLut -> templates/kernels/qelementwise.hpp.
#include "kernels/qelementwise.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/qlinear.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

std::vector<KernelCall> lower_needs_constants(const Node& n) {
  n.fail("runs only with constant quantization parameters (then lower-qdq makes it an integer op)");
}

// QLinearAdd / QLinearMul: A, A_scale, A_zp, B, B_scale, B_zp, C_scale, [C_zp].
void infer_qlinear_binary(Node& n) {
  expect_arity(n, 7, 8);
  const Value& a = required_input(n, 0);
  const Value& b = required_input(n, 3);
  if (!is_q8(a.dtype) || b.dtype != a.dtype) n.fail("expects 8-bit A and B of one type");
  set_output(n, 0, a.dtype, broadcast_shapes(n, a.shape, b.shape));
}

// QLinearLeakyRelu / QLinearSigmoid: X, X_scale, X_zp, Y_scale, [Y_zp].
void infer_qlinear_unary(Node& n) {
  expect_arity(n, 4, 5);
  const Value& x = required_input(n, 0);
  if (!is_q8(x.dtype)) n.fail("expects 8-bit X");
  set_output(n, 0, x.dtype, x.shape);
}

// onnx2mcu.QAdd / QMul: a, b (same shape, or b with one element).
void infer_qbinary(Node& n) {
  expect_arity(n, 2, 2);
  const Value& a = required_input(n, 0);
  const Value& b = required_input(n, 1);
  if (!is_q8(a.dtype) || !is_q8(b.dtype)) n.fail("expects 8-bit inputs");
  if (b.elems() != 1 && b.shape != a.shape) n.fail("b must have a's shape or one element");
  set_output(n, 0, q8_type_attr(n), a.shape);
}

template <typename P, typename Make>
std::vector<KernelCall> lower_qbinary(const Node& n, const P& p, Make make) {
  const Value& y = *n.outputs[0];
  return {visit_q8(n, required_input(n, 0).dtype, [&](auto ta) {
    return visit_q8(n, required_input(n, 1).dtype, [&](auto tb) {
      return visit_q8(n, y.dtype, [&](auto ty) { return make(ta, tb, ty, p); });
    });
  })};
}

template <typename TA, typename TB, typename TY>
std::string spell(const char* fn) {
  return std::string(fn) + "<" + ctype<TA>() + ", " + ctype<TB>() + ", " + ctype<TY>() + ">";
}

std::vector<KernelCall> lower_qadd(const Node& n) {
  o2m::QAddParams p{};
  p.n = i32(n, n.outputs[0]->elems());
  p.b_scalar = required_input(n, 1).elems() == 1 ? 1 : 0;
  p.a_zp = attr_i32(n, "a_zp");
  p.b_zp = attr_i32(n, "b_zp");
  p.y_zp = attr_i32(n, "y_zp");
  p.a_mult = attr_i32(n, "a_mult");
  p.b_mult = attr_i32(n, "b_mult");
  p.shift = attr_i32(n, "shift");
  p.act_min = attr_i32(n, "act_min");
  p.act_max = attr_i32(n, "act_max");
  if (p.shift < 1 || p.shift > 62) n.fail("shift out of range");
  return lower_qbinary(n, p, [&](auto ta, auto tb, auto ty, const o2m::QAddParams& q) {
    using TA = decltype(ta);
    using TB = decltype(tb);
    using TY = decltype(ty);
    return make_call("qelementwise.hpp", spell<TA, TB, TY>("o2m::qadd"), &o2m::qadd<TA, TB, TY>, "o2m::QAddParams", q,
                     node_inputs(n), {n.outputs[0]});
  });
}

std::vector<KernelCall> lower_qmul(const Node& n) {
  o2m::QMulParams p{};
  p.n = i32(n, n.outputs[0]->elems());
  p.b_scalar = required_input(n, 1).elems() == 1 ? 1 : 0;
  p.a_zp = attr_i32(n, "a_zp");
  p.b_zp = attr_i32(n, "b_zp");
  p.y_zp = attr_i32(n, "y_zp");
  p.mult = attr_i32(n, "mult");
  p.shift = attr_i32(n, "shift");
  p.act_min = attr_i32(n, "act_min");
  p.act_max = attr_i32(n, "act_max");
  return lower_qbinary(n, p, [&](auto ta, auto tb, auto ty, const o2m::QMulParams& q) {
    using TA = decltype(ta);
    using TB = decltype(tb);
    using TY = decltype(ty);
    return make_call("qelementwise.hpp", spell<TA, TB, TY>("o2m::qmul"), &o2m::qmul<TA, TB, TY>, "o2m::QMulParams", q,
                     node_inputs(n), {n.outputs[0]});
  });
}

// onnx2mcu.QLut: x (8-bit), table [256] of the output type.
void infer_qlut(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  const Value& t = required_input(n, 1);
  if (!is_q8(x.dtype) || !is_q8(t.dtype) || t.elems() != 256) n.fail("expects 8-bit x and a 256-entry 8-bit table");
  set_output(n, 0, t.dtype, x.shape);
}

std::vector<KernelCall> lower_qlut(const Node& n) {
  const o2m::QLutParams p{i32(n, n.outputs[0]->elems())};
  return {visit_q8(n, required_input(n, 0).dtype, [&](auto tx) {
    return visit_q8(n, required_input(n, 1).dtype, [&](auto ty) {
      using TX = decltype(tx);
      using TY = decltype(ty);
      return make_call(O2M_KERNEL2("qelementwise.hpp", o2m::qlut, TX, TY), "o2m::QLutParams", p, node_inputs(n),
                       {n.outputs[0]});
    });
  })};
}

}  // namespace

void register_qlinear_elementwise_ops(OpTable& t) {
  add_op(t, {"QLinearAdd", "com.microsoft", infer_qlinear_binary, lower_needs_constants});
  add_op(t, {"QLinearMul", "com.microsoft", infer_qlinear_binary, lower_needs_constants});
  add_op(t, {"QLinearLeakyRelu", "com.microsoft", infer_qlinear_unary, lower_needs_constants});
  add_op(t, {"QLinearSigmoid", "com.microsoft", infer_qlinear_unary, lower_needs_constants});
  OpDef add{"QAdd", "onnx2mcu", infer_qbinary, lower_qadd};
  add.inplace = true;
  add_op(t, add);
  OpDef mul{"QMul", "onnx2mcu", infer_qbinary, lower_qmul};
  mul.inplace = true;
  add_op(t, mul);
  OpDef lut{"QLut", "onnx2mcu", infer_qlut, lower_qlut};
  lut.inplace = true;
  add_op(t, lut);
}

}  // namespace onnx2mcu
