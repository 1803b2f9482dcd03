// BatchNormalization (inference) -> templates/kernels/norm.hpp.
#include "kernels/norm.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_batch_norm(Node& n) {
  expect_arity(n, 5, 5);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  if (x.shape.size() < 2) n.fail("expects rank >= 2, got " + shape_str(x.shape));
  for (size_t i = 1; i < 5; ++i)
    if (shape_elems(required_input(n, i).shape) != x.shape[1]) n.fail("scale, bias, mean and var need one value per channel");
  if (n.attr_int("training_mode", 0)) n.fail("training_mode=1 is not supported");
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (n.outputs[i]) n.fail("the training outputs (running mean/var) are not supported");
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_batch_norm(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::BatchNormParams p{i32(n, x.shape[0]), i32(n, x.shape[1]), i32(n, prod(x.shape, 2, x.shape.size())),
                         n.attr_float("epsilon", 1e-5f)};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("norm.hpp", o2m::batch_norm, T), "o2m::BatchNormParams", p, node_inputs(n),
                     {n.outputs[0]});
  })};
}

}  // namespace

void register_norm_ops(OpTable& t) { add_op(t, {"BatchNormalization", "", infer_batch_norm, lower_batch_norm, false}); }

}  // namespace onnx2mcu
