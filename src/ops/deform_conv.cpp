// DeformConv (opset 19; 22 adds types), 2-D -> templates/kernels/deform_conv.hpp.
#include "kernels/deform_conv.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace onnx2mcu {
namespace {

o2m::DeformConvParams deform_conv_params(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const Shape& w = required_input(n, 1).shape;
  const Shape& off = required_input(n, 2).shape;
  if (x.size() != 4) n.fail("supports 2-D data [N, C, H, W] only, got " + shape_str(x));
  if (w.size() != 4) n.fail("W must be [oC, C / group, kH, kW], got " + shape_str(w));
  const std::vector<int64_t> kernel = n.has_attr("kernel_shape") ? n.attr_ints("kernel_shape") : std::vector<int64_t>{w[2], w[3]};
  if (kernel != std::vector<int64_t>{w[2], w[3]}) n.fail("kernel_shape does not match W " + shape_str(w));
  const int64_t group = n.attr_int("group", 1), offset_group = n.attr_int("offset_group", 1);
  if (group < 1 || offset_group < 1 || x[1] % group || w[0] % group || x[1] % offset_group)
    n.fail("C and oC must be divisible by group and C by offset_group");
  if (w[1] * group != x[1]) n.fail("W " + shape_str(w) + " does not fit " + std::to_string(x[1]) + " input channels in " + std::to_string(group) + " groups");
  const Window win = compute_window(n, x, kernel, false);
  const int64_t out[2] = {win.out[0], win.out[1]};
  const int64_t taps = kernel[0] * kernel[1];
  if (off != Shape{x[0], offset_group * taps * 2, out[0], out[1]})
    n.fail("offset must be " + shape_str({x[0], offset_group * taps * 2, out[0], out[1]}) + ", got " + shape_str(off));
  if (const Value* b = n.input(3); b && b->shape != Shape{w[0]}) n.fail("B must be [" + std::to_string(w[0]) + "], got " + shape_str(b->shape));
  if (const Value* m = n.input(4); m && m->shape != Shape{x[0], offset_group * taps, out[0], out[1]})
    n.fail("mask must be " + shape_str({x[0], offset_group * taps, out[0], out[1]}) + ", got " + shape_str(m->shape));
  return {i32(n, x[0]), i32(n, x[1]), i32(n, x[2]), i32(n, x[3]), i32(n, w[0]), i32(n, out[0]), i32(n, out[1]),
          i32(n, kernel[0]), i32(n, kernel[1]), i32(n, win.strides[0]), i32(n, win.strides[1]), i32(n, win.pad_begin[0]),
          i32(n, win.pad_begin[1]), i32(n, win.dilations[0]), i32(n, win.dilations[1]), i32(n, group), i32(n, offset_group)};
}

void infer_deform_conv(Node& n) {
  expect_arity(n, 3, 5);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  const o2m::DeformConvParams p = deform_conv_params(n);
  set_output(n, 0, x.dtype, {p.batch, p.out_c, p.out_h, p.out_w});
}

std::vector<KernelCall> lower_deform_conv(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::DeformConvParams p = deform_conv_params(n);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("deform_conv.hpp", o2m::deform_conv2d, T), "o2m::DeformConvParams", p,
                     {&x, n.inputs[1], n.inputs[2], n.input(3), n.input(4)}, {n.outputs[0]});
  })};
}

}  // namespace

void register_deform_conv_ops(OpTable& t) {
  add_op(t, {"DeformConv", "", infer_deform_conv, lower_deform_conv});
}

}  // namespace onnx2mcu
