// ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp,
// ReduceSumSquare, ArgMax, ArgMin, CumSum, CumProd, TopK -> templates/kernels/reduce_extra.hpp.
#include "kernels/reduce_extra.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/normalize.h"
#include "ops/reduce_axes.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// ---- Reduce* on ReduceParams ----

enum class Reduce { Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

template <Reduce R>
std::vector<KernelCall> lower_reduce(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::ReduceParams p = reduce_params(n);
  const Value* y = n.outputs[0];
  auto call = [&](auto t) {
    using T = decltype(t);
    const char* P = "o2m::ReduceParams";
    if constexpr (R == Reduce::Max) {
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_max, T), P, p, {&x}, {y});
    } else if constexpr (R == Reduce::Min) {
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_min, T), P, p, {&x}, {y});
    } else if constexpr (R == Reduce::Prod) {
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_prod, T), P, p, {&x}, {y});
    } else if constexpr (R == Reduce::L1) {
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_l1, T), P, p, {&x}, {y});
    } else if constexpr (R == Reduce::L2) {
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_l2, T), P, p, {&x}, {y});
    } else if constexpr (R == Reduce::LogSum) {
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_log_sum, T), P, p, {&x}, {y});
    } else if constexpr (R == Reduce::SumSquare) {
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_sum_square, T), P, p, {&x}, {y});
    } else {
      KernelCall c = make_call(O2M_KERNEL("reduce_extra.hpp", o2m::reduce_log_sum_exp, T), P, p, {&x}, {y});
      c.scratch_bytes = static_cast<int64_t>(p.n_out) * static_cast<int64_t>(sizeof(T));  // the per-output maxima
      return c;
    }
  };
  if constexpr (R == Reduce::Max || R == Reduce::Min)
    if (x.dtype == DType::Bool) return {call(bool{})};  // opset 20: any / all
  return {visit_numeric(n, x.dtype, call)};
}

// ---- ArgMax, ArgMin, CumSum, CumProd, TopK: one axis of an [outer, len, inner] view ----

struct AxisView {
  int64_t outer, len, inner;
  size_t axis;
};

AxisView axis_view(const Node& n, int64_t axis) {
  const Shape& s = required_input(n, 0).shape;
  const auto a = static_cast<size_t>(normalize_axis(n, axis, static_cast<int64_t>(s.size())));
  return {prod(s, 0, a), s[a], prod(s, a + 1, s.size()), a};
}

void infer_arg(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  AxisView v = axis_view(n, n.attr_int("axis", 0));
  if (v.len == 0) n.fail("cannot take the arg of an empty axis");
  Shape out = x.shape;
  if (n.attr_int("keepdims", 1)) out[v.axis] = 1;
  else out.erase(out.begin() + static_cast<long>(v.axis));
  set_output(n, 0, DType::I64, out);
}

template <bool kMax>
std::vector<KernelCall> lower_arg(const Node& n) {
  const Value& x = required_input(n, 0);
  AxisView v = axis_view(n, n.attr_int("axis", 0));
  o2m::ArgParams p{i32(n, v.outer), i32(n, v.len), i32(n, v.inner), n.attr_int("select_last_index", 0) ? 1 : 0};
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (kMax)
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::argmax, T), "o2m::ArgParams", p, {&x}, {n.outputs[0]});
    else
      return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::argmin, T), "o2m::ArgParams", p, {&x}, {n.outputs[0]});
  })};
}

void infer_cumulative(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  const Value& axis = required_input(n, 1);
  if (axis.elems() != 1) n.fail("axis must hold one value");
  if (axis.is_const()) axis_view(n, axis.constant->int_at(0));  // checks the range
  set_output(n, 0, x.dtype, x.shape);
}

// The axis is read at run time, so a computed axis works too.
template <bool kProd>
std::vector<KernelCall> lower_cumulative(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& axis = required_input(n, 1);
  if (x.shape.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  o2m::CumSumParams p{};
  p.rank = i32(n, static_cast<int64_t>(x.shape.size()));
  for (size_t d = 0; d < x.shape.size(); ++d) p.dims[d] = i32(n, x.shape[d]);
  p.exclusive = n.attr_int("exclusive", 0) ? 1 : 0;
  p.reverse = n.attr_int("reverse", 0) ? 1 : 0;
  return {visit_numeric(n, x.dtype, [&](auto t) {
    return visit_index(n, axis.dtype, [&](auto a) {
      using T = decltype(t);
      using A = decltype(a);
      if constexpr (kProd)
        return make_call(O2M_KERNEL2("reduce_extra.hpp", o2m::cumprod, T, A), "o2m::CumSumParams", p, {&x, &axis},
                         {n.outputs[0]});
      else
        return make_call(O2M_KERNEL2("reduce_extra.hpp", o2m::cumsum, T, A), "o2m::CumSumParams", p, {&x, &axis},
                         {n.outputs[0]});
    });
  })};
}

// K: a constant 1-element input (the attribute `k` before opset 10, see normalize_top_k).
int64_t top_k_count(const Node& n, const AxisView& v) {
  const Tensor& t = constant_input(n, 1, "TopK's K");
  if (t.elems() != 1) n.fail("K must hold one value");
  const int64_t k = t.int_at(0);
  if (k < 0 || k > v.len) n.fail("K = " + std::to_string(k) + " is outside [0, " + std::to_string(v.len) + "]");
  return k;
}

void infer_top_k(Node& n) {
  expect_arity(n, 2, 2, 2);
  const Value& x = required_input(n, 0);
  AxisView v = axis_view(n, n.attr_int("axis", -1));
  Shape out = x.shape;
  out[v.axis] = top_k_count(n, v);
  set_output(n, 0, x.dtype, out);
  set_output(n, 1, DType::I64, out);
}

std::vector<KernelCall> lower_top_k(const Node& n) {
  const Value& x = required_input(n, 0);
  AxisView v = axis_view(n, n.attr_int("axis", -1));
  o2m::TopKParams p{i32(n, v.outer), i32(n, v.len), i32(n, v.inner), i32(n, top_k_count(n, v)),
                    n.attr_int("largest", 1) ? 1 : 0};
  if (n.outputs.size() < 2 || !n.outputs[0] || !n.outputs[1]) n.fail("needs both outputs (Values and Indices)");
  // sorted = 0 allows any order; the kernel's sorted order is one of them.
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("reduce_extra.hpp", o2m::top_k, T), "o2m::TopKParams", p, {&x}, node_outputs(n));
  })};
}

}  // namespace

void register_reduce_extra_ops(OpTable& t) {
  add_op(t, {"ReduceMax", "", infer_reduce, lower_reduce<Reduce::Max>}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceMin", "", infer_reduce, lower_reduce<Reduce::Min>}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceProd", "", infer_reduce, lower_reduce<Reduce::Prod>}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceL1", "", infer_reduce, lower_reduce<Reduce::L1>}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceL2", "", infer_reduce, lower_reduce<Reduce::L2>}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceLogSum", "", infer_reduce, lower_reduce<Reduce::LogSum>}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceLogSumExp", "", infer_reduce, lower_reduce<Reduce::LogSumExp>}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceSumSquare", "", infer_reduce, lower_reduce<Reduce::SumSquare>}).normalize = axes_attr_to_input;
  add_op(t, {"ArgMax", "", infer_arg, lower_arg<true>});
  add_op(t, {"ArgMin", "", infer_arg, lower_arg<false>});
  add_op(t, {"CumSum", "", infer_cumulative, lower_cumulative<false>});
  add_op(t, {"CumProd", "", infer_cumulative, lower_cumulative<true>});
  add_op(t, {"TopK", "", infer_top_k, lower_top_k}).normalize = [](Node& n, Graph& g) { attr_to_input(n, g, "k", 1); };
}

}  // namespace onnx2mcu
