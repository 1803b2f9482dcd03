// Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND, Compress, ReverseSequence
// -> templates/kernels/gather.hpp and indexing.hpp.
#include "kernels/gather.hpp"

#include <algorithm>

#include "ops/index_math.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

int64_t axis_attr(const Node& n, const Shape& s, int64_t def = 0) {
  return normalize_axis(n, n.attr_int("axis", def), static_cast<int64_t>(s.size()));
}

// ---- Gather ----

void infer_gather(Node& n) {
  expect_arity(n, 2, 2);
  const Shape& x = required_input(n, 0).shape;
  const Shape& idx = required_input(n, 1).shape;
  const auto axis = static_cast<size_t>(axis_attr(n, x));
  Shape out(x.begin(), x.begin() + static_cast<long>(axis));
  out.insert(out.end(), idx.begin(), idx.end());
  out.insert(out.end(), x.begin() + static_cast<long>(axis) + 1, x.end());
  set_output(n, 0, required_input(n, 0).dtype, out);
}

std::vector<KernelCall> lower_gather(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& idx = required_input(n, 1);
  const auto axis = static_cast<size_t>(axis_attr(n, x.shape));
  o2m::GatherParams p{i32(n, prod(x.shape, 0, axis)), i32(n, x.shape[axis]), i32(n, prod(x.shape, axis + 1, x.shape.size())),
                      i32(n, idx.elems())};
  return {visit_data_index(n, 0, 1, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    return make_call(O2M_KERNEL2("gather.hpp", o2m::gather, T, I), "o2m::GatherParams", p, {&x, &idx}, {n.outputs[0]});
  })};
}

// ---- GatherElements, Scatter, ScatterElements ----

int32_t reduction_code(const Node& n) {
  const std::string r = n.attr_string("reduction", "none");
  if (r == "none") return 0;
  if (r == "add") return 1;
  if (r == "mul") return 2;
  if (r == "max") return 3;
  if (r == "min") return 4;
  n.fail("unknown reduction '" + r + "'");
}

o2m::ElementsParams elements_params(const Node& n, const Value& data, const Value& idx) {
  const Shape& d = data.shape;
  if (idx.shape.size() != d.size()) n.fail("indices must have the data's rank " + std::to_string(d.size()));
  const auto axis = static_cast<size_t>(axis_attr(n, d));
  // Off the axis an index reads (or writes) at its own position: it must lie inside the data.
  for (size_t i = 0; i < d.size(); ++i)
    if (i != axis && idx.shape[i] > d[i])
      n.fail("indices " + shape_str(idx.shape) + " exceed the data " + shape_str(d) + " on axis " + std::to_string(i) +
             ", which is not the gather/scatter axis");
  std::vector<int64_t> st = strides_of(d);
  o2m::ElementsParams p{};
  p.n_idx = i32(n, idx.elems());
  p.n_data = i32(n, data.elems());
  p.axis_len = i32(n, d[axis]);
  p.axis_stride = i32(n, st[axis]);
  st[axis] = 0;  // the index supplies the position along the axis
  Shape dims = idx.shape;
  merge_dims(dims, st);
  put_padded(n, dims, p.dims, 1);
  put_padded(n, st, p.strides, 0);
  return p;
}

void infer_gather_elements(Node& n) {
  expect_arity(n, 2, 2);
  elements_params(n, required_input(n, 0), required_input(n, 1));  // its checks
  set_output(n, 0, required_input(n, 0).dtype, required_input(n, 1).shape);
}

std::vector<KernelCall> lower_gather_elements(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& idx = required_input(n, 1);
  o2m::ElementsParams p = elements_params(n, x, idx);
  return {visit_data_index(n, 0, 1, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    return make_call(O2M_KERNEL2("gather.hpp", o2m::gather_elements, T, I), "o2m::ElementsParams", p, {&x, &idx},
                     {n.outputs[0]});
  })};
}

// Scatter and ScatterElements: (data, indices, updates) -> data's shape.
void infer_scatter(Node& n) {
  expect_arity(n, 3, 3);
  const Value& data = required_input(n, 0);
  if (required_input(n, 2).dtype != data.dtype) n.fail("updates must have the data's dtype");
  if (required_input(n, 2).shape != required_input(n, 1).shape) n.fail("updates must have the indices' shape");
  elements_params(n, data, required_input(n, 1));  // its checks
  set_output(n, 0, data.dtype, data.shape);
}

std::vector<KernelCall> lower_scatter_elements(const Node& n) {
  const Value& data = required_input(n, 0);
  const Value& idx = required_input(n, 1);
  const Value& upd = required_input(n, 2);
  o2m::ElementsParams p = elements_params(n, data, idx);
  p.reduction = reduction_code(n);
  return {visit_data_index(n, 0, 1, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    return make_call(O2M_KERNEL2("gather.hpp", o2m::scatter_elements, T, I), "o2m::ElementsParams", p,
                     {&data, &idx, &upd}, {n.outputs[0]});
  })};
}

// ---- GatherND, ScatterND ----

// Shared geometry: `b` batch dims, tuples of k coordinates into data dims b .. b+k-1.
o2m::NDParams nd_params(const Node& n, const Shape& data, const Shape& idx, size_t b) {
  if (idx.empty()) n.fail("indices must have rank >= 1");
  const auto k = static_cast<size_t>(idx.back());
  if (b >= idx.size() || b + k > data.size())
    n.fail("indices " + shape_str(idx) + " do not fit data " + shape_str(data) + " with batch_dims " + std::to_string(b));
  for (size_t d = 0; d < b; ++d)
    if (data[d] != idx[d]) n.fail("batch dims of data " + shape_str(data) + " and indices " + shape_str(idx) + " differ");
  if (k > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports index tuples of at most 6 coordinates");
  std::vector<int64_t> st = strides_of(data);
  o2m::NDParams p{};
  p.batch = i32(n, prod(idx, 0, b));
  p.n_idx = i32(n, prod(idx, b, idx.size() - 1));
  p.k = i32(n, static_cast<int64_t>(k));
  p.chunk = i32(n, prod(data, b + k, data.size()));
  p.data_batch_stride = i32(n, prod(data, b, data.size()));
  p.n_data = i32(n, shape_elems(data));
  for (size_t q = 0; q < k; ++q) {
    p.dims[q] = i32(n, data[b + q]);
    p.strides[q] = i32(n, st[b + q]);
  }
  return p;
}

void infer_gather_nd(Node& n) {
  expect_arity(n, 2, 2);
  const Value& data = required_input(n, 0);
  const Shape& idx = required_input(n, 1).shape;
  const auto b = static_cast<size_t>(n.attr_int("batch_dims", 0));
  o2m::NDParams p = nd_params(n, data.shape, idx, b);
  Shape out(idx.begin(), idx.end() - 1);
  out.insert(out.end(), data.shape.begin() + static_cast<long>(b) + p.k, data.shape.end());
  set_output(n, 0, data.dtype, out);
}

std::vector<KernelCall> lower_gather_nd(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& idx = required_input(n, 1);
  o2m::NDParams p = nd_params(n, x.shape, idx.shape, static_cast<size_t>(n.attr_int("batch_dims", 0)));
  return {visit_data_index(n, 0, 1, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    return make_call(O2M_KERNEL2("gather.hpp", o2m::gather_nd, T, I), "o2m::NDParams", p, {&x, &idx}, {n.outputs[0]});
  })};
}

void infer_scatter_nd(Node& n) {
  expect_arity(n, 3, 3);
  const Value& data = required_input(n, 0);
  const Shape& idx = required_input(n, 1).shape;
  const Value& upd = required_input(n, 2);
  o2m::NDParams p = nd_params(n, data.shape, idx, 0);
  Shape want(idx.begin(), idx.end() - 1);
  want.insert(want.end(), data.shape.begin() + p.k, data.shape.end());
  if (upd.shape != want) n.fail("updates are " + shape_str(upd.shape) + ", expected " + shape_str(want));
  if (upd.dtype != data.dtype) n.fail("updates must have the data's dtype");
  set_output(n, 0, data.dtype, data.shape);
}

std::vector<KernelCall> lower_scatter_nd(const Node& n) {
  const Value& data = required_input(n, 0);
  const Value& idx = required_input(n, 1);
  const Value& upd = required_input(n, 2);
  o2m::NDParams p = nd_params(n, data.shape, idx.shape, 0);
  p.reduction = reduction_code(n);
  return {visit_data_index(n, 0, 1, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    return make_call(O2M_KERNEL2("gather.hpp", o2m::scatter_nd, T, I), "o2m::NDParams", p, {&data, &idx, &upd},
                     {n.outputs[0]});
  })};
}

// ---- Compress: the condition must be constant, since it sets the output's shape ----

struct CompressGeometry {
  int64_t outer, len, inner, kept;
  Shape out;
};

CompressGeometry compress_geometry(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const Tensor& cond = constant_input(n, 1, "Compress's condition");
  if (cond.shape.size() != 1) n.fail("condition must be 1-D");
  CompressGeometry g{1, shape_elems(x), 1, 0, {}};
  size_t axis = 0;
  if (n.has_attr("axis")) {
    axis = static_cast<size_t>(axis_attr(n, x));
    g = {prod(x, 0, axis), x[axis], prod(x, axis + 1, x.size()), 0, x};
  }
  for (int64_t a = 0; a < std::min(g.len, cond.elems()); ++a) g.kept += cond.int_at(a) != 0;
  if (g.out.empty()) g.out = {g.kept};
  else g.out[axis] = g.kept;
  return g;
}

void infer_compress(Node& n) {
  expect_arity(n, 2, 2);
  if (required_input(n, 1).dtype != DType::Bool) n.fail("condition must be bool");
  set_output(n, 0, required_input(n, 0).dtype, compress_geometry(n).out);
}

std::vector<KernelCall> lower_compress(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& cond = required_input(n, 1);
  CompressGeometry g = compress_geometry(n);
  o2m::CompressParams p{i32(n, g.outer), i32(n, g.len), i32(n, g.inner), i32(n, cond.elems())};
  return {visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("indexing.hpp", o2m::compress, T), "o2m::CompressParams", p, {&x, &cond}, {n.outputs[0]});
  })};
}

// ---- ReverseSequence ----

void infer_reverse_sequence(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  const Value& lens = required_input(n, 1);
  const int64_t time = n.attr_int("time_axis", 0), batch = n.attr_int("batch_axis", 1);
  if (!((time == 0 && batch == 1) || (time == 1 && batch == 0))) n.fail("time_axis and batch_axis must be 0 and 1, in either order");
  if (x.shape.size() < 2) n.fail("expects rank >= 2, got " + shape_str(x.shape));
  if (lens.dtype != DType::I32 && lens.dtype != DType::I64) n.fail("sequence_lens must be int32 or int64");
  if (lens.shape != Shape{x.shape[static_cast<size_t>(batch)]}) n.fail("sequence_lens must hold one length per batch entry");
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_reverse_sequence(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& lens = required_input(n, 1);
  const o2m::ReverseSequenceParams p{i32(n, x.shape[0]), i32(n, x.shape[1]), i32(n, prod(x.shape, 2, x.shape.size())),
                                     static_cast<int32_t>(n.attr_int("time_axis", 0))};
  return {visit_dtype(x.dtype, [&](auto t) {
    return visit_index(n, lens.dtype, [&](auto ti) {
      using T = decltype(t);
      using I = decltype(ti);
      return make_call(O2M_KERNEL2("gather.hpp", o2m::reverse_sequence, T, I), "o2m::ReverseSequenceParams", p, {&x, &lens},
                       {n.outputs[0]});
    });
  })};
}

}  // namespace

void register_indexing_ops(OpTable& t) {
  add_op(t, {"ReverseSequence", "", infer_reverse_sequence, lower_reverse_sequence});
  add_op(t, {"Gather", "", infer_gather, lower_gather});
  add_op(t, {"GatherElements", "", infer_gather_elements, lower_gather_elements});
  add_op(t, {"GatherND", "", infer_gather_nd, lower_gather_nd});
  add_op(t, {"Scatter", "", infer_scatter, lower_scatter_elements});
  add_op(t, {"ScatterElements", "", infer_scatter, lower_scatter_elements});
  add_op(t, {"ScatterND", "", infer_scatter_nd, lower_scatter_nd});
  add_op(t, {"Compress", "", infer_compress, lower_compress});
}

}  // namespace onnx2mcu
