// Unary maps, broadcasting binary ops (all four modes) and Cast, against std:: references.
// Float results must match the reference within 1e-5 relative (+1e-6 absolute); integer and
// copy-like results must match exactly.
#include "kernels/elementwise.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

namespace {

std::vector<float> random_floats(std::mt19937& rng, size_t count, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

void expect_close(float got, double ref, const std::string& what) {
  EXPECT_NEAR(got, ref, 1e-5 * std::fabs(ref) + 1e-6) << what;
}

using UnaryKernel = void (*)(const o2m::UnaryParams&, const float*, float*);

struct UnaryCase {
  const char* name;
  UnaryKernel kernel;
  float alpha, beta, lo, hi;  // params and the input range
  std::function<double(double, double, double)> ref;
};

TEST(Unary, EveryOpMatchesItsDefinition) {
  const std::vector<UnaryCase> cases = {
      {"relu", o2m::relu<float>, 0, 0, -3, 3, [](double x, double, double) { return x > 0 ? x : 0; }},
      {"leaky_relu", o2m::leaky_relu<float>, 0.1f, 0, -3, 3, [](double x, double a, double) { return x >= 0 ? x : a * x; }},
      {"clip", o2m::clip<float>, -0.5f, 1.25f, -3, 3, [](double x, double a, double b) { return std::min(std::max(x, a), b); }},
      {"sigmoid", o2m::sigmoid<float>, 0, 0, -8, 8, [](double x, double, double) { return 1 / (1 + std::exp(-x)); }},
      {"hard_sigmoid", o2m::hard_sigmoid<float>, 0.2f, 0.5f, -5, 5,
       [](double x, double a, double b) { return std::max(0.0, std::min(1.0, a * x + b)); }},
      {"tanh", o2m::tanh_<float>, 0, 0, -4, 4, [](double x, double, double) { return std::tanh(x); }},
      {"sqrt", o2m::sqrt_<float>, 0, 0, 0, 9, [](double x, double, double) { return std::sqrt(x); }},
      {"floor", o2m::floor_<float>, 0, 0, -5, 5, [](double x, double, double) { return std::floor(x); }},
      {"ceil", o2m::ceil_<float>, 0, 0, -5, 5, [](double x, double, double) { return std::ceil(x); }},
      {"abs", o2m::abs_<float>, 0, 0, -5, 5, [](double x, double, double) { return std::fabs(x); }},
      {"neg", o2m::neg<float>, 0, 0, -5, 5, [](double x, double, double) { return -x; }},
      {"exp", o2m::exp_<float>, 0, 0, -10, 10, [](double x, double, double) { return std::exp(x); }},
      {"log", o2m::log_<float>, 0, 0, 1e-3f, 100, [](double x, double, double) { return std::log(x); }},
      {"reciprocal", o2m::reciprocal<float>, 0, 0, 0.1f, 10, [](double x, double, double) { return 1 / x; }},
      {"copy", o2m::copy<float>, 0, 0, -5, 5, [](double x, double, double) { return x; }},
  };
  std::mt19937 rng(5);
  for (const UnaryCase& c : cases) {
    std::vector<float> x = random_floats(rng, 257, c.lo, c.hi), y(x.size(), NAN);
    c.kernel({static_cast<int32_t>(x.size()), c.alpha, c.beta}, x.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) expect_close(y[i], c.ref(x[i], c.alpha, c.beta), std::string(c.name) + " of " + std::to_string(x[i]));
  }
}

TEST(Unary, LeavesElementsPastNUntouched) {
  const float x[4] = {-1, -2, -3, -4};
  float y[4] = {7, 7, 7, 7};
  o2m::relu<float>({2, 0, 0}, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{0, 0, 7, 7}));
}

// Found by the differential test against ONNX Runtime (issue 13): Relu(Pow(negative, 0.5)) was 0.
TEST(Unary, ReluPassesNaNThrough) {
  const float x[3] = {std::numeric_limits<float>::quiet_NaN(), -1, 2};
  float y[3];
  o2m::relu<float>({3, 0, 0}, x, y);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 0);
  EXPECT_EQ(y[2], 2);
}

TEST(Unary, IntegerReluAndAbs) {
  const int8_t x[4] = {-128, -1, 0, 127};
  int8_t y[4];
  o2m::relu<int8_t>({4, 0, 0}, x, y);
  EXPECT_EQ(std::vector<int8_t>(y, y + 4), (std::vector<int8_t>{0, 0, 0, 127}));
  const int32_t xi[3] = {-7, 0, 9};
  int32_t yi[3];
  o2m::abs_<int32_t>({3, 0, 0}, xi, yi);
  EXPECT_EQ(std::vector<int32_t>(yi, yi + 3), (std::vector<int32_t>{7, 0, 9}));
}

// Builds BinaryParams for shapes a and b (right-aligned, numpy broadcasting) and checks every
// output element against a direct index computation.
template <typename Kernel, typename Ref>
void check_binary(std::vector<int> a_shape, std::vector<int> b_shape, int want_mode, Kernel kernel, Ref ref, uint32_t seed,
                  float a_lo = -2) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  constexpr int R = o2m::kMaxRank;
  a_shape.insert(a_shape.begin(), R - a_shape.size(), 1);
  b_shape.insert(b_shape.begin(), R - b_shape.size(), 1);
  std::vector<int> y_shape(R);
  int na = 1, nb = 1, ny = 1;
  for (int d = 0; d < R; ++d) {
    y_shape[d] = std::max(a_shape[d], b_shape[d]);
    na *= a_shape[d];
    nb *= b_shape[d];
    ny *= y_shape[d];
  }
  o2m::BinaryParams p{};
  p.mode = a_shape == b_shape ? 0 : na == 1 ? 1 : nb == 1 ? 2 : 3;
  ASSERT_EQ(p.mode, want_mode) << "test case does not exercise the mode it names";
  p.n = ny;
  int sa = 1, sb = 1;
  for (int d = R - 1; d >= 0; --d) {
    p.dims[d] = y_shape[d];
    p.a_strides[d] = a_shape[d] == 1 ? 0 : sa;
    p.b_strides[d] = b_shape[d] == 1 ? 0 : sb;
    sa *= a_shape[d];
    sb *= b_shape[d];
  }
  std::mt19937 rng(seed);
  std::vector<float> a = random_floats(rng, size_t(na), a_lo, 2), b = random_floats(rng, size_t(nb), 0.5f, 2);
  std::vector<float> y(size_t(ny), NAN);
  kernel(p, a.data(), b.data(), y.data());
  for (int i = 0; i < ny; ++i) {
    int rest = i, ai = 0, bi = 0, am = 1, bm = 1;
    for (int d = R - 1; d >= 0; --d) {
      const int idx = rest % y_shape[d];
      rest /= y_shape[d];
      ai += (a_shape[d] == 1 ? 0 : idx) * am;
      bi += (b_shape[d] == 1 ? 0 : idx) * bm;
      am *= a_shape[d];
      bm *= b_shape[d];
    }
    const double r = ref(double(a[size_t(ai)]), double(b[size_t(bi)]));
    ASSERT_NEAR(y[size_t(i)], r, 1e-5 * std::fabs(r) + 1e-6) << "output element " << i;
  }
}

const auto kAdd = [](double a, double b) { return a + b; };

TEST(Binary, SameShapeMode0) { check_binary({2, 3, 4}, {2, 3, 4}, 0, o2m::add<float>, kAdd, 1); }
TEST(Binary, ScalarAMode1) { check_binary({1}, {3, 5}, 1, o2m::sub<float>, [](double a, double b) { return a - b; }, 2); }
TEST(Binary, ScalarBMode2) { check_binary({4, 1, 3}, {}, 2, o2m::div<float>, [](double a, double b) { return a / b; }, 3); }
TEST(Binary, BroadcastChannelMode3) { check_binary({1, 8, 5, 5}, {8, 1, 1}, 3, o2m::mul<float>, [](double a, double b) { return a * b; }, 4); }
TEST(Binary, BroadcastBothOperandsMode3) { check_binary({3, 1, 4}, {1, 5, 1}, 3, o2m::add<float>, kAdd, 5); }
TEST(Binary, BroadcastInnermostMode3) { check_binary({2, 3, 1}, {2, 3, 7}, 3, o2m::max_<float>, [](double a, double b) { return std::max(a, b); }, 6); }
TEST(Binary, RankSixMode3) { check_binary({2, 1, 2, 1, 3, 2}, {1, 2, 1, 3, 1, 2}, 3, o2m::min_<float>, [](double a, double b) { return std::min(a, b); }, 7); }
TEST(Binary, PowMode3) {
  // Positive bases only: a negative base with a fractional exponent is NaN.
  check_binary({4, 1}, {1, 3}, 3, o2m::pow_<float>, [](double a, double b) { return std::pow(a, b); }, 8, 0.1f);
}

TEST(Binary, RandomShapes) {
  std::mt19937 rng(31);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 200; ++seed) {
    const int rank = pick(1, 6);
    std::vector<int> a(static_cast<size_t>(rank)), b(static_cast<size_t>(rank));
    for (int d = 0; d < rank; ++d) {
      const int dim = pick(1, 4);
      const int form = pick(0, 2);  // both full, a broadcasts, b broadcasts
      a[size_t(d)] = form == 1 ? 1 : dim;
      b[size_t(d)] = form == 2 ? 1 : dim;
    }
    b.erase(b.begin(), b.begin() + pick(0, rank - 1));  // b may have lower rank
    std::vector<int> ap = a, bp = b;
    ap.insert(ap.begin(), 6 - ap.size(), 1);
    bp.insert(bp.begin(), 6 - bp.size(), 1);
    int na = 1, nb = 1;
    for (int d = 0; d < 6; ++d) na *= ap[size_t(d)], nb *= bp[size_t(d)];
    const int mode = ap == bp ? 0 : na == 1 ? 1 : nb == 1 ? 2 : 3;
    check_binary(a, b, mode, o2m::add<float>, kAdd, 300 + seed);
    if (HasFatalFailure()) return;
  }
}

TEST(Binary, PowOfNegativeBaseWithIntegerExponent) {
  const float a[2] = {-2, 3}, b[2] = {3, 2};
  float y[2];
  o2m::BinaryParams p{};
  p.mode = 0;
  p.n = 2;
  o2m::pow_<float>(p, a, b, y);
  EXPECT_EQ(y[0], -8.0f);
  EXPECT_EQ(y[1], 9.0f);
}

TEST(Binary, IntegerDivisionTruncates) {
  const int32_t a[3] = {7, -7, 9}, b[1] = {2};
  int32_t y[3];
  o2m::BinaryParams p{};
  p.mode = 2;
  p.n = 3;
  o2m::div<int32_t>(p, a, b, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 3), (std::vector<int32_t>{3, -3, 4}));
}

// Integer arithmetic wraps (two's complement) and never traps, as in ONNX Runtime.
TEST(Binary, IntegerArithmeticWraps) {
  o2m::BinaryParams p{};
  p.mode = 0;
  p.n = 2;
  const int8_t a8[2] = {127, -128}, b8[2] = {1, 1};
  int8_t y8[2];
  o2m::add<int8_t>(p, a8, b8, y8);
  EXPECT_EQ(std::vector<int8_t>(y8, y8 + 2), (std::vector<int8_t>{-128, -127}));
  o2m::sub<int8_t>(p, a8, b8, y8);
  EXPECT_EQ(std::vector<int8_t>(y8, y8 + 2), (std::vector<int8_t>{126, 127}));
  const uint16_t a16[2] = {300, 65535}, b16[2] = {300, 65535};
  uint16_t y16[2];
  o2m::mul<uint16_t>(p, a16, b16, y16);
  EXPECT_EQ(std::vector<uint16_t>(y16, y16 + 2), (std::vector<uint16_t>{24464, 1}));
}

TEST(Binary, IntegerDivisionByZeroAndMinOverMinusOne) {
  o2m::BinaryParams p{};
  p.mode = 0;
  p.n = 3;
  const int32_t a[3] = {7, INT32_MIN, -9}, b[3] = {0, -1, 2};
  int32_t y[3];
  o2m::div<int32_t>(p, a, b, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 3), (std::vector<int32_t>{0, INT32_MIN, -4}));
}

TEST(Binary, IntegerPow) {
  o2m::BinaryParams p{};
  p.mode = 0;
  p.n = 6;
  const int32_t base[6] = {3, 2, 1, -1, -1, -2}, exp[6] = {4, -1, -3, -3, -2, 3};
  int32_t y[6];
  o2m::pow_<int32_t>(p, base, exp, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 6), (std::vector<int32_t>{81, 0, 1, -1, 1, -8}));
  const float half[1] = {0.5f};
  const int32_t nine[1] = {9};
  p.n = 1;
  o2m::pow_<int32_t, float>(p, nine, half, y);
  EXPECT_EQ(y[0], 3);
}

TEST(Unary, IntegerNegAndAbsOfMinimumWrap) {
  const int8_t x[2] = {-128, 5};
  int8_t y[2];
  o2m::neg<int8_t>({2, 0, 0}, x, y);
  EXPECT_EQ(std::vector<int8_t>(y, y + 2), (std::vector<int8_t>{-128, -5}));
  o2m::abs_<int8_t>({2, 0, 0}, x, y);
  EXPECT_EQ(std::vector<int8_t>(y, y + 2), (std::vector<int8_t>{-128, 5}));
}

TEST(Cast, FloatToIntegerTruncatesTowardZero) {
  const float x[5] = {1.9f, -1.9f, 0.0f, 100.5f, -0.4f};
  int32_t y[5];
  o2m::cast<float, int32_t>({5, 1, 0}, x, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 5), (std::vector<int32_t>{1, -1, 0, 100, 0}));
}

TEST(Cast, FloatToIntegerSaturatesAndNanIsZero) {
  const float x[4] = {1e10f, -1e10f, NAN, 2147483520.0f};
  int32_t y[4];
  o2m::cast<float, int32_t>({4, 1, 0}, x, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 4), (std::vector<int32_t>{INT32_MAX, INT32_MIN, 0, 2147483520}));
  const float f[3] = {300.0f, -5.0f, 254.9f};
  uint8_t u[3];
  o2m::cast<float, uint8_t>({3, 1, 0}, f, u);
  EXPECT_EQ(std::vector<uint8_t>(u, u + 3), (std::vector<uint8_t>{255, 0, 254}));
}

TEST(Cast, NarrowingIntegersKeepTheLowBits) {
  const int32_t x[3] = {257, -1, 128};
  uint8_t u[3];
  int8_t s[3];
  o2m::cast<int32_t, uint8_t>({3, 1, 0}, x, u);
  o2m::cast<int32_t, int8_t>({3, 1, 0}, x, s);
  EXPECT_EQ(std::vector<uint8_t>(u, u + 3), (std::vector<uint8_t>{1, 255, 128}));
  EXPECT_EQ(std::vector<int8_t>(s, s + 3), (std::vector<int8_t>{1, -1, -128}));
}

TEST(Cast, IntegerToFloatAndBool) {
  const int64_t x[4] = {-3, 0, 1, 1 << 20};
  float f[4];
  bool b[4];
  o2m::cast<int64_t, float>({4, 1, 0}, x, f);
  o2m::cast<int64_t, bool>({4, 1, 0}, x, b);
  EXPECT_EQ(std::vector<float>(f, f + 4), (std::vector<float>{-3, 0, 1, 1048576}));
  EXPECT_EQ(std::vector<bool>(b, b + 4), (std::vector<bool>{true, false, true, true}));
}

TEST(Cast, Uint8AndInt8RoundTripThroughFloat) {
  const uint8_t u[3] = {0, 128, 255};
  float f[3];
  o2m::cast<uint8_t, float>({3, 1, 0}, u, f);
  EXPECT_EQ(std::vector<float>(f, f + 3), (std::vector<float>{0, 128, 255}));
  const float back_in[3] = {-128, 0, 127};
  int8_t i8[3];
  o2m::cast<float, int8_t>({3, 1, 0}, back_in, i8);
  EXPECT_EQ(std::vector<int8_t>(i8, i8 + 3), (std::vector<int8_t>{-128, 0, 127}));
}

TEST(Cast, DoubleToFloatRounds) {
  const double x[2] = {0.1, 1.0 / 3.0};
  float y[2];
  o2m::cast<double, float>({2, 1, 0}, x, y);
  EXPECT_EQ(y[0], 0.1f);
  EXPECT_EQ(y[1], 1.0f / 3.0f);
}

}  // namespace
