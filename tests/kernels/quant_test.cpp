// o2m::dequantize_linear: y = (x - zero_point) * scale, per tensor and per axis. Exact: every
// value is a small integer times a float, computed the same way as the reference.
#include "kernels/quant.hpp"

#include <gtest/gtest.h>

#include <random>
#include <cmath>
#include <limits>
#include <vector>

namespace {

TEST(DequantizeLinear, PerTensorInt8) {
  const int8_t x[5] = {-128, -1, 0, 3, 127};
  const float scale[1] = {0.5f};
  const int8_t zp[1] = {3};
  float y[5];
  o2m::dequantize_linear<int8_t>({5, 1, 1}, x, scale, zp, y);
  EXPECT_EQ(std::vector<float>(y, y + 5), (std::vector<float>{-65.5f, -2.0f, -1.5f, 0.0f, 62.0f}));
}

TEST(DequantizeLinear, PerTensorUint8WithoutZeroPoint) {
  const uint8_t x[3] = {0, 128, 255};
  const float scale[1] = {0.25f};
  float y[3];
  o2m::dequantize_linear<uint8_t>({3, 1, 1}, x, scale, nullptr, y);
  EXPECT_EQ(std::vector<float>(y, y + 3), (std::vector<float>{0.0f, 32.0f, 63.75f}));
}

TEST(DequantizeLinear, Uint8ZeroPointAbove127) {
  // A uint8 zero point of 200 must not be read as a negative int8.
  const uint8_t x[2] = {200, 0};
  const float scale[1] = {1.0f};
  const uint8_t zp[1] = {200};
  float y[2];
  o2m::dequantize_linear<uint8_t>({2, 1, 1}, x, scale, zp, y);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], -200.0f);
}

TEST(DequantizeLinear, PerAxisMatchesReference) {
  // x viewed as [outer=2, axis=3, inner=4]: scale and zero point vary along the middle dim.
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> q(-128, 127);
  const int outer = 2, axis = 3, inner = 4;
  std::vector<int8_t> x(outer * axis * inner);
  for (auto& v : x) v = static_cast<int8_t>(q(rng));
  const float scale[3] = {0.1f, 0.02f, 3.0f};
  const int8_t zp[3] = {-5, 0, 7};
  std::vector<float> y(x.size(), -1);
  o2m::dequantize_linear<int8_t>({outer, axis, inner}, x.data(), scale, zp, y.data());
  for (int o = 0; o < outer; ++o)
    for (int a = 0; a < axis; ++a)
      for (int i = 0; i < inner; ++i) {
        const size_t at = (size_t(o) * axis + a) * inner + i;
        EXPECT_EQ(y[at], static_cast<float>(int(x[at]) - zp[a]) * scale[a]) << "o=" << o << " a=" << a << " i=" << i;
      }
}

// Blocked (opset 21): x [2, 5, 3] along axis 1 in blocks of 2 -> scale [2, 3, 3]; the last
// block holds one element. Checked against the ONNX definition, scale repeated along the axis.
TEST(BlockedQuantization, BothDirectionsMatchTheRepeatedScale) {
  const int outer = 2, axis = 5, inner = 3, block = 2, blocks = 3;
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> q(-128, 127);
  std::uniform_real_distribution<float> s(0.01f, 2.0f), v(-100.0f, 100.0f);
  std::vector<int8_t> xq(outer * axis * inner), zp(outer * blocks * inner), yq(xq.size());
  std::vector<float> scale(zp.size()), xf(xq.size()), yf(xq.size());
  for (auto& e : xq) e = static_cast<int8_t>(q(rng));
  for (auto& e : zp) e = static_cast<int8_t>(q(rng) / 4);
  for (auto& e : scale) e = s(rng);
  for (auto& e : xf) e = v(rng);
  const o2m::BlockedQuantParams p{outer, axis, inner, block};
  o2m::dequantize_blocked<int8_t>(p, xq.data(), scale.data(), zp.data(), yf.data());
  o2m::quantize_blocked<int8_t>(p, xf.data(), scale.data(), zp.data(), yq.data());
  for (int o = 0; o < outer; ++o)
    for (int a = 0; a < axis; ++a)
      for (int i = 0; i < inner; ++i) {
        const size_t at = (size_t(o) * axis + a) * inner + i, k = (size_t(o) * blocks + a / block) * inner + i;
        EXPECT_EQ(yf[at], static_cast<float>(int(xq[at]) - zp[k]) * scale[k]) << at;
        int8_t want;
        o2m::quantize_linear<int8_t>({1, 1, 1}, &xf[at], &scale[k], &zp[k], &want);
        EXPECT_EQ(yq[at], want) << at;
      }
}

TEST(DequantizeLinear, Int32Bias) {
  const int32_t x[3] = {-100000, 0, 100000};
  const float scale[1] = {0.001f};
  float y[3];
  o2m::dequantize_linear<int32_t>({3, 1, 1}, x, scale, nullptr, y);
  EXPECT_FLOAT_EQ(y[0], -100.0f);
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_FLOAT_EQ(y[2], 100.0f);
}

}  // namespace

// ---- quantisation arithmetic (quant.hpp)

namespace {

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturates) {
  const float x[7] = {0.0f, 1.0f, 3.0f, -1.0f, -3.0f, 1000.0f, -1000.0f};  // / 2: 0, 0.5, 1.5, -0.5, -1.5
  const float scale[1] = {2.0f};
  const int8_t zp[1] = {0};
  int8_t y[7];
  o2m::quantize_linear<int8_t>({7, 1, 1}, x, scale, zp, y);
  EXPECT_EQ(std::vector<int8_t>(y, y + 7), (std::vector<int8_t>{0, 0, 2, 0, -2, 127, -128}));
}

TEST(QuantizeMultiplier, IsExactForFloats) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> d(-30.0f, 10.0f);
  for (int i = 0; i < 1000; ++i) {
    const float m = std::ldexp(1.0f + std::fabs(d(rng)) / 40.0f, static_cast<int>(d(rng)));
    int32_t mult, shift;
    o2m::quantize_multiplier(m, &mult, &shift);
    ASSERT_GE(mult, 1 << 30);
    EXPECT_EQ(std::ldexp(static_cast<double>(mult), shift - 31), static_cast<double>(m)) << m;
  }
}

TEST(Requantize, EqualsExactRoundHalfToEven) {
  std::mt19937 rng(4);
  std::uniform_int_distribution<int32_t> acc(-(1 << 24), 1 << 24), mant(1 << 30, 2147483647), sh(-31, 30);
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = i < 1000 ? (i - 500) : acc(rng), m = mant(rng), s = sh(rng);
    const __int128 v = static_cast<__int128>(a) * m;
    const int r = 31 - s;
    __int128 q = v >> r;
    const __int128 rem = v - q * (static_cast<__int128>(1) << r), half = static_cast<__int128>(1) << (r - 1);  // q << r is UB for q < 0
    if (rem > half || (rem == half && (q & 1))) ++q;
    if (q > 2147483647) q = 2147483647;
    if (q < -2147483647 - 1) q = -2147483647 - 1;
    ASSERT_EQ(o2m::requantize(a, m, s), static_cast<int32_t>(q)) << a << " " << m << " " << s;
  }
  // Exact ties: 3 * 2^30 / 2^31 = 1.5 -> 2; 5 * 2^30 / 2^31 = 2.5 -> 2; -1.5 -> -2.
  EXPECT_EQ(o2m::requantize(3, 1 << 30, 0), 2);
  EXPECT_EQ(o2m::requantize(5, 1 << 30, 0), 2);
  EXPECT_EQ(o2m::requantize(-3, 1 << 30, 0), -2);
}

// Exact ties in requantize()'s usual range (shift -31..-2), where it rounds half up and then
// clears the last bit of a tie: power-of-two-ish multipliers make ties common.
TEST(Requantize, TiesInTheUsualRangeRoundToEven) {
  const int32_t mults[] = {1 << 30, 3 << 29, (1 << 30) + (1 << 12), 2147483647, (1 << 30) + 1};
  int ties = 0;
  for (const int32_t m : mults)
    for (int32_t s = -31; s <= -2; ++s)
      for (int32_t a = -70000; a <= 70000; a += (a > -300 && a < 300) ? 1 : 97) {
        const __int128 v = static_cast<__int128>(a) * m;
        const int r = 31 - s;
        __int128 q = v >> r;
        const __int128 rem = v - q * (static_cast<__int128>(1) << r), half = static_cast<__int128>(1) << (r - 1);
        ties += rem == half;
        if (rem > half || (rem == half && (q & 1))) ++q;
        ASSERT_EQ(o2m::requantize(a, m, s), static_cast<int32_t>(q)) << a << " " << m << " " << s;
      }
  EXPECT_GT(ties, 500);
}

// onnxruntime's QLinearConv requantises in float: round(float(acc) * float(M)). Our fixed-point
// multiplier holds float(M) exactly, so we round the exact product acc * M instead of its float
// rounding: the two differ only where acc * M lies within half a float ulp of x.5. Measured here
// on accumulators and multipliers like a real layer's, and bounded to one step.
TEST(Requantize, AgreesWithOnnxRuntimeFloatRequantizationAlmostAlways) {
  std::mt19937 rng(6);
  std::uniform_int_distribution<int32_t> acc(-200000, 200000);
  std::uniform_real_distribution<float> mr(1e-4f, 4e-3f);
  int differ = 0;
  const int n = 2000000;
  for (int i = 0; i < n; ++i) {
    const int32_t a = acc(rng);
    const float m = mr(rng);
    int32_t mult, shift;
    o2m::quantize_multiplier(m, &mult, &shift);
    const float f = static_cast<float>(a) * m;
    const auto ort = static_cast<int32_t>(std::nearbyint(f));
    const int32_t ours = o2m::requantize(a, mult, shift);
    ASSERT_LE(std::abs(ours - ort), 1);
    differ += ours != ort;
  }
  RecordProperty("differ_per_million", differ / 2);
  std::printf("fixed-point vs onnxruntime float requantisation: %d of %d differ by one step\n", differ, n);
  EXPECT_LT(differ, n / 10000);  // well under 1e-4
}

TEST(DynamicQuantizeLinear, OnnxNodeTest) {
  const float x[6] = {0.0f, 2.0f, -3.0f, -2.5f, 1.34f, 0.5f};
  uint8_t y[6], zp;
  float scale;
  o2m::dynamic_quantize_linear({6}, x, y, &scale, &zp);
  EXPECT_FLOAT_EQ(scale, 0.019607843831181526f);
  EXPECT_EQ(zp, 153);
  EXPECT_EQ(std::vector<uint8_t>(y, y + 6), (std::vector<uint8_t>{153, 255, 0, 26, 221, 179}));
}

// Infinite data makes the zero point inf / inf = NaN: it must become 0, not a float-to-int cast of
// NaN (undefined behaviour; UBSan found it through fuzz_graphs folding a DynamicQuantizeLinear).
TEST(DynamicQuantizeLinear, InfiniteDataGivesZeroPointZero) {
  const float inf = std::numeric_limits<float>::infinity();
  const float x[3] = {-inf, 1.0f, inf};
  uint8_t y[3], zp = 7;
  float scale = 0;
  o2m::dynamic_quantize_linear({3}, x, y, &scale, &zp);
  EXPECT_EQ(zp, 0);
  EXPECT_TRUE(std::isinf(scale));
}

}  // namespace
