// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool -> templates/kernels/pool.hpp.
#include "kernels/pool.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace onnx2mcu {
namespace {

Window pool_window(const Node& n) {
  const Value& x = required_input(n, 0);
  if (!n.has_attr("kernel_shape")) n.fail("kernel_shape is required");
  if (n.attr_int("storage_order", 0) != 0) n.fail("storage_order=1 is not supported");
  return compute_window(n, x.shape, n.attr_ints("kernel_shape"), n.attr_int("ceil_mode", 0) != 0);
}

void infer_pool(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  Window w = pool_window(n);
  Shape out{x.shape[0], x.shape[1]};
  out.insert(out.end(), w.out.begin(), w.out.end());
  set_output(n, 0, x.dtype, out);
  if (n.outputs.size() > 1 && n.outputs[1]) n.fail("the Indices output of MaxPool is not supported");
}

template <bool kMax>
std::vector<KernelCall> lower_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& y = *n.outputs[0];
  Window w = pool_window(n);
  const bool two_d = x.shape.size() == 4;
  o2m::PoolParams p{};
  p.nc = i32(n, x.shape[0] * x.shape[1]);
  p.h_in = two_d ? i32(n, x.shape[2]) : 1;
  p.w_in = i32(n, x.shape.back());
  p.h_out = two_d ? i32(n, y.shape[2]) : 1;
  p.w_out = i32(n, y.shape.back());
  p.k_h = two_d ? i32(n, w.kernel[0]) : 1;
  p.k_w = i32(n, w.kernel.back());
  p.stride_h = two_d ? i32(n, w.strides[0]) : 1;
  p.stride_w = i32(n, w.strides.back());
  p.dil_h = two_d ? i32(n, w.dilations[0]) : 1;
  p.dil_w = i32(n, w.dilations.back());
  p.pad_top = two_d ? i32(n, w.pad_begin[0]) : 0;
  p.pad_left = i32(n, w.pad_begin.back());
  p.pad_bottom = two_d ? i32(n, w.pad_end[0]) : 0;
  p.pad_right = i32(n, w.pad_end.back());
  p.count_include_pad = i32(n, n.attr_int("count_include_pad", 0));
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (kMax)
      return make_call(O2M_KERNEL("pool.hpp", o2m::max_pool2d, T), "o2m::PoolParams", p, {&x}, {&y});
    else
      return make_call(O2M_KERNEL("pool.hpp", o2m::avg_pool2d, T), "o2m::PoolParams", p, {&x}, {&y});
  })};
}

void infer_global_pool(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  if (x.shape.size() < 3) n.fail("expects rank >= 3, got " + shape_str(x.shape));
  Shape out(x.shape.size(), 1);
  out[0] = x.shape[0];
  out[1] = x.shape[1];
  set_output(n, 0, x.dtype, out);
}

template <bool kMax>
std::vector<KernelCall> lower_global_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::GlobalPoolParams p{i32(n, x.shape[0] * x.shape[1]), i32(n, prod(x.shape, 2, x.shape.size()))};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (kMax)
      return make_call(O2M_KERNEL("pool.hpp", o2m::global_max_pool, T), "o2m::GlobalPoolParams", p, {&x}, {n.outputs[0]});
    else
      return make_call(O2M_KERNEL("pool.hpp", o2m::global_avg_pool, T), "o2m::GlobalPoolParams", p, {&x}, {n.outputs[0]});
  })};
}

}  // namespace

void register_pool_ops(OpTable& t) {
  add_op(t, {"MaxPool", "", infer_pool, lower_pool<true>, false});
  add_op(t, {"AveragePool", "", infer_pool, lower_pool<false>, false});
  add_op(t, {"GlobalAveragePool", "", infer_global_pool, lower_global_pool<false>, false});
  add_op(t, {"GlobalMaxPool", "", infer_global_pool, lower_global_pool<true>, false});
}

}  // namespace onnx2mcu
