// NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss (inference: the loss value) ->
// templates/kernels/loss.hpp.
#include "kernels/loss.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

int32_t reduction_code(const Node& n) {
  const std::string r = n.attr_string("reduction", "mean");
  if (r == "none") return 0;
  if (r == "sum") return 1;
  if (r == "mean") return 2;
  n.fail("reduction must be none, sum or mean, got '" + r + "'");
}

// Input [N, C, d1..dk], target [N, d1..dk] (int32/int64), optional weight [C]; output: the
// target's shape for reduction none, a scalar otherwise. SoftmaxCrossEntropyLoss may also
// output the log-probabilities (the input's shape).
void infer_loss(Node& n) {
  const bool sce = n.op == "SoftmaxCrossEntropyLoss";
  expect_arity(n, 2, 3);
  if (n.outputs.size() > (sce ? 2u : 1u)) n.fail("expects at most " + std::to_string(sce ? 2 : 1) + " outputs");
  const Value& x = required_input(n, 0);
  const Value& t = required_input(n, 1);
  if (x.dtype != DType::F32 && x.dtype != DType::F64) n.fail(std::string("expects float32 or float64 input, got ") + dtype_name(x.dtype));
  if (t.dtype != DType::I32 && t.dtype != DType::I64) n.fail(std::string("expects int32 or int64 targets, got ") + dtype_name(t.dtype));
  if (x.shape.size() < 2) n.fail("expects an input of rank >= 2 ([N, C, ...]), got " + shape_str(x.shape));
  Shape want = x.shape;
  want.erase(want.begin() + 1);
  if (t.shape != want) n.fail("target " + shape_str(t.shape) + " must be the input " + shape_str(x.shape) + " without its class dim");
  if (const Value* w = n.input(2)) {
    if (w->dtype != x.dtype) n.fail("weight must have the input's dtype");
    if (w->shape != Shape{x.shape[1]}) n.fail("weight " + shape_str(w->shape) + " must hold one value per class");
  }
  const int64_t ignore = n.attr_int("ignore_index", 0);
  if (ignore < INT32_MIN || ignore > INT32_MAX) n.fail("ignore_index is out of the int32 range");
  set_output(n, 0, x.dtype, reduction_code(n) == 0 ? t.shape : Shape{});
  if (sce) set_output(n, 1, x.dtype, x.shape);
}

std::vector<KernelCall> lower_loss(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& t = required_input(n, 1);
  o2m::LossParams p{};
  p.n = i32(n, x.shape[0]);
  p.c = i32(n, x.shape[1]);
  p.d = i32(n, prod(x.shape, 2, x.shape.size()));
  p.reduction = reduction_code(n);
  p.has_ignore = n.has_attr("ignore_index") ? 1 : 0;
  p.ignore_index = static_cast<int32_t>(n.attr_int("ignore_index", 0));
  const Value* log_prob = n.outputs.size() > 1 ? n.outputs[1] : nullptr;
  return {visit_float(n, x.dtype, [&](auto tx) {
    return visit_index(n, t.dtype, [&](auto ti) {
      using T = decltype(tx);
      using I = decltype(ti);
      if (n.op == "SoftmaxCrossEntropyLoss")
        return make_call(O2M_KERNEL2("loss.hpp", o2m::softmax_cross_entropy, T, I), "o2m::LossParams", p, {&x, &t, n.input(2)},
                         {n.outputs[0], log_prob});
      return make_call(O2M_KERNEL2("loss.hpp", o2m::nll_loss, T, I), "o2m::LossParams", p, {&x, &t, n.input(2)}, {n.outputs[0]});
    });
  })};
}

}  // namespace

void register_loss_ops(OpTable& t) {
  add_op(t, {"NegativeLogLikelihoodLoss", "", infer_loss, lower_loss, false});
  add_op(t, {"SoftmaxCrossEntropyLoss", "", infer_loss, lower_loss, false});
}

}  // namespace onnx2mcu
