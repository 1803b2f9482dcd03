// Quantization parameters from observed ranges, and the integer forms of weights and biases:
// pure arithmetic, no graph (unit-tested by hand-computed values).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "ir/tensor.h"

namespace onnx2mcu {

// int8 per tensor, asymmetric: real = (q - zero_point) * scale.
struct QParams {
  float scale = 1;
  int32_t zero_point = 0;
};

// The range [lo, hi] widened to hold 0 (so zero is exact: padding, Relu) mapped onto -128..127.
// An empty range (all zeros) gets scale 1.
QParams activation_params(float lo, float hi);

// How an activation's clipping range is chosen from what calibration saw (docs/quantize.md).
enum class RangeMethod { MinMax, Percentile, Mse };
const char* range_method_name(RangeMethod m);

// Counts of a tensor's values in kHistogramBins equal bins over [lo, hi] (its min and max).
constexpr int kHistogramBins = 2048;
struct Histogram {
  float lo = 0, hi = 0;
  std::vector<double> counts = std::vector<double>(kHistogramBins, 0.0);
  void add(float v);
  double center(size_t bin) const;
};

// The range holding all but (100 - pct)% of the values at each end, widened to hold 0. With all
// values in one bin: that bin's edges.
std::pair<float, float> percentile_range(const Histogram& h, double pct);
// The range among [lo, hi] shrunk by a common factor (1, 127/128, ..., 1/128) with the least
// expected squared error: clipping error outside it, scale^2 / 12 rounding error inside.
std::pair<float, float> mse_range(const Histogram& h);

// Weights int8 symmetric per channel along `axis`: scale[c] = max|w_c| / 127, q = round(w / scale)
// (half to even, as QuantizeLinear). A channel of zeros gets scale 1.
struct ChannelQuant {
  Tensor q;                  // int8, w's shape
  std::vector<float> scale;  // one per channel
};
ChannelQuant quantize_per_channel(const Tensor& w, int64_t axis);

// Bias int32 in units of x_scale * w_scale[c] (the scale QDQ consumers expect: float product).
struct BiasQuant {
  Tensor q;                  // int32, b's shape
  std::vector<float> scale;  // x_scale * w_scale[c]
};
BiasQuant quantize_bias(const Tensor& b, float x_scale, const std::vector<float>& w_scale);

}  // namespace onnx2mcu
