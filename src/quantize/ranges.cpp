#include "quantize/ranges.h"

#include <algorithm>
#include <cmath>

#include "kernels/quant.hpp"
#include "onnx2mcu/error.h"

namespace onnx2mcu {

QParams activation_params(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (!(hi > lo)) return {};
  QParams p;
  p.scale = (hi - lo) / 255.0f;
  const double zp = std::nearbyint(-128.0 - static_cast<double>(lo) / p.scale);
  p.zero_point = static_cast<int32_t>(std::min(127.0, std::max(-128.0, zp)));
  return p;
}

const char* range_method_name(RangeMethod m) {
  switch (m) {
    case RangeMethod::MinMax: return "minmax";
    case RangeMethod::Percentile: return "percentile";
    case RangeMethod::Mse: return "mse";
  }
  return "?";
}

void Histogram::add(float v) {
  if (!(hi > lo) || v != v) {
    counts[0] += v == v;
    return;
  }
  const double at = (static_cast<double>(v) - lo) / (static_cast<double>(hi) - lo) * kHistogramBins;
  counts[static_cast<size_t>(std::min<double>(kHistogramBins - 1, std::max(0.0, at)))] += 1;
}

double Histogram::center(size_t bin) const { return lo + (static_cast<double>(hi) - lo) * (bin + 0.5) / kHistogramBins; }

std::pair<float, float> percentile_range(const Histogram& h, double pct) {
  double total = 0;
  for (double c : h.counts) total += c;
  const double cut = total * (100.0 - pct) / 100.0;
  const double width = (static_cast<double>(h.hi) - h.lo) / kHistogramBins;
  size_t first = 0, last = h.counts.size() - 1;
  for (double seen = h.counts[0]; seen <= cut && first + 1 < h.counts.size(); seen += h.counts[++first]) {}
  for (double seen = h.counts[last]; seen <= cut && last > first; seen += h.counts[--last]) {}
  const auto lo = static_cast<float>(h.lo + width * static_cast<double>(first));
  const auto hi = static_cast<float>(h.lo + width * static_cast<double>(last + 1));
  return {std::min(lo, 0.0f), std::max(hi, 0.0f)};
}

std::pair<float, float> mse_range(const Histogram& h) {
  const double lo0 = std::min(h.lo, 0.0f), hi0 = std::max(h.hi, 0.0f);
  double best_err = -1, best_f = 1;
  for (int k = 128; k >= 1; --k) {
    const double f = k / 128.0, lo = lo0 * f, hi = hi0 * f;
    const double step = (hi - lo) / 255.0;
    double err = 0;
    for (size_t b = 0; b < h.counts.size(); ++b) {
      if (h.counts[b] == 0) continue;
      const double x = h.center(b);
      const double e = x < lo ? (lo - x) * (lo - x) : x > hi ? (x - hi) * (x - hi) : step * step / 12.0;
      err += h.counts[b] * e;
    }
    if (best_err < 0 || err < best_err) best_err = err, best_f = f;
  }
  return {static_cast<float>(lo0 * best_f), static_cast<float>(hi0 * best_f)};
}

ChannelQuant quantize_per_channel(const Tensor& w, int64_t axis) {
  if (w.dtype != DType::F32 || axis < 0 || axis >= static_cast<int64_t>(w.shape.size()))
    throw Error("quantize: a weight must be float32 with a channel axis inside its rank");
  int64_t outer = 1, inner = 1;
  const int64_t channels = w.shape[static_cast<size_t>(axis)];
  for (int64_t i = 0; i < axis; ++i) outer *= w.shape[static_cast<size_t>(i)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < w.shape.size(); ++i) inner *= w.shape[i];
  const float* x = w.data<float>();
  auto at = [&](int64_t o, int64_t c, int64_t i) { return (o * channels + c) * inner + i; };
  ChannelQuant out{Tensor(DType::I8, w.shape), std::vector<float>(static_cast<size_t>(channels), 0.0f)};
  for (int64_t c = 0; c < channels; ++c) {
    float m = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) m = std::max(m, std::fabs(x[at(o, c, i)]));
    const float s = m > 0 ? m / 127.0f : 1.0f;
    out.scale[static_cast<size_t>(c)] = s;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) out.q.data<int8_t>()[at(o, c, i)] = o2m::quantize_value<int8_t>(x[at(o, c, i)], s, 0);
  }
  return out;
}

BiasQuant quantize_bias(const Tensor& b, float x_scale, const std::vector<float>& w_scale) {
  if (b.dtype != DType::F32 || b.elems() != static_cast<int64_t>(w_scale.size()))
    throw Error("quantize: a bias must be float32 with one value per output channel");
  BiasQuant out{Tensor(DType::I32, b.shape), {}};
  for (size_t c = 0; c < w_scale.size(); ++c) {
    const float s = x_scale * w_scale[c];
    out.scale.push_back(s);
    const double v = std::nearbyint(static_cast<double>(b.data<float>()[c]) / s);
    // Within +-2^30, not the int32 limits: the accumulator that starts from the bias must still
    // take a whole dot product (a bias this large means an activation scale far too small, a
    // range candidate --range auto discards anyway).
    out.q.data<int32_t>()[c] = static_cast<int32_t>(std::min(1073741824.0, std::max(-1073741824.0, v)));
  }
  return out;
}

}  // namespace onnx2mcu
