// Lowering helpers for the elementwise kernels (unary.cpp, binary.cpp, math_unary.cpp,
// compare_logic.cpp): numpy broadcasting as right-aligned shapes padded to o2m::kMaxRank with a
// stride of 0 along every dim an operand repeats, and one-call unary/binary lowerings.
#pragma once
#include "kernels/elementwise.hpp"
#include "ops/helpers.h"
#include "ops/lower.h"

namespace onnx2mcu {

// Output dims padded on the left with 1s to kMaxRank.
inline void padded_dims(const Node& n, const Shape& y, int32_t* dims) {
  if (y.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  const size_t off = o2m::kMaxRank - y.size();
  for (size_t d = 0; d < static_cast<size_t>(o2m::kMaxRank); ++d) dims[d] = d < off ? 1 : i32(n, y[d - off]);
}

// Element strides of an operand of shape s read as the output shape y.
inline void broadcast_strides(const Node& n, const Shape& s, const Shape& y, int32_t* strides) {
  if (s.size() > y.size()) n.fail("internal: operand " + shape_str(s) + " has a higher rank than output " + shape_str(y));
  const size_t off = o2m::kMaxRank - y.size();
  Shape full(y.size() - s.size(), 1);
  full.insert(full.end(), s.begin(), s.end());
  const std::vector<int64_t> st = strides_of(full);
  for (size_t d = 0; d < static_cast<size_t>(o2m::kMaxRank); ++d) strides[d] = 0;
  for (size_t i = 0; i < y.size(); ++i) strides[off + i] = full[i] == 1 ? 0 : i32(n, st[i]);
}

// Params for y = f(a, b) with a and b broadcast to y.
inline o2m::BinaryParams binary_params(const Node& n, const Shape& a, const Shape& b, const Shape& y) {
  o2m::BinaryParams p{};
  const int64_t na = shape_elems(a), nb = shape_elems(b), ny = shape_elems(y);
  p.n = i32(n, ny);
  // Flat loops only when the full operands already have the output's size.
  p.mode = na == ny && nb == ny ? 0 : (na == 1 && nb == ny ? 1 : (nb == 1 && na == ny ? 2 : 3));
  padded_dims(n, y, p.dims);
  broadcast_strides(n, a, y, p.a_strides);
  broadcast_strides(n, b, y, p.b_strides);
  return p;
}

// Opset < 7 binary ops (Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Greater, Less) do not
// broadcast unless broadcast=1, and then B is aligned with A from dim `axis` (default: at the
// end, as numpy does). Returns B's shape as numpy broadcasting must read it (1s appended after
// B's dims), or b itself outside that case.
inline Shape legacy_b_shape(const Node& n, const Shape& a, const Shape& b) {
  if (n.opset >= 7 || n.attr_int("broadcast", 0) == 0 || !n.has_attr("axis")) return b;
  const int64_t rank = static_cast<int64_t>(a.size());
  const int64_t axis = normalize_axis(n, n.attr_int("axis", 0), rank);
  if (axis + static_cast<int64_t>(b.size()) > rank)
    n.fail("legacy broadcast: B " + shape_str(b) + " does not fit into A " + shape_str(a) + " from axis " + std::to_string(axis));
  Shape s = b;
  s.resize(static_cast<size_t>(rank - axis), 1);
  return s;
}

// The output shape of a two-input broadcasting op, honouring the opset < 7 rules above:
// broadcast=0 needs equal shapes, broadcast=1 broadcasts B to A (never A to B).
inline Shape binary_output_shape(const Node& n, const Shape& a, const Shape& b) {
  if (n.opset >= 7) return broadcast_shapes(n, a, b);
  if (n.attr_int("broadcast", 0) == 0) {
    if (a != b)
      n.fail("A " + shape_str(a) + " and B " + shape_str(b) + " differ and broadcast=0 (opset " + std::to_string(n.opset) +
             " broadcasts only with broadcast=1)");
    return a;
  }
  const Shape y = broadcast_shapes(n, a, legacy_b_shape(n, a, b));
  if (y != a) n.fail("legacy broadcast (opset < 7): B " + shape_str(b) + " does not broadcast to A " + shape_str(a));
  return y;
}

// Params for the node's inputs 0 and 1 and its output 0.
inline o2m::BinaryParams binary_params(const Node& n) {
  const Shape& a = required_input(n, 0).shape;
  return binary_params(n, a, legacy_b_shape(n, a, required_input(n, 1).shape), n.outputs[0]->shape);
}

// The shape every present input broadcasts to.
inline Shape broadcast_inputs(const Node& n) {
  Shape y;
  for (const Value* v : n.inputs)
    if (v) y = broadcast_shapes(n, y, v->shape);
  return y;
}

// Calls f(T{}) when t is one of Ts; fails the node otherwise. Only the listed types are
// instantiated, so a kernel need not compile for the others.
template <typename T, typename... Rest, typename F>
auto visit_among(const Node& n, DType t, F&& f) {
  if (t == DTypeOf<T>::value) return f(T{});
  if constexpr (sizeof...(Rest) > 0) return visit_among<Rest...>(n, t, std::forward<F>(f));
  else n.fail(std::string("does not support ") + dtype_name(t) + " data");
}

// Numeric dtypes (lower.h's visit_numeric also compiles f for bool, which arithmetic rejects).
template <typename F>
auto visit_numeric_strict(const Node& n, DType t, F&& f) {
  return visit_among<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
      n, t, std::forward<F>(f));
}

template <typename F>
auto visit_unsigned(const Node& n, DType t, F&& f) {
  return visit_among<uint8_t, uint16_t, uint32_t, uint64_t>(n, t, std::forward<F>(f));
}

template <typename F>
auto visit_bool(const Node& n, DType t, F&& f) {
  return visit_among<bool>(n, t, std::forward<F>(f));
}

// Every dtype, bool included (Equal, Where, ...).
template <typename F>
auto visit_any(const Node& n, DType t, F&& f) {
  return visit_among<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, bool>(
      n, t, std::forward<F>(f));
}

// Defines lower_<FN>(n): y = o2m::FN<T>(x) from HEADER with PARAMS(n) as its UnaryParams, for
// the dtypes VISIT accepts (visit_float, visit_numeric, ...).
#define O2M_LOWER_UNARY(HEADER, FN, VISIT, PARAMS)                                                   \
  std::vector<KernelCall> lower_##FN(const Node& n) {                                               \
    const Value& x = required_input(n, 0);                                                          \
    const o2m::UnaryParams p = PARAMS(n);                                                           \
    return {VISIT(n, x.dtype, [&](auto t) {                                                         \
      using T = decltype(t);                                                                        \
      return make_call(O2M_KERNEL(HEADER, o2m::FN, T), "o2m::UnaryParams", p, {&x}, {n.outputs[0]}); \
    })};                                                                                            \
  }

// Defines lower_<FN>(n): y = o2m::FN<T>(a, b) from HEADER, broadcasting inputs 0 and 1, for the
// dtypes VISIT accepts given input 0's dtype.
#define O2M_LOWER_BINARY(HEADER, FN, VISIT)                                                          \
  std::vector<KernelCall> lower_##FN(const Node& n) {                                               \
    const o2m::BinaryParams p = binary_params(n);                                                   \
    return {VISIT(n, required_input(n, 0).dtype, [&](auto t) {                                      \
      using T = decltype(t);                                                                        \
      return make_call(O2M_KERNEL(HEADER, o2m::FN, T), "o2m::BinaryParams", p,                      \
                       {n.inputs[0], n.inputs[1]}, {n.outputs[0]});                                 \
    })};                                                                                            \
  }

}  // namespace onnx2mcu
