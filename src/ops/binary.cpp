// Broadcasting arithmetic: Add, Sub, Mul, Div, Pow -> the kernels in templates/kernels/elementwise.hpp.
// (Max, Min, Sum and Mean take any number of inputs: compare_logic.cpp.)
#include "kernels/elementwise.hpp"

#include "ops/elementwise.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_binary(Node& n) {
  expect_arity(n, 2, 2);
  const Value& a = required_input(n, 0);
  const Value& b = required_input(n, 1);
  if (n.op != "Pow") expect_same_dtype(n, a.dtype);
  set_output(n, 0, a.dtype, binary_output_shape(n, a.shape, b.shape));
}

O2M_LOWER_BINARY("elementwise.hpp", add, visit_numeric_strict)
O2M_LOWER_BINARY("elementwise.hpp", sub, visit_numeric_strict)
O2M_LOWER_BINARY("elementwise.hpp", mul, visit_numeric_strict)
O2M_LOWER_BINARY("elementwise.hpp", div, visit_numeric_strict)

// Pow's base is int32, int64, float or double; its exponent may be any numeric type.
template <typename F>
auto visit_pow_base(const Node& n, DType t, F&& f) {
  return visit_among<float, double, int32_t, int64_t>(n, t, std::forward<F>(f));
}

std::vector<KernelCall> lower_pow(const Node& n) {
  const Value& a = required_input(n, 0);
  const Value& b = required_input(n, 1);
  const o2m::BinaryParams p = binary_params(n);
  return {visit_pow_base(n, a.dtype, [&](auto ta) {
    return visit_numeric_strict(n, b.dtype, [&](auto tb) {
      using T = decltype(ta);
      using E = decltype(tb);
      const std::string fn = "o2m::pow_<" + ctype<T>() + ", " + ctype<E>() + ">";
      return make_call("elementwise.hpp", fn, &o2m::pow_<T, E>, "o2m::BinaryParams", p, {&a, &b}, {n.outputs[0]});
    });
  })};
}

}  // namespace

void register_binary_ops(OpTable& t) {
  add_op(t, {"Add", "", infer_binary, lower_add, false, false, true});
  add_op(t, {"Sub", "", infer_binary, lower_sub, false, false, true});
  add_op(t, {"Mul", "", infer_binary, lower_mul, false, false, true});
  add_op(t, {"Div", "", infer_binary, lower_div, false, false, true});
  add_op(t, {"Pow", "", infer_binary, lower_pow, false, false, true});
}

}  // namespace onnx2mcu
