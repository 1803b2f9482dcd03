// Ops that only relabel the shape: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout.
// Their output aliases the input in the arena; when it cannot (a graph output, or Dropout's mask
// in use), they copy.
#include <algorithm>
#include <set>

#include "kernels/elementwise.hpp"
#include "kernels/generate.hpp"
#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/normalize.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

Shape reshape_target(const Node& n) {
  const Shape& in = required_input(n, 0).shape;
  std::vector<int64_t> want = constant_input(n, 1, "Reshape's shape").to_ints();
  const bool allow_zero = n.attr_int("allowzero", 0) != 0;
  Shape out(want.size());
  int64_t known = 1;
  int infer_at = -1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == -1) {
      if (infer_at >= 0) n.fail("shape has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (want[i] == 0 && !allow_zero) {
      if (i >= in.size()) n.fail("shape copies dim " + std::to_string(i) + " that the input " + shape_str(in) + " lacks");
      out[i] = in[i];
    } else if (want[i] < 0) {
      n.fail("shape has a negative dim " + std::to_string(want[i]));
    } else {
      out[i] = want[i];
    }
    if (__builtin_mul_overflow(known, out[i], &known)) n.fail("shape " + shape_str(want) + " has more elements than fit in 64 bits");
  }
  const int64_t total = shape_elems(in);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) n.fail("cannot infer the -1 dim of " + shape_str(want) + " from " + shape_str(in));
    out[static_cast<size_t>(infer_at)] = total / known;
  } else if (known != total) {
    n.fail("cannot reshape " + shape_str(in) + " (" + std::to_string(total) + " elements) to " + shape_str(out));
  }
  return out;
}

Shape flatten_target(const Node& n) {
  const Shape& in = required_input(n, 0).shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  int64_t axis = n.attr_int("axis", 1);
  if (axis < -rank || axis > rank) n.fail("axis " + std::to_string(axis) + " out of range");
  if (axis < 0) axis += rank;
  return {prod(in, 0, static_cast<size_t>(axis)), prod(in, static_cast<size_t>(axis), in.size())};
}

std::vector<int64_t> axes_of(const Node& n) {
  if (!n.input(1)) return {};
  return constant_input(n, 1, "axes").to_ints();
}

Shape squeeze_target(const Node& n) {
  const Shape& in = required_input(n, 0).shape;
  const auto rank = static_cast<int64_t>(in.size());
  std::set<int64_t> axes;
  for (int64_t a : axes_of(n)) {
    int64_t ax = normalize_axis(n, a, rank);
    if (in[static_cast<size_t>(ax)] != 1) n.fail("cannot squeeze dim " + std::to_string(ax) + " of " + shape_str(in));
    axes.insert(ax);
  }
  Shape out;
  for (int64_t i = 0; i < rank; ++i)
    if (axes.empty() ? in[static_cast<size_t>(i)] != 1 : !axes.count(i)) out.push_back(in[static_cast<size_t>(i)]);
  return out;
}

Shape unsqueeze_target(const Node& n) {
  const Shape& in = required_input(n, 0).shape;
  std::vector<int64_t> raw = axes_of(n);
  const auto rank = static_cast<int64_t>(in.size() + raw.size());
  std::set<int64_t> axes;
  for (int64_t a : raw)
    if (!axes.insert(normalize_axis(n, a, rank)).second) n.fail("repeats axis " + std::to_string(a));
  Shape out;
  size_t j = 0;
  for (int64_t i = 0; i < rank; ++i) out.push_back(axes.count(i) ? 1 : in[j++]);
  return out;
}

template <Shape (*Target)(const Node&)>
void infer_view(Node& n) {
  if (n.inputs.empty() || n.outputs.empty()) n.fail("expects an input and an output");
  set_output(n, 0, required_input(n, 0).dtype, Target(n));
  if (n.op != "Dropout") return;
  if (const std::string why = dropout_training_reason(n); !why.empty()) n.fail(why);
  if (output_or_null(n, 1)) set_output(n, 1, DType::Bool, Target(n));  // the mask: all true in inference
}

Shape same_shape(const Node& n) { return required_input(n, 0).shape; }

// Used only when the output cannot alias its input (it is a graph output).
std::vector<KernelCall> lower_copy(const Node& n) {
  const Value& x = required_input(n, 0);
  o2m::UnaryParams p{i32(n, x.elems()), 0.0f, 0.0f};
  return {visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("elementwise.hpp", o2m::copy, T), "o2m::UnaryParams", p, {&x}, {n.outputs[0]});
  })};
}

// Dropout in inference mode keeps every element: y = x, and the mask (when asked for) is all true.
std::vector<KernelCall> lower_dropout(const Node& n) {
  std::vector<KernelCall> calls = lower_copy(n);
  if (const Value* mask = output_or_null(n, 1)) {
    const o2m::FillParams p{i32(n, mask->elems()), 1, 0};
    calls.push_back(make_call(O2M_KERNEL("generate.hpp", o2m::fill, bool), "o2m::FillParams", p, {}, {mask}));
  }
  return calls;
}

// Reshape's shape was an attribute before opset 5.
void normalize_reshape(Node& n, Graph& g) { attr_to_input(n, g, "shape", 1); }

}  // namespace

void register_view_ops(OpTable& t) {
  add_op(t, {"Reshape", "", infer_view<reshape_target>, lower_copy, true}).normalize = normalize_reshape;
  add_op(t, {"Flatten", "", infer_view<flatten_target>, lower_copy, true});
  add_op(t, {"Squeeze", "", infer_view<squeeze_target>, lower_copy, true}).normalize = axes_attr_to_input;
  add_op(t, {"Unsqueeze", "", infer_view<unsqueeze_target>, lower_copy, true}).normalize = axes_attr_to_input;
  add_op(t, {"Identity", "", infer_view<same_shape>, lower_copy, true});
  add_op(t, {"Dropout", "", infer_view<same_shape>, lower_dropout, true});
}

}  // namespace onnx2mcu
