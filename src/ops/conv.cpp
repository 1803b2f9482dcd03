// Conv: shape rule and lowering to o2m::conv2d (templates/kernels/conv.hpp).
#include "kernels/conv.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace onnx2mcu {
namespace {

Window conv_window(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  if (x.shape.size() < 3) n.fail("expects input of rank >= 3, got " + shape_str(x.shape));
  if (w.shape.size() != x.shape.size()) n.fail("weight " + shape_str(w.shape) + " does not match input " + shape_str(x.shape));
  std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  if (n.has_attr("kernel_shape") && n.attr_ints("kernel_shape") != kernel)
    n.fail("kernel_shape attribute disagrees with the weight shape " + shape_str(w.shape));
  return compute_window(n, x.shape, kernel, false);
}

void infer_conv(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  expect_same_dtype(n, x.dtype);
  const int64_t group = n.attr_int("group", 1);
  if (group < 1 || x.shape[1] % group != 0 || w.shape[0] % group != 0)
    n.fail("group " + std::to_string(group) + " does not divide the channels");
  if (w.shape[1] * group != x.shape[1])
    n.fail("weight " + shape_str(w.shape) + " expects " + std::to_string(w.shape[1] * group) + " input channels, input has " +
           std::to_string(x.shape[1]));
  if (const Value* b = n.input(2); b && (b->shape.size() != 1 || b->shape[0] != w.shape[0]))
    n.fail("bias " + shape_str(b->shape) + " should be [" + std::to_string(w.shape[0]) + "]");
  Window win = conv_window(n);
  Shape out{x.shape[0], w.shape[0]};
  out.insert(out.end(), win.out.begin(), win.out.end());
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_conv(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  const Value& y = *n.outputs[0];
  Window win = conv_window(n);
  const bool two_d = x.shape.size() == 4;
  o2m::ConvParams p{};
  p.n = i32(n, x.shape[0]);
  p.c_in = i32(n, x.shape[1]);
  p.h_in = two_d ? i32(n, x.shape[2]) : 1;
  p.w_in = i32(n, x.shape.back());
  p.c_out = i32(n, w.shape[0]);
  p.h_out = two_d ? i32(n, y.shape[2]) : 1;
  p.w_out = i32(n, y.shape.back());
  p.k_h = two_d ? i32(n, win.kernel[0]) : 1;
  p.k_w = i32(n, win.kernel.back());
  p.stride_h = two_d ? i32(n, win.strides[0]) : 1;
  p.stride_w = i32(n, win.strides.back());
  p.dil_h = two_d ? i32(n, win.dilations[0]) : 1;
  p.dil_w = i32(n, win.dilations.back());
  p.pad_top = two_d ? i32(n, win.pad_begin[0]) : 0;
  p.pad_left = i32(n, win.pad_begin.back());
  p.group = i32(n, n.attr_int("group", 1));
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("conv.hpp", o2m::conv2d, T), "o2m::ConvParams", p, {&x, &w, n.input(2)}, {&y});
  })};
}

}  // namespace

void register_conv_ops(OpTable& t) { add_op(t, {"Conv", "", infer_conv, lower_conv, false}); }

}  // namespace onnx2mcu
