// Det -> templates/kernels/linalg.hpp.
#include "kernels/linalg.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// x [..., M, M] -> y [...].
void infer_det(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  const size_t r = x.shape.size();
  if (r < 2 || x.shape[r - 1] != x.shape[r - 2]) n.fail("expects square matrices [..., M, M], got " + shape_str(x.shape));
  set_output(n, 0, x.dtype, Shape(x.shape.begin(), x.shape.end() - 2));
}

std::vector<KernelCall> lower_det(const Node& n) {
  const Value& x = required_input(n, 0);
  const size_t r = x.shape.size();
  const o2m::DetParams p{i32(n, prod(x.shape, 0, r - 2)), i32(n, x.shape[r - 1])};
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("linalg.hpp", o2m::det, T), "o2m::DetParams", p, {&x}, {n.outputs[0]});
    c.scratch_bytes = static_cast<int64_t>(p.m) * p.m * static_cast<int64_t>(sizeof(double));
    return c;
  })};
}

}  // namespace

void register_linalg_ops(OpTable& t) { add_op(t, {"Det", "", infer_det, lower_det}); }

}  // namespace onnx2mcu
