// RoiAlign (opset 10: output_half_pixel coordinates; 16+: coordinate_transformation_mode) and
// MaxRoiPool -> templates/kernels/roi.hpp.
#include "kernels/roi.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

const Shape& feature_map(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  if (x.size() != 4) n.fail("expects a 4-D feature map [N, C, H, W], got " + shape_str(x));
  if (x[2] < 1 || x[3] < 1) n.fail("expects a non-empty feature map, got " + shape_str(x));
  return x;
}

o2m::RoiAlignParams roi_align_params(const Node& n) {
  const Shape& x = feature_map(n);
  const Shape& rois = required_input(n, 1).shape;
  const Shape& idx = required_input(n, 2).shape;
  if (rois.size() != 2 || rois[1] != 4) n.fail("rois must be [num_rois, 4], got " + shape_str(rois));
  if (idx != Shape{rois[0]}) n.fail("batch_indices must be [" + std::to_string(rois[0]) + "], got " + shape_str(idx));
  const std::string mode = n.attr_string("mode", "avg");
  if (mode != "avg" && mode != "max") n.fail("mode must be avg or max, got '" + mode + "'");
  // Opset 10 has no coordinate_transformation_mode and behaves as output_half_pixel.
  const std::string ctm = n.attr_string("coordinate_transformation_mode", n.opset < 16 ? "output_half_pixel" : "half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    n.fail("coordinate_transformation_mode must be half_pixel or output_half_pixel, got '" + ctm + "'");
  const int64_t out_h = n.attr_int("output_height", 1), out_w = n.attr_int("output_width", 1);
  const int64_t ratio = n.attr_int("sampling_ratio", 0);
  if (out_h < 1 || out_w < 1) n.fail("output_height and output_width must be positive");
  if (ratio < 0) n.fail("sampling_ratio must be >= 0, got " + std::to_string(ratio));
  return {i32(n, x[0]), i32(n, x[1]), i32(n, x[2]), i32(n, x[3]), i32(n, rois[0]), i32(n, out_h), i32(n, out_w),
          i32(n, ratio), n.attr_float("spatial_scale", 1.0f), ctm == "half_pixel", mode == "max"};
}

void infer_roi_align(Node& n) {
  expect_arity(n, 3, 3);
  const Value& x = required_input(n, 0);
  if (required_input(n, 1).dtype != x.dtype) n.fail("rois must have X's dtype");
  const o2m::RoiAlignParams p = roi_align_params(n);
  set_output(n, 0, x.dtype, {p.rois, p.channels, p.out_h, p.out_w});
}

std::vector<KernelCall> lower_roi_align(const Node& n) {
  const Value& x = required_input(n, 0);
  const Value& idx = required_input(n, 2);
  const o2m::RoiAlignParams p = roi_align_params(n);
  return {visit_float(n, x.dtype, [&](auto t) {
    return visit_index(n, idx.dtype, [&](auto i) {
      using T = decltype(t);
      using I = decltype(i);
      return make_call(O2M_KERNEL2("roi.hpp", o2m::roi_align, T, I), "o2m::RoiAlignParams", p, node_inputs(n), {n.outputs[0]});
    });
  })};
}

o2m::MaxRoiPoolParams max_roi_pool_params(const Node& n) {
  const Shape& x = feature_map(n);
  const Shape& rois = required_input(n, 1).shape;
  if (rois.size() != 2 || rois[1] != 5) n.fail("rois must be [num_rois, 5], got " + shape_str(rois));
  const std::vector<int64_t> pooled = n.attr_ints("pooled_shape");
  if (pooled.size() != 2 || pooled[0] < 1 || pooled[1] < 1) n.fail("pooled_shape must be two positive ints");
  return {i32(n, x[0]), i32(n, x[1]), i32(n, x[2]), i32(n, x[3]), i32(n, rois[0]), i32(n, pooled[0]), i32(n, pooled[1]),
          n.attr_float("spatial_scale", 1.0f)};
}

void infer_max_roi_pool(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  expect_same_dtype(n, x.dtype);
  const o2m::MaxRoiPoolParams p = max_roi_pool_params(n);
  set_output(n, 0, x.dtype, {p.rois, p.channels, p.out_h, p.out_w});
}

std::vector<KernelCall> lower_max_roi_pool(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::MaxRoiPoolParams p = max_roi_pool_params(n);
  return {visit_float(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("roi.hpp", o2m::max_roi_pool, T), "o2m::MaxRoiPoolParams", p, node_inputs(n), {n.outputs[0]});
  })};
}

}  // namespace

void register_roi_ops(OpTable& t) {
  add_op(t, {"RoiAlign", "", infer_roi_align, lower_roi_align});
  add_op(t, {"MaxRoiPool", "", infer_max_roi_pool, lower_max_roi_pool});
}

}  // namespace onnx2mcu
