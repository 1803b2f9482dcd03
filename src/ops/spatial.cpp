// Resize (opset 10, 11, 13) and Upsample (opset 7, 9) -> templates/kernels/resize.hpp;
// GridSample (opset 16: 4-D; 20: 3-D to 5-D here) -> templates/kernels/grid_sample.hpp.
// The output shape must be known when compiling, so scales, sizes and (for
// tf_crop_and_resize) roi must be constants.
#include "kernels/grid_sample.hpp"
#include "kernels/resize.hpp"

#include <algorithm>
#include <cmath>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/normalize.h"
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
  // axes (opset 18): scales, sizes and roi list only these dims; the others keep their size.
  std::vector<size_t> dims;
  for (int64_t a : n.attr_ints("axes")) {
    const auto d = static_cast<size_t>(normalize_axis(n, a, static_cast<int64_t>(rank)));
    if (std::find(dims.begin(), dims.end(), d) != dims.end()) n.fail("axes lists dim " + std::to_string(d) + " twice");
    dims.push_back(d);
  }
  if (!n.has_attr("axes"))
    for (size_t d = 0; d < rank; ++d) dims.push_back(d);
  std::vector<int64_t> sizes;
  std::vector<float> scales;
  if (nonempty_input(n, 3)) sizes = constant_input(n, 3, "sizes").to_ints();
  else if (nonempty_input(n, 2)) scales = float_values(n, 2, "scales");
  else n.fail("needs scales or sizes");
  if (!sizes.empty() && nonempty_input(n, 2)) n.fail("takes scales or sizes, not both");
  const size_t listed = sizes.empty() ? scales.size() : sizes.size();
  if (listed != dims.size())
    n.fail(std::string(sizes.empty() ? "scales" : "sizes") + " has " + std::to_string(listed) + " values for " +
           std::to_string(dims.size()) + " dims");
  s.out = x.shape;
  if (!scales.empty()) s.scales.assign(rank, 1.0f);
  for (size_t i = 0; i < dims.size(); ++i) {
    const size_t d = dims[i];
    if (!sizes.empty()) {
      s.out[d] = sizes[i];
    } else {
      if (!(scales[i] > 0)) n.fail("scales must be positive");
      s.scales[d] = scales[i];
      s.out[d] = static_cast<int64_t>(std::floor(static_cast<double>(scales[i]) * static_cast<double>(x.shape[d])));
    }
    // No input pixel to interpolate from (the kernel would read x[0] of an empty tensor).
    if (x.shape[d] == 0 && s.out[d] != 0)
      n.fail("input " + shape_str(x.shape) + " is empty along dim " + std::to_string(d) +
             ", so there is nothing to resize to size " + std::to_string(s.out[d]));
  }
  // keep_aspect_ratio_policy (opset 18): one scale for every listed dim, the smallest
  // (not_larger) or largest (not_smaller) of sizes / input, and sizes rounded from it.
  const std::string policy = n.attr_string("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    n.fail("unknown keep_aspect_ratio_policy '" + policy + "'");
  if (policy != "stretch" && !sizes.empty()) {
    double common = policy == "not_larger" ? INFINITY : 0.0;
    for (size_t i = 0; i < dims.size(); ++i) {
      const double r = static_cast<double>(sizes[i]) / static_cast<double>(x.shape[dims[i]]);
      common = policy == "not_larger" ? std::min(common, r) : std::max(common, r);
    }
    s.scales.assign(rank, 1.0f);
    for (size_t d : dims) {
      s.scales[d] = static_cast<float>(common);
      s.out[d] = static_cast<int64_t>(common * static_cast<double>(x.shape[d]) + 0.5);
    }
  }
  for (size_t d = 0; d < rank; ++d)
    if (s.out[d] < 1) n.fail("the output would be empty along dim " + std::to_string(d));

  o2m::ResizeParams& p = s.p;
  p.rank = static_cast<int32_t>(rank);
  p.mode = pick(n, "mode", n.attr_string("mode", "nearest"), {"nearest", "linear", "cubic"});
  const std::string coord = n.attr_string("coordinate_transformation_mode", "half_pixel");
  p.coord = pick(n, "coordinate_transformation_mode", coord,
                 {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize",
                  "half_pixel_symmetric"});
  const std::string nearest = n.attr_string("nearest_mode", "round_prefer_floor");
  p.nearest = pick(n, "nearest_mode", nearest, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"});
  p.cubic_a = n.attr_float("cubic_coeff_a", -0.75f);
  p.exclude_outside = static_cast<int32_t>(n.attr_int("exclude_outside", 0));
  p.extrapolation = n.attr_float("extrapolation_value", 0.0f);
  p.antialias = n.attr_int("antialias", 0) != 0 ? 1 : 0;  // nearest ignores it
  if (p.coord == o2m::kCoordTfCropAndResize) {
    const std::vector<float> roi = float_values(n, 1, "roi");
    if (roi.size() != 2 * dims.size()) n.fail("roi needs " + std::to_string(2 * dims.size()) + " values");
    s.roi.assign(rank, 0.0f);
    s.roi.resize(2 * rank, 1.0f);
    for (size_t i = 0; i < dims.size(); ++i) {
      s.roi[dims[i]] = roi[i];
      s.roi[rank + dims[i]] = roi[dims.size() + i];
    }
  }
  for (size_t d = 0; d < rank; ++d) {
    p.in[d] = i32(n, x.shape[d]);
    p.out[d] = i32(n, s.out[d]);
    p.scale[d] = s.scales.empty() ? 0.0f : s.scales[d];
    p.roi_start[d] = s.roi.empty() ? 0.0f : s.roi[d];
    p.roi_end[d] = s.roi.empty() ? 1.0f : s.roi[rank + d];
  }
  // The kernel counts its tap tables in int32 (antialias: about 4 x the input dim per dim).
  double entries = 0;
  for (size_t d = 0; d < rank; ++d) entries += static_cast<double>(p.out[d]) * o2m::resize_taps(p, static_cast<int32_t>(d));
  if (entries * 8 > INT32_MAX) n.fail("the interpolation tables would take more than 2 GiB");
  return s;
}

// Upsample (opset 7: scales attribute; 9: input) and Resize 10 take [X, scales] with asymmetric
// coordinates and "simple" nearest rounding (kernels/resize.hpp); the canonical form is Resize
// 11's [X, roi, scales, sizes] with those modes spelled out.
void normalize_resize(Node& n, Graph& g) {
  const bool upsample = n.op == "Upsample";
  if (!upsample && n.opset >= 11) return;
  if (upsample && n.opset < 7)
    n.fail("Upsample before opset 7 (width_scale/height_scale attributes) is not supported; re-export with opset >= 7");
  if (n.inputs.size() > 2) n.fail("takes X and scales before Resize 11");
  attr_to_input(n, g, "scales", 1);
  Value* scales = n.input(1);
  n.inputs.resize(1);
  set_input(n, 2, scales);
  const std::string mode = n.attr_string("mode", "nearest");
  if (mode == "bilinear" || mode == "trilinear") n.attrs["mode"].s = "linear";
  for (const char* key : {"coordinate_transformation_mode", "nearest_mode"}) n.attrs.erase(key);  // not defined before 11
  default_string_attr(n, "coordinate_transformation_mode", "asymmetric");
  default_string_attr(n, "nearest_mode", "simple");
}

void infer_resize(Node& n) {
  expect_arity(n, 2, 4);
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

// ---- GridSample: x [N, C, D..., H, W], grid [N, Do..., Ho, Wo, r] -> [N, C, Do..., Ho, Wo] ----

o2m::GridSampleParams grid_sample_params(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const Shape& g = required_input(n, 1).shape;
  const size_t lo = n.opset < 20 ? 4 : 3, hi = n.opset < 20 ? 4 : 2 + o2m::kGridDims;  // opset 16 defines 4-D only
  if (x.size() < lo || x.size() > hi)
    n.fail(std::string(n.opset < 20 ? "supports 4-D input only before opset 20" : "supports 3-D to 5-D input") + ", got " +
           shape_str(x));
  const size_t r = x.size() - 2;
  if (g.size() != x.size() || g[0] != x[0] || g.back() != static_cast<int64_t>(r))
    n.fail("grid must be [N, <" + std::to_string(r) + " output dims>, " + std::to_string(r) + "] for input " + shape_str(x) +
           ", got " + shape_str(g));
  o2m::GridSampleParams p{i32(n, x[0]), i32(n, x[1]), {1, 1, 1}, {1, 1, 1}, static_cast<int32_t>(r), 0, 0, 0};
  for (size_t d = 0; d < r; ++d) {
    p.in[o2m::kGridDims - r + d] = i32(n, x[2 + d]);
    p.out[o2m::kGridDims - r + d] = i32(n, g[1 + d]);
  }
  const std::string mode = n.attr_string("mode", "linear"), pad = n.attr_string("padding_mode", "zeros");
  if (mode == "nearest") p.mode = o2m::kGridNearest;
  else if (mode == "linear") p.mode = o2m::kGridBilinear;
  else if (mode == "cubic") p.mode = o2m::kGridBicubic;
  else n.fail("unknown mode '" + mode + "'");
  if (pad == "zeros") p.padding = o2m::kGridZeros;
  else if (pad == "border") p.padding = o2m::kGridBorder;
  else if (pad == "reflection") p.padding = o2m::kGridReflection;
  else n.fail("unknown padding_mode '" + pad + "'");
  p.align_corners = n.attr_int("align_corners", 0) ? 1 : 0;
  return p;
}

// GridSample 16 called its modes bilinear and bicubic; 20 calls them linear and cubic.
void normalize_grid_sample(Node& n, Graph&) {
  auto it = n.attrs.find("mode");
  if (n.opset >= 20 || it == n.attrs.end() || it->second.kind != Attr::Kind::String) return;
  if (it->second.s == "bilinear") it->second.s = "linear";
  else if (it->second.s == "bicubic") it->second.s = "cubic";
}

void infer_grid_sample(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  if (required_input(n, 1).dtype != x.dtype) n.fail("grid must have the input's dtype");
  grid_sample_params(n);
  Shape y = required_input(n, 1).shape;
  y.pop_back();
  y.insert(y.begin() + 1, x.shape[1]);
  set_output(n, 0, x.dtype, y);
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
  add_op(t, {"GridSample", "", infer_grid_sample, lower_grid_sample, false}).normalize = normalize_grid_sample;
  add_op(t, {"Resize", "", infer_resize, lower_resize, false}).normalize = normalize_resize;
  add_op(t, {"Upsample", "", infer_resize, lower_resize, false}).normalize = normalize_resize;
}

}  // namespace onnx2mcu
