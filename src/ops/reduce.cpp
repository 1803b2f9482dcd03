// ReduceMean, ReduceSum -> templates/kernels/reduce.hpp; the axes rules shared by every Reduce*.
#include "ops/reduce_axes.h"

#include <algorithm>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/normalize.h"
#include "ops/registry.h"

namespace onnx2mcu {

std::set<size_t> reduce_axes(const Node& n) {
  const Shape& s = required_input(n, 0).shape;
  std::vector<int64_t> raw = n.input(1) ? constant_input(n, 1, "axes").to_ints() : std::vector<int64_t>{};
  std::set<size_t> axes;
  if (raw.empty() && !n.attr_int("noop_with_empty_axes", 0))
    for (size_t i = 0; i < s.size(); ++i) axes.insert(i);
  for (int64_t a : raw) axes.insert(static_cast<size_t>(normalize_axis(n, a, static_cast<int64_t>(s.size()))));
  return axes;
}

void infer_reduce(Node& n) {
  expect_arity(n, 1, 2);
  const Value& x = required_input(n, 0);
  std::set<size_t> axes = reduce_axes(n);
  const bool keep = n.attr_int("keepdims", 1) != 0;
  Shape out;
  for (size_t i = 0; i < x.shape.size(); ++i) {
    if (!axes.count(i)) out.push_back(x.shape[i]);
    else if (keep) out.push_back(1);
  }
  set_output(n, 0, x.dtype, out);
}

o2m::ReduceParams reduce_params(const Node& n) {
  const Shape& s = required_input(n, 0).shape;
  if (s.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  std::set<size_t> axes = reduce_axes(n);
  Shape kept(s);
  for (size_t a : axes) kept[a] = 1;
  std::vector<int64_t> st = strides_of(kept);
  o2m::ReduceParams p{};
  p.n_in = i32(n, shape_elems(s));
  p.n_out = i32(n, shape_elems(kept));
  p.count = p.n_out ? i32(n, shape_elems(s) / std::max<int64_t>(1, shape_elems(kept))) : 0;
  const size_t off = o2m::kMaxRank - s.size();
  for (int d = 0; d < o2m::kMaxRank; ++d) p.in_dims[d] = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    p.in_dims[off + i] = i32(n, s[i]);
    p.out_strides[off + i] = axes.count(i) ? 0 : i32(n, st[i]);
  }
  return p;
}

namespace {

template <bool kMean>
std::vector<KernelCall> lower_reduce(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::ReduceParams p = reduce_params(n);
  if (kMean && p.count == 0 && p.n_out > 0 && !dtype_is_float(x.dtype))
    n.fail("the mean of an empty set of integers is undefined");
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    if constexpr (kMean)
      return make_call(O2M_KERNEL("reduce.hpp", o2m::reduce_mean, T), "o2m::ReduceParams", p, {&x}, {n.outputs[0]});
    else
      return make_call(O2M_KERNEL("reduce.hpp", o2m::reduce_sum, T), "o2m::ReduceParams", p, {&x}, {n.outputs[0]});
  })};
}

}  // namespace

void register_reduce_ops(OpTable& t) {
  add_op(t, {"ReduceMean", "", infer_reduce, lower_reduce<true>, false}).normalize = axes_attr_to_input;
  add_op(t, {"ReduceSum", "", infer_reduce, lower_reduce<false>, false}).normalize = axes_attr_to_input;
}

}  // namespace onnx2mcu
