// o2m::max_pool / avg_pool / lp_pool / max_pool_indices and the global pools against direct
// references with ONNX semantics. Max pooling and its indices are exact; averages and Lp norms
// are compared with a 1e-5 relative tolerance (+1e-6 absolute).
#include "kernels/pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace {

using Dims = std::array<int, 3>;  // [d, h, w]; 1 (and no padding) for dims a pool does not use

std::vector<float> random_floats(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

// Output size as ONNX computes it, ceil_mode included (a window must start inside the input
// or its begin padding).
int out_dim(int in, int k, int s, int d, int pb, int pe, bool ceil_mode) {
  const int span = in + pb + pe - ((k - 1) * d + 1);
  int out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pb) --out;
  return out;
}

struct Window {
  Dims in, k, stride = {1, 1, 1}, dil = {1, 1, 1}, pad_begin = {0, 0, 0}, pad_end = {0, 0, 0};
  bool ceil_mode = false;
};

o2m::PoolParams make_params(int nc, const Window& w, bool include_pad, float p_norm = 2.0f) {
  o2m::PoolParams p{};
  p.nc = nc;
  for (int d = 0; d < 3; ++d) {
    p.in[d] = w.in[d];
    p.k[d] = w.k[d];
    p.stride[d] = w.stride[d];
    p.dil[d] = w.dil[d];
    p.pad_begin[d] = w.pad_begin[d];
    p.pad_end[d] = w.pad_end[d];
    p.out[d] = out_dim(w.in[d], w.k[d], w.stride[d], w.dil[d], w.pad_begin[d], w.pad_end[d], w.ceil_mode);
  }
  p.count_include_pad = include_pad ? 1 : 0;
  p.p = p_norm;
  return p;
}

// A 2-D window: h x w input, kh x kw kernel, strides, pads {top, left, bottom, right}.
Window window2d(int h, int w, int kh, int kw, int sh, int sw, std::array<int, 4> pads, bool ceil_mode) {
  Window win;
  win.in = {1, h, w};
  win.k = {1, kh, kw};
  win.stride = {1, sh, sw};
  win.pad_begin = {0, pads[0], pads[1]};
  win.pad_end = {0, pads[2], pads[3]};
  win.ceil_mode = ceil_mode;
  return win;
}

// Average divisor: the in-input elements, or (count_include_pad) the window clipped to the
// padded input. Lp: (sum |x|^p)^(1/p) over the in-input elements.
void check_pool(const o2m::PoolParams& p, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const int in_sp = p.in[0] * p.in[1] * p.in[2], out_sp = p.out[0] * p.out[1] * p.out[2];
  std::vector<float> x = random_floats(rng, size_t(p.nc) * in_sp);
  std::vector<float> ymax(size_t(p.nc) * out_sp, NAN), yavg(ymax.size(), NAN), ylp(ymax.size(), NAN), ymax2(ymax.size());
  std::vector<int64_t> idx(ymax.size(), -7);
  o2m::max_pool<float>(p, x.data(), ymax.data());
  o2m::avg_pool<float>(p, x.data(), yavg.data());
  o2m::lp_pool<float>(p, x.data(), ylp.data());
  o2m::max_pool_indices<float>(p, x.data(), ymax2.data(), idx.data());
  for (int c = 0; c < p.nc; ++c)
    for (int o = 0; o < out_sp; ++o) {
      const int od = o / (p.out[1] * p.out[2]), oh = o / p.out[2] % p.out[1], ow = o % p.out[2];
      double mx = -INFINITY, sum = 0, lp = 0;
      int inside = 0, padded = 0;
      int64_t arg = -1;
      for (int kd = 0; kd < p.k[0]; ++kd)
        for (int kh = 0; kh < p.k[1]; ++kh)
          for (int kw = 0; kw < p.k[2]; ++kw) {
            const int id = od * p.stride[0] - p.pad_begin[0] + kd * p.dil[0];
            const int ih = oh * p.stride[1] - p.pad_begin[1] + kh * p.dil[1];
            const int iw = ow * p.stride[2] - p.pad_begin[2] + kw * p.dil[2];
            if (id < p.in[0] + p.pad_end[0] && ih < p.in[1] + p.pad_end[1] && iw < p.in[2] + p.pad_end[2]) ++padded;
            if (id < 0 || id >= p.in[0] || ih < 0 || ih >= p.in[1] || iw < 0 || iw >= p.in[2]) continue;
            const int64_t at = int64_t(c) * in_sp + (int64_t(id) * p.in[1] + ih) * p.in[2] + iw;
            const float v = x[size_t(at)];
            if (v > mx) mx = v, arg = at;
            sum += v;
            lp += std::pow(std::fabs(double(v)), double(p.p));
            ++inside;
          }
      ASSERT_GT(inside, 0) << "test geometry has a window entirely in the padding";
      const size_t at = size_t(c) * out_sp + size_t(o);
      ASSERT_EQ(ymax[at], static_cast<float>(mx)) << "max at c=" << c << " o=" << o;
      ASSERT_EQ(ymax2[at], static_cast<float>(mx)) << "max (with indices) at c=" << c << " o=" << o;
      ASSERT_EQ(idx[at], arg) << "argmax at c=" << c << " o=" << o;
      const double avg = sum / (p.count_include_pad ? padded : inside);
      ASSERT_NEAR(yavg[at], avg, 1e-5 * std::fabs(avg) + 1e-6) << "avg at c=" << c << " o=" << o;
      const double norm = std::pow(lp, 1.0 / p.p);
      ASSERT_NEAR(ylp[at], norm, 1e-5 * norm + 1e-6) << "lp at c=" << c << " o=" << o;
    }
}

TEST(Pool, HandComputed2x2Stride2) {
  const float x[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  float y[4];
  o2m::PoolParams p = make_params(1, window2d(4, 4, 2, 2, 2, 2, {0, 0, 0, 0}, false), false);
  ASSERT_EQ(p.out[1], 2);
  o2m::max_pool<float>(p, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{6, 8, 14, 16}));
  o2m::avg_pool<float>(p, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f}));
}

TEST(Pool, CountIncludePadChangesOnlyTheDivisor) {
  // 2x2 of ones, 3x3 window, pads 1: each window holds 4 real values in 9 padded places.
  const float x[4] = {1, 1, 1, 1};
  float y[4];
  o2m::PoolParams p = make_params(1, window2d(2, 2, 3, 3, 1, 1, {1, 1, 1, 1}, false), false);
  o2m::avg_pool<float>(p, x, y);
  for (float v : y) EXPECT_FLOAT_EQ(v, 1.0f);
  p.count_include_pad = 1;
  o2m::avg_pool<float>(p, x, y);
  for (float v : y) EXPECT_FLOAT_EQ(v, 4.0f / 9.0f);
}

TEST(Pool, MaxOfAllNegativeWindowIsNotZero) {
  const float x[4] = {-4, -3, -2, -1};
  float y[1];
  int64_t i[1];
  o2m::max_pool_indices<float>(make_params(1, window2d(2, 2, 2, 2, 1, 1, {0, 0, 0, 0}, false), false), x, y, i);
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(i[0], 3);
}

TEST(Pool, IndicesColumnMajorWhenStorageOrderIsOne) {
  // 2x3 input, maximum at row 0, column 2: row-major index 2, column-major 2 * 2 + 0 = 4.
  const float x[6] = {1, 2, 9, 3, 4, 5};
  float y[1];
  int64_t i[1];
  o2m::PoolParams p = make_params(1, window2d(2, 3, 2, 3, 1, 1, {0, 0, 0, 0}, false), false);
  o2m::max_pool_indices<float>(p, x, y, i);
  EXPECT_EQ(i[0], 2);
  p.storage_order = 1;
  o2m::max_pool_indices<float>(p, x, y, i);
  EXPECT_EQ(i[0], 4);
}

TEST(Pool, CeilModePartialWindows) {
  // 5x5, k2, s2, ceil: the last row and column of windows hang over the edge.
  check_pool(make_params(2, window2d(5, 5, 2, 2, 2, 2, {0, 0, 0, 0}, true), false), 1);
  check_pool(make_params(2, window2d(5, 5, 2, 2, 2, 2, {0, 0, 0, 0}, true), true), 2);
  // With pads 1+1 a fourth window would start in the end padding: ONNX drops it.
  o2m::PoolParams p = make_params(1, window2d(5, 5, 2, 2, 2, 2, {1, 1, 1, 1}, true), true);
  ASSERT_EQ(p.out[1], 3);
  check_pool(p, 3);
}

TEST(Pool, Padded) { check_pool(make_params(3, window2d(7, 6, 3, 3, 2, 2, {1, 1, 1, 1}, false), false), 4); }
TEST(Pool, PaddedIncludePad) { check_pool(make_params(3, window2d(7, 6, 3, 3, 2, 2, {1, 1, 1, 1}, false), true), 5); }
TEST(Pool, AsymmetricPads) { check_pool(make_params(2, window2d(6, 9, 3, 2, 1, 3, {0, 1, 2, 1}, false), true), 6); }
TEST(Pool, OneDimensional) { check_pool(make_params(4, window2d(1, 17, 1, 4, 1, 3, {0, 1, 0, 2}, true), true), 7); }

TEST(Pool, Dilated) {
  Window w = window2d(9, 9, 2, 3, 1, 2, {1, 1, 1, 1}, false);
  w.dil = {1, 2, 2};
  check_pool(make_params(2, w, false), 8);
}

TEST(Pool, ThreeDimensional) {
  Window w;
  w.in = {4, 5, 6};
  w.k = {2, 3, 2};
  w.stride = {2, 1, 2};
  w.pad_begin = {1, 1, 0};
  w.pad_end = {0, 1, 1};
  check_pool(make_params(3, w, true), 9);
  check_pool(make_params(3, w, false, 3.0f), 10);
}

TEST(Pool, LpNormOrderOne) {
  // p = 1: the sum of absolute values.
  const float x[4] = {-1, 2, -3, 4};
  float y[1];
  o2m::lp_pool<float>(make_params(1, window2d(2, 2, 2, 2, 1, 1, {0, 0, 0, 0}, false), false, 1.0f), x, y);
  EXPECT_FLOAT_EQ(y[0], 10.0f);
}

TEST(Pool, RandomGeometries) {
  std::mt19937 rng(777);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 150; ++seed) {
    Window w;
    const int first = seed % 5 == 0 ? 0 : 1;  // every fifth case is 3-D
    for (int d = 0; d < 3; ++d) {
      const bool used = d >= first;
      w.k[d] = used ? pick(1, 4) : 1;
      // Pads stay below the kernel so that no window lies wholly in the padding.
      w.pad_begin[d] = used ? pick(0, w.k[d] - 1) : 0;
      w.pad_end[d] = used ? pick(0, w.k[d] - 1) : 0;
      w.stride[d] = used ? pick(1, 3) : 1;
      w.in[d] = used ? pick(w.k[d], 8) : 1;
    }
    w.ceil_mode = pick(0, 1) == 1;
    check_pool(make_params(pick(1, 4), w, pick(0, 1) == 1, pick(1, 3)), 2000 + seed);
    if (HasFatalFailure()) return;
  }
}

TEST(GlobalPool, AverageMaxAndLpPerChannel) {
  std::mt19937 rng(11);
  const int nc = 6, spatial = 37;
  std::vector<float> x = random_floats(rng, nc * spatial), avg(nc), mx(nc), lp(nc);
  const o2m::GlobalPoolParams p{nc, spatial, 2.0f};
  o2m::global_avg_pool<float>(p, x.data(), avg.data());
  o2m::global_max_pool<float>(p, x.data(), mx.data());
  o2m::global_lp_pool<float>(p, x.data(), lp.data());
  for (int c = 0; c < nc; ++c) {
    double sum = 0, sq = 0;
    float best = x[size_t(c) * spatial];
    for (int i = 0; i < spatial; ++i) {
      const float v = x[size_t(c) * spatial + i];
      sum += v;
      sq += double(v) * v;
      best = std::max(best, v);
    }
    EXPECT_NEAR(avg[size_t(c)], sum / spatial, 1e-5 * std::fabs(sum / spatial) + 1e-6) << "channel " << c;
    EXPECT_EQ(mx[size_t(c)], best) << "channel " << c;
    EXPECT_NEAR(lp[size_t(c)], std::sqrt(sq), 1e-5 * std::sqrt(sq)) << "channel " << c;
  }
}

TEST(GlobalPool, AllNegativeMaxIsNotZero) {
  const float x[3] = {-3, -1, -2};
  float y = 0;
  o2m::global_max_pool<float>({1, 3, 0.0f}, x, &y);
  EXPECT_EQ(y, -1.0f);
}

}  // namespace
