// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear -> templates/kernels/quant.hpp.
// DequantizeLinear of constant weights is folded late: lower-qdq first turns DQ -> op -> Q
// patterns into integer ops that read the integer weights, then folds the DQs left over.
#include "kernels/quant.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// Calls f(T{}) for the types quantized tensors use: integers down to int2, float8, float4.
template <typename F>
auto visit_quantized(const Node& n, DType t, F&& f) {
  switch (t) {
    case DType::I8: return f(int8_t{});
    case DType::U8: return f(uint8_t{});
    case DType::I16: return f(int16_t{});
    case DType::U16: return f(uint16_t{});
    case DType::I32: return f(int32_t{});
    case DType::I4: return f(o2m::int4{});
    case DType::U4: return f(o2m::uint4{});
    case DType::I2: return f(o2m::int2{});
    case DType::U2: return f(o2m::uint2{});
    case DType::F8E4M3FN: return f(o2m::float8e4m3fn{});
    case DType::F8E4M3FNUZ: return f(o2m::float8e4m3fnuz{});
    case DType::F8E5M2: return f(o2m::float8e5m2{});
    case DType::F8E5M2FNUZ: return f(o2m::float8e5m2fnuz{});
    case DType::F4E2M1: return f(o2m::float4e2m1{});
    default: n.fail(std::string("does not support ") + dtype_name(t) + " quantized data");
  }
}

// x viewed as [outer, axis, inner] for a scale with one or x.shape[axis] entries.
template <typename P>
P axis_view(const Node& n, const Value& x, const Value& scale) {
  if (scale.elems() == 1) return {i32(n, x.elems()), 1, 1};
  if (scale.shape.size() != 1) n.fail("blocked quantization (a scale of rank " + std::to_string(scale.shape.size()) + ") is not supported");
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 1), static_cast<int64_t>(x.shape.size())));
  if (scale.elems() != x.shape[axis])
    n.fail("per-axis scale has " + std::to_string(scale.elems()) + " values for dim " + std::to_string(x.shape[axis]));
  return {i32(n, prod(x.shape, 0, axis)), i32(n, x.shape[axis]), i32(n, prod(x.shape, axis + 1, x.shape.size()))};
}

// Blocked quantization (block_size > 0, opset 21): the scale has x's rank, and along `axis`
// one entry per block of block_size elements.
bool is_blocked(const Node& n) { return n.attr_int("block_size", 0) > 0; }

o2m::BlockedQuantParams blocked_view(const Node& n, const Value& x, const Value& scale) {
  const int64_t block = n.attr_int("block_size", 0);
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 1), static_cast<int64_t>(x.shape.size())));
  Shape want = x.shape;
  want[axis] = (x.shape[axis] + block - 1) / block;
  if (scale.shape != want)
    n.fail("blocked scale is " + shape_str(scale.shape) + ", expected " + shape_str(want) + " for block_size " + std::to_string(block));
  return {i32(n, prod(x.shape, 0, axis)), i32(n, x.shape[axis]), i32(n, prod(x.shape, axis + 1, x.shape.size())), i32(n, block)};
}

void check_zero_point(const Node& n, size_t i) {
  const Value* zp = n.input(i);
  if (zp && zp->elems() != required_input(n, 1).elems())
    n.fail("zero point has " + std::to_string(zp->elems()) + " values, the scale " + std::to_string(required_input(n, 1).elems()));
}

void infer_dequantize(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  if (required_input(n, 1).dtype != DType::F32) n.fail("expects a float32 scale");
  if (n.input(2) && n.input(2)->dtype != x.dtype) n.fail("zero point and input types differ");
  if (n.attr_int("output_dtype", 1) != 1) n.fail("output_dtype other than float32 is not supported");
  check_zero_point(n, 2);
  if (is_blocked(n)) blocked_view(n, x, required_input(n, 1));
  set_output(n, 0, DType::F32, x.shape);
}

std::vector<KernelCall> lower_dequantize(const Node& n) {
  const Value& x = required_input(n, 0);
  if (is_blocked(n)) {
    const auto p = blocked_view(n, x, required_input(n, 1));
    return {visit_quantized(n, x.dtype, [&](auto t) {
      using T = decltype(t);
      return make_call(O2M_KERNEL("quant.hpp", o2m::dequantize_blocked, T), "o2m::BlockedQuantParams", p,
                       {&x, n.input(1), n.input(2)}, {n.outputs[0]});
    })};
  }
  const auto p = axis_view<o2m::DequantParams>(n, x, required_input(n, 1));
  return {visit_quantized(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("quant.hpp", o2m::dequantize_linear, T), "o2m::DequantParams", p,
                     {&x, n.input(1), n.input(2)}, {n.outputs[0]});
  })};
}

// The output type: the zero point's, else output_dtype (opset 21), else uint8.
DType quantize_type(const Node& n) {
  if (const Value* zp = n.input(2)) return zp->dtype;
  if (n.has_attr("output_dtype")) return dtype_from_onnx(static_cast<int>(n.attr_int("output_dtype", 2)));
  return DType::U8;
}

void infer_quantize(Node& n) {
  expect_arity(n, 2, 3);
  const Value& x = required_input(n, 0);
  if (x.dtype != DType::F32) n.fail(std::string("expects float32 input, got ") + dtype_name(x.dtype));
  if (required_input(n, 1).dtype != DType::F32) n.fail("expects a float32 scale");
  if (n.attr_int("precision", 1) != 1) n.fail("precision (opset 25) other than float32 is not supported");
  check_zero_point(n, 2);
  if (is_blocked(n)) blocked_view(n, x, required_input(n, 1));
  set_output(n, 0, quantize_type(n), x.shape);
}

std::vector<KernelCall> lower_quantize(const Node& n) {
  const Value& x = required_input(n, 0);
  if (is_blocked(n)) {
    const auto p = blocked_view(n, x, required_input(n, 1));
    return {visit_quantized(n, quantize_type(n), [&](auto t) {
      using T = decltype(t);
      return make_call(O2M_KERNEL("quant.hpp", o2m::quantize_blocked, T), "o2m::BlockedQuantParams", p,
                       {&x, n.input(1), n.input(2)}, {n.outputs[0]});
    })};
  }
  const auto p = axis_view<o2m::QuantParams>(n, x, required_input(n, 1));
  return {visit_quantized(n, quantize_type(n), [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("quant.hpp", o2m::quantize_linear, T), "o2m::QuantParams", p,
                     {&x, n.input(1), n.input(2)}, {n.outputs[0]});
  })};
}

void infer_dynamic_quantize(Node& n) {
  expect_arity(n, 1, 1, 3);
  const Value& x = required_input(n, 0);
  if (x.dtype != DType::F32) n.fail(std::string("expects float32 input, got ") + dtype_name(x.dtype));
  set_output(n, 0, DType::U8, x.shape);
  set_output(n, 1, DType::F32, {});
  set_output(n, 2, DType::U8, {});
}

std::vector<KernelCall> lower_dynamic_quantize(const Node& n) {
  const o2m::DynQuantParams p{i32(n, required_input(n, 0).elems())};
  return {make_call("quant.hpp", "o2m::dynamic_quantize_linear", &o2m::dynamic_quantize_linear, "o2m::DynQuantParams", p,
                    node_inputs(n), node_outputs(n))};
}

}  // namespace

void register_quant_ops(OpTable& t) {
  OpDef dq{"DequantizeLinear", "", infer_dequantize, lower_dequantize};
  dq.defer_fold = true;
  add_op(t, dq);
  add_op(t, {"QuantizeLinear", "", infer_quantize, lower_quantize});
  add_op(t, {"DynamicQuantizeLinear", "", infer_dynamic_quantize, lower_dynamic_quantize});
}

}  // namespace onnx2mcu
