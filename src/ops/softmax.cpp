// Softmax, LogSoftmax, Hardmax -> templates/kernels/softmax.hpp.
#include "kernels/softmax.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_softmax(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, x.shape);
}

// Before opset 13 the input is coerced to 2-D at `axis` (default 1); from 13 on the op runs
// along the single axis `axis` (default -1).
o2m::SoftmaxParams softmax_params(const Node& n) {
  const Shape& s = required_input(n, 0).shape;
  const int64_t rank = static_cast<int64_t>(s.size());
  const bool legacy = n.opset < 13;
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", legacy ? 1 : -1), std::max<int64_t>(rank, 1)));
  if (legacy) return {i32(n, prod(s, 0, axis)), i32(n, prod(s, axis, s.size())), 1};
  return {i32(n, prod(s, 0, axis)), i32(n, s.empty() ? 1 : s[axis]), i32(n, prod(s, axis + 1, s.size()))};
}

enum class Kind { Soft, LogSoft, Hard };

template <Kind kKind>
std::vector<KernelCall> lower_softmax(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::SoftmaxParams p = softmax_params(n);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (kKind == Kind::Hard)
      return make_call(O2M_KERNEL("softmax.hpp", o2m::hardmax, T), "o2m::SoftmaxParams", p, {&x}, {n.outputs[0]});
    else if constexpr (kKind == Kind::LogSoft)
      return make_call(O2M_KERNEL("softmax.hpp", o2m::log_softmax, T), "o2m::SoftmaxParams", p, {&x}, {n.outputs[0]});
    else
      return make_call(O2M_KERNEL("softmax.hpp", o2m::softmax, T), "o2m::SoftmaxParams", p, {&x}, {n.outputs[0]});
  })};
}

}  // namespace

void register_softmax_ops(OpTable& t) {
  add_op(t, {"Softmax", "", infer_softmax, lower_softmax<Kind::Soft>, false});
  add_op(t, {"LogSoftmax", "", infer_softmax, lower_softmax<Kind::LogSoft>, false});
  add_op(t, {"Hardmax", "", infer_softmax, lower_softmax<Kind::Hard>, false});
}

}  // namespace onnx2mcu
