// MaxPool (with its Indices output), AveragePool, LpPool, MaxUnpool and the global pools, 1 to 3
// spatial dims -> templates/kernels/pool.hpp.
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
  return compute_window(n, x.shape, n.attr_ints("kernel_shape"), n.attr_int("ceil_mode", 0) != 0);
}

void infer_pool(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  Window w = pool_window(n);
  Shape out{x.shape[0], x.shape[1]};
  out.insert(out.end(), w.out.begin(), w.out.end());
  set_output(n, 0, x.dtype, out);
  if (n.outputs.size() > 1 && n.outputs[1]) {
    if (n.op != "MaxPool") n.fail("has one output, got " + std::to_string(n.outputs.size()));
    set_output(n, 1, DType::I64, out);
  }
}

// LpPool's p: an int attribute from opset 2, a float before.
float lp_order(const Node& n) {
  auto it = n.attrs.find("p");
  if (it == n.attrs.end()) return 2.0f;
  return it->second.kind == Attr::Kind::Float ? it->second.f : static_cast<float>(it->second.i);
}

o2m::PoolParams pool_params(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& y = *n.outputs[0];
  Window w = pool_window(n);
  o2m::PoolParams p{};
  p.nc = i32(n, x.shape[0] * x.shape[1]);
  spatial_array(n, Shape(x.shape.begin() + 2, x.shape.end()), p.in, 1);
  spatial_array(n, Shape(y.shape.begin() + 2, y.shape.end()), p.out, 1);
  spatial_array(n, w.kernel, p.k, 1);
  spatial_array(n, w.strides, p.stride, 1);
  spatial_array(n, w.dilations, p.dil, 1);
  spatial_array(n, w.pad_begin, p.pad_begin, 0);
  spatial_array(n, w.pad_end, p.pad_end, 0);
  p.count_include_pad = i32(n, n.attr_int("count_include_pad", 0));
  p.storage_order = i32(n, n.attr_int("storage_order", 0));
  p.p = lp_order(n);
  return p;
}

std::vector<KernelCall> lower_max_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::PoolParams p = pool_params(n);
  const bool indices = n.outputs.size() > 1 && n.outputs[1];
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if (indices)
      return make_call(O2M_KERNEL("pool.hpp", o2m::max_pool_indices, T), "o2m::PoolParams", p, {&x},
                       {n.outputs[0], n.outputs[1]});
    return make_call(O2M_KERNEL("pool.hpp", o2m::max_pool, T), "o2m::PoolParams", p, {&x}, {n.outputs[0]});
  })};
}

template <bool kLp>
std::vector<KernelCall> lower_avg_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::PoolParams p = pool_params(n);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (kLp)
      return make_call(O2M_KERNEL("pool.hpp", o2m::lp_pool, T), "o2m::PoolParams", p, {&x}, {n.outputs[0]});
    else
      return make_call(O2M_KERNEL("pool.hpp", o2m::avg_pool, T), "o2m::PoolParams", p, {&x}, {n.outputs[0]});
  })};
}

// MaxUnpool's unpooled shape: each dim's full extent (in - 1) * stride + kernel - pads.
Shape unpool_full_shape(const Node& n) {
  const Value& x = required_input(n, 0);
  if (x.shape.size() < 3) n.fail("expects rank >= 3, got " + shape_str(x.shape));
  const size_t sp = x.shape.size() - 2;
  const std::vector<int64_t> k = n.attr_ints("kernel_shape");
  const std::vector<int64_t> s = n.attr_ints("strides", std::vector<int64_t>(sp, 1));
  const std::vector<int64_t> pads = n.attr_ints("pads", std::vector<int64_t>(2 * sp, 0));
  if (k.size() != sp || s.size() != sp || pads.size() != 2 * sp) n.fail("kernel_shape, strides or pads do not match the input rank");
  Shape out{x.shape[0], x.shape[1]};
  for (size_t i = 0; i < sp; ++i) out.push_back((x.shape[2 + i] - 1) * s[i] + k[i] - pads[i] - pads[sp + i]);
  return out;
}

// The output_shape input (a constant) when given, else the unpooled shape.
Shape unpool_shape(const Node& n) {
  Shape full = unpool_full_shape(n);
  if (!n.input(2)) return full;
  Shape out = constant_input(n, 2, "output_shape").to_ints();
  if (out.size() != full.size()) n.fail("output_shape has rank " + std::to_string(out.size()) + ", expected " + std::to_string(full.size()));
  return out;
}

void infer_max_unpool(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  if (required_input(n, 1).shape != x.shape) n.fail("indices must have X's shape " + shape_str(x.shape));
  set_output(n, 0, x.dtype, unpool_shape(n));
}

std::vector<KernelCall> lower_max_unpool(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& idx = required_input(n, 1);
  const Shape full = unpool_full_shape(n), out = unpool_shape(n);
  if (full.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  o2m::UnpoolParams p{};
  p.n_in = i32(n, x.elems());
  const size_t off = o2m::kMaxRank - full.size();
  for (size_t d = 0; d < static_cast<size_t>(o2m::kMaxRank); ++d) {
    p.full[d] = d < off ? 1 : i32(n, full[d - off]);
    p.out[d] = d < off ? 1 : i32(n, out[d - off]);
  }
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return visit_index(n, idx.dtype, [&](auto i) {
      using I = decltype(i);
      return make_call(O2M_KERNEL2("pool.hpp", o2m::max_unpool, T, I), "o2m::UnpoolParams", p, {&x, &idx}, {n.outputs[0]});
    });
  })};
}

void infer_global_pool(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  if (x.shape.size() < 3) n.fail("expects rank >= 3, got " + shape_str(x.shape));
  // A maximum (or mean, or norm) over no elements is not defined; the kernels read element 0.
  if (prod(x.shape, 2, x.shape.size()) == 0 && x.shape[0] * x.shape[1] > 0)
    n.fail("pools over an empty spatial extent " + shape_str(x.shape) + ", which has no result");
  Shape out(x.shape.size(), 1);
  out[0] = x.shape[0];
  out[1] = x.shape[1];
  set_output(n, 0, x.dtype, out);
}

enum class Global { Avg, Max, Lp };

template <Global kKind>
std::vector<KernelCall> lower_global_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::GlobalPoolParams p{i32(n, x.shape[0] * x.shape[1]), i32(n, prod(x.shape, 2, x.shape.size())), lp_order(n)};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (kKind == Global::Max)
      return make_call(O2M_KERNEL("pool.hpp", o2m::global_max_pool, T), "o2m::GlobalPoolParams", p, {&x}, {n.outputs[0]});
    else if constexpr (kKind == Global::Lp)
      return make_call(O2M_KERNEL("pool.hpp", o2m::global_lp_pool, T), "o2m::GlobalPoolParams", p, {&x}, {n.outputs[0]});
    else
      return make_call(O2M_KERNEL("pool.hpp", o2m::global_avg_pool, T), "o2m::GlobalPoolParams", p, {&x}, {n.outputs[0]});
  })};
}

}  // namespace

void register_pool_ops(OpTable& t) {
  add_op(t, {"MaxPool", "", infer_pool, lower_max_pool, false});
  add_op(t, {"AveragePool", "", infer_pool, lower_avg_pool<false>, false});
  add_op(t, {"LpPool", "", infer_pool, lower_avg_pool<true>, false});
  add_op(t, {"MaxUnpool", "", infer_max_unpool, lower_max_unpool, false});
  add_op(t, {"GlobalAveragePool", "", infer_global_pool, lower_global_pool<Global::Avg>, false});
  add_op(t, {"GlobalMaxPool", "", infer_global_pool, lower_global_pool<Global::Max>, false});
  add_op(t, {"GlobalLpPool", "", infer_global_pool, lower_global_pool<Global::Lp>, false});
}

}  // namespace onnx2mcu
