// CenterCropPad (-> layout.hpp's pad, through pad_call.h), Col2Im, AffineGrid (-> templates/kernels/geometry.hpp):
// ops that place values by coordinates computed from constant sizes.
#include "kernels/geometry.hpp"

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/pad_call.h"
#include "ops/registry.h"
#include "ops/window.h"

namespace onnx2mcu {
namespace {

// ---- CenterCropPad: a pad whose negative begin pads crop ----

// Per dim: the output size and the (signed) pad before the input's first element.
std::pair<Shape, std::vector<int64_t>> crop_pad_geometry(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const std::vector<int64_t> target = constant_input(n, 1, "CenterCropPad's shape").to_ints();
  const auto rank = static_cast<int64_t>(x.size());
  std::vector<int64_t> axes = n.attr_ints("axes");
  if (!n.has_attr("axes"))
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  if (target.size() != axes.size())
    n.fail("shape has " + std::to_string(target.size()) + " values for " + std::to_string(axes.size()) + " axes");
  Shape out = x;
  std::vector<int64_t> begin(x.size(), 0), seen(x.size(), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto d = static_cast<size_t>(normalize_axis(n, axes[i], rank));
    if (seen[d]++) n.fail("repeats axis " + std::to_string(axes[i]));
    if (target[i] < 0) n.fail("shape has a negative dim " + std::to_string(target[i]));
    out[d] = target[i];
    // Crop: the window starts at floor((in - out) / 2). Pad: floor((out - in) / 2) before, the rest after.
    begin[d] = target[i] >= x[d] ? (target[i] - x[d]) / 2 : -((x[d] - target[i]) / 2);
  }
  return {out, begin};
}

void infer_center_crop_pad(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  set_output(n, 0, x.dtype, crop_pad_geometry(n).first);
}

std::vector<KernelCall> lower_center_crop_pad(const Node& n) {
  return pad_call(n, required_input(n, 0), crop_pad_geometry(n).second, /*mode=*/0, /*value=*/0.0f);
}

// ---- Col2Im ----

o2m::Col2ImParams col2im_params(const Node& n) {
  const Shape& x = required_input(n, 0).shape;
  const std::vector<int64_t> image = constant_input(n, 1, "Col2Im's image_shape").to_ints();
  const std::vector<int64_t> block = constant_input(n, 2, "Col2Im's block_shape").to_ints();
  const size_t s = image.size();
  if (x.size() != 3) n.fail("expects input [N, C * prod(block_shape), L], got " + shape_str(x));
  if (s < 1 || s > static_cast<size_t>(o2m::kMaxSpatial) || block.size() != s)
    n.fail("image_shape and block_shape must have the same length, 1 to 3");
  // The blocks sit where a convolution's windows would on an [N, C, image...] input.
  Shape as_conv_input{x[0], 1};
  as_conv_input.insert(as_conv_input.end(), image.begin(), image.end());
  const Window win = compute_window(n, as_conv_input, block, false);
  o2m::Col2ImParams p{};
  p.batch = i32(n, x[0]);
  p.spatial = static_cast<int32_t>(s);
  int64_t block_size = 1, n_blocks = 1;
  for (size_t d = 0; d < s; ++d) {
    if (image[d] < 1) n.fail("image_shape must be positive");
    p.image[d] = i32(n, image[d]);
    p.block[d] = i32(n, block[d]);
    p.blocks[d] = i32(n, win.out[d]);
    p.stride[d] = i32(n, win.strides[d]);
    p.dilation[d] = i32(n, win.dilations[d]);
    p.pad_begin[d] = i32(n, win.pad_begin[d]);
    block_size *= block[d];
    n_blocks *= win.out[d];
  }
  if (x[1] % block_size != 0) n.fail("dim 1 (" + std::to_string(x[1]) + ") is not a multiple of the block size " + std::to_string(block_size));
  if (x[2] != n_blocks) n.fail("L = " + std::to_string(x[2]) + " but the image holds " + std::to_string(n_blocks) + " blocks");
  p.channels = i32(n, x[1] / block_size);
  return p;
}

void infer_col2im(Node& n) {
  expect_arity(n, 3, 3);
  const Value& x = required_input(n, 0);
  const o2m::Col2ImParams p = col2im_params(n);
  Shape out{p.batch, p.channels};
  for (int32_t d = 0; d < p.spatial; ++d) out.push_back(p.image[d]);
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_col2im(const Node& n) {
  const Value& x = required_input(n, 0);
  const o2m::Col2ImParams p = col2im_params(n);
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("geometry.hpp", o2m::col2im, T), "o2m::Col2ImParams", p, {&x}, {n.outputs[0]});
  })};
}

// ---- AffineGrid (opset 20) ----

o2m::AffineGridParams affine_grid_params(const Node& n) {
  const Shape& theta = required_input(n, 0).shape;
  const std::vector<int64_t> size = constant_input(n, 1, "AffineGrid's size").to_ints();
  if (size.size() != 4 && size.size() != 5) n.fail("size must be [N, C, H, W] or [N, C, D, H, W]");
  const auto s = static_cast<int64_t>(size.size()) - 2;
  if (theta != Shape{size[0], s, s + 1})
    n.fail("theta must be [" + std::to_string(size[0]) + ", " + std::to_string(s) + ", " + std::to_string(s + 1) + "], got " + shape_str(theta));
  o2m::AffineGridParams p{};
  p.batch = i32(n, size[0]);
  p.spatial = static_cast<int32_t>(s);
  for (int64_t d = 0; d < s; ++d) {
    if (size[static_cast<size_t>(d + 2)] < 0) n.fail("size has a negative dim");
    p.dims[d] = i32(n, size[static_cast<size_t>(d + 2)]);
  }
  p.align_corners = n.attr_int("align_corners", 0) ? 1 : 0;
  return p;
}

void infer_affine_grid(Node& n) {
  expect_arity(n, 2, 2);
  const Value& theta = required_input(n, 0);
  const o2m::AffineGridParams p = affine_grid_params(n);
  Shape out{p.batch};
  for (int32_t d = 0; d < p.spatial; ++d) out.push_back(p.dims[d]);
  out.push_back(p.spatial);
  set_output(n, 0, theta.dtype, out);
}

std::vector<KernelCall> lower_affine_grid(const Node& n) {
  const Value& theta = required_input(n, 0);
  const o2m::AffineGridParams p = affine_grid_params(n);
  return {visit_float(n, theta.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("geometry.hpp", o2m::affine_grid, T), "o2m::AffineGridParams", p, {&theta}, {n.outputs[0]});
  })};
}

}  // namespace

void register_geometry_ops(OpTable& t) {
  add_op(t, {"CenterCropPad", "", infer_center_crop_pad, lower_center_crop_pad});
  add_op(t, {"Col2Im", "", infer_col2im, lower_col2im});
  add_op(t, {"AffineGrid", "", infer_affine_grid, lower_affine_grid});
}

}  // namespace onnx2mcu
