// o2m::conv_pool (banded Conv + activation + pool), with its reference rows and with
// conv2d_fast_row's (KW, S template arguments), against the unfused composition of
// o2m::conv, the activation and o2m::max_pool / avg_pool, which conv_test.cpp and
// pool_test.cpp check against naive references. Tolerance: 1e-5 * (1 + |reference|).
#include "kernels/conv_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "kernels/conv.hpp"
#include "kernels/pool.hpp"

namespace {

struct Case {
  o2m::BandConvParams conv;  // h_out/w_out are filled in by run_case
  int pool_k_h, pool_k_w, pool_s_h, pool_s_w, pool_pad_t, pool_pad_l, pool_pad_b, pool_pad_r;
  bool pool_max, include_pad;
  int act;  // 0 none, 1 Relu, 2 Clip, 3 LeakyRelu
  bool ceil_mode = false;
};

// Pool output size, ceil_mode included (a window must start inside the input or its begin pad).
int pool_out(int in, int k, int s, int pb, int pe, bool ceil_mode) {
  const int span = in + pb + pe - k;
  int out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pb) --out;
  return out;
}

float activate(int act, float v) {
  switch (act) {
    case 1: return std::max(v, 0.0f);
    case 2: return std::min(std::max(v, -0.25f), 0.5f);
    case 3: return v >= 0 ? v : v * 0.1f;
    default: return v;
  }
}

void run_case(Case c, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  o2m::BandConvParams& cv = c.conv;
  cv.h_out = (cv.h_in + 2 * cv.pad_top - ((cv.k_h - 1) * cv.dil_h + 1)) / cv.stride_h + 1;  // symmetric conv pads
  cv.w_out = (cv.w_in + 2 * cv.pad_left - ((cv.k_w - 1) * cv.dil_w + 1)) / cv.stride_w + 1;
  o2m::BandPoolParams pp{};
  pp.h_in = cv.h_out;
  pp.w_in = cv.w_out;
  pp.k_h = c.pool_k_h;
  pp.k_w = c.pool_k_w;
  pp.stride_h = c.pool_s_h;
  pp.stride_w = c.pool_s_w;
  pp.dil_h = pp.dil_w = 1;
  pp.pad_top = c.pool_pad_t;
  pp.pad_left = c.pool_pad_l;
  pp.pad_bottom = c.pool_pad_b;
  pp.pad_right = c.pool_pad_r;
  pp.h_out = pool_out(pp.h_in, pp.k_h, pp.stride_h, pp.pad_top, pp.pad_bottom, c.ceil_mode);
  pp.w_out = pool_out(pp.w_in, pp.k_w, pp.stride_w, pp.pad_left, pp.pad_right, c.ceil_mode);
  pp.count_include_pad = c.include_pad;
  ASSERT_GT(pp.h_out, 0);
  ASSERT_GT(pp.w_out, 0);

  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  auto random = [&](size_t n) {
    std::vector<float> v(n);
    for (float& f : v) f = dist(rng);
    return v;
  };
  const std::vector<float> x = random(size_t(cv.n) * cv.c_in * cv.h_in * cv.w_in);
  const std::vector<float> w = random(size_t(cv.c_out) * (cv.c_in / cv.group) * cv.k_h * cv.k_w);
  const std::vector<float> bias = random(size_t(cv.c_out));

  // Reference: the full conv output, activated, then pooled.
  o2m::ConvParams full{};
  full.n = cv.n;
  full.c_in = cv.c_in;
  full.c_out = cv.c_out;
  full.group = cv.group;
  const int in[3] = {1, cv.h_in, cv.w_in}, out[3] = {1, cv.h_out, cv.w_out}, k[3] = {1, cv.k_h, cv.k_w};
  const int stride[3] = {1, cv.stride_h, cv.stride_w}, dil[3] = {1, cv.dil_h, cv.dil_w}, pad[3] = {0, cv.pad_top, cv.pad_left};
  for (int d = 0; d < 3; ++d) {
    full.in[d] = in[d];
    full.out[d] = out[d];
    full.k[d] = k[d];
    full.stride[d] = stride[d];
    full.dil[d] = dil[d];
    full.pad[d] = pad[d];
  }
  std::vector<float> conv_out(size_t(cv.n) * cv.c_out * cv.h_out * cv.w_out);
  o2m::conv<float>(full, x.data(), w.data(), bias.data(), conv_out.data());
  for (float& v : conv_out) v = activate(c.act, v);
  o2m::PoolParams pool{};
  pool.nc = cv.n * cv.c_out;
  const int p_in[3] = {1, pp.h_in, pp.w_in}, p_out[3] = {1, pp.h_out, pp.w_out}, p_k[3] = {1, pp.k_h, pp.k_w};
  const int p_s[3] = {1, pp.stride_h, pp.stride_w}, p_pb[3] = {0, pp.pad_top, pp.pad_left}, p_pe[3] = {0, pp.pad_bottom, pp.pad_right};
  for (int d = 0; d < 3; ++d) {
    pool.in[d] = p_in[d];
    pool.out[d] = p_out[d];
    pool.k[d] = p_k[d];
    pool.stride[d] = p_s[d];
    pool.dil[d] = 1;
    pool.pad_begin[d] = p_pb[d];
    pool.pad_end[d] = p_pe[d];
  }
  pool.count_include_pad = c.include_pad;
  std::vector<float> ref(size_t(pool.nc) * pp.h_out * pp.w_out);
  if (c.pool_max) o2m::max_pool<float>(pool, conv_out.data(), ref.data());
  else o2m::avg_pool<float>(pool, conv_out.data(), ref.data());

  o2m::ConvPoolParams p{cv, pp, c.pool_max, {c.act, -0.25f, 0.5f, 0.1f, 0.0f}};
  std::vector<float> scratch(size_t(cv.c_out) * pp.k_h * cv.w_out, NAN);
  std::vector<float> y(ref);  // (a copy, not y(n, NAN): that trips a GCC 12 -Wfree-nonheap-object false positive)
  // The reference rows (KW = 0), then conv2d_fast_row's when the geometry is one it takes.
  using Fn = void (*)(const o2m::ConvPoolParams&, const float*, const float*, const float*, float*, void*);
  std::vector<std::pair<const char*, Fn>> variants = {{"reference rows", &o2m::conv_pool<float>}};
  // The fast rows read the packed weights (pass pack-conv-weights), the reference rows the model's.
  std::vector<float> packed(w.size(), NAN);
  o2m::pack_conv_weights(cv.c_out, cv.group, (cv.c_in / cv.group) * cv.k_h * cv.k_w, w.data(), packed.data());
  if (cv.dil_w == 1 && cv.stride_w <= 2 && cv.k_w <= 3) {
    const Fn fast[3][2] = {{&o2m::conv_pool<float, 1, 1>, &o2m::conv_pool<float, 1, 2>},
                           {&o2m::conv_pool<float, 2, 1>, &o2m::conv_pool<float, 2, 2>},
                           {&o2m::conv_pool<float, 3, 1>, &o2m::conv_pool<float, 3, 2>}};
    variants.push_back({"fast rows", fast[cv.k_w - 1][cv.stride_w - 1]});
  }
  for (const auto& v : variants) {
    SCOPED_TRACE(v.first);
    std::fill(y.begin(), y.end(), NAN);
    v.second(p, x.data(), v.second == &o2m::conv_pool<float> ? w.data() : packed.data(), bias.data(), y.data(), scratch.data());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-5 * (1 + std::fabs(ref[i]))) << "output element " << i;
  }
}

o2m::BandConvParams conv3x3(int n, int c_in, int c_out, int h, int w, int pad) {
  return {n, c_in, h, w, c_out, 0, 0, 3, 3, 1, 1, 1, 1, pad, pad, 1};
}

TEST(ConvPool, DigitsLikeConvReluMaxPool) { run_case({conv3x3(1, 1, 8, 8, 8, 1), 2, 2, 2, 2, 0, 0, 0, 0, true, false, 1}, 1); }
TEST(ConvPool, AveragePoolNoActivation) { run_case({conv3x3(2, 3, 4, 9, 7, 1), 3, 3, 3, 3, 0, 0, 0, 0, false, false, 0}, 2); }
TEST(ConvPool, ClipActivation) { run_case({conv3x3(1, 2, 3, 10, 10, 0), 2, 2, 2, 2, 0, 0, 0, 0, true, false, 2}, 3); }
TEST(ConvPool, LeakyReluActivation) { run_case({conv3x3(1, 2, 3, 10, 10, 1), 2, 2, 2, 2, 0, 0, 0, 0, false, false, 3}, 4); }
TEST(ConvPool, PaddedAveragePoolCountingPads) {
  run_case({conv3x3(1, 2, 2, 7, 7, 1), 3, 3, 3, 3, 1, 1, 1, 1, false, true, 1}, 5);
  run_case({conv3x3(1, 2, 2, 7, 7, 1), 3, 3, 3, 3, 1, 1, 1, 1, false, false, 1}, 6);
}
TEST(ConvPool, CeilModeLastWindowHangsOver) {
  // 7x7 conv output, 2x2 pool stride 2, ceil: the last row and column of windows hold one
  // conv row/column; with count_include_pad the divisor still stops at the (unpadded) edge.
  run_case({conv3x3(1, 2, 2, 7, 7, 1), 2, 2, 2, 2, 0, 0, 0, 0, false, true, 1, true}, 10);
  run_case({conv3x3(1, 2, 2, 7, 7, 1), 2, 2, 2, 2, 0, 0, 0, 0, true, false, 1, true}, 11);
}

TEST(ConvPool, GroupedStridedDilatedConv) {
  o2m::BandConvParams cv{1, 4, 12, 11, 6, 0, 0, 3, 2, 2, 1, 1, 2, 1, 1, 2};
  run_case({cv, 2, 2, 2, 2, 0, 0, 0, 0, true, false, 1}, 7);
}
TEST(ConvPool, DepthwiseConv) {
  o2m::BandConvParams cv{1, 4, 8, 8, 4, 0, 0, 3, 3, 1, 1, 1, 1, 1, 1, 4};
  run_case({cv, 2, 2, 2, 2, 0, 0, 0, 0, true, false, 1}, 8);
}
TEST(ConvPool, OverlappingPoolWindowsStillCorrect) {
  // The pass only fuses non-overlapping pools, but the kernel must not depend on it.
  run_case({conv3x3(1, 2, 3, 9, 9, 1), 3, 3, 1, 2, 1, 0, 1, 0, true, false, 1}, 9);
}

TEST(ConvPool, RandomGeometries) {
  std::mt19937 rng(4242);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 100; ++seed) {
    const int group = pick(1, 2);
    o2m::BandConvParams cv{pick(1, 2), group * pick(1, 2), 0, 0, group * pick(1, 3), 0, 0, pick(1, 3), pick(1, 3),
                           pick(1, 2), pick(1, 2), pick(1, 2), pick(1, 2), 0, 0, group};
    cv.pad_top = pick(0, cv.k_h - 1);
    cv.pad_left = pick(0, cv.k_w - 1);
    cv.h_in = pick(4, 10) + (cv.k_h - 1) * cv.dil_h;
    cv.w_in = pick(4, 10) + (cv.k_w - 1) * cv.dil_w;
    const int kh = pick(1, 3), kw = pick(1, 3);
    // Pool pads below the window so that no window lies wholly in the padding.
    run_case({cv, kh, kw, pick(1, kh), pick(1, kw), pick(0, kh - 1), pick(0, kw - 1), pick(0, kh - 1), pick(0, kw - 1),
              pick(0, 1) == 1, pick(0, 1) == 1, pick(0, 3), pick(0, 1) == 1},
             5000 + seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
