// QLinearConv, ConvInteger and onnx2mcu.QConv -> templates/kernels/qconv.hpp.
//
// QLinearConv lowers to the run-time-parameter kernel; lower-qdq turns every QLinearConv with
// constant weights and quantisation parameters (and every DQ -> Conv -> Q pattern) into
// onnx2mcu.QConv, whose folded bias and fixed-point multipliers are constant tensors.
#include "kernels/qconv.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/qlinear.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void check_per_channel(const Node& n, size_t input, int64_t c_out) {
  const Value* v = n.input(input);
  if (v && v->elems() != 1 && v->elems() != c_out)
    n.fail("'" + v->name + "' has " + std::to_string(v->elems()) + " values; expected 1 or " + std::to_string(c_out));
}

// QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, [B].
void infer_qlinear_conv(Node& n) {
  expect_arity(n, 8, 9);
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 3);
  if (!is_q8(x.dtype) || !is_q8(w.dtype)) n.fail("expects 8-bit x and w");
  const Shape y = qconv_output_shape(n, x.shape, w.shape);
  check_per_channel(n, 4, w.shape[0]);
  check_per_channel(n, 5, w.shape[0]);
  if (const Value* b = n.input(8); b && (b->dtype != DType::I32 || b->elems() != w.shape[0])) n.fail("bias must be int32 [c_out]");
  set_output(n, 0, n.input(7) ? n.input(7)->dtype : DType::U8, y);
}

std::vector<KernelCall> lower_qlinear_conv(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 3);
  const Value& y = *n.outputs[0];
  const o2m::QLinearConvParams p{qconv_params(n, x.shape, w.shape, y.shape), required_input(n, 4).elems() != 1 ? 1 : 0};
  if (n.input(5) && n.input(5)->elems() != required_input(n, 4).elems()) n.fail("w_scale and w_zero_point differ in length");
  return {visit_q8(n, x.dtype, [&](auto tx) {
    return visit_q8(n, w.dtype, [&](auto tw) {
      return visit_q8(n, y.dtype, [&](auto ty) {
        using TX = decltype(tx);
        using TW = decltype(tw);
        using TY = decltype(ty);
        const std::string fn = "o2m::qlinear_conv<" + ctype<TX>() + ", " + ctype<TW>() + ", " + ctype<TY>() + ">";
        std::vector<const Value*> in = node_inputs(n);
        in.resize(9, nullptr);  // the bias is optional
        return make_call("qconv.hpp", fn, &o2m::qlinear_conv<TX, TW, TY>, "o2m::QLinearConvParams", p, in, {&y});
      });
    });
  })};
}

// ConvInteger: x, w, [x_zero_point], [w_zero_point] -> int32.
void infer_conv_integer(Node& n) {
  expect_arity(n, 2, 4);
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  if (!is_q8(x.dtype) || !is_q8(w.dtype)) n.fail("expects 8-bit x and w");
  if (n.input(2) && n.input(2)->elems() != 1) n.fail("x_zero_point must be a scalar");
  const Shape y = qconv_output_shape(n, x.shape, w.shape);  // checks the ranks before w.shape[0]
  check_per_channel(n, 3, w.shape[0]);
  set_output(n, 0, DType::I32, y);
}

std::vector<KernelCall> lower_conv_integer(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  const Value& y = *n.outputs[0];
  const o2m::QLinearConvParams p{qconv_params(n, x.shape, w.shape, y.shape), n.input(3) && n.input(3)->elems() != 1 ? 1 : 0};
  return {visit_q8(n, x.dtype, [&](auto tx) {
    return visit_q8(n, w.dtype, [&](auto tw) {
      using TX = decltype(tx);
      using TW = decltype(tw);
      return make_call(O2M_KERNEL2("qconv.hpp", o2m::conv_integer, TX, TW), "o2m::QLinearConvParams", p,
                       {&x, &w, n.input(2), n.input(3)}, {&y});
    });
  })};
}

// onnx2mcu.QConv: x, w (int8, zero point 0), bias (int32, folded by qfold_bias), mult, shift,
// [table: 256 entries of the output type, each output looked up in it (a fused QLut)];
// attributes: Conv's geometry, x_zp, y_zp, act_min, act_max, y_signed.
void infer_qconv(Node& n) {
  expect_arity(n, 5, 6);
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  if (!is_q8(x.dtype) || w.dtype != DType::I8) n.fail("expects 8-bit x and int8 w");
  const DType y = q8_type_attr(n);
  if (const Value* t = n.input(5); t && (t->dtype != y || t->elems() != 256))
    n.fail("expects an output table of 256 values of the output type");
  set_output(n, 0, y, qconv_output_shape(n, x.shape, w.shape));
}

std::vector<KernelCall> lower_qconv(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& w = required_input(n, 1);
  const Value& y = *n.outputs[0];
  o2m::QConvParams p{};
  p.conv = qconv_params(n, x.shape, w.shape, y.shape);
  p.x_zp = attr_i32(n, "x_zp");
  p.y_zp = attr_i32(n, "y_zp");
  p.act_min = attr_i32(n, "act_min");
  p.act_max = attr_i32(n, "act_max");
  p.per_channel = required_input(n, 3).elems() != 1 ? 1 : 0;
  return {visit_q8(n, x.dtype, [&](auto tx) {
    return visit_q8(n, y.dtype, [&](auto ty) {
      using TX = decltype(tx);
      using TY = decltype(ty);
      // --optimize size: the reference kernel (one pixel at a time, no DSP or Helium blocks)
      const bool compact = wants_compact_kernel(n);
      const std::string types = ctype<TX>() + ", " + ctype<TY>() + (compact ? ", true>" : ">");
      // qconv_depthwise_only, whose 6th input, the output table, is optional; kOneIn: one input channel.
      auto depthwise_call = [&](auto one_in) {
        constexpr bool kOneIn = decltype(one_in)::value;
        std::vector<const Value*> in = node_inputs(n);
        in.resize(6, nullptr);
        const bool lut = n.input(5) != nullptr;
        const std::string fn = "o2m::qconv_depthwise_only<" + ctype<TX>() + ", " + ctype<TY>() +
                               (kOneIn ? (lut ? ", true, true>" : ", false, true>") : (lut ? ", true>" : ">"));
        return make_call("qconv.hpp", fn,
                         lut ? &o2m::qconv_depthwise_only<TX, TY, true, kOneIn> : &o2m::qconv_depthwise_only<TX, TY, false, kOneIn>,
                         "o2m::QConvParams", p, in, {&y});
      };
      KernelCall c;
      const bool few = !compact && o2m::qconv_pointwise_few_pays(p.conv);
      if (few) {  // few input channels: across pixels
        std::vector<const Value*> in = node_inputs(n);
        in.resize(6, nullptr);  // the table is optional
        const bool lut = n.input(5) != nullptr;
        auto few_call = [&](auto tiles) {  // tiles: qconv_pointwise_tiles_cin, a template argument
          constexpr int32_t k = decltype(tiles)::value;
          const std::string fn = "o2m::qconv_pointwise_few<" + ctype<TX>() + ", " + ctype<TY>() + (lut ? ", true, " : ", false, ") +
                                 std::to_string(k) + ">";
          return make_call("qconv.hpp", fn, lut ? &o2m::qconv_pointwise_few<TX, TY, true, k> : &o2m::qconv_pointwise_few<TX, TY, false, k>,
                           "o2m::QConvParams", p, in, {&y});
        };
        switch (o2m::qconv_pointwise_tiles_cin(p.conv.c_in)) {
          case 8: c = few_call(o2m::Constant<int32_t, 8>{}); break;
          case 16: c = few_call(o2m::Constant<int32_t, 16>{}); break;
          default: c = few_call(o2m::Constant<int32_t, 0>{});
        }
      } else if (!compact && o2m::qconv_one_channel_3x3(p.conv)) {  // one input channel, 3x3: a depthwise conv
        c = depthwise_call(o2m::Constant<bool, true>{});
      } else if (!compact && o2m::qconv_depthwise_2d(p.conv)) {  // a 2-D depthwise conv
        c = depthwise_call(o2m::Constant<bool, false>{});
      } else {
        c = n.input(5) ? make_call("qconv.hpp", "o2m::qconv_lut<" + types,
                                   compact ? &o2m::qconv_lut<TX, TY, true> : &o2m::qconv_lut<TX, TY>, "o2m::QConvParams", p,
                                   node_inputs(n), {&y})
                       : make_call("qconv.hpp", "o2m::qconv<" + types, compact ? &o2m::qconv<TX, TY, true> : &o2m::qconv<TX, TY>,
                                   "o2m::QConvParams", p, node_inputs(n), {&y});
      }
      c.scratch_bytes = few ? o2m::qconv_pointwise_few_scratch_bytes(p.conv) : o2m::qconv_scratch_bytes(p.conv);
      c.in_place = o2m::qconv_in_place(p.conv);  // depthwise channel by channel through the plane
      return c;
    });
  })};
}

}  // namespace

void register_qlinear_conv_ops(OpTable& t) {
  add_op(t, {"QLinearConv", "", infer_qlinear_conv, lower_qlinear_conv});
  add_op(t, {"ConvInteger", "", infer_conv_integer, lower_conv_integer});
  add_op(t, {"QConv", "onnx2mcu", infer_qconv, lower_qconv});
}

}  // namespace onnx2mcu
