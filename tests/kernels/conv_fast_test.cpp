// o2m::conv2d_fast (register-blocked 2-D conv, templates/kernels/conv_fast.hpp) against the
// reference o2m::conv (conv_test.cpp checks it against a double-precision loop) followed by the
// standalone activation, on hand-picked and random geometries: pointwise, depthwise, grouped,
// strided, padded, odd sizes, channel counts that are not a multiple of the 4-channel block,
// rows narrower than the pixel block. Tolerance 1e-5 relative to the sum of |terms| (the fast
// kernel adds in the reference's order, but the compiler may contract either into FMAs).
#include "kernels/conv_fast.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "conv_fast_dispatch.h"
#include "kernels/conv.hpp"

namespace {

using conv_fast_dispatch::dw_for;
using conv_fast_dispatch::fast_for;

float reference_act(const o2m::ActParams& a, float v) {
  switch (a.kind) {
    case o2m::kActRelu: return v > 0 ? v : 0;
    case o2m::kActClip: return std::fmin(std::fmax(v, a.lo), a.hi);
    case o2m::kActLeakyRelu: return v >= 0 ? v : v * a.alpha;
    case o2m::kActSigmoid: return 1.0f / (1.0f + std::exp(-v));
    case o2m::kActHardSigmoid: return std::fmax(0.0f, std::fmin(1.0f, a.alpha * v + a.beta));
    default: return v;
  }
}

// pad_bottom / pad_right only set the output size.
void check(o2m::BandConvParams c, int pad_bottom, int pad_right, bool with_bias, o2m::ActParams act, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " cin " + std::to_string(c.c_in) + " cout " + std::to_string(c.c_out) +
               " group " + std::to_string(c.group) + " in " + std::to_string(c.h_in) + "x" + std::to_string(c.w_in) + " k " +
               std::to_string(c.k_h) + "x" + std::to_string(c.k_w) + " s " + std::to_string(c.stride_h) + "," +
               std::to_string(c.stride_w) + " act " + std::to_string(act.kind));
  c.h_out = (c.h_in + c.pad_top + pad_bottom - ((c.k_h - 1) * c.dil_h + 1)) / c.stride_h + 1;
  c.w_out = (c.w_in + c.pad_left + pad_right - c.k_w) / c.stride_w + 1;
  ASSERT_GT(c.h_out, 0);
  ASSERT_GT(c.w_out, 0);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  auto random = [&](size_t n) {
    std::vector<float> v(n);
    for (float& f : v) f = dist(rng);
    return v;
  };
  const std::vector<float> x = random(size_t(c.n) * c.c_in * c.h_in * c.w_in);
  const std::vector<float> w = random(size_t(c.c_out) * (c.c_in / c.group) * c.k_h * c.k_w);
  const std::vector<float> bias = random(size_t(c.c_out));

  o2m::ConvParams r{};
  r.n = c.n;
  r.c_in = c.c_in;
  r.c_out = c.c_out;
  r.group = c.group;
  const int in[3] = {1, c.h_in, c.w_in}, out[3] = {1, c.h_out, c.w_out}, k[3] = {1, c.k_h, c.k_w};
  const int stride[3] = {1, c.stride_h, c.stride_w}, dil[3] = {1, c.dil_h, 1}, pad[3] = {0, c.pad_top, c.pad_left};
  for (int d = 0; d < 3; ++d) {
    r.in[d] = in[d];
    r.out[d] = out[d];
    r.k[d] = k[d];
    r.stride[d] = stride[d];
    r.dil[d] = dil[d];
    r.pad[d] = pad[d];
  }
  const size_t n_out = size_t(c.n) * c.c_out * c.h_out * c.w_out;
  std::vector<float> ref(n_out), y(n_out);
  o2m::conv<float>(r, x.data(), w.data(), with_bias ? bias.data() : nullptr, ref.data());
  // Scale of the rounding error: the sum of |terms| per output, by a second reference run on |x|, |w|.
  std::vector<float> ax(x), aw(w), ab(bias), mag(n_out);
  for (float& v : ax) v = std::fabs(v);
  for (float& v : aw) v = std::fabs(v);
  for (float& v : ab) v = std::fabs(v);
  o2m::conv<float>(r, ax.data(), aw.data(), with_bias ? ab.data() : nullptr, mag.data());
  for (float& v : ref) v = reference_act(act, v);

  // conv2d_fast reads the packed layout (what pass pack-conv-weights stores); conv2d_dw the
  // model's, which packing leaves unchanged for one channel a group.
  std::vector<float> packed(w.size(), NAN);
  o2m::pack_conv_weights(c.c_out, c.group, (c.c_in / c.group) * c.k_h * c.k_w, w.data(), packed.data());
  std::fill(y.begin(), y.end(), NAN);
  fast_for(c.k_w, c.stride_w)(o2m::Conv2dParams{c, act}, x.data(), packed.data(), with_bias ? bias.data() : nullptr, y.data());
  for (size_t i = 0; i < n_out; ++i) ASSERT_NEAR(y[i], ref[i], 1e-5 * (mag[i] + 1e-2)) << "output element " << i;
  // Depthwise 3 or 5 wide: o2m::conv2d_dw as well.
  if (c.group == c.c_in && c.c_in == c.c_out && (c.k_w == 3 || c.k_w == 5) && c.k_h <= c.k_w) {
    EXPECT_EQ(packed, w) << "packing changed a depthwise weight";
    std::fill(y.begin(), y.end(), NAN);
    dw_for(c.k_w, c.stride_w)(o2m::Conv2dParams{c, act}, x.data(), w.data(), with_bias ? bias.data() : nullptr, y.data());
    for (size_t i = 0; i < n_out; ++i) ASSERT_NEAR(y[i], ref[i], 1e-5 * (mag[i] + 1e-2)) << "dw output element " << i;
  }
}

constexpr o2m::ActParams kNone{o2m::kActNone, 0, 0, 0, 0};

o2m::BandConvParams geom(int n, int c_in, int c_out, int group, int h, int w, int k_h, int k_w, int s, int pad) {
  return {n, c_in, h, w, c_out, 0, 0, k_h, k_w, s, s, 1, 1, pad, pad, group};
}

TEST(ConvFast, Mnist8Layers) {
  check(geom(1, 1, 8, 1, 28, 28, 5, 5, 1, 2), 2, 2, true, kNone, 1);
  check(geom(1, 8, 16, 1, 14, 14, 5, 5, 1, 2), 2, 2, true, {o2m::kActRelu, 0, 0, 0, 0}, 2);
}
TEST(ConvFast, PointwiseOddChannels) { check(geom(2, 13, 11, 1, 5, 7, 1, 1, 1, 0), 0, 0, true, kNone, 3); }
TEST(ConvFast, Depthwise3x3StrideOneAndTwo) {
  check(geom(1, 6, 6, 6, 9, 13, 3, 3, 1, 1), 1, 1, true, {o2m::kActClip, 0, 6, 0, 0}, 4);
  check(geom(1, 5, 5, 5, 10, 13, 3, 3, 2, 1), 1, 1, false, kNone, 5);
}
TEST(ConvFast, KwsLikeFirstLayer) {
  o2m::BandConvParams c = geom(1, 1, 6, 1, 49, 10, 10, 4, 2, 0);
  c.pad_top = 4;
  c.pad_left = 1;
  check(c, 5, 1, true, {o2m::kActRelu, 0, 0, 0, 0}, 6);
}
TEST(ConvFast, GroupedAndDilatedRows) {
  o2m::BandConvParams c = geom(1, 8, 6, 2, 11, 9, 3, 3, 1, 2);
  c.dil_h = 2;
  check(c, 2, 2, true, kNone, 7);
}
// Hosts copy a padded row's inputs into a band of at most kBandValues; past that they fall back
// to per-channel border blocks, which the random geometries below are too small to reach.
TEST(ConvFast, RowsTooWideForTheHostBand) {
  const o2m::BandConvParams c = geom(1, 24, 6, 1, 7, 40, 5, 5, 1, 2);
#if defined(O2M_VECTOR_BLOCKS)
  ASSERT_GT(c.c_in * c.k_h * (c.w_in + 4), o2m::conv_detail::kBandValues);
#endif
  check(c, 2, 2, true, {o2m::kActRelu, 0, 0, 0, 0}, 9);
}
TEST(ConvFast, RowNarrowerThanTheBlock) { check(geom(1, 3, 5, 1, 4, 2, 3, 3, 1, 1), 1, 1, true, kNone, 8); }
TEST(ConvFast, EveryActivation) {
  const o2m::ActParams acts[] = {{o2m::kActRelu, 0, 0, 0, 0},
                                 {o2m::kActClip, -0.25f, 0.5f, 0, 0},
                                 {o2m::kActLeakyRelu, 0, 0, 0.1f, 0},
                                 {o2m::kActSigmoid, 0, 0, 0, 0},
                                 {o2m::kActHardSigmoid, 0, 0, 0.2f, 0.5f}};
  uint32_t seed = 20;
  for (const o2m::ActParams& a : acts) check(geom(1, 3, 6, 1, 6, 7, 3, 3, 1, 1), 1, 1, true, a, seed++);
}

TEST(ConvFast, DepthwiseRandomGeometries) {
  std::mt19937 rng(4242);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 300; ++seed) {
    const int group = pick(1, 5), k_w = pick(0, 1) ? 3 : 5, k_h = pick(1, k_w);
    o2m::BandConvParams c{pick(1, 2), group, 0, 0, group, 0, 0, k_h, k_w, pick(1, 3), pick(1, 2), pick(1, 2), 1, 0, 0, group};
    c.pad_top = pick(0, k_h - 1);
    c.pad_left = pick(0, k_w - 1);
    c.h_in = pick(1, 9) + (k_h - 1) * c.dil_h;
    c.w_in = pick(1, 45) + k_w - 1;
    const int pb = pick(0, k_h - 1), pr = pick(0, k_w - 1);
    const o2m::ActParams act{pick(0, 5), -0.5f, 0.75f, 0.2f, 0.5f};
    check(c, pb, pr, pick(0, 3) != 0, act, 5000 + seed);
    if (HasFatalFailure()) return;
  }
}

TEST(ConvFast, RandomGeometries) {
  std::mt19937 rng(777);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 300; ++seed) {
    const int kind = pick(0, 3);  // 0 direct, 1 pointwise, 2 depthwise, 3 grouped
    const int group = kind == 2 ? pick(1, 9) : kind == 3 ? pick(2, 3) : 1;
    const int c_in = kind == 2 ? group : group * pick(1, 6);
    const int c_out = kind == 2 ? group : group * pick(1, 9);
    const int k_h = kind == 1 ? 1 : pick(1, 7), k_w = kind == 1 ? 1 : pick(1, 7);
    const int s_h = kind == 1 ? 1 : pick(1, 3), s_w = kind == 1 ? 1 : pick(1, 2);
    o2m::BandConvParams c{pick(1, 2), c_in, 0, 0, c_out, 0, 0, k_h, k_w, s_h, s_w, pick(1, 2), 1, 0, 0, group};
    c.pad_top = kind == 1 ? 0 : pick(0, k_h - 1);
    c.pad_left = kind == 1 ? 0 : pick(0, k_w - 1);
    c.h_in = pick(1, 12) + (k_h - 1) * c.dil_h;
    c.w_in = pick(1, 23) + k_w - 1;
    const int pb = kind == 1 ? 0 : pick(0, k_h - 1), pr = kind == 1 ? 0 : pick(0, k_w - 1);
    const o2m::ActParams act{pick(0, 5), -0.5f, 0.75f, 0.2f, 0.5f};
    check(c, pb, pr, pick(0, 3) != 0, act, 1000 + seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
