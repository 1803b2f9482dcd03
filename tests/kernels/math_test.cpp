// templates/kernels/math.hpp (and the conversion and integer rules in elementwise.hpp) against
// naive references in double. Float results must match within 1e-5 relative (+1e-6 absolute);
// integer, bool and rounding results must match exactly.
#include "kernels/math.hpp"

#include <gtest/gtest.h>

#include "kernels/activation.hpp"
#include "kernels/qelementwise.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using Ref = std::function<double(double x, double alpha, double beta)>;

template <typename T>
using Kernel = void (*)(const o2m::UnaryParams&, const T*, T*);

struct Case {
  const char* name;
  Kernel<float> f32;
  Kernel<double> f64;
  float alpha, beta, lo, hi;  // params and the input range
  Ref ref;
};

double softplus_ref(double x, double, double) { return std::log(std::exp(x) + 1); }

TEST(MathUnary, FloatOpsMatchTheirDefinitions) {
  // clang-format off
  const std::vector<Case> cases = {
      {"sin", o2m::sin_<float>, o2m::sin_<double>, 0, 0, -6, 6, [](double x, double, double) { return std::sin(x); }},
      {"cos", o2m::cos_<float>, o2m::cos_<double>, 0, 0, -6, 6, [](double x, double, double) { return std::cos(x); }},
      {"tan", o2m::tan_<float>, o2m::tan_<double>, 0, 0, -1.2f, 1.2f, [](double x, double, double) { return std::tan(x); }},
      {"asin", o2m::asin_<float>, o2m::asin_<double>, 0, 0, -1, 1, [](double x, double, double) { return std::asin(x); }},
      {"acos", o2m::acos_<float>, o2m::acos_<double>, 0, 0, -1, 1, [](double x, double, double) { return std::acos(x); }},
      {"atan", o2m::atan_<float>, o2m::atan_<double>, 0, 0, -9, 9, [](double x, double, double) { return std::atan(x); }},
      {"sinh", o2m::sinh_<float>, o2m::sinh_<double>, 0, 0, -5, 5, [](double x, double, double) { return std::sinh(x); }},
      {"cosh", o2m::cosh_<float>, o2m::cosh_<double>, 0, 0, -5, 5, [](double x, double, double) { return std::cosh(x); }},
      {"asinh", o2m::asinh_<float>, o2m::asinh_<double>, 0, 0, -9, 9, [](double x, double, double) { return std::asinh(x); }},
      {"acosh", o2m::acosh_<float>, o2m::acosh_<double>, 0, 0, 1, 9, [](double x, double, double) { return std::acosh(x); }},
      {"atanh", o2m::atanh_<float>, o2m::atanh_<double>, 0, 0, -0.9f, 0.9f, [](double x, double, double) { return std::atanh(x); }},
      {"erf", o2m::erf_<float>, o2m::erf_<double>, 0, 0, -3, 3, [](double x, double, double) { return std::erf(x); }},
      {"softplus", o2m::softplus<float>, o2m::softplus<double>, 0, 0, -20, 20, softplus_ref},
      {"softsign", o2m::softsign<float>, o2m::softsign<double>, 0, 0, -5, 5, [](double x, double, double) { return x / (1 + std::fabs(x)); }},
      {"selu", o2m::selu<float>, o2m::selu<double>, 1.6732632f, 1.0507009f, -4, 4,
       [](double x, double a, double g) { return x > 0 ? g * x : g * (a * std::exp(x) - a); }},
      {"elu", o2m::elu<float>, o2m::elu<double>, 0.7f, 0, -4, 4, [](double x, double a, double) { return x >= 0 ? x : a * (std::exp(x) - 1); }},
      {"celu", o2m::celu<float>, o2m::celu<double>, 2.0f, 0, -4, 4,
       [](double x, double a, double) { return std::max(0.0, x) + std::min(0.0, a * (std::exp(x / a) - 1)); }},
      {"thresholded_relu", o2m::thresholded_relu<float>, o2m::thresholded_relu<double>, 0.5f, 0, -2, 2,
       [](double x, double a, double) { return x > a ? x : 0; }},
      {"hard_swish", o2m::hard_swish<float>, o2m::hard_swish<double>, 0, 0, -5, 5,
       [](double x, double, double) { return x * std::max(0.0, std::min(1.0, x / 6 + 0.5)); }},
      {"gelu", o2m::gelu<float>, o2m::gelu<double>, 0, 0, -5, 5,
       [](double x, double, double) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {"gelu_tanh", o2m::gelu<float>, o2m::gelu<double>, 1, 0, -5, 5,
       [](double x, double, double) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }},
      {"mish", o2m::mish<float>, o2m::mish<double>, 0, 0, -20, 20,
       [](double x, double, double) { return x * std::tanh(std::log1p(std::exp(x))); }},
      {"swish", o2m::swish<float>, o2m::swish<double>, 0.7f, 0, -20, 20,
       [](double x, double a, double) { return x / (1 + std::exp(-a * x)); }},
  };
  // clang-format on
  std::mt19937 rng(11);
  for (const Case& c : cases) {
    std::uniform_real_distribution<float> dist(c.lo, c.hi);
    std::vector<float> x(101), y(x.size(), NAN);
    std::vector<double> xd(x.size()), yd(x.size(), NAN);
    for (size_t i = 0; i < x.size(); ++i) xd[i] = x[i] = dist(rng);
    const o2m::UnaryParams p{static_cast<int32_t>(x.size()), c.alpha, c.beta};
    c.f32(p, x.data(), y.data());
    c.f64(p, xd.data(), yd.data());
    for (size_t i = 0; i < x.size(); ++i) {
      const double r = c.ref(x[i], double(c.alpha), double(c.beta));
      EXPECT_NEAR(y[i], r, 1e-5 * std::fabs(r) + 1e-6) << c.name << "<float>(" << x[i] << ")";
      EXPECT_NEAR(yd[i], r, 1e-12 * std::fabs(r) + 1e-12) << c.name << "<double>(" << x[i] << ")";
    }
  }
}

TEST(MathUnary, SoftplusDoesNotOverflow) {
  const float x[2] = {100.0f, -100.0f};
  float y[2];
  o2m::softplus<float>({2, 0, 0}, x, y);
  EXPECT_FLOAT_EQ(y[0], 100.0f);
  EXPECT_NEAR(y[1], 0.0f, 1e-40);
}

TEST(MathUnary, RoundHalfToEven) {
  const std::vector<float> x = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.4f, -2.6f, 0.49999997f, 8388609.0f, INFINITY, -INFINITY};
  std::vector<float> y(x.size());
  o2m::round_<float>({static_cast<int32_t>(x.size()), 0, 0}, x.data(), y.data());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], std::nearbyint(x[i])) << "round(" << x[i] << ")";
  const float nan = NAN;
  float r = 0;
  o2m::round_<float>({1, 0, 0}, &nan, &r);
  EXPECT_TRUE(std::isnan(r));
}

TEST(MathUnary, SignForSignedUnsignedAndFloat) {
  const int8_t xi[4] = {-128, -1, 0, 127};
  int8_t yi[4];
  o2m::sign<int8_t>({4, 0, 0}, xi, yi);
  EXPECT_EQ(std::vector<int8_t>(yi, yi + 4), (std::vector<int8_t>{-1, -1, 0, 1}));
  const uint16_t xu[3] = {0, 1, 65535};
  uint16_t yu[3];
  o2m::sign<uint16_t>({3, 0, 0}, xu, yu);
  EXPECT_EQ(std::vector<uint16_t>(yu, yu + 3), (std::vector<uint16_t>{0, 1, 1}));
  const double xf[3] = {-0.1, 0.0, 3e300};
  double yf[3];
  o2m::sign<double>({3, 0, 0}, xf, yf);
  EXPECT_EQ(std::vector<double>(yf, yf + 3), (std::vector<double>{-1, 0, 1}));
}

TEST(MathUnary, Predicates) {
  const float x[5] = {1.0f, NAN, INFINITY, -INFINITY, -0.0f};
  bool nan[5], both[5], pos[5], neg[5];
  o2m::is_nan<float>({5, 0, 0}, x, nan);
  o2m::is_inf<float>({5, 1, 1}, x, both);
  o2m::is_inf<float>({5, 1, 0}, x, pos);
  o2m::is_inf<float>({5, 0, 1}, x, neg);
  EXPECT_EQ(std::vector<bool>(nan, nan + 5), (std::vector<bool>{false, true, false, false, false}));
  EXPECT_EQ(std::vector<bool>(both, both + 5), (std::vector<bool>{false, false, true, true, false}));
  EXPECT_EQ(std::vector<bool>(pos, pos + 5), (std::vector<bool>{false, false, true, false, false}));
  EXPECT_EQ(std::vector<bool>(neg, neg + 5), (std::vector<bool>{false, false, false, true, false}));
  const bool b[2] = {true, false};
  bool nb[2];
  o2m::not_<bool>({2, 0, 0}, b, nb);
  EXPECT_EQ(std::vector<bool>(nb, nb + 2), (std::vector<bool>{false, true}));
}

TEST(MathUnary, ShrinkFloatAndUnsigned) {
  const float x[5] = {-2, -0.5f, 0, 0.5f, 2};
  float y[5];
  o2m::shrink<float>({5, 1.5f, 1.0f}, x, y);  // bias 1.5, lambd 1
  EXPECT_EQ(std::vector<float>(y, y + 5), (std::vector<float>{-0.5f, 0, 0, 0, 0.5f}));
  const uint8_t u[4] = {0, 1, 2, 200};
  uint8_t v[4];
  o2m::shrink<uint8_t>({4, 1.0f, 1.0f}, u, v);  // never reads as negative
  EXPECT_EQ(std::vector<uint8_t>(v, v + 4), (std::vector<uint8_t>{0, 0, 1, 199}));
}

// Differential seed 8,030,883: uint8 1 - bias 2 saturated to 0, where ONNX's reference (numpy's
// x - bias cast back to uint8) and ORT wrap to 255, as every integer op in the kernels does.
TEST(MathUnary, ShrinkOnIntegersWrapsLikeTheReference) {
  const uint8_t u[3] = {1, 3, 0};
  uint8_t v[3];
  o2m::shrink<uint8_t>({3, 2.0f, 0.5f}, u, v);
  EXPECT_EQ(std::vector<uint8_t>(v, v + 3), (std::vector<uint8_t>{255, 1, 0}));
  const int8_t s[3] = {-128, 127, -1};
  int8_t t[3];
  o2m::shrink<int8_t>({3, -2.5f, 0.5f}, s, t);  // -128 - 2.5 = -130.5 -> -130 -> 126; 127 + 2.5 -> 129 -> -127
  EXPECT_EQ(std::vector<int8_t>(t, t + 3), (std::vector<int8_t>{126, -127, -3}));
}

TEST(MathBinary, PReluBroadcastsAChannelSlope) {
  // x [2, 3, 2], slope [3, 1]: the general broadcast mode.
  o2m::BinaryParams p{};
  p.mode = 3;
  p.n = 12;
  const int32_t dims[6] = {1, 1, 1, 2, 3, 2}, xs[6] = {0, 0, 0, 6, 2, 1}, ss[6] = {0, 0, 0, 0, 1, 0};
  for (int d = 0; d < 6; ++d) p.dims[d] = dims[d], p.a_strides[d] = xs[d], p.b_strides[d] = ss[d];
  std::vector<float> x(12), y(12);
  for (int i = 0; i < 12; ++i) x[size_t(i)] = float(i % 5) - 2.0f;
  const float slope[3] = {0.1f, 0.2f, 0.3f};
  o2m::prelu<float>(p, x.data(), slope, y.data());
  for (int i = 0; i < 12; ++i) {
    const float xi = x[size_t(i)], s = slope[(i / 2) % 3];
    EXPECT_FLOAT_EQ(y[size_t(i)], xi < 0 ? xi * s : xi) << "element " << i;
  }
}

TEST(Convert, FloatToIntegerTruncatesAndSaturates) {
  EXPECT_EQ(o2m::convert<int8_t>(-1.9f), -1);
  EXPECT_EQ(o2m::convert<int8_t>(300.0f), 127);
  EXPECT_EQ(o2m::convert<int8_t>(-300.0f), -128);
  EXPECT_EQ(o2m::convert<uint8_t>(-5.0f), 0);
  EXPECT_EQ(o2m::convert<uint8_t>(255.9f), 255);
  EXPECT_EQ(o2m::convert<int32_t>(3e9f), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(o2m::convert<int32_t>(NAN), 0);
  EXPECT_EQ(o2m::convert<int64_t>(-INFINITY), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(o2m::convert<int64_t>(9.3e18), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(o2m::convert<uint64_t>(1.9e19), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(o2m::convert<int64_t>(-4503599627370497.0), -4503599627370497LL);
}

TEST(Convert, IntegersWrapAndBoolsAreNonZero) {
  EXPECT_EQ(o2m::convert<int8_t>(int16_t(200)), -56);  // ONNX's own example
  EXPECT_EQ(o2m::convert<uint8_t>(int32_t(-1)), 255);
  EXPECT_EQ(o2m::convert<bool>(0.0f), false);
  EXPECT_EQ(o2m::convert<bool>(-0.0), false);
  EXPECT_EQ(o2m::convert<bool>(NAN), true);
  EXPECT_EQ(o2m::convert<bool>(int64_t(-7)), true);
  EXPECT_EQ(o2m::convert<float>(true), 1.0f);
}

TEST(IntegerArithmetic, WrapsAndNeverTraps) {
  EXPECT_EQ(o2m::add_op<int32_t>(std::numeric_limits<int32_t>::max(), 1), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(o2m::mul_op<uint16_t>(65535, 65535), 1);  // would overflow int after promotion
  EXPECT_EQ(o2m::div_op<int32_t>(-7, 2), -3);
  EXPECT_EQ(o2m::div_op<int32_t>(7, 0), 0);
  EXPECT_EQ(o2m::div_op<int64_t>(std::numeric_limits<int64_t>::min(), -1), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(o2m::neg_op<int8_t>(-128), -128);
}

TEST(Pow, IntegerPowersAreExactAndMixedTypesFollowTheBase) {
  EXPECT_EQ((o2m::pow_op<int64_t, int64_t>(3, 39)), 4052555153018976267LL);
  EXPECT_EQ((o2m::pow_op<int32_t, int32_t>(-2, 5)), -32);
  EXPECT_EQ((o2m::pow_op<int32_t, int32_t>(2, -1)), 0);
  EXPECT_EQ((o2m::pow_op<int32_t, int32_t>(-1, -3)), -1);
  EXPECT_EQ((o2m::pow_op<int32_t, float>(2, 0.5f)), 1);  // sqrt(2) truncated
  EXPECT_EQ((o2m::pow_op<float, int64_t>(1.5f, 2)), 2.25f);
  EXPECT_EQ((o2m::pow_op<double, uint8_t>(-2.0, 3)), -8.0);
}

TEST(Clip, RangeFromTensorsIsExactForInt64AndOptional) {
  const int64_t x[3] = {-(int64_t(1) << 60), 5, (int64_t(1) << 60) + 1};
  const int64_t lo = -(int64_t(1) << 40), hi = (int64_t(1) << 60);
  int64_t y[3];
  o2m::clip_range<int64_t>({3, 0, 0}, x, &lo, &hi, y);
  EXPECT_EQ(std::vector<int64_t>(y, y + 3), (std::vector<int64_t>{lo, 5, hi}));
  o2m::clip_range<int64_t>({3, 0, 0}, x, nullptr, &hi, y);
  EXPECT_EQ(std::vector<int64_t>(y, y + 3), (std::vector<int64_t>{x[0], 5, hi}));
  const int8_t xi[2] = {-128, 127};
  int8_t yi[2];
  o2m::clip_range<int8_t>({2, 0, 0}, xi, nullptr, nullptr, yi);
  EXPECT_EQ(std::vector<int8_t>(yi, yi + 2), (std::vector<int8_t>{-128, 127}));
}

// ONNX node test test_clip_min_greater_than_max: min(max(x, 2), 1) is 1 everywhere. Every clamp
// (Clip from attributes or tensors, a fused Clip, a quantized output range) follows that order.
TEST(Clip, MinGreaterThanMaxGivesMaxEverywhere) {
  const float x[4] = {-2, 0, 6, NAN};
  float y[4];
  o2m::clip<float>({4, 2.0f, 1.0f}, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 3), (std::vector<float>{1, 1, 1}));
  EXPECT_TRUE(std::isnan(y[3]));
  const float lo = 2, hi = 1;
  o2m::clip_range<float>({3, 0, 0}, x, &lo, &hi, y);
  EXPECT_EQ(std::vector<float>(y, y + 3), (std::vector<float>{1, 1, 1}));
  const int32_t xi[3] = {-2, 0, 6}, loi = 2, hii = 1;
  int32_t yi[3];
  o2m::clip_range<int32_t>({3, 0, 0}, xi, &loi, &hii, yi);
  EXPECT_EQ(std::vector<int32_t>(yi, yi + 3), (std::vector<int32_t>{1, 1, 1}));
  // Bounds known when compiling reach fused and quantized clamps ordered by clip_low (the
  // generator's clip_bounds does it; unit ClipBounds.MinAboveMaxBecomesMaxMax): [hi, hi].
  const o2m::ActParams clip{o2m::kActClip, o2m::clip_low(2.0f, 1.0f), 1.0f, 0, 0};
  for (float v : {-2.0f, 0.0f, 6.0f}) EXPECT_EQ(o2m::activate(clip, v), 1.0f) << v;
  EXPECT_TRUE(o2m::activation_is_monotone(clip));  // the constant 1
  // Quantized output range [act_min, act_max] = [10, 5] (a Clip(min > max) after QAdd/QConv): 5.
  const int32_t qlo = o2m::clip_low(10, 5);
  EXPECT_EQ(o2m::qout<int8_t>(1 << 20, 1 << 30, 0, 0, qlo, 5), 5);
  EXPECT_EQ(o2m::qout<int8_t>(-(1 << 20), 1 << 30, 0, 0, qlo, 5), 5);
  const int8_t a[3] = {-100, 0, 100}, b[1] = {0};
  int8_t q[3];
  o2m::qadd<int8_t, int8_t, int8_t>({3, 1, 0, 0, 0, 1 << 20, 1 << 20, 20, qlo, 5}, a, b, q);
  EXPECT_EQ(std::vector<int>(q, q + 3), (std::vector<int>{5, 5, 5}));
}

}  // namespace

// Found by the differential test against ONNX Runtime (issue 13, seeds 3000041, 3000059, 3000120,
// 1000029, 1000036; Sign: 8000940): kernels built on fmin/fmax or `v > 0 ? v : 0` turned a NaN into a number
// where ONNX's reference (numpy maximum/minimum/clip) and ONNX Runtime give NaN.
TEST(NaN, PassesThroughMaxMinHardSigmoidHardSwishCeluSignAndFusedActivations) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float a[2] = {nan, 1}, b[2] = {1, nan};
  float y[2];
  o2m::BinaryParams p{};
  p.n = 2;
  o2m::max_<float>(p, a, b, y);
  EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
  o2m::min_<float>(p, a, b, y);
  EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
  const int32_t ai[2] = {3, -4}, bi[2] = {-1, 5};
  int32_t yi[2];
  o2m::max_<int32_t>(p, ai, bi, yi);
  EXPECT_EQ(yi[0], 3);
  EXPECT_EQ(yi[1], 5);
  for (auto unary : {o2m::hard_sigmoid<float>, o2m::hard_swish<float>, o2m::celu<float>, o2m::sign<float>}) {
    unary({1, 1.0f, 0.5f}, &nan, y);
    EXPECT_TRUE(std::isnan(y[0]));
  }
  for (int32_t kind : {o2m::kActRelu, o2m::kActHardSigmoid, o2m::kActClip})
    EXPECT_TRUE(std::isnan(o2m::activate(o2m::ActParams{kind, 0.0f, 6.0f, 0.2f, 0.5f}, nan))) << kind;
  // The same formulas still give the numbers they gave.
  o2m::hard_sigmoid<float>({1, 0.2f, 0.5f}, b, y);
  EXPECT_FLOAT_EQ(y[0], 0.7f);
  const float neg = -3.0f;
  o2m::celu<float>({1, 2.0f, 0}, &neg, y);
  EXPECT_FLOAT_EQ(y[0], 2.0f * (std::exp(-1.5f) - 1.0f));
  o2m::hard_swish<float>({1, 0, 0}, &neg, y);
  EXPECT_FLOAT_EQ(y[0], 0.0f);
}

// Conv epilogues call activate_epilogue, which knows the kinds fuse-activation makes (so a
// convolutional model links no tanh/log): for those kinds it must be activate() exactly.
TEST(Activation, EpilogueIsActivateForTheFusedKinds) {
  for (int32_t kind = o2m::kActNone; kind <= o2m::kActHardSigmoid; ++kind)
    for (float v : {-3.0f, -0.5f, 0.0f, 0.25f, 4.0f}) {
      const o2m::ActParams a{kind, -1.0f, 2.0f, 0.2f, 0.5f};
      EXPECT_EQ(o2m::activate_epilogue(a, v), o2m::activate(a, v)) << "kind " << kind << " v " << v;
    }
  EXPECT_EQ(o2m::activate_epilogue(o2m::ActParams{o2m::kActTanh, 0, 0, 0, 0}, 0.5f), 0.5f);  // not an epilogue kind
}

// Found by the differential test (seeds 8,004,863 and 8,010,139): Round(-0.3) gave +0, so
// 1 / Round(x) was +inf where numpy and ORT give -0 and -inf.
TEST(Round, KeepsTheSignOfZero) {
  const float x[4] = {-0.3f, -0.5f, 0.3f, -1.5f};
  float y[4];
  o2m::round_<float>({4, 0, 0}, x, y);
  EXPECT_TRUE(y[0] == 0.0f && std::signbit(y[0]));
  EXPECT_TRUE(y[1] == 0.0f && std::signbit(y[1]));
  EXPECT_TRUE(y[2] == 0.0f && !std::signbit(y[2]));
  EXPECT_EQ(y[3], -2.0f);
}
