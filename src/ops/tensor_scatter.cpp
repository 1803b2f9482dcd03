// TensorScatter (opset 24, KV-cache updates) -> templates/kernels/tensor_scatter.hpp.
#include "kernels/tensor_scatter.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

o2m::TensorScatterParams tensor_scatter_params(const Node& n) {
  const Shape& past = required_input(n, 0).shape;
  const Shape& update = required_input(n, 1).shape;
  const auto rank = static_cast<int64_t>(past.size());
  if (rank < 2) n.fail("expects a cache of rank >= 2, got " + shape_str(past));
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", -2), rank));
  if (axis == 0) n.fail("axis cannot be the batch dim 0");
  Shape want = past;
  want[axis] = update.size() == past.size() ? update[axis] : -1;
  if (update != want || update[axis] > past[axis])
    n.fail("update " + shape_str(update) + " must match past_cache " + shape_str(past) + " except for a shorter dim " +
           std::to_string(axis));
  if (const Value* w = n.input(2)) {
    if (w->dtype != DType::I64) n.fail(std::string("write_indices must be int64, got ") + dtype_name(w->dtype));
    if (w->shape != Shape{past[0]}) n.fail("write_indices must be [" + std::to_string(past[0]) + "], got " + shape_str(w->shape));
  }
  const std::string mode = n.attr_string("mode", "linear");
  if (mode != "linear" && mode != "circular") n.fail("mode must be linear or circular, got '" + mode + "'");
  return {i32(n, past[0]), i32(n, prod(past, 1, axis)), i32(n, past[axis]), i32(n, update[axis]),
          i32(n, prod(past, axis + 1, past.size())), mode == "circular"};
}

void infer_tensor_scatter(Node& n) {
  expect_arity(n, 2, 3);
  const Value& past = required_input(n, 0);
  if (required_input(n, 1).dtype != past.dtype) n.fail("update must have past_cache's dtype");
  tensor_scatter_params(n);
  set_output(n, 0, past.dtype, past.shape);
}

std::vector<KernelCall> lower_tensor_scatter(const Node& n) {
  const Value& past = required_input(n, 0);
  const o2m::TensorScatterParams p = tensor_scatter_params(n);
  return {visit_dtype(past.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("tensor_scatter.hpp", o2m::tensor_scatter, T), "o2m::TensorScatterParams", p,
                     {&past, n.inputs[1], n.input(2)}, {n.outputs[0]});
  })};
}

}  // namespace

void register_tensor_scatter_ops(OpTable& t) {
  add_op(t, {"TensorScatter", "", infer_tensor_scatter, lower_tensor_scatter});
}

}  // namespace onnx2mcu
