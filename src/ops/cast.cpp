// Cast and CastLike between any two supported dtypes -> o2m::cast in
// templates/kernels/elementwise.hpp (o2m::convert holds the conversion rules, numeric.hpp the
// float16, bfloat16, float8, float4 and int4/int2 formats).
#include "kernels/elementwise.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// Cast: the `to` attribute; CastLike: input 1's dtype.
DType target_dtype(const Node& n) {
  if (n.op == "CastLike") return required_input(n, 1).dtype;
  const int64_t to = n.attr_int("to", 0);
  DType t = dtype_from_onnx(static_cast<int>(to));
  if (t == DType::Undefined) n.fail("cannot cast to ONNX type " + std::to_string(to));
  return t;
}

// `saturate` (opset 19, default 1) only changes conversions to the float8 types, so it is read
// where those conversions are chosen (n.attr_int("saturate", 1)); for every other target it is moot.
void infer_cast(Node& n) {
  expect_arity(n, n.op == "CastLike" ? 2 : 1, n.op == "CastLike" ? 2 : 1);
  set_output(n, 0, target_dtype(n), required_input(n, 0).shape);
}

// Cast's round_mode (opset 25), for float8e8m0 targets.
o2m::E8M0Round round_mode(const Node& n) {
  const std::string m = n.attr_string("round_mode", "up");
  if (m == "up") return o2m::E8M0Round::Up;
  if (m == "down") return o2m::E8M0Round::Down;
  if (m == "nearest") return o2m::E8M0Round::Nearest;
  n.fail("round_mode '" + m + "' is not one of up, down, nearest");
}

std::vector<KernelCall> lower_cast(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::CastParams p{i32(n, x.elems()), n.attr_int("saturate", 1) != 0, static_cast<int32_t>(round_mode(n))};
  return {visit_any_dtype(x.dtype, [&](auto from) {
    return visit_any_dtype(target_dtype(n), [&](auto to) {
      using F = decltype(from);
      using T = decltype(to);
      std::string fn = "o2m::cast<" + ctype<F>() + ", " + ctype<T>() + ">";
      return make_call("elementwise.hpp", fn, &o2m::cast<F, T>, "o2m::CastParams", p, {&x}, {n.outputs[0]});
    });
  })};
}

// `to` was a type name ("FLOAT") before opset 6; it becomes the TensorProto number.
void normalize_cast(Node& n, Graph&) {
  if (n.opset >= 6 || !n.has_attr("to") || n.attrs["to"].kind != Attr::Kind::String) return;
  static const std::pair<const char*, int64_t> names[] = {
      {"FLOAT", 1},   {"UINT8", 2},  {"INT8", 3},   {"UINT16", 4}, {"INT16", 5},  {"INT32", 6},
      {"INT64", 7},   {"BOOL", 9},   {"FLOAT16", 10}, {"DOUBLE", 11}, {"UINT32", 12}, {"UINT64", 13}};
  Attr& to = n.attrs["to"];
  for (const auto& kv : names)
    if (to.s == kv.first) {
      to.kind = Attr::Kind::Int;
      to.i = kv.second;
      return;
    }
  n.fail("cannot cast to type '" + to.s + "'");
}

}  // namespace

void register_cast_ops(OpTable& t) {
  add_op(t, {"Cast", "", infer_cast, lower_cast, false, false, true}).normalize = normalize_cast;
  add_op(t, {"CastLike", "", infer_cast, lower_cast, false, false, true});
}

}  // namespace onnx2mcu
