// NonMaxSuppression, Unique -> templates/kernels/data_dependent.hpp.
// How many boxes survive or how many distinct values there are depends on the input values, and
// a microcontroller build needs every size fixed, so (as NonZero in generate.cpp) these ops need
// constant inputs and always fold; the shape rule counts with the kernel's own selection code.
#include "kernels/data_dependent.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// ---- NonMaxSuppression (opset 10, 11) ----

o2m::NmsParams nms_params(const Node& n) {
  const Shape& boxes = required_input(n, 0).shape;
  const Shape& scores = required_input(n, 1).shape;
  if (boxes.size() != 3 || boxes[2] != 4) n.fail("boxes must be [batches, boxes, 4], got " + shape_str(boxes));
  if (scores.size() != 3 || scores[0] != boxes[0] || scores[2] != boxes[1])
    n.fail("scores must be [" + std::to_string(boxes[0]) + ", classes, " + std::to_string(boxes[1]) + "], got " + shape_str(scores));
  const int64_t center = n.attr_int("center_point_box", 0);
  if (center != 0 && center != 1) n.fail("center_point_box must be 0 or 1");
  return {i32(n, boxes[0]), i32(n, scores[1]), i32(n, boxes[1]), static_cast<int32_t>(center)};
}

int64_t nms_count(const Node& n) {
  const o2m::NmsParams p = nms_params(n);
  const Tensor& boxes = shape_deciding_input(n, 0);
  const Tensor& scores = shape_deciding_input(n, 1);
  auto scalar = [&](size_t i, const char* what) -> const Tensor* {
    if (!n.input(i)) return nullptr;
    const Tensor& t = shape_deciding_input(n, i);
    if (t.elems() != 1) n.fail(std::string(what) + " must hold one value");
    return &t;
  };
  const Tensor* max_out = scalar(2, "max_output_boxes_per_class");
  const Tensor* iou = scalar(3, "iou_threshold");
  const Tensor* score = scalar(4, "score_threshold");
  std::vector<int32_t> scratch(2 * static_cast<size_t>(p.boxes) + 1);
  return o2m::nms_select(p, boxes.data<float>(), scores.data<float>(), max_out ? max_out->int_at(0) : 0,
                         iou ? iou->float_at(0) : 0.0, score != nullptr, score ? score->float_at(0) : 0.0, nullptr,
                         scratch.data());
}

void infer_nms(Node& n) {
  expect_arity(n, 2, 5);
  if (required_input(n, 0).dtype != DType::F32 || required_input(n, 1).dtype != DType::F32)
    n.fail("boxes and scores must be float32");
  if (n.input(2) && n.inputs[2]->dtype != DType::I64) n.fail("max_output_boxes_per_class must be int64");
  for (size_t i = 3; i < 5; ++i)
    if (n.input(i) && n.inputs[i]->dtype != DType::F32) n.fail("iou_threshold and score_threshold must be float32");
  set_output(n, 0, DType::I64, {nms_count(n), 3});
}

std::vector<KernelCall> lower_nms(const Node& n) {
  const o2m::NmsParams p = nms_params(n);
  std::vector<const Value*> ins{n.inputs[0], n.inputs[1], n.input(2), n.input(3), n.input(4)};
  KernelCall c = make_call(O2M_KERNEL("data_dependent.hpp", o2m::non_max_suppression, float), "o2m::NmsParams", p, ins,
                           {n.outputs[0]});
  c.scratch_bytes = 2 * int64_t{p.boxes} * 4 + 4;
  return {c};
}

// ---- Unique (opset 11) ----

o2m::UniqueParams unique_params(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  o2m::UniqueParams p{1, i32(n, shape_elems(x)), 1, n.attr_int("sorted", 1) ? 1 : 0};
  if (n.has_attr("axis")) {
    const auto axis = static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.size())));
    p.outer = i32(n, prod(x, 0, axis));
    p.len = i32(n, x[axis]);
    p.inner = i32(n, prod(x, axis + 1, x.size()));
  }
  return p;
}

void infer_unique(Node& n) {
  expect_arity(n, 1, 1);
  const Value& x = required_input(n, 0);
  const Tensor& data = shape_deciding_input(n, 0);
  const o2m::UniqueParams p = unique_params(n);
  std::vector<int32_t> first(static_cast<size_t>(p.len) + 1);
  const int64_t count = visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return int64_t{o2m::unique_slices(p, data.data<T>(), first.data())};
  });
  Shape y{count};
  if (n.has_attr("axis")) {
    y = x.shape;
    y[static_cast<size_t>(normalize_axis(n, n.attr_int("axis", 0), static_cast<int64_t>(x.shape.size())))] = count;
  }
  set_output(n, 0, x.dtype, y);
  set_output(n, 1, DType::I64, {count});
  set_output(n, 2, DType::I64, {int64_t{p.len}});
  set_output(n, 3, DType::I64, {count});
}

std::vector<KernelCall> lower_unique(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::UniqueParams p = unique_params(n);
  std::vector<const Value*> outs;
  for (size_t i = 0; i < 4; ++i) outs.push_back(i < n.outputs.size() ? n.outputs[i] : nullptr);
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("data_dependent.hpp", o2m::unique, T), "o2m::UniqueParams", p, {&x}, outs);
    c.scratch_bytes = int64_t{p.len} * 4 + 4;
    return c;
  })};
}

}  // namespace

void register_data_dependent_ops(OpTable& t) {
  add_op(t, {"NonMaxSuppression", "", infer_nms, lower_nms});
  add_op(t, {"Unique", "", infer_unique, lower_unique});
}

}  // namespace onnx2mcu
