// Resize (opset 10, 11, 13) and Upsample (opset 7, 9) -> templates/kernels/resize.hpp;
// GridSample (opset 16, 4-D) -> templates/kernels/grid_sample.hpp.
// The output shape must be known when compiling, so scales, sizes and (for
// tf_crop_and_resize) roi must be constants.
#include "kernels/grid_sample.hpp"
#include "kernels/resize.hpp"

#include <cmath>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

// What a Resize or Upsample node asks for, read from its inputs and attributes.
struct ResizeSpec {
  Shape out;
  std::vector<float> scales;  // empty when the sizes input gives the shape
  std::vector<float> roi;     // [starts..., ends...] for tf_crop_and_resize
  o2m::ResizeParams p{};
};

// A present input that is not an empty tensor (opset 11-12 pass an empty scales with sizes).
const Value* nonempty_input(const Node& n, size_t i) {
  const Value* v = n.input(i);
  return v && !(v->shape.size() == 1 && v->shape[0] == 0) ? v : nullptr;
}

std::vector<float> float_values(const Node& n, size_t i, const char* what) {
  const Tensor& t = constant_input(n, i, what);
  std::vector<float> v(static_cast<size_t>(t.elems()));
  for (int64_t k = 0; k < t.elems(); ++k) v[static_cast<size_t>(k)] = static_cast<float>(t.float_at(k));
  return v;
}

int32_t pick(const Node& n, const char* attr, const std::string& value, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == value) return static_cast<int32_t>(i);
  n.fail(std::string("unsupported ") + attr + " '" + value + "'");
}

ResizeSpec resize_spec(const Node& n) {
  const Value& x = required_input(n, 0);
  const size_t rank = x.shape.size();
  if (rank < 1 || rank > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank 1 to 6, got " + shape_str(x.shape));
  ResizeSpec s;
  const bool upsample = n.op == "Upsample";
  const bool legacy = upsample || n.opset < 11;  // asymmetric coordinates, "simple" nearest rounding
  std::vector<int64_t> sizes;
  if (upsample && n.opset < 7)
    n.fail("Upsample before opset 7 (width_scale/height_scale attributes) is not supported; re-export with opset >= 7");
  if (upsample && n.opset < 9) {
    s.scales = n.attr_floats("scales");
  } else if (legacy) {
    s.scales = float_values(n, 1, "scales");
  } else {
    if (nonempty_input(n, 3)) sizes = constant_input(n, 3, "sizes").to_ints();
    else if (nonempty_input(n, 2)) s.scales = float_values(n, 2, "scales");
    else n.fail("needs scales or sizes");
    if (!sizes.empty() && nonempty_input(n, 2)) n.fail("takes scales or sizes, not both");
  }
  if (!sizes.empty() && sizes.size() != rank) n.fail("sizes has " + std::to_string(sizes.size()) + " values for rank " + std::to_string(rank));
  // An empty scales tensor (legacy Upsample/Resize, or sizes empty too) is wrong, not "none" (fuzz_graphs, issue 13).
  if (sizes.empty() && s.scales.size() != rank)
    n.fail("scales has " + std::to_string(s.scales.size()) + " values for rank " + std::to_string(rank));
  s.out.resize(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (!sizes.empty()) {
      s.out[d] = sizes[d];
    } else {
      if (!(s.scales[d] > 0)) n.fail("scales must be positive");
      s.out[d] = static_cast<int64_t>(std::floor(static_cast<double>(s.scales[d]) * static_cast<double>(x.shape[d])));
    }
    if (s.out[d] < 1) n.fail("the output would be empty along dim " + std::to_string(d));
  }

  o2m::ResizeParams& p = s.p;
  p.rank = static_cast<int32_t>(rank);
  std::string mode = n.attr_string("mode", "nearest");
  if (mode == "bilinear" || mode == "trilinear") mode = "linear";
  p.mode = pick(n, "mode", mode, {"nearest", "linear", "cubic"});
  const std::string coord = legacy ? "asymmetric" : n.attr_string("coordinate_transformation_mode", "half_pixel");
  p.coord = pick(n, "coordinate_transformation_mode", coord,
                 {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"});
  const std::string nearest = legacy ? "simple" : n.attr_string("nearest_mode", "round_prefer_floor");
  p.nearest = pick(n, "nearest_mode", nearest, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"});
  p.cubic_a = n.attr_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = static_cast<int32_t>(n.attr_int("exclude_outside", 0));
  p.extrapolation = n.attr_float("extrapolation_value", 0.0f);
  if (p.coord == o2m::kCoordTfCropAndResize) {
    s.roi = float_values(n, 1, "roi");
    if (s.roi.size() != 2 * rank) n.fail("roi needs " + std::to_string(2 * rank) + " values");
  }
  for (size_t d = 0; d < rank; ++d) {
    p.in[d] = i32(n, x.shape[d]);
    p.out[d] = i32(n, s.out[d]);
    p.scale[d] = s.scales.empty() ? 0.0f : s.scales[d];
    p.roi_start[d] = s.roi.empty() ? 0.0f : s.roi[d];
    p.roi_end[d] = s.roi.empty() ? 1.0f : s.roi[rank + d];
  }
  return s;
}

void infer_resize(Node& n) {
  expect_arity(n, n.op == "Upsample" && n.opset < 9 ? 1 : 2, n.op == "Upsample" || n.opset < 11 ? 2 : 4);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, resize_spec(n).out);
}

std::vector<KernelCall> lower_resize(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::ResizeParams p = resize_spec(n).p;
  auto call = [&](auto t) {
    using T = decltype(t);
    KernelCall c = make_call(O2M_KERNEL("resize.hpp", o2m::resize, T), "o2m::ResizeParams", p, {&x}, {n.outputs[0]});
    c.scratch_bytes = o2m::resize_scratch_bytes(p);
    return c;
  };
  if (p.mode == o2m::kResizeNearest) return {visit_numeric(n, x.dtype, call)};
  return {visit_float(n, x.dtype, call)};
}

// ---- GridSample: x [N, C, H, W], grid [N, Ho, Wo, 2] -> [N, C, Ho, Wo] ----

o2m::GridSampleParams grid_sample_params(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const Shape& g = required_input(n, 1).shape;
  if (x.size() != 4) n.fail("supports 4-D input [N, C, H, W] only, got " + shape_str(x));
  if (g.size() != 4 || g[0] != x[0] || g[3] != 2) n.fail("grid must be [N, H_out, W_out, 2], got " + shape_str(g));
  o2m::GridSampleParams p{i32(n, x[0]), i32(n, x[1]), i32(n, x[2]), i32(n, x[3]), i32(n, g[1]), i32(n, g[2]), 0, 0, 0};
  const std::string mode = n.attr_string("mode", "bilinear"), pad = n.attr_string("padding_mode", "zeros");
  if (mode == "nearest") p.mode = o2m::kGridNearest;
  else if (mode == "bilinear") p.mode = o2m::kGridBilinear;
  else if (mode == "bicubic") p.mode = o2m::kGridBicubic;
  else n.fail("unknown mode '" + mode + "'");
  if (pad == "zeros") p.padding = o2m::kGridZeros;
  else if (pad == "border") p.padding = o2m::kGridBorder;
  else if (pad == "reflection") p.padding = o2m::kGridReflection;
  else n.fail("unknown padding_mode '" + pad + "'");
  p.align_corners = n.attr_int("align_corners", 0) ? 1 : 0;
  return p;
}

void infer_grid_sample(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  if (required_input(n, 1).dtype != x.dtype) n.fail("grid must have the input's dtype");
  const o2m::GridSampleParams p = grid_sample_params(n);
  set_output(n, 0, x.dtype, {x.shape[0], x.shape[1], p.out_h, p.out_w});
}

std::vector<KernelCall> lower_grid_sample(const Node& n) {
  const o2m::GridSampleParams p = grid_sample_params(n);
  return {visit_float(n, required_input(n, 0).dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("grid_sample.hpp", o2m::grid_sample, T), "o2m::GridSampleParams", p, {n.inputs[0], n.inputs[1]},
                     {n.outputs[0]});
  })};
}

}  // namespace

void register_spatial_ops(OpTable& t) {
  add_op(t, {"GridSample", "", infer_grid_sample, lower_grid_sample, false});
  add_op(t, {"Resize", "", infer_resize, lower_resize, false});
  add_op(t, {"Upsample", "", infer_resize, lower_resize, false});
}

}  // namespace onnx2mcu
