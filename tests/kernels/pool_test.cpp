// o2m::max_pool2d / avg_pool2d / global pools against direct references (ONNX semantics).
// Max pooling is exact; averages are compared with a 1e-5 relative tolerance (+1e-6 absolute).
#include "kernels/pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

std::vector<float> random_floats(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

// Output size as ONNX computes it, ceil_mode included (a window must start inside the input
// or its left padding).
int out_dim(int in, int k, int s, int d, int pb, int pe, bool ceil_mode) {
  const int span = in + pb + pe - ((k - 1) * d + 1);
  int out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pb) --out;
  return out;
}

o2m::PoolParams make_params(int nc, int h, int w, int k_h, int k_w, int s_h, int s_w, int pt, int pl, int pb, int pr,
                            bool ceil_mode, bool include_pad, int d_h = 1, int d_w = 1) {
  return {nc,  h,   w,   out_dim(h, k_h, s_h, d_h, pt, pb, ceil_mode), out_dim(w, k_w, s_w, d_w, pl, pr, ceil_mode),
          k_h, k_w, s_h, s_w, d_h, d_w, pt, pl, pb, pr, include_pad ? 1 : 0};
}

// Average divisor: in-input elements, or (count_include_pad) the window clipped to the padded input.
void check_pool(const o2m::PoolParams& p, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<float> x = random_floats(rng, size_t(p.nc) * p.h_in * p.w_in);
  std::vector<float> ymax(size_t(p.nc) * p.h_out * p.w_out, NAN), yavg(ymax.size(), NAN);
  o2m::max_pool2d<float>(p, x.data(), ymax.data());
  o2m::avg_pool2d<float>(p, x.data(), yavg.data());
  for (int c = 0; c < p.nc; ++c)
    for (int oh = 0; oh < p.h_out; ++oh)
      for (int ow = 0; ow < p.w_out; ++ow) {
        double mx = -INFINITY, sum = 0;
        int inside = 0, padded = 0;
        for (int kh = 0; kh < p.k_h; ++kh)
          for (int kw = 0; kw < p.k_w; ++kw) {
            const int ih = oh * p.stride_h - p.pad_top + kh * p.dil_h;
            const int iw = ow * p.stride_w - p.pad_left + kw * p.dil_w;
            if (ih < p.h_in + p.pad_bottom && iw < p.w_in + p.pad_right) ++padded;
            if (ih < 0 || ih >= p.h_in || iw < 0 || iw >= p.w_in) continue;
            const float v = x[(size_t(c) * p.h_in + ih) * p.w_in + iw];
            mx = std::max<double>(mx, v);
            sum += v;
            ++inside;
          }
        ASSERT_GT(inside, 0) << "test geometry has a window entirely in the padding";
        const size_t at = (size_t(c) * p.h_out + oh) * p.w_out + ow;
        ASSERT_EQ(ymax[at], static_cast<float>(mx)) << "max at c=" << c << " oh=" << oh << " ow=" << ow;
        const double avg = sum / (p.count_include_pad ? padded : inside);
        ASSERT_NEAR(yavg[at], avg, 1e-5 * std::fabs(avg) + 1e-6) << "avg at c=" << c << " oh=" << oh << " ow=" << ow;
      }
}

TEST(Pool2d, HandComputed2x2Stride2) {
  const float x[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  float y[4];
  o2m::PoolParams p = make_params(1, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0, false, false);
  ASSERT_EQ(p.h_out, 2);
  o2m::max_pool2d<float>(p, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{6, 8, 14, 16}));
  o2m::avg_pool2d<float>(p, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
}

TEST(Pool2d, CountIncludePadChangesOnlyTheBorderDivisor) {
  // 2x2 of ones, 3x3 window, pads 1: corners see 4 real values in a window of 9.
  const float x[4] = {1, 1, 1, 1};
  float y[4];
  o2m::PoolParams p = make_params(1, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, false, false);
  o2m::avg_pool2d<float>(p, x, y);
  for (float v : y) EXPECT_FLOAT_EQ(v, 1.0f);
  p.count_include_pad = 1;
  o2m::avg_pool2d<float>(p, x, y);
  for (float v : y) EXPECT_FLOAT_EQ(v, 4.0f / 9.0f);
}

TEST(Pool2d, CeilModePartialWindow) {
  // 5x5, k2, s2, ceil: the last row and column windows hang over the edge; the average divides
  // by the in-input count either way (no pads, so "padded input" ends at the input).
  check_pool(make_params(2, 5, 5, 2, 2, 2, 2, 0, 0, 0, 0, true, false), 1);
  check_pool(make_params(2, 5, 5, 2, 2, 2, 2, 0, 0, 0, 0, true, true), 2);
  // With pads 1+1 a fourth window would start in the right padding: ONNX drops it (3 outputs).
  o2m::PoolParams p = make_params(1, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, true, true);
  ASSERT_EQ(p.h_out, 3);
  check_pool(p, 3);
}

TEST(Pool2d, Padded) { check_pool(make_params(3, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, false, false), 3); }
TEST(Pool2d, PaddedIncludePad) { check_pool(make_params(3, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, false, true), 4); }
TEST(Pool2d, AsymmetricPads) { check_pool(make_params(2, 6, 9, 3, 2, 1, 3, 0, 1, 2, 1, false, true), 5); }
TEST(Pool2d, Dilated) { check_pool(make_params(2, 9, 9, 2, 3, 1, 2, 1, 1, 1, 1, false, false, 2, 2), 6); }
TEST(Pool2d, OneDimensional) { check_pool(make_params(4, 1, 17, 1, 4, 1, 3, 0, 1, 0, 2, true, true), 7); }

TEST(Pool2d, RandomGeometries) {
  std::mt19937 rng(777);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 150; ++seed) {
    const int k_h = pick(1, 4), k_w = pick(1, 4);
    // Pads stay below the kernel so no window lies wholly in the padding.
    const int pt = pick(0, k_h - 1), pb = pick(0, k_h - 1), pl = pick(0, k_w - 1), pr = pick(0, k_w - 1);
    const int h = pick(k_h, 10), w = pick(k_w, 10);
    check_pool(make_params(pick(1, 4), h, w, k_h, k_w, pick(1, 3), pick(1, 3), pt, pl, pb, pr, pick(0, 1), pick(0, 1)),
               2000 + seed);
    if (HasFatalFailure()) return;
  }
}

TEST(GlobalPool, AverageAndMaxPerChannel) {
  std::mt19937 rng(11);
  const int nc = 6, spatial = 37;
  std::vector<float> x = random_floats(rng, nc * spatial), avg(nc), mx(nc);
  o2m::GlobalPoolParams p{nc, spatial};
  o2m::global_avg_pool<float>(p, x.data(), avg.data());
  o2m::global_max_pool<float>(p, x.data(), mx.data());
  for (int c = 0; c < nc; ++c) {
    double sum = 0;
    float best = x[c * spatial];
    for (int i = 0; i < spatial; ++i) {
      sum += x[c * spatial + i];
      best = std::max(best, x[c * spatial + i]);
    }
    EXPECT_NEAR(avg[c], sum / spatial, 1e-5 * std::fabs(sum / spatial) + 1e-6) << "channel " << c;
    EXPECT_EQ(mx[c], best) << "channel " << c;
  }
}

TEST(GlobalPool, AllNegativeMaxIsNotZero) {
  const float x[3] = {-3, -1, -2};
  float y = 0;
  o2m::global_max_pool<float>({1, 3}, x, &y);
  EXPECT_EQ(y, -1.0f);
}

}  // namespace
