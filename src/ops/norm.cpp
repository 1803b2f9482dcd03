// BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization,
// RMSNormalization, MeanVarianceNormalization, LpNormalization and LRN -> templates/kernels/norm.hpp.
#include "kernels/norm.hpp"

#include <algorithm>
#include <set>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// Training mode exists from opset 14 as an attribute; before, extra outputs meant training.
// Before opset 7, is_test=0 (the default) asked for training mode.
bool bn_training(const Node& n) {
  if (n.opset < 7 && n.attr_int("is_test", 0) == 0)
    n.fail("is_test=0 (opset " + std::to_string(n.opset) + ") means training mode, which is not supported; set is_test=1");
  if (n.opset >= 14) return n.attr_int("training_mode", 0) != 0;
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (n.outputs[i]) n.fail("the training outputs of BatchNormalization before opset 14 are not supported");
  return false;
}

// Channels and elements per channel; opset 7-8's spatial=0 keeps statistics per element of C x D1..
void bn_geometry(const Node& n, int64_t& c, int64_t& spatial) {
  const Shape& x = required_input(n, 0).shape;
  const bool per_element = n.opset < 9 && n.attr_int("spatial", 1) == 0;
  c = per_element ? prod(x, 1, x.size()) : x[1];
  spatial = per_element ? 1 : prod(x, 2, x.size());
}

void infer_batch_norm(Node& n) {
  expect_arity(n, 5, 5);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  if (x.shape.size() < 2) n.fail("expects rank >= 2, got " + shape_str(x.shape));
  int64_t c, spatial;
  bn_geometry(n, c, spatial);
  for (size_t i = 1; i < 5; ++i)
    if (shape_elems(required_input(n, i).shape) != c) n.fail("scale, bias, mean and var need one value per channel");
  set_output(n, 0, x.dtype, x.shape);
  if (bn_training(n)) {
    if (n.outputs.size() > 3) n.fail("expects at most 3 outputs in training mode");
    set_output(n, 1, x.dtype, required_input(n, 3).shape);
    set_output(n, 2, x.dtype, required_input(n, 4).shape);
  } else {
    for (size_t i = 1; i < n.outputs.size(); ++i)
      if (n.outputs[i]) n.fail("has running mean/var outputs only with training_mode=1");
  }
}

std::vector<KernelCall> lower_batch_norm(const Node& n) {
  const Value& x = required_input(n, 0);
  int64_t c, spatial;
  bn_geometry(n, c, spatial);
  const float eps = n.attr_float("epsilon", 1e-5f);
  if (bn_training(n)) {
    o2m::BatchNormTrainParams p{i32(n, x.shape[0]), i32(n, c), i32(n, spatial), eps, n.attr_float("momentum", 0.9f)};
    return {visit_float(n, x.dtype, [&](auto t) {
      using T = decltype(t);
      return make_call(O2M_KERNEL("norm.hpp", o2m::batch_norm_train, T), "o2m::BatchNormTrainParams", p, node_inputs(n),
                       {n.outputs[0], output_or_null(n, 1), output_or_null(n, 2)});
    })};
  }
  o2m::BatchNormParams p{i32(n, x.shape[0]), i32(n, c), i32(n, spatial), eps};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::batch_norm, T), "o2m::BatchNormParams", p, node_inputs(n),
                     {n.outputs[0]});
  })};
}

void infer_instance_norm(Node& n) {
  expect_arity(n, 3, 3);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  if (x.shape.size() < 3) n.fail("expects rank >= 3, got " + shape_str(x.shape));
  for (size_t i = 1; i < 3; ++i)
    if (shape_elems(required_input(n, i).shape) != x.shape[1]) n.fail("scale and bias need one value per channel");
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_instance_norm(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::InstanceNormParams p{i32(n, x.shape[0]), i32(n, x.shape[1]), i32(n, prod(x.shape, 2, x.shape.size())),
                            n.attr_float("epsilon", 1e-5f)};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::instance_norm, T), "o2m::InstanceNormParams", p, node_inputs(n),
                     {n.outputs[0]});
  })};
}

size_t layer_norm_axis(const Node& n) {
  const Shape& s = required_input(n, 0).shape;
  return static_cast<size_t>(normalize_axis(n, n.attr_int("axis", -1), static_cast<int64_t>(s.size())));
}

// Scale and bias broadcast to x's normalised dims: all of them, or a single value.
int32_t layer_norm_stride(const Node& n, size_t i, int64_t inner) {
  const Value* v = n.input(i);
  if (!v) return 0;
  if (shape_elems(v->shape) == inner) return 1;
  if (shape_elems(v->shape) == 1) return 0;
  n.fail("input '" + v->name + "' " + shape_str(v->shape) + " does not match the " + std::to_string(inner) +
         " normalised elements");
}

void infer_layer_norm(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  const size_t axis = layer_norm_axis(n);
  const int64_t inner = prod(x.shape, axis, x.shape.size());
  layer_norm_stride(n, 1, inner);
  layer_norm_stride(n, 2, inner);
  set_output(n, 0, x.dtype, x.shape);
  Shape stats(x.shape);
  for (size_t i = axis; i < stats.size(); ++i) stats[i] = 1;
  set_output(n, 1, x.dtype, stats);
  set_output(n, 2, x.dtype, stats);
}

std::vector<KernelCall> lower_layer_norm(const Node& n) {
  const Value& x = required_input(n, 0);
  const size_t axis = layer_norm_axis(n);
  const int64_t inner = prod(x.shape, axis, x.shape.size());
  o2m::LayerNormParams p{i32(n, prod(x.shape, 0, axis)), i32(n, inner), layer_norm_stride(n, 1, inner),
                         layer_norm_stride(n, 2, inner), n.attr_float("epsilon", 1e-5f)};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::layer_norm, T), "o2m::LayerNormParams", p, {&x, n.input(1), n.input(2)},
                     {n.outputs[0], output_or_null(n, 1), output_or_null(n, 2)});
  })};
}

// Opsets 18-20 give scale and bias one value per group; 21 one per channel.
bool group_norm_per_group(const Node& n) { return n.opset < 21; }

void infer_group_norm(Node& n) {
  expect_arity(n, 3, 3);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  if (x.shape.size() < 2) n.fail("expects rank >= 2, got " + shape_str(x.shape));
  if (!n.has_attr("num_groups")) n.fail("the num_groups attribute is required");
  const int64_t groups = n.attr_int("num_groups", 1);
  if (groups < 1 || x.shape[1] % groups != 0)
    n.fail("num_groups " + std::to_string(groups) + " must be positive and divide the " + std::to_string(x.shape[1]) +
           " channels");
  const int64_t per = group_norm_per_group(n) ? groups : x.shape[1];
  for (size_t i = 1; i < 3; ++i)
    if (shape_elems(required_input(n, i).shape) != per)
      n.fail(std::string("scale and bias need one value per ") + (group_norm_per_group(n) ? "group" : "channel") +
             " (opset " + std::to_string(n.opset) + "), got " + shape_str(n.inputs[i]->shape));
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_group_norm(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::GroupNormParams p{i32(n, x.shape[0]), i32(n, x.shape[1]), i32(n, prod(x.shape, 2, x.shape.size())),
                         i32(n, n.attr_int("num_groups", 1)), group_norm_per_group(n) ? 1 : 0,
                         n.attr_float("epsilon", 1e-5f)};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::group_norm, T), "o2m::GroupNormParams", p, node_inputs(n),
                     {n.outputs[0]});
  })};
}

// RMSNormalization's scale broadcasts to the normalised dims (x's dims from axis on); the kernel
// repeats it along the row, so beyond leading 1s it must match a trailing block of those dims.
int32_t rms_scale_len(const Node& n, size_t axis) {
  const Shape& x = required_input(n, 0).shape;
  Shape s = required_input(n, 1).shape;
  while (!s.empty() && s.front() == 1) s.erase(s.begin());
  if (s.size() > x.size() - axis || !std::equal(s.begin(), s.end(), x.end() - static_cast<std::ptrdiff_t>(s.size())))
    n.fail("scale " + shape_str(n.inputs[1]->shape) + " must match the trailing normalised dims of x " +
           shape_str(x));
  return i32(n, std::max<int64_t>(1, shape_elems(s)));
}

void infer_rms_norm(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  const Value& scale = required_input(n, 1);
  if (x.dtype != scale.dtype) n.fail("x and scale of different dtypes are not supported");
  rms_scale_len(n, layer_norm_axis(n));
  set_output(n, 0, scale.dtype, x.shape);
}

std::vector<KernelCall> lower_rms_norm(const Node& n) {
  const Value& x = required_input(n, 0);
  const size_t axis = layer_norm_axis(n);
  o2m::RmsNormParams p{i32(n, prod(x.shape, 0, axis)), i32(n, prod(x.shape, axis, x.shape.size())),
                       rms_scale_len(n, axis), n.attr_float("epsilon", 1e-5f)};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::rms_norm, T), "o2m::RmsNormParams", p, node_inputs(n),
                     {n.outputs[0]});
  })};
}

void infer_same_shape(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_mvn(const Node& n) {
  const Value& x = required_input(n, 0);
  const Shape& s = x.shape;
  if (s.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  std::set<size_t> axes;
  for (int64_t a : n.attr_ints("axes", {0, 2, 3})) axes.insert(static_cast<size_t>(normalize_axis(n, a, static_cast<int64_t>(s.size()))));
  Shape kept(s);
  for (size_t a : axes) kept[a] = 1;
  std::vector<int64_t> st = strides_of(kept);
  o2m::MvnParams p{};
  p.n_in = i32(n, shape_elems(s));
  p.n_groups = i32(n, shape_elems(kept));
  p.count = i32(n, shape_elems(s) / std::max<int64_t>(1, shape_elems(kept)));
  p.epsilon = 1e-9f;  // the epsilon of the op's function body
  const size_t off = o2m::kMaxRank - s.size();
  for (int d = 0; d < o2m::kMaxRank; ++d) p.in_dims[d] = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    p.in_dims[off + i] = i32(n, s[i]);
    p.out_strides[off + i] = axes.count(i) ? 0 : i32(n, st[i]);
  }
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("norm.hpp", o2m::mvn, T), "o2m::MvnParams", p, {&x}, {n.outputs[0]});
    c.scratch_bytes = o2m::mvn_scratch_bytes<T>(p);
    return c;
  })};
}

std::vector<KernelCall> lower_lp_norm(const Node& n) {
  const Value& x = required_input(n, 0);
  const Shape& s = x.shape;
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", -1), std::max<int64_t>(1, static_cast<int64_t>(s.size()))));
  const int64_t order = n.attr_int("p", 2);
  if (order != 1 && order != 2) n.fail("p must be 1 or 2, got " + std::to_string(order));
  o2m::LpNormParams p{i32(n, prod(s, 0, axis)), i32(n, s.empty() ? 1 : s[axis]), i32(n, prod(s, axis + 1, s.size())),
                      static_cast<int32_t>(order)};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::lp_norm, T), "o2m::LpNormParams", p, {&x}, {n.outputs[0]});
  })};
}

std::vector<KernelCall> lower_lrn(const Node& n) {
  const Value& x = required_input(n, 0);
  if (x.shape.size() < 2) n.fail("expects rank >= 2, got " + shape_str(x.shape));
  if (!n.has_attr("size")) n.fail("the size attribute is required");
  o2m::LrnParams p{i32(n, x.shape[0]), i32(n, x.shape[1]), i32(n, prod(x.shape, 2, x.shape.size())),
                   i32(n, n.attr_int("size", 1)),  n.attr_float("alpha", 1e-4f),
                   n.attr_float("beta", 0.75f),    n.attr_float("bias", 1.0f)};
  if (p.size < 1) n.fail("size must be positive");
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::lrn, T), "o2m::LrnParams", p, {&x}, {n.outputs[0]});
  })};
}

}  // namespace

void register_norm_ops(OpTable& t) {
  add_op(t, {"BatchNormalization", "", infer_batch_norm, lower_batch_norm, false});
  add_op(t, {"InstanceNormalization", "", infer_instance_norm, lower_instance_norm, false});
  add_op(t, {"LayerNormalization", "", infer_layer_norm, lower_layer_norm, false});
  add_op(t, {"MeanVarianceNormalization", "", infer_same_shape, lower_mvn, false});
  add_op(t, {"LpNormalization", "", infer_same_shape, lower_lp_norm, false});
  add_op(t, {"LRN", "", infer_same_shape, lower_lrn, false});
  add_op(t, {"GroupNormalization", "", infer_group_norm, lower_group_norm, false});
  add_op(t, {"RMSNormalization", "", infer_rms_norm, lower_rms_norm, false});
}

}  // namespace onnx2mcu
