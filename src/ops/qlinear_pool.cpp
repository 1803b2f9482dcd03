// com.microsoft.QLinearAveragePool, QLinearGlobalAveragePool, QLinearConcat, and
// onnx2mcu.QAvgPool (what lower-qdq makes of the pools) -> templates/kernels/qpool.hpp.
// lower-qdq turns QLinearConcat into Concat on the integer data plus table lookups.
#include "kernels/qpool.hpp"

#include "ir/checked.h"
#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/qlinear.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace onnx2mcu {
namespace {

std::vector<KernelCall> lower_needs_constants(const Node& n) {
  n.fail("runs only with constant quantization parameters (then lower-qdq makes it an integer op)");
}

void check_nchw(const Node& n) {
  if (n.attr_int("channels_last", 0) != 0) n.fail("channels_last = 1 is not supported");
}

Window pool_window(const Node& n, const Shape& x) {
  if (!n.has_attr("kernel_shape")) n.fail("kernel_shape is required");
  return compute_window(n, x, n.attr_ints("kernel_shape"), n.attr_int("ceil_mode", 0) != 0);
}

// QLinearAveragePool: X, x_scale, x_zp, y_scale, [y_zp].
void infer_qlinear_avg_pool(Node& n) {
  expect_arity(n, 4, 5);
  check_nchw(n);
  const Value& x = required_input(n, 0);
  if (!is_q8(x.dtype)) n.fail("expects 8-bit X");
  Window w = pool_window(n, x.shape);
  Shape out{x.shape[0], x.shape[1]};
  out.insert(out.end(), w.out.begin(), w.out.end());
  set_output(n, 0, x.dtype, out);
}

void infer_qlinear_global_avg_pool(Node& n) {
  expect_arity(n, 4, 5);
  check_nchw(n);
  const Value& x = required_input(n, 0);
  if (!is_q8(x.dtype) || x.shape.size() < 3) n.fail("expects 8-bit X of rank >= 3");
  Shape out{x.shape[0], x.shape[1]};
  out.resize(x.shape.size(), 1);
  set_output(n, 0, x.dtype, out);
}

// QLinearConcat: Y_scale, Y_zp, then (X, X_scale, X_zp) per input; axis.
void infer_qlinear_concat(Node& n) {
  if (n.inputs.size() < 5 || (n.inputs.size() - 2) % 3 != 0) n.fail("expects Y_scale, Y_zp and (X, scale, zp) triples");
  const Value& x0 = required_input(n, 2);
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x0.shape.size())));
  Shape out = x0.shape;
  for (size_t i = 5; i < n.inputs.size(); i += 3) {
    const Value& x = required_input(n, i);
    if (x.dtype != x0.dtype || x.shape.size() != out.size()) n.fail("inputs differ in type or rank");
    for (size_t d = 0; d < out.size(); ++d)
      if (d != axis && x.shape[d] != out[d]) n.fail("inputs differ outside the concat axis");
    out[axis] = checked_add(out[axis], x.shape[axis], "the concatenated dim");
  }
  set_output(n, 0, required_input(n, 1).dtype, out);
}

// onnx2mcu.QAvgPool: x, mult, shift; pool attributes plus x_zp, y_zp, act_min, act_max,
// uniform, y_signed.
void infer_qavg_pool(Node& n) {
  expect_arity(n, 3, 3);
  const Value& x = required_input(n, 0);
  if (!is_q8(x.dtype)) n.fail("expects 8-bit x");
  Window w = pool_window(n, x.shape);
  Shape out{x.shape[0], x.shape[1]};
  out.insert(out.end(), w.out.begin(), w.out.end());
  set_output(n, 0, q8_type_attr(n), out);
}

std::vector<KernelCall> lower_qavg_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& y = *n.outputs[0];
  Window w = pool_window(n, x.shape);
  o2m::QAvgPoolParams q{};
  o2m::PoolParams& p = q.pool;
  p.nc = i32(n, x.shape[0] * x.shape[1]);
  spatial_array(n, Shape(x.shape.begin() + 2, x.shape.end()), p.in, 1);
  spatial_array(n, Shape(y.shape.begin() + 2, y.shape.end()), p.out, 1);
  spatial_array(n, w.kernel, p.k, 1);
  spatial_array(n, w.strides, p.stride, 1);
  spatial_array(n, w.dilations, p.dil, 1);
  spatial_array(n, w.pad_begin, p.pad_begin, 0);
  spatial_array(n, w.pad_end, p.pad_end, 0);
  p.count_include_pad = i32(n, n.attr_int("count_include_pad", 0));
  p.p = 1.0f;
  q.x_zp = attr_i32(n, "x_zp");
  q.y_zp = attr_i32(n, "y_zp");
  q.act_min = attr_i32(n, "act_min");
  q.act_max = attr_i32(n, "act_max");
  q.uniform = attr_i32(n, "uniform");
  const int64_t k = int64_t{p.k[0]} * p.k[1] * p.k[2];
  if (required_input(n, 1).elems() != (q.uniform ? 1 : k + 1)) n.fail("mult has the wrong length");
  return {visit_q8(n, x.dtype, [&](auto tx) {
    return visit_q8(n, y.dtype, [&](auto ty) {
      using TX = decltype(tx);
      using TY = decltype(ty);
      return make_call(O2M_KERNEL2("qpool.hpp", o2m::qavg_pool, TX, TY), "o2m::QAvgPoolParams", q, node_inputs(n), {&y});
    });
  })};
}

}  // namespace

void register_qlinear_pool_ops(OpTable& t) {
  add_op(t, {"QLinearAveragePool", "com.microsoft", infer_qlinear_avg_pool, lower_needs_constants});
  add_op(t, {"QLinearGlobalAveragePool", "com.microsoft", infer_qlinear_global_avg_pool, lower_needs_constants});
  add_op(t, {"QLinearConcat", "com.microsoft", infer_qlinear_concat, lower_needs_constants});
  add_op(t, {"QAvgPool", "onnx2mcu", infer_qavg_pool, lower_qavg_pool});
}

}  // namespace onnx2mcu
