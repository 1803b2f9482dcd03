// onnx2mcu.PwDw against the two convs it replaces, run one after the other with the
// reference conv kernel (conv.hpp) over the whole expanded tensor.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/conv.hpp"
#include "kernels/pw_dw.hpp"

namespace {

struct Case {
  int32_t n, c_in, c_mid, h, w, k_h, k_w, stride_h, stride_w, pad_t, pad_l, pad_b, pad_r;
  int32_t pw_act, dw_act;
};

float activate(int32_t kind, float v) {
  if (kind == 1) return v > 0 ? v : 0;
  if (kind == 2) return v < 0 ? 0 : (v > 6 ? 6 : v);
  if (kind == 3) return v >= 0 ? v : 0.1f * v;
  return v;
}

o2m::ActParams act_of(int32_t kind) { return {kind, 0.0f, 6.0f, 0.1f, 0.0f}; }

void check(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  auto random = [&](size_t n) {
    std::vector<float> v(n);
    for (float& e : v) e = u(rng);
    return v;
  };
  const int32_t h_out = (c.h + c.pad_t + c.pad_b - c.k_h) / c.stride_h + 1;
  const int32_t w_out = (c.w + c.pad_l + c.pad_r - c.k_w) / c.stride_w + 1;
  const auto x = random(size_t(c.n * c.c_in * c.h * c.w));
  const auto wp = random(size_t(c.c_mid * c.c_in)), bp = random(size_t(c.c_mid));
  const auto wd = random(size_t(c.c_mid * c.k_h * c.k_w)), bd = random(size_t(c.c_mid));

  // Reference: the whole pointwise output, then the depthwise conv over it.
  o2m::ConvParams pw{c.n, c.c_in, c.c_mid, 1, {1, c.h, c.w}, {1, c.h, c.w}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}};
  std::vector<float> mid(size_t(c.n * c.c_mid * c.h * c.w));
  o2m::conv(pw, x.data(), wp.data(), bp.data(), mid.data());
  for (float& v : mid) v = activate(c.pw_act, v);
  o2m::ConvParams dw{c.n,          c.c_mid,    c.c_mid,  c.c_mid,          {1, c.h, c.w}, {1, h_out, w_out},
                     {1, c.k_h, c.k_w}, {1, c.stride_h, c.stride_w}, {1, 1, 1}, {0, c.pad_t, c.pad_l}};
  std::vector<float> want(size_t(c.n * c.c_mid * h_out * w_out));
  o2m::conv(dw, mid.data(), wd.data(), bd.data(), want.data());
  for (float& v : want) v = activate(c.dw_act, v);

  const o2m::PwDwParams p{c.n,   c.c_in,     c.c_mid,    c.h,     c.w,     h_out,             w_out,
                          c.k_h, c.k_w,      c.stride_h, c.stride_w, c.pad_t, c.pad_l, act_of(c.pw_act), act_of(c.dw_act)};
  std::vector<float> got(want.size(), -99.0f), scratch(size_t(c.k_h * c.c_mid * c.w));
  std::vector<float> packed(wp.size(), NAN);  // pw_dw reads them packed (pass pack-conv-weights)
  o2m::pack_conv_weights(c.c_mid, 1, c.c_in, wp.data(), packed.data());
  o2m::pw_dw(p, x.data(), packed.data(), bp.data(), wd.data(), bd.data(), got.data(), scratch.data());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5f * (1 + std::abs(want[i]))) << "element " << i;
}

TEST(PwDw, MobileNetBlockStrideOne) { check({1, 8, 16, 12, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 1); }
TEST(PwDw, StrideTwoWithRelu6) { check({1, 5, 12, 11, 9, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2}, 2); }
TEST(PwDw, AsymmetricPaddingNoActivation) { check({1, 3, 4, 7, 6, 3, 3, 2, 2, 0, 0, 1, 1, 0, 0}, 3); }
TEST(PwDw, FiveByFiveKernelLeakyReluAndBatchOfTwo) { check({2, 6, 7, 10, 13, 5, 5, 1, 2, 2, 2, 2, 2, 3, 3}, 4); }
TEST(PwDw, KernelTallerThanStrideSkipsNoRow) { check({1, 4, 4, 9, 4, 5, 1, 3, 1, 2, 0, 2, 0, 1, 0}, 5); }

TEST(PwDw, RandomGeometries) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 60; ++t) {
    Case c{};
    c.n = pick(1, 2), c.c_in = pick(1, 9), c.c_mid = pick(1, 9), c.h = pick(1, 10), c.w = pick(1, 10);
    c.k_h = pick(1, 5), c.k_w = pick(1, 5), c.stride_h = pick(1, 3), c.stride_w = pick(1, 3);
    c.pad_t = pick(0, c.k_h - 1), c.pad_b = pick(0, c.k_h - 1), c.pad_l = pick(0, c.k_w - 1), c.pad_r = pick(0, c.k_w - 1);
    c.pw_act = pick(0, 3), c.dw_act = pick(0, 3);
    if (c.h + c.pad_t + c.pad_b < c.k_h || c.w + c.pad_l + c.pad_r < c.k_w) continue;
    SCOPED_TRACE("case " + std::to_string(t));
    check(c, static_cast<uint32_t>(100 + t));
  }
}

}  // namespace
