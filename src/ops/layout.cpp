// Transpose, Concat, Pad -> templates/kernels/layout.hpp.
#include "kernels/layout.hpp"

#include <algorithm>

#include "ir/checked.h"
#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/normalize.h"
#include "ops/pad_call.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

std::vector<int64_t> perm_of(const Node& n) {
  const size_t rank = required_input(n, 0).shape.size();
  std::vector<int64_t> perm = n.attr_ints("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted.size() != rank || sorted[i] != static_cast<int64_t>(i)) n.fail("perm is not a permutation of the input dims");
  return perm;
}

void infer_transpose(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  Shape out;
  for (int64_t p : perm_of(n)) out.push_back(x.shape[static_cast<size_t>(p)]);
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_transpose(const Node& n) {
  const Value& x = required_input(n, 0);
  std::vector<int64_t> perm = perm_of(n);
  if (perm.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  std::vector<int64_t> st = strides_of(x.shape);
  o2m::TransposeParams p{};
  p.n = i32(n, x.elems());
  const size_t off = o2m::kMaxRank - perm.size();
  for (int d = 0; d < o2m::kMaxRank; ++d) p.out_dims[d] = 1;
  for (size_t i = 0; i < perm.size(); ++i) {
    p.out_dims[off + i] = i32(n, x.shape[static_cast<size_t>(perm[i])]);
    p.in_strides[off + i] = i32(n, st[static_cast<size_t>(perm[i])]);
  }
  return {visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("layout.hpp", o2m::transpose, T), "o2m::TransposeParams", p, {&x}, {n.outputs[0]});
  })};
}

// Concat's axis: required (normalize_concat gives opsets 1-3 their default, 1).
int64_t concat_axis_attr(const Node& n) {
  if (!n.has_attr("axis")) n.fail("needs the axis attribute");
  return n.attr_int("axis", 0);
}

void infer_concat(Node& n) {
  if (n.inputs.empty()) n.fail("needs at least one input");
  const Value& x0 = required_input(n, 0);
  expect_same_dtype(n, x0.dtype);
  const auto axis = static_cast<size_t>(normalize_axis(n, concat_axis_attr(n), static_cast<int64_t>(x0.shape.size())));
  Shape out = x0.shape;
  out[axis] = 0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const Shape& s = required_input(n, i).shape;
    if (s.size() != out.size()) n.fail("inputs have different ranks");
    for (size_t d = 0; d < s.size(); ++d)
      if (d != axis && s[d] != out[d]) n.fail("input " + shape_str(s) + " does not match " + shape_str(x0.shape) + " off the axis");
    out[axis] = checked_add(out[axis], s[axis], "the concatenated dim");
  }
  set_output(n, 0, x0.dtype, out);
}

std::vector<KernelCall> lower_concat(const Node& n) {
  const Shape& y = n.outputs[0]->shape;
  const auto axis = static_cast<size_t>(normalize_axis(n, concat_axis_attr(n), static_cast<int64_t>(y.size())));
  const int64_t outer = prod(y, 0, axis), row = prod(y, axis, y.size());
  std::vector<KernelCall> calls;
  int64_t offset = 0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const Value& x = required_input(n, i);
    const int64_t chunk = prod(x.shape, axis, x.shape.size());
    o2m::ConcatPartParams p{i32(n, outer), i32(n, chunk), i32(n, row), i32(n, offset)};
    calls.push_back(visit_dtype(x.dtype, [&](auto t) {
      using T = decltype(t);
      return make_call(O2M_KERNEL("layout.hpp", o2m::concat_part, T), "o2m::ConcatPartParams", p, {&x}, {n.outputs[0]});
    }));
    offset += chunk;
  }
  return calls;
}

struct PadSpec {
  std::vector<int64_t> begin, end;
  int32_t mode = 0;
  float value = 0;
};

// pads and constant_value come from constant inputs; from opset 18 they may cover only the dims
// listed in `axes`. Negative pads crop.
PadSpec pad_spec(const Node& n) {
  const Value& x = required_input(n, 0);
  const size_t rank = x.shape.size();
  PadSpec s;
  std::vector<int64_t> axes, pads = constant_input(n, 1, "Pad's pads").to_ints();
  if (n.input(2)) s.value = static_cast<float>(constant_input(n, 2, "Pad's constant_value").float_at(0));
  if (n.input(3)) axes = constant_input(n, 3, "Pad's axes").to_ints();
  if (!n.input(3))
    for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));
  if (pads.size() != 2 * axes.size())
    n.fail("pads has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * axes.size()));
  s.begin.assign(rank, 0);
  s.end.assign(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto d = static_cast<size_t>(normalize_axis(n, axes[i], static_cast<int64_t>(rank)));
    s.begin[d] = pads[i];
    s.end[d] = pads[axes.size() + i];
    const int64_t padded = checked_add(checked_add(x.shape[d], s.begin[d], "a padded dim"), s.end[d], "a padded dim");
    if (padded < 0) n.fail("pads crop more than dim " + std::to_string(d) + " holds");
  }
  const std::string mode = n.attr_string("mode", "constant");
  if (mode == "constant") s.mode = 0;
  else if (mode == "reflect") s.mode = 1;
  else if (mode == "edge") s.mode = 2;
  else if (mode == "wrap") s.mode = 3;
  else n.fail("unknown mode '" + mode + "'");
  if (s.mode != 0)
    for (size_t d = 0; d < rank; ++d)
      if ((s.begin[d] > 0 || s.end[d] > 0) && x.shape[d] == 0) n.fail(mode + " padding needs a non-empty dim");
  if (s.mode == 1)
    for (size_t d = 0; d < rank; ++d)
      if ((s.begin[d] > 0 || s.end[d] > 0) && (x.shape[d] < 2 || s.begin[d] >= x.shape[d] || s.end[d] >= x.shape[d]))
        n.fail("reflect padding needs pads smaller than the input dim");
  return s;
}

// Before opset 11 pads (paddings in opset 1) and value were attributes; on float data only.
void normalize_pad(Node& n, Graph& g) {
  if (n.opset >= 11) return;
  if (n.inputs.size() > 1) n.fail("takes one input before opset 11");
  rename_attr(n, "paddings", "pads");
  if (!n.has_attr("pads")) n.fail("needs the pads attribute");
  attr_to_input(n, g, "pads", 1);
  attr_to_input(n, g, "value", 2, known_float_type(n));
}

void infer_pad(Node& n) {
  expect_arity(n, 2, 4);
  const Value& x = required_input(n, 0);
  PadSpec s = pad_spec(n);
  Shape out = x.shape;
  for (size_t d = 0; d < out.size(); ++d) out[d] += s.begin[d] + s.end[d];
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_pad(const Node& n) {
  const PadSpec s = pad_spec(n);
  return pad_call(n, required_input(n, 0), s.begin, s.mode, s.value);
}

void normalize_concat(Node& n, Graph&) {
  if (n.opset < 4) default_int_attr(n, "axis", 1);
}

}  // namespace

std::vector<KernelCall> pad_call(const Node& n, const Value& x, const std::vector<int64_t>& begin, int32_t mode, float value) {
  const Shape& y = n.outputs[0]->shape;
  if (y.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= 6");
  o2m::PadParams p{};
  p.mode = mode;
  p.value = value;
  p.n = i32(n, shape_elems(y));
  const size_t off = o2m::kMaxRank - y.size();
  for (int d = 0; d < o2m::kMaxRank; ++d) p.in_dims[d] = p.out_dims[d] = 1;
  for (size_t d = 0; d < y.size(); ++d) {
    p.in_dims[off + d] = i32(n, x.shape[d]);
    p.out_dims[off + d] = i32(n, y[d]);
    p.pad_begin[off + d] = i32(n, begin[d]);
  }
  if (p.n == 0) return {};
  return {visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("layout.hpp", o2m::pad, T), "o2m::PadParams", p, {&x}, {n.outputs[0]});
  })};
}

void register_layout_ops(OpTable& t) {
  add_op(t, {"Transpose", "", infer_transpose, lower_transpose, false});
  add_op(t, {"Concat", "", infer_concat, lower_concat, false}).normalize = normalize_concat;
  add_op(t, {"Pad", "", infer_pad, lower_pad, false}).normalize = normalize_pad;
}

}  // namespace onnx2mcu
