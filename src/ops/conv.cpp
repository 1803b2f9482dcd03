// Conv and ConvTranspose, 1 to 3 spatial dims: shape rules and lowering to
// templates/kernels/conv.hpp, or for 1-D and 2-D convs with constant weights and a kernel up to
// 7 wide (pointwise, depthwise and direct alike; weights packed by pass pack-conv-weights) to
// the register-blocked templates/kernels/conv_fast.hpp.
#include "kernels/conv.hpp"

#include "ir/checked.h"
#include "ops/conv_fast.h"
#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace onnx2mcu {
namespace {

// Checks ranks and the kernel_shape attribute against the weight; returns the kernel dims.
std::vector<int64_t> weight_kernel(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  if (x.shape.size() < 3 || x.shape.size() > 5) n.fail("expects input of rank 3 to 5, got " + shape_str(x.shape));
  if (w.shape.size() != x.shape.size()) n.fail("weight " + shape_str(w.shape) + " does not match input " + shape_str(x.shape));
  std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  if (n.has_attr("kernel_shape") && n.attr_ints("kernel_shape") != kernel)
    n.fail("kernel_shape attribute disagrees with the weight shape " + shape_str(w.shape));
  return kernel;
}

int64_t group_of(const Node& n, int64_t channels, int64_t other) {
  const int64_t group = n.attr_int("group", 1);
  if (group < 1 || channels % group != 0 || other % group != 0)
    n.fail("group " + std::to_string(group) + " does not divide the channels");
  return group;
}

void check_bias(const Node& n, int64_t c_out) {
  if (const Value* b = n.input(2); b && (b->shape.size() != 1 || b->shape[0] != c_out))
    n.fail("bias " + shape_str(b->shape) + " should be [" + std::to_string(c_out) + "]");
}

void infer_conv(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  expect_same_dtype(n, x.dtype);
  Window win = compute_window(n, x.shape, weight_kernel(n), false);
  const int64_t group = group_of(n, x.shape[1], w.shape[0]);
  if (w.shape[1] * group != x.shape[1])
    n.fail("weight " + shape_str(w.shape) + " expects " + std::to_string(w.shape[1] * group) + " input channels, input has " +
           std::to_string(x.shape[1]));
  check_bias(n, w.shape[0]);
  Shape out{x.shape[0], w.shape[0]};
  out.insert(out.end(), win.out.begin(), win.out.end());
  set_output(n, 0, x.dtype, out);
}

o2m::ConvParams base_params(const Node& n, const Shape& x, const Shape& y, const Window& win) {
  o2m::ConvParams p{};
  p.n = i32(n, x[0]);
  p.c_in = i32(n, x[1]);
  p.c_out = i32(n, y[1]);
  p.group = i32(n, n.attr_int("group", 1));
  spatial_array(n, Shape(x.begin() + 2, x.end()), p.in, 1);
  spatial_array(n, Shape(y.begin() + 2, y.end()), p.out, 1);
  spatial_array(n, win.kernel, p.k, 1);
  spatial_array(n, win.strides, p.stride, 1);
  spatial_array(n, win.dilations, p.dil, 1);
  spatial_array(n, win.pad_begin, p.pad, 0);
  return p;
}

std::vector<KernelCall> lower_conv(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& y = *n.outputs[0];
  o2m::ConvParams p = base_params(n, x.shape, y.shape, compute_window(n, x.shape, weight_kernel(n), false));
  if (x.shape.size() <= 4 && fast_conv_fits(p.k[2], p.stride[2], p.dil[2]) && n.attr_int("packed_weights", 0)) {
    o2m::Conv2dParams f{};
    f.conv = {p.n,      p.c_in,      p.in[1],     p.in[2],  p.c_out,  p.out[1], p.out[2], p.k[1],
              p.k[2],   p.stride[1], p.stride[2], p.dil[1], p.dil[2], p.pad[1], p.pad[2], p.group};
    f.act = activation_attrs(n);
    // Pointwise (1x1, stride 1, no pads): the image is one row of h * w pixels, so pixel blocks
    // run across row ends (rows of a few pixels would otherwise leave blocks half empty).
    const bool pointwise = p.k[1] == 1 && p.k[2] == 1 && p.stride[1] == 1 && p.stride[2] == 1 && p.pad[1] == 0 && p.pad[2] == 0 &&
                           p.out[1] == p.in[1] && p.out[2] == p.in[2];
    if (pointwise) {
      f.conv.w_in = f.conv.w_out = p.in[1] * p.in[2];
      f.conv.h_in = f.conv.h_out = 1;
    }
    // Depthwise 3 or 5 wide: conv2d_dw, whose inner loop reads zero-padded row copies.
    const bool depthwise = p.group == p.c_in && p.c_in == p.c_out && (p.k[2] == 3 || p.k[2] == 5) && p.k[1] <= p.k[2];
    if (depthwise) {
      return {visit_float(n, x.dtype, [&](auto t) {
        using T = decltype(t);
        auto dw = [&](auto kw) {
          constexpr int KW = decltype(kw)::value;
          if (p.stride[2] == 1)
            return make_call("conv_fast.hpp", "o2m::conv2d_dw" + fast_conv_targs(ctype<T>(), KW, 1), &o2m::conv2d_dw<T, KW, 1>,
                             "o2m::Conv2dParams", f, {&x, n.input(1), n.input(2)}, {&y});
          return make_call("conv_fast.hpp", "o2m::conv2d_dw" + fast_conv_targs(ctype<T>(), KW, 2), &o2m::conv2d_dw<T, KW, 2>,
                           "o2m::Conv2dParams", f, {&x, n.input(1), n.input(2)}, {&y});
        };
        if (p.k[2] == 3) return dw(std::integral_constant<int, 3>{});
        return dw(std::integral_constant<int, 5>{});
      })};
    }
    return {visit_float(n, x.dtype, [&](auto t) {
      using T = decltype(t);
      return with_fast_conv(p.k[2], p.stride[2], [&](auto kw, auto s) {
        return make_call("conv_fast.hpp", "o2m::conv2d_fast" + fast_conv_targs(ctype<T>(), kw, s),
                         &o2m::conv2d_fast<T, decltype(kw)::value, decltype(s)::value>, "o2m::Conv2dParams", f,
                         {&x, n.input(1), n.input(2)}, {&y});
      });
    })};
  }
  // 3-D, dilated along w, or a kernel wider than conv_fast instantiates: the reference loop,
  // which takes no activation (fuse-activation leaves such convs alone: conv_takes_activation).
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("conv.hpp", o2m::conv, T), "o2m::ConvParams", p, {&x, n.input(1), n.input(2)}, {&y});
  })};
}

// ConvTranspose geometry from strides, pads, dilations, output_padding, output_shape and auto_pad.
// The "full" output of one input element spans (in - 1) * stride + (k - 1) * dil + 1 + out_pad;
// pads (given, or derived from output_shape / auto_pad) cut it to the output.
Window transpose_window(const Node& n) {
  const Value& x = required_input(n, 0);
  std::vector<int64_t> kernel = weight_kernel(n);
  const size_t sp = kernel.size();
  Window w;
  w.kernel = kernel;
  w.strides = n.attr_ints("strides", std::vector<int64_t>(sp, 1));
  w.dilations = n.attr_ints("dilations", std::vector<int64_t>(sp, 1));
  std::vector<int64_t> pads = n.attr_ints("pads", std::vector<int64_t>(2 * sp, 0));
  std::vector<int64_t> out_pad = n.attr_ints("output_padding", std::vector<int64_t>(sp, 0));
  std::vector<int64_t> out_shape = n.attr_ints("output_shape");
  if (out_shape.size() == sp + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (w.strides.size() != sp || w.dilations.size() != sp || pads.size() != 2 * sp || out_pad.size() != sp ||
      (!out_shape.empty() && out_shape.size() != sp))
    n.fail("strides, dilations, pads, output_padding or output_shape have the wrong length for " + std::to_string(sp) +
           " spatial dims");
  for (const auto* v : {&pads, &out_pad, &out_shape})
    for (int64_t p : *v)
      if (p < 0 || p >= (int64_t{1} << 31)) n.fail("pads, output_padding and output_shape must be between 0 and 2^31, got " + std::to_string(p));
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID")
    n.fail("unknown auto_pad '" + auto_pad + "'");
  w.pad_begin.resize(sp);
  w.pad_end.resize(sp);
  w.out.resize(sp);
  for (size_t i = 0; i < sp; ++i) {
    const int64_t in = x.shape[2 + i], s = w.strides[i], d = w.dilations[i];
    if (kernel[i] < 1 || s < 1 || d < 1) n.fail("kernel, strides and dilations must be positive");
    // Checked: a hostile stride or dilation must not wrap the output size.
    const char* what = "the ConvTranspose output size";
    const int64_t full = checked_add(checked_add(checked_mul(s, in - 1, what), out_pad[i], what),
                                     checked_add(checked_mul(kernel[i] - 1, d, what), 1, what), what);
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!out_shape.empty() || same) {
      w.out[i] = !out_shape.empty() ? out_shape[i] : checked_mul(in, s, what);
      const int64_t total = checked_add(full, -w.out[i], what);
      // The spec's formula with floor division: a negative total (output_shape larger than the
      // full output) grows the end, as the ONNX tests expect.
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? half : total - half;
      w.pad_end[i] = total - w.pad_begin[i];
    } else {
      if (auto_pad != "VALID") {
        w.pad_begin[i] = pads[i];
        w.pad_end[i] = pads[sp + i];
      }
      w.out[i] = checked_add(checked_add(full, -w.pad_begin[i], what), -w.pad_end[i], what);
    }
    if (w.out[i] < 1) n.fail("the output would be empty along spatial dim " + std::to_string(i));
  }
  return w;
}

void infer_conv_transpose(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  expect_same_dtype(n, x.dtype);
  Window win = transpose_window(n);
  if (w.shape[0] != x.shape[1])
    n.fail("weight " + shape_str(w.shape) + " expects " + std::to_string(w.shape[0]) + " input channels, input has " +
           std::to_string(x.shape[1]));
  const int64_t group = group_of(n, x.shape[1], x.shape[1]);
  const int64_t c_out = w.shape[1] * group;
  check_bias(n, c_out);
  Shape out{x.shape[0], c_out};
  out.insert(out.end(), win.out.begin(), win.out.end());
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_conv_transpose(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& y = *n.outputs[0];
  o2m::ConvParams p = base_params(n, x.shape, y.shape, transpose_window(n));
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("conv.hpp", o2m::conv_transpose, T), "o2m::ConvParams", p, {&x, n.input(1), n.input(2)},
                     {&y});
  })};
}

}  // namespace

bool conv_takes_fast_kernels(const Node& n) {
  const Value* x = n.input(0);
  const Value* w = n.input(1);
  if (!x || !w || x->shape.size() < 3 || x->shape.size() > 4 || w->shape.size() != x->shape.size()) return false;
  const size_t sp = x->shape.size() - 2;
  const int64_t stride = n.attr_ints("strides", std::vector<int64_t>(sp, 1)).back();
  const int64_t dil = n.attr_ints("dilations", std::vector<int64_t>(sp, 1)).back();
  return (x->dtype == DType::F32 || x->dtype == DType::F64) && fast_conv_fits(w->shape.back(), stride, dil);
}

bool conv_takes_activation(const Node& n) { return conv_takes_fast_kernels(n) && n.input(1)->is_const(); }

void register_conv_ops(OpTable& t) {
  add_op(t, {"Conv", "", infer_conv, lower_conv, false});
  add_op(t, {"ConvTranspose", "", infer_conv_transpose, lower_conv_transpose, false});
}

}  // namespace onnx2mcu
