#include "ops/window.h"

#include "ops/lower.h"

namespace onnx2mcu {

Window compute_window(const Node& n, const Shape& x, std::vector<int64_t> kernel, bool ceil_mode) {
  const size_t sp = x.size() < 2 ? 0 : x.size() - 2;
  if (sp < 1 || sp > 3) n.fail("supports 1 to 3 spatial dims, got shape " + shape_str(x));
  if (kernel.size() != sp) n.fail("kernel rank " + std::to_string(kernel.size()) + " does not match input " + shape_str(x));
  Window w;
  w.kernel = kernel;
  w.strides = n.attr_ints("strides", std::vector<int64_t>(sp, 1));
  w.dilations = n.attr_ints("dilations", std::vector<int64_t>(sp, 1));
  std::vector<int64_t> pads = n.attr_ints("pads", std::vector<int64_t>(2 * sp, 0));
  if (w.strides.size() != sp || w.dilations.size() != sp || pads.size() != 2 * sp)
    n.fail("strides, dilations or pads have the wrong length for " + std::to_string(sp) + " spatial dims");
  // Bounded before any arithmetic: the geometry below then cannot overflow 64 bits.
  constexpr int64_t kMax = int64_t{1} << 31;
  for (const auto* v : {&w.kernel, &w.strides, &w.dilations, &pads})
    for (int64_t x : *v)
      if (x < 0 || x >= kMax) n.fail("kernel, strides, dilations and pads must be between 0 and 2^31, got " + std::to_string(x));
  const std::string auto_pad = n.attr_string("auto_pad", "NOTSET");
  w.pad_begin.assign(pads.begin(), pads.begin() + static_cast<long>(sp));
  w.pad_end.assign(pads.begin() + static_cast<long>(sp), pads.end());
  w.out.resize(sp);
  for (size_t i = 0; i < sp; ++i) {
    const int64_t in = x[2 + i], k = kernel[i], s = w.strides[i], d = w.dilations[i];
    if (k < 1 || s < 1 || d < 1) n.fail("kernel, strides and dilations must be positive");
    const int64_t eff = (k - 1) * d + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out[i] = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (w.out[i] - 1) * s + eff - in);
      int64_t small = total / 2, big = total - small;
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : big;
      w.pad_end[i] = auto_pad == "SAME_UPPER" ? big : small;
      continue;
    }
    if (auto_pad == "VALID") {
      w.pad_begin[i] = w.pad_end[i] = 0;
    } else if (auto_pad != "NOTSET") {
      n.fail("unknown auto_pad '" + auto_pad + "'");
    }
    const int64_t span = in + w.pad_begin[i] + w.pad_end[i] - eff;
    if (span < 0) n.fail("the window is larger than the padded input " + shape_str(x));
    w.out[i] = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    // A ceil-mode window must start inside the input or its left padding.
    if (ceil_mode && (w.out[i] - 1) * s >= in + w.pad_begin[i]) --w.out[i];
  }
  return w;
}

void spatial_array(const Node& n, const std::vector<int64_t>& v, int32_t (&a)[3], int32_t fill) {
  if (v.size() > 3) n.fail("supports at most 3 spatial dims");
  const size_t off = 3 - v.size();
  for (size_t i = 0; i < 3; ++i) a[i] = i < off ? fill : i32(n, v[i - off]);
}

}  // namespace onnx2mcu
