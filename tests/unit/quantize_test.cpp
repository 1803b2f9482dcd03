// Post-training quantization: parameters, per-channel weights and biases against values worked
// out by hand; calibration's host evaluation against models/digits' reference outputs.
#include <gtest/gtest.h>

#include <cmath>

#include "loader/loader.h"
#include "quantize/calibrate.h"
#include "quantize/ranges.h"

namespace onnx2mcu {
namespace {

Tensor floats(Shape shape, std::vector<float> v) {
  Tensor t(DType::F32, std::move(shape));
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

std::vector<int> ints8(const Tensor& t) {
  std::vector<int> v;
  for (int64_t i = 0; i < t.elems(); ++i) v.push_back(t.data<int8_t>()[i]);
  return v;
}

TEST(QuantizeRanges, ActivationParamsCoverTheRangeAndZero) {
  // [-1, 3]: scale 4/255; zero point -128 - (-1)/(4/255) = -64.25 -> -64.
  QParams p = activation_params(-1.0f, 3.0f);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -64);
  // [0.5, 2] widened to [0, 2]: zero at the bottom of the int8 range.
  p = activation_params(0.5f, 2.0f);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -128);
  // [-2, -1] widened to [-2, 0]: zero at the top.
  p = activation_params(-2.0f, -1.0f);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 127);
  // Nothing but zeros: scale 1, zero point 0.
  p = activation_params(0.0f, 0.0f);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero_point, 0);
}

TEST(QuantizeRanges, WeightsPerOutputChannelAlongAxis0) {
  // Row 0: max |w| 127, scale 1, -63.5 rounds half to even (-64), 2.5 -> 2.
  // Row 1: zeros, scale 1. Row 2: max 4, scale 4/127: 1 -> 31.75 -> 32, 0.25 -> 7.94 -> 8.
  const Tensor w = floats({3, 4}, {127, -63.5f, 2.5f, 0.5f, 0, 0, 0, 0, -4, 1, 0.25f, 0});
  const ChannelQuant q = quantize_per_channel(w, 0);
  EXPECT_EQ(q.q.shape, (Shape{3, 4}));
  EXPECT_EQ(ints8(q.q), (std::vector<int>{127, -64, 2, 0, 0, 0, 0, 0, -127, 32, 8, 0}));
  ASSERT_EQ(q.scale.size(), 3u);
  EXPECT_FLOAT_EQ(q.scale[0], 1.0f);
  EXPECT_FLOAT_EQ(q.scale[1], 1.0f);
  EXPECT_FLOAT_EQ(q.scale[2], 4.0f / 127.0f);
}

TEST(QuantizeRanges, WeightsPerOutputChannelAlongAxis1) {
  // MatMul's [K, N] weight: channels are columns. Column 0 {1, -0.25}: scale 1/127, -31.75 -> -32;
  // column 1 {-8, 2}: scale 8/127, 31.75 -> 32.
  const ChannelQuant q = quantize_per_channel(floats({2, 2}, {1, -8, -0.25f, 2}), 1);
  EXPECT_EQ(ints8(q.q), (std::vector<int>{127, -127, -32, 32}));
  EXPECT_FLOAT_EQ(q.scale[0], 1.0f / 127.0f);
  EXPECT_FLOAT_EQ(q.scale[1], 8.0f / 127.0f);
}

TEST(QuantizeRanges, BiasInUnitsOfInputTimesWeightScale) {
  // scales 0.5 * {0.25, 0.125, 1} = {0.125, 0.0625, 0.5}: 1 -> 8, -0.5 -> -8, 0.75 -> 1.5 -> 2 (half to even).
  const BiasQuant b = quantize_bias(floats({3}, {1.0f, -0.5f, 0.75f}), 0.5f, {0.25f, 0.125f, 1.0f});
  EXPECT_EQ(b.q.dtype, DType::I32);
  EXPECT_EQ((std::vector<int32_t>(b.q.data<int32_t>(), b.q.data<int32_t>() + 3)), (std::vector<int32_t>{8, -8, 2}));
  EXPECT_EQ(b.scale, (std::vector<float>{0.125f, 0.0625f, 0.5f}));
}

TEST(QuantizeRanges, BiasStaysWithinTwoToTheThirty) {
  // 1 / 1e-12 would be 1e12: held at +-2^30 so the accumulator starting from it can take a dot product.
  const BiasQuant b = quantize_bias(floats({2}, {1.0f, -1.0f}), 1e-6f, {1e-6f, 1e-6f});
  EXPECT_EQ((std::vector<int32_t>(b.q.data<int32_t>(), b.q.data<int32_t>() + 2)), (std::vector<int32_t>{1073741824, -1073741824}));
}

Histogram histogram(float lo, float hi, std::vector<std::pair<float, int>> values) {
  Histogram h;
  h.lo = lo, h.hi = hi;
  for (auto [v, n] : values)
    for (int i = 0; i < n; ++i) h.add(v);
  return h;
}

TEST(QuantizeRanges, PercentileDropsTheRareValuesAtEachEnd) {
  // Bins of width 1 over [0, 2048]: 9998 values in bin 10 and one each in bins 0 and 2000. 99.99%
  // may drop 1 of 10000 at each end: bins 10..10, i.e. [10, 11], widened to hold 0.
  Histogram h = histogram(0, 2048, {{0.5f, 1}, {10.5f, 9998}, {2000.5f, 1}});
  EXPECT_EQ(percentile_range(h, 99.99), (std::pair<float, float>{0.0f, 11.0f}));
  // Over [-1024, 1024]: 5000 in bin 1023 ([-1, 0)), 5000 in bin 1123 ([99, 100)), one in bin 2024.
  h = histogram(-1024, 1024, {{-0.5f, 5000}, {99.5f, 5000}, {1000.5f, 1}});
  EXPECT_EQ(percentile_range(h, 99.99), (std::pair<float, float>{-1.0f, 100.0f}));
}

TEST(QuantizeRanges, MseTradesClippingAgainstRounding) {
  // All values in the top bin: any shrinking clips them by more than rounding costs; the full range.
  EXPECT_EQ(mse_range(histogram(0, 2048, {{2047.5f, 100}})), (std::pair<float, float>{0.0f, 2048.0f}));
  // 10^6 values at 0.5 and one at 2047.5: range [0, 16k] costs 10^6 (16k/255)^2/12 + (2047.5 - 16k)^2,
  // least at k = 56 (2354808 against 2355289 at k = 57): [0, 896].
  EXPECT_EQ(mse_range(histogram(0, 2048, {{0.5f, 1000000}, {2047.5f, 1}})), (std::pair<float, float>{0.0f, 896.0f}));
}

TEST(QuantizeCalibrate, HostEvaluationMatchesTheReferenceOutputs) {
  const std::string dir = std::string(ONNX2MCU_SOURCE_DIR) + "/models/digits";
  std::unique_ptr<Graph> g = load_for_evaluation(dir + "/model.onnx");
  const std::vector<std::vector<Tensor>> sets = load_calibration_sets({dir}, *g);
  ASSERT_EQ(sets.size(), 20u);  // test_data_set_0..19
  evaluate(*g, sets[0]);
  const Tensor expected = load_data_set_outputs(dir + "/test_data_set_0", *g)[0];
  const Value* probs = g->find_value("probs");
  ASSERT_TRUE(probs && probs->is_const());
  for (int64_t i = 0; i < expected.elems(); ++i) EXPECT_NEAR(probs->constant->data<float>()[i], expected.data<float>()[i], 1e-5);
  // Ranges over all 20: a Relu's output starts at 0; probabilities lie in [0, 1].
  const Stats s = calibrate(*g, sets);
  EXPECT_EQ(s.at("relu1_out").lo, 0.0f);
  EXPECT_GT(s.at("relu1_out").hi, 0.0f);
  EXPECT_GE(s.at("probs").lo, 0.0f);
  EXPECT_LE(s.at("probs").hi, 1.0f);
  EXPECT_LT(s.at("conv1_out").lo, 0.0f);
}

}  // namespace
}  // namespace onnx2mcu
