// o2m::conv2d against a direct, bounds-checked reference in double precision.
// Tolerance: 1e-5 of the sum of |x * w| terms per output (the scale float accumulation error has).
#include "kernels/conv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

struct Geometry {
  int n, c_in, h, w, c_out, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_t, pad_l, pad_b, pad_r, group;
  bool bias;
  int h_out() const { return (h + pad_t + pad_b - ((k_h - 1) * dil_h + 1)) / stride_h + 1; }
  int w_out() const { return (w + pad_l + pad_r - ((k_w - 1) * dil_w + 1)) / stride_w + 1; }
};

std::vector<float> random_floats(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

// Runs the kernel and compares every output with the reference.
void check_conv(const Geometry& g, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const int cin_g = g.c_in / g.group, cout_g = g.c_out / g.group;
  std::vector<float> x = random_floats(rng, size_t(g.n) * g.c_in * g.h * g.w);
  std::vector<float> w = random_floats(rng, size_t(g.c_out) * cin_g * g.k_h * g.k_w);
  std::vector<float> b = random_floats(rng, size_t(g.c_out));
  const int ho = g.h_out(), wo = g.w_out();
  std::vector<float> y(size_t(g.n) * g.c_out * ho * wo, NAN);

  o2m::ConvParams p{g.n,        g.c_in,     g.h,        g.w,     g.c_out, ho,      wo,      g.k_h,
                    g.k_w,      g.stride_h, g.stride_w, g.dil_h, g.dil_w, g.pad_t, g.pad_l, g.group};
  o2m::conv2d<float>(p, x.data(), w.data(), g.bias ? b.data() : nullptr, y.data());

  for (int bn = 0; bn < g.n; ++bn)
    for (int oc = 0; oc < g.c_out; ++oc)
      for (int oh = 0; oh < ho; ++oh)
        for (int ow = 0; ow < wo; ++ow) {
          double ref = g.bias ? b[oc] : 0.0, mag = std::fabs(ref);
          const int grp = oc / cout_g;
          for (int ic = 0; ic < cin_g; ++ic)
            for (int kh = 0; kh < g.k_h; ++kh)
              for (int kw = 0; kw < g.k_w; ++kw) {
                const int ih = oh * g.stride_h - g.pad_t + kh * g.dil_h;
                const int iw = ow * g.stride_w - g.pad_l + kw * g.dil_w;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                const double t = double(x[((size_t(bn) * g.c_in + grp * cin_g + ic) * g.h + ih) * g.w + iw]) *
                                 w[((size_t(oc) * cin_g + ic) * g.k_h + kh) * g.k_w + kw];
                ref += t;
                mag += std::fabs(t);
              }
          const float got = y[((size_t(bn) * g.c_out + oc) * ho + oh) * wo + ow];
          ASSERT_NEAR(got, ref, 1e-5 * mag + 1e-7) << "at n=" << bn << " oc=" << oc << " oh=" << oh << " ow=" << ow;
        }
}

TEST(Conv2d, HandComputedSumOfWindow) {
  // 3x3 input 1..9, 2x2 kernel of ones, no padding: each output is the sum of a 2x2 block.
  const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const float w[4] = {1, 1, 1, 1};
  const float bias[1] = {0.5f};
  float y[4] = {};
  o2m::ConvParams p{1, 1, 3, 3, 1, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 1};
  o2m::conv2d<float>(p, x, w, bias, y);
  EXPECT_FLOAT_EQ(y[0], 12.5f);
  EXPECT_FLOAT_EQ(y[1], 16.5f);
  EXPECT_FLOAT_EQ(y[2], 24.5f);
  EXPECT_FLOAT_EQ(y[3], 28.5f);
}

TEST(Conv2d, PaddingOnlyTouchesTheBorder) {
  // 2x2 input, 3x3 kernel of ones, pads 1: every output sees all four inputs (sum 10).
  const float x[4] = {1, 2, 3, 4};
  float w[9];
  for (float& v : w) v = 1;
  float y[4] = {};
  o2m::ConvParams p{1, 1, 2, 2, 1, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1};
  o2m::conv2d<float>(p, x, w, nullptr, y);
  for (float v : y) EXPECT_FLOAT_EQ(v, 10.0f);
}

TEST(Conv2d, PlainStrideOne) { check_conv({2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, true}, 1); }
TEST(Conv2d, PaddedSame) { check_conv({1, 4, 9, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true}, 2); }
TEST(Conv2d, AsymmetricPadding) { check_conv({1, 2, 8, 5, 3, 3, 2, 1, 1, 1, 1, 2, 0, 1, 3, 1, false}, 3); }
TEST(Conv2d, Strided) { check_conv({1, 3, 11, 10, 4, 3, 3, 2, 3, 1, 1, 1, 1, 1, 1, 1, true}, 4); }
TEST(Conv2d, Dilated) { check_conv({1, 2, 12, 12, 3, 3, 3, 1, 1, 2, 3, 2, 3, 2, 3, 1, true}, 5); }
TEST(Conv2d, Grouped) { check_conv({2, 6, 6, 6, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, true}, 6); }
TEST(Conv2d, Depthwise) { check_conv({1, 8, 10, 10, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 8, true}, 7); }
TEST(Conv2d, DepthwiseMultiplier) { check_conv({1, 4, 7, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, false}, 8); }
TEST(Conv2d, OneDimensionalAsHeightOne) { check_conv({1, 3, 1, 20, 4, 1, 5, 1, 2, 1, 1, 0, 2, 0, 2, 1, true}, 9); }
TEST(Conv2d, KernelLargerThanInputWithPadding) { check_conv({1, 1, 2, 3, 2, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, true}, 10); }

TEST(Conv2d, RandomGeometries) {
  std::mt19937 rng(12345);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 150; ++seed) {
    Geometry g{};
    g.group = pick(1, 3);
    g.n = pick(1, 2);
    g.c_in = g.group * pick(1, 3);
    g.c_out = g.group * pick(1, 3);
    g.k_h = pick(1, 4);
    g.k_w = pick(1, 4);
    g.stride_h = pick(1, 3);
    g.stride_w = pick(1, 3);
    g.dil_h = pick(1, 2);
    g.dil_w = pick(1, 2);
    g.pad_t = pick(0, 2);
    g.pad_b = pick(0, 2);
    g.pad_l = pick(0, 2);
    g.pad_r = pick(0, 2);
    g.h = pick(1, 9) + (g.k_h - 1) * g.dil_h;
    g.w = pick(1, 9) + (g.k_w - 1) * g.dil_w;
    g.bias = pick(0, 1) == 1;
    check_conv(g, 1000 + seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
