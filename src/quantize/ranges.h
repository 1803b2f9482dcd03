// Quantization parameters from observed ranges, and the integer forms of weights and biases:
// pure arithmetic, no graph (unit-tested by hand-computed values).
#pragma once
#include <cstdint>
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
