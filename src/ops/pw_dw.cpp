// onnx2mcu.PwDw = Conv 1x1 [+ activation] -> depthwise Conv [+ activation], row by row
// (templates/kernels/pw_dw.hpp), made by the fuse-pw-dw pass. Inputs: x, pointwise weight
// [c_mid, c_in, 1, 1], pointwise bias, depthwise weight [c_mid, 1, k_h, k_w], depthwise bias
// (biases optional; the pointwise weight in conv2d_fast's packed layout, "packed_weights" = 1,
// once pass pack-conv-weights has run). Attributes: the depthwise conv's strides/pads as "dw_strides",
// "dw_pads" (top, left, bottom, right), activations "pw_act"/"dw_act" (+ _lo, _hi, _alpha),
// and "macs" for reports.
#include "kernels/pw_dw.hpp"

#include "ops/conv_fast.h"
#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

struct Geometry {
  int64_t n, c_in, c_mid, h, w, k_h, k_w, s_h, s_w, pt, pl, pb, pr, h_out, w_out;
};

Geometry geometry(const Node& n) {
  expect_arity(n, 5, 5);
  const Value& x = required_input(n, 0);
  const Value& wp = required_input(n, 1);
  const Value& wd = required_input(n, 3);
  if (x.shape.size() != 4 || wp.shape.size() != 4 || wd.shape.size() != 4) n.fail("expects 4-D input and weights");
  Geometry g{};
  g.n = x.shape[0], g.c_in = x.shape[1], g.h = x.shape[2], g.w = x.shape[3];
  g.c_mid = wp.shape[0], g.k_h = wd.shape[2], g.k_w = wd.shape[3];
  if (wp.shape[1] != g.c_in || wd.shape[0] != g.c_mid || wd.shape[1] != 1) n.fail("weights do not fit the input");
  if (g.k_h < 1 || g.k_h > o2m::kPwDwMaxRows || g.k_w < 1) n.fail("depthwise kernel height must be 1 to 16");
  const std::vector<int64_t> s = n.attr_ints("dw_strides", {1, 1}), pads = n.attr_ints("dw_pads", {0, 0, 0, 0});
  if (s.size() != 2 || pads.size() != 4 || s[0] < 1 || s[1] < 1) n.fail("bad dw_strides or dw_pads");
  g.s_h = s[0], g.s_w = s[1], g.pt = pads[0], g.pl = pads[1], g.pb = pads[2], g.pr = pads[3];
  g.h_out = (g.h + g.pt + g.pb - g.k_h) / g.s_h + 1;
  g.w_out = (g.w + g.pl + g.pr - g.k_w) / g.s_w + 1;
  if (g.h_out < 1 || g.w_out < 1) n.fail("the output would be empty");
  return g;
}

void infer_pw_dw(Node& n) {
  const Geometry g = geometry(n);
  set_output(n, 0, required_input(n, 0).dtype, {g.n, g.c_mid, g.h_out, g.w_out});
}

std::vector<KernelCall> lower_pw_dw(const Node& n) {
  const Geometry g = geometry(n);
  const o2m::PwDwParams p{i32(n, g.n),   i32(n, g.c_in), i32(n, g.c_mid), i32(n, g.h),        i32(n, g.w),
                          i32(n, g.h_out), i32(n, g.w_out), i32(n, g.k_h), i32(n, g.k_w),       i32(n, g.s_h),
                          i32(n, g.s_w), i32(n, g.pt),   i32(n, g.pl),    activation_attrs(n, "pw_act"), activation_attrs(n, "dw_act")};
  const Value& x = required_input(n, 0);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall k = make_call(O2M_KERNEL("pw_dw.hpp", o2m::pw_dw, T), "o2m::PwDwParams", p,
                             {&x, n.input(1), n.input(2), n.input(3), n.input(4)}, {n.outputs[0]});
    k.scratch_bytes = g.k_h * g.c_mid * g.w * static_cast<int64_t>(sizeof(T));
    return k;
  })};
}

}  // namespace

void register_pw_dw_ops(OpTable& t) { add_op(t, {"PwDw", "onnx2mcu", infer_pw_dw, lower_pw_dw}); }

}  // namespace onnx2mcu
