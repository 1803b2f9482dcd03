// Broadcasting binary ops -> the O2M_BINARY kernels in templates/kernels/elementwise.hpp.
#include "kernels/elementwise.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_binary(Node& n) {
  expect_arity(n, 2, 2);
  const Value& a = required_input(n, 0);
  const Value& b = required_input(n, 1);
  if (n.op != "Pow") expect_same_dtype(n, a.dtype);
  if (n.opset < 7 && n.attr_int("broadcast", 0)) n.fail("legacy broadcast (opset < 7) is not supported");
  set_output(n, 0, a.dtype, broadcast_shapes(n, a.shape, b.shape));
}

// Right-aligns both operands to the output and gives each a stride per dim (0 = broadcast).
o2m::BinaryParams binary_params(const Node& n) {
  const Shape& a = required_input(n, 0).shape;
  const Shape& b = required_input(n, 1).shape;
  const Shape& y = n.outputs[0]->shape;
  if (y.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  o2m::BinaryParams p{};
  p.n = i32(n, shape_elems(y));
  const int64_t na = shape_elems(a), nb = shape_elems(b);
  p.mode = a == b ? 0 : (na == 1 ? 1 : (nb == 1 ? 2 : 3));
  const size_t off = o2m::kMaxRank - y.size();
  for (int d = 0; d < o2m::kMaxRank; ++d) p.dims[d] = 1;
  auto fill = [&](const Shape& s, int32_t* strides) {
    Shape full(y.size() - s.size(), 1);
    full.insert(full.end(), s.begin(), s.end());
    std::vector<int64_t> st = strides_of(full);
    for (size_t i = 0; i < y.size(); ++i) strides[off + i] = full[i] == 1 ? 0 : i32(n, st[i]);
  };
  for (size_t i = 0; i < y.size(); ++i) p.dims[off + i] = i32(n, y[i]);
  fill(a, p.a_strides);
  fill(b, p.b_strides);
  return p;
}

#define O2M_BINARY_OP(FN, VISIT)                                                                   \
  std::vector<KernelCall> lower_##FN(const Node& n) {                                               \
    o2m::BinaryParams p = binary_params(n);                                                        \
    return {VISIT(n, required_input(n, 0).dtype, [&](auto t) {                                     \
      using T = decltype(t);                                                                       \
      return make_call(O2M_KERNEL("elementwise.hpp", o2m::FN, T), "o2m::BinaryParams", p, node_inputs(n), \
                       {n.outputs[0]});                                                            \
    })};                                                                                           \
  }

O2M_BINARY_OP(add, visit_numeric)
O2M_BINARY_OP(sub, visit_numeric)
O2M_BINARY_OP(mul, visit_numeric)
O2M_BINARY_OP(div, visit_numeric)
O2M_BINARY_OP(pow_, visit_float)
O2M_BINARY_OP(max_, visit_numeric)
O2M_BINARY_OP(min_, visit_numeric)

void infer_pow(Node& n) {
  infer_binary(n);
  if (required_input(n, 1).dtype != required_input(n, 0).dtype)
    n.fail("mixed-type Pow (base and exponent of different types) is not supported");
}

// Max/Min/Sum with two inputs are plain binary ops; longer lists are not supported yet.
void infer_variadic(Node& n) {
  if (n.inputs.size() != 2) n.fail("is supported with exactly two inputs, got " + std::to_string(n.inputs.size()));
  infer_binary(n);
}

}  // namespace

void register_binary_ops(OpTable& t) {
  add_op(t, {"Add", "", infer_binary, lower_add, false});
  add_op(t, {"Sub", "", infer_binary, lower_sub, false});
  add_op(t, {"Mul", "", infer_binary, lower_mul, false});
  add_op(t, {"Div", "", infer_binary, lower_div, false});
  add_op(t, {"Pow", "", infer_pow, lower_pow_, false});
  add_op(t, {"Max", "", infer_variadic, lower_max_, false});
  add_op(t, {"Min", "", infer_variadic, lower_min_, false});
  add_op(t, {"Sum", "", infer_variadic, lower_add, false});
}

}  // namespace onnx2mcu
