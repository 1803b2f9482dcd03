// Slice, Split, Tile, Expand, DepthToSpace, SpaceToDepth, Trilu -> templates/kernels/indexing.hpp.
// Most are one strided copy: only the starting offset, output dims and input strides differ.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>

#include "ir/checked.h"
#include "ops/index_math.h"
#include "ops/normalize.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// ---- Slice ----

struct SliceSpec {
  Shape out;
  std::vector<int64_t> strides;  // input stride of each output dim (step * stride)
  int64_t base = 0;
};

std::vector<int64_t> optional_ints(const Node& n, size_t i, const char* what) {
  return n.input(i) ? constant_input(n, i, what).to_ints() : std::vector<int64_t>{};
}

SliceSpec slice_spec(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const auto rank = static_cast<int64_t>(x.size());
  std::vector<int64_t> starts = constant_input(n, 1, "Slice's starts").to_ints();
  std::vector<int64_t> ends = constant_input(n, 2, "Slice's ends").to_ints();
  std::vector<int64_t> axes = optional_ints(n, 3, "Slice's axes");
  std::vector<int64_t> steps = optional_ints(n, 4, "Slice's steps");
  if (axes.empty())
    for (int64_t a = 0; a < static_cast<int64_t>(starts.size()); ++a) axes.push_back(a);
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    n.fail("starts, ends, axes and steps must have the same length");
  SliceSpec s{x, strides_of(x), 0};
  std::vector<bool> seen(x.size(), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    const auto a = static_cast<size_t>(normalize_axis(n, axes[i], rank));
    if (seen[a]) n.fail("axis " + std::to_string(axes[i]) + " is sliced twice");
    seen[a] = true;
    const int64_t dim = x[a], step = steps[i];
    if (step == 0) n.fail("step 0 on axis " + std::to_string(axes[i]));
    // Negative positions count from the end; then clamp as the ONNX spec says.
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? std::max(ends[i], INT64_MIN + dim) + dim : ends[i];
    int64_t len;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      len = end > start ? (end - start - 1) / step + 1 : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      len = start > end ? (start - end - 1) / -std::max(step, -dim - 1) + 1 : 0;
    }
    s.out[a] = len;
    if (len > 0) s.base += start * s.strides[a];
    s.strides[a] = len > 1 ? s.strides[a] * step : 0;  // a huge step taking one element must not overflow
  }
  return s;
}

// ---- Slice with a run-time start: x[i:i+k] in a loop body ----
// When the starts are only known at run time but the ends are provably the starts plus a
// constant (ends = Add(starts, k) under Unsqueeze/Squeeze/Reshape/Identity), the output has a
// static size and lowers to slice_window. One axis, step 1.

const Value* strip_reshapes(const Value* v) {
  static const char* const kSameValues[] = {"Unsqueeze", "Squeeze", "Reshape", "Identity", "Flatten"};
  while (v && !v->is_const() && v->producer && !v->producer->inputs.empty() &&
         std::find(std::begin(kSameValues), std::end(kSameValues), v->producer->op) != std::end(kSameValues))
    v = v->producer->inputs[0];
  return v;
}

std::optional<int64_t> constant_scalar(const Value* v) {
  if (!v || !v->is_const() || v->elems() != 1) return std::nullopt;
  return v->constant->to_ints()[0];
}

// k when `end` is `start` + k, else nothing.
std::optional<int64_t> width_between(const Value& start, const Value& end) {
  const Value* s = strip_reshapes(&start);
  const Value* e = strip_reshapes(&end);
  if (!e || !e->producer || e->producer->inputs.size() != 2) return std::nullopt;
  const Node& op = *e->producer;
  const Value* a = strip_reshapes(op.inputs[0]);
  const Value* b = strip_reshapes(op.inputs[1]);
  if (op.op == "Add" && a == s) return constant_scalar(op.inputs[1]);
  if (op.op == "Add" && b == s) return constant_scalar(op.inputs[0]);
  if (op.op == "Sub" && a == s)
    if (auto k = constant_scalar(op.inputs[1])) return -*k;
  return std::nullopt;
}

struct SliceWindow {
  size_t axis = 0;
  int64_t width = 0;
};

// Set when starts are run-time and the slice is a window of constant width.
std::optional<SliceWindow> slice_window_of(const Node& n) {
  const Value& starts = required_input(n, 1);
  const Value& ends = required_input(n, 2);
  if (starts.is_const() || starts.elems() != 1 || ends.elems() != 1) return std::nullopt;
  const std::optional<int64_t> width = width_between(starts, ends);
  if (!width) return std::nullopt;
  const Shape& x = required_input(n, 0).shape;
  const std::vector<int64_t> axes = optional_ints(n, 3, "Slice's axes");
  const std::vector<int64_t> steps = optional_ints(n, 4, "Slice's steps");
  if (!steps.empty() && steps != std::vector<int64_t>{1})
    n.fail("a Slice whose start is known only at run time needs step 1");
  SliceWindow w;
  w.axis = static_cast<size_t>(normalize_axis(n, axes.empty() ? 0 : axes[0], static_cast<int64_t>(x.size())));
  w.width = *width;
  if (w.width < 0 || w.width > x[w.axis])
    n.fail("a Slice whose start is known only at run time has width " + std::to_string(w.width) + ", outside 0.." +
           std::to_string(x[w.axis]) + " (its axis)");
  return w;
}

void infer_slice(Node& n) {
  expect_arity(n, 3, 5);
  if (auto w = slice_window_of(n)) {
    Shape out = required_input(n, 0).shape;
    out[w->axis] = w->width;
    set_output(n, 0, required_input(n, 0).dtype, out);
    return;
  }
  set_output(n, 0, required_input(n, 0).dtype, slice_spec(n).out);
}

std::vector<KernelCall> lower_slice_window(const Node& n, const SliceWindow& w) {
  const Value& x = required_input(n, 0);
  const Value& start = required_input(n, 1);
  if (n.outputs[0]->elems() == 0) return {};
  o2m::SliceWindowParams p{i32(n, prod(x.shape, 0, w.axis)), i32(n, x.shape[w.axis]), i32(n, w.width),
                           i32(n, prod(x.shape, w.axis + 1, x.shape.size()))};
  return {visit_data_index(n, 0, 1, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    return make_call(O2M_KERNEL2("indexing.hpp", o2m::slice_window, T, I), "o2m::SliceWindowParams", p, {&x, &start},
                     {n.outputs[0]});
  })};
}

std::vector<KernelCall> lower_slice(const Node& n) {
  if (auto w = slice_window_of(n)) return lower_slice_window(n, *w);
  SliceSpec s = slice_spec(n);
  if (shape_elems(s.out) == 0) return {};
  return {strided_copy_call(n, required_input(n, 0), *n.outputs[0], s.out, s.strides, s.base)};
}

// ---- Split ----

std::vector<int64_t> split_sizes(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const int64_t dim = x[static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.size())))];
  const auto outs = static_cast<int64_t>(n.outputs.size());
  std::vector<int64_t> sizes = optional_ints(n, 1, "Split's split");
  if (sizes.empty()) {
    // num_outputs (opset 18) may leave the last part smaller; before it, parts are equal.
    const int64_t parts = n.attr_int("num_outputs", outs);
    if (parts != outs)
      n.fail("num_outputs is " + std::to_string(parts) + " but the node has " + std::to_string(outs) + " outputs");
    if (!n.has_attr("num_outputs") && dim % parts != 0)
      n.fail("cannot split a dim of " + std::to_string(dim) + " into " + std::to_string(parts) + " equal parts");
    const int64_t each = (dim + parts - 1) / parts;
    for (int64_t i = 0, left = dim; i < parts; ++i, left -= each)
      sizes.push_back(std::max<int64_t>(0, std::min(each, left)));
  }
  int64_t total = 0;
  for (int64_t v : sizes) {
    if (v < 0) n.fail("split has a negative size");
    total = checked_add(total, v, "the sum of the split sizes");
  }
  if (static_cast<int64_t>(sizes.size()) != outs)
    n.fail("split lists " + std::to_string(sizes.size()) + " parts for " + std::to_string(outs) + " outputs");
  if (total != dim) n.fail("split sizes add up to " + std::to_string(total) + ", not the dim " + std::to_string(dim));
  return sizes;
}

void infer_split(Node& n) {
  expect_arity(n, 1, 2);
  const Value& x = required_input(n, 0);
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.shape.size())));
  std::vector<int64_t> sizes = split_sizes(n);
  for (size_t i = 0; i < sizes.size(); ++i) {
    Shape s = x.shape;
    s[axis] = sizes[i];
    set_output(n, i, x.dtype, s);
  }
}

std::vector<KernelCall> lower_split(const Node& n) {
  const Value& x = required_input(n, 0);
  const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.shape.size())));
  const int64_t outer = prod(x.shape, 0, axis), dim = x.shape[axis], inner = prod(x.shape, axis + 1, x.shape.size());
  std::vector<int64_t> sizes = split_sizes(n);
  std::vector<KernelCall> calls;
  int64_t offset = 0;
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    const int64_t size = sizes[i];
    if (n.outputs[i] && size * outer * inner > 0)
      calls.push_back(strided_copy_call(n, x, *n.outputs[i], {outer, size * inner}, {dim * inner, 1}, offset * inner));
    offset += size;
  }
  return calls;
}

// Slice's starts, ends and axes were attributes before opset 10.
void normalize_slice(Node& n, Graph& g) {
  if (n.opset >= 10) return;
  if (n.inputs.size() > 1) n.fail("takes one input before opset 10");
  if (!n.has_attr("starts") || !n.has_attr("ends")) n.fail("needs the starts and ends attributes");
  attr_to_input(n, g, "starts", 1);
  attr_to_input(n, g, "ends", 2);
  attr_to_input(n, g, "axes", 3);
}

// Split's sizes were an attribute before opset 13 (opset 1 also took them as an input).
void normalize_split(Node& n, Graph& g) { attr_to_input(n, g, "split", 1); }

// ---- Tile, Expand ----

std::vector<int64_t> tile_repeats(const Node& n) {
  if (n.opset < 6) n.fail("Tile before opset 6 (tiles and axis inputs) is not supported; re-export with opset >= 6");
  std::vector<int64_t> r = constant_input(n, 1, "Tile's repeats").to_ints();
  if (r.size() != required_input(n, 0).shape.size()) n.fail("repeats must have one value per input dim");
  for (int64_t v : r)
    if (v < 0) n.fail("repeats must not be negative");
  return r;
}

void infer_tile(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  std::vector<int64_t> r = tile_repeats(n);
  Shape out = x.shape;
  for (size_t d = 0; d < out.size(); ++d) out[d] = checked_mul(out[d], r[d], "a dim times its repeats");
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_tile(const Node& n) {
  const Value& x = required_input(n, 0);
  const Shape& y = n.outputs[0]->shape;
  if (shape_elems(y) == 0) return {};
  o2m::TileParams p{};
  p.n = i32(n, shape_elems(y));
  put_padded(n, y, p.out_dims, 1);
  put_padded(n, x.shape, p.in_dims, 1);
  put_padded(n, strides_of(x.shape), p.in_strides, 0);
  return {visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("indexing.hpp", o2m::tile, T), "o2m::TileParams", p, {&x}, {n.outputs[0]});
  })};
}

void infer_expand(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, broadcast_shapes(n, x.shape, constant_input(n, 1, "Expand's shape").to_ints()));
}

std::vector<KernelCall> lower_expand(const Node& n) {
  const Value& x = required_input(n, 0);
  const Shape& y = n.outputs[0]->shape;
  if (shape_elems(y) == 0) return {};
  std::vector<int64_t> st = strides_of(x.shape), in_strides(y.size(), 0);
  const size_t lead = y.size() - x.shape.size();
  for (size_t d = 0; d < x.shape.size(); ++d) in_strides[lead + d] = x.shape[d] == 1 ? 0 : st[d];
  return {strided_copy_call(n, x, *n.outputs[0], y, in_strides, 0)};
}

// ---- DepthToSpace, SpaceToDepth: a reshape to 6-D and a transpose, done as one strided copy ----

int64_t block_size(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  if (x.size() != 4) n.fail("expects a 4-D NCHW input, got " + shape_str(x));
  const int64_t b = n.attr_int("blocksize", 0);
  // Bounded so blocksize^2 cannot wrap (2^33 squared is 0 mod 2^64: a division by zero).
  if (b <= 0 || b > 65535) n.fail("blocksize must be between 1 and 65535, got " + std::to_string(b));
  return b;
}

void infer_depth_to_space(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  const int64_t b = block_size(n);
  if (x.shape[1] % (b * b)) n.fail("channels " + std::to_string(x.shape[1]) + " are not a multiple of blocksize^2");
  const std::string mode = n.attr_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") n.fail("unknown mode '" + mode + "'");
  set_output(n, 0, x.dtype, {x.shape[0], x.shape[1] / (b * b), x.shape[2] * b, x.shape[3] * b});
}

std::vector<KernelCall> lower_depth_to_space(const Node& n) {
  const Value& x = required_input(n, 0);
  const int64_t b = block_size(n), c = x.shape[1] / (b * b), h = x.shape[2], w = x.shape[3], hw = h * w;
  const int64_t chw = x.shape[1] * hw;
  // Output viewed as [N, C', H, b1, W, b2]; DCR reads channel (b1*b + b2)*C' + c, CRD c*b*b + b1*b + b2.
  std::vector<int64_t> strides = n.attr_string("mode", "DCR") == "DCR"
                                     ? std::vector<int64_t>{chw, hw, w, b * c * hw, 1, c * hw}
                                     : std::vector<int64_t>{chw, b * b * hw, w, b * hw, 1, hw};
  return {strided_copy_call(n, x, *n.outputs[0], {x.shape[0], c, h, b, w, b}, strides, 0)};
}

void infer_space_to_depth(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  const int64_t b = block_size(n);
  if (x.shape[2] % b || x.shape[3] % b) n.fail("height and width must be multiples of blocksize");
  set_output(n, 0, x.dtype, {x.shape[0], x.shape[1] * b * b, x.shape[2] / b, x.shape[3] / b});
}

std::vector<KernelCall> lower_space_to_depth(const Node& n) {
  const Value& x = required_input(n, 0);
  const int64_t b = block_size(n), c = x.shape[1], h = x.shape[2], w = x.shape[3];
  // Output viewed as [N, b1, b2, C, H', W'] reading x[n][c][h'*b + b1][w'*b + b2].
  return {strided_copy_call(n, x, *n.outputs[0], {x.shape[0], b, b, c, h / b, w / b},
                            {c * h * w, w, 1, h * w, b * w, b}, 0)};
}

// ---- Trilu ----

void infer_trilu(Node& n) {
  expect_arity(n, 1, 2);
  const Value& x = required_input(n, 0);
  if (x.shape.size() < 2) n.fail("expects rank >= 2");
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_trilu(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value* k = n.input(1);  // read at run time: the output shape does not depend on it
  if (k && (k->dtype != DType::I64 || k->elems() != 1)) n.fail("k must be one int64 value");
  const size_t r = x.shape.size();
  o2m::TriluParams p{i32(n, prod(x.shape, 0, r - 2)), i32(n, x.shape[r - 2]), i32(n, x.shape[r - 1]),
                     n.attr_int("upper", 1) ? 1 : 0};
  return {visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("indexing.hpp", o2m::trilu, T), "o2m::TriluParams", p, {&x, k}, {n.outputs[0]});
  })};
}

}  // namespace

void register_slicing_ops(OpTable& t) {
  OpDef& slice = add_op(t, {"Slice", "", infer_slice, lower_slice});
  slice.normalize = normalize_slice;
  slice.notes = "starts known only at run time when ends = starts + a constant (x[i:i+k]): one axis, step 1, rows outside read 0";
  add_op(t, {"Split", "", infer_split, lower_split}).normalize = normalize_split;
  add_op(t, {"Tile", "", infer_tile, lower_tile});
  add_op(t, {"Expand", "", infer_expand, lower_expand});
  add_op(t, {"DepthToSpace", "", infer_depth_to_space, lower_depth_to_space});
  add_op(t, {"SpaceToDepth", "", infer_space_to_depth, lower_space_to_depth});
  add_op(t, {"Trilu", "", infer_trilu, lower_trilu});
}

}  // namespace onnx2mcu
