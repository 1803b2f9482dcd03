// o2m::qadd, qmul, qlut and qavg_pool against exact arithmetic.
#include "kernels/qelementwise.hpp"
#include "kernels/qpool.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

int64_t rhe(long double v) { return static_cast<int64_t>(std::nearbyint(v)); }  // half to even

TEST(QAdd, MatchesExactSum) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> q(-128, 127);
  o2m::QAddParams p{64, 0, -5, 9, 3, 1234567890, 987654321, 40, -128, 127};
  std::vector<int8_t> a(64), b(64), y(64);
  for (int i = 0; i < 64; ++i) {
    a[static_cast<size_t>(i)] = static_cast<int8_t>(q(rng));
    b[static_cast<size_t>(i)] = static_cast<int8_t>(q(rng));
  }
  a[0] = 5, b[0] = 9;  // a zero sum
  o2m::qadd<int8_t, int8_t, int8_t>(p, a.data(), b.data(), y.data());
  for (size_t i = 0; i < 64; ++i) {
    const long double v = std::ldexp(static_cast<long double>(a[i] + 5) * p.a_mult + static_cast<long double>(b[i] - 9) * p.b_mult, -p.shift);
    const int64_t want = std::min<int64_t>(127, std::max<int64_t>(-128, rhe(v) + 3));
    EXPECT_EQ(y[i], want) << i;
  }
}

TEST(QAdd, TiesRoundToEven) {
  // (a - 0) * 2^39 / 2^40 = a / 2: 1 -> 0.5 -> 0, 3 -> 1.5 -> 2, -1 -> -0.5 -> 0.
  o2m::QAddParams p{3, 1, 0, 0, 0, 1 << 30, 0, 31, -128, 127};
  const int8_t a[3] = {1, 3, -1}, b[1] = {0};
  int8_t y[3];
  o2m::qadd<int8_t, int8_t, int8_t>(p, a, b, y);
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(y[1], 2);
  EXPECT_EQ(y[2], 0);
}

TEST(QMul, MatchesExactProduct) {
  o2m::QMulParams p{4, 1, 10, -2, 0, 1500000000, -5, -128, 127};
  const int8_t a[4] = {-128, 0, 10, 127}, b[1] = {40};
  int8_t y[4];
  o2m::qmul<int8_t, int8_t, int8_t>(p, a, b, y);
  for (int i = 0; i < 4; ++i) {
    const long double v = std::ldexp(static_cast<long double>((a[i] - 10) * 42) * p.mult, p.shift - 31);
    EXPECT_EQ(y[i], std::min<int64_t>(127, std::max<int64_t>(-128, rhe(v)))) << i;
  }
}

TEST(QLut, IndexesByValue) {
  uint8_t table[256];
  for (int i = 0; i < 256; ++i) table[i] = static_cast<uint8_t>(255 - i);
  const int8_t x[3] = {-128, 0, 127};
  uint8_t y[3];
  o2m::qlut<int8_t, uint8_t>({3}, x, table, y);
  EXPECT_EQ(y[0], 255);
  EXPECT_EQ(y[1], 127);
  EXPECT_EQ(y[2], 0);
}

TEST(QAvgPool, PaddedWindowsUseTheirOwnCount) {
  // 1 channel 3x3, 3x3 window, pads 1, stride 1, count_include_pad 0: counts 4, 6 or 9.
  o2m::QAvgPoolParams q{};
  o2m::PoolParams& p = q.pool;
  p = {1, {1, 3, 3}, {1, 3, 3}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}, 0, 0, 1.0f};
  q.x_zp = 2;
  q.y_zp = -1;
  q.act_min = -128;
  q.act_max = 127;
  q.uniform = 0;
  const double sx = 0.5, sy = 0.25;
  std::vector<int32_t> mult(10, 0), shift(10, 0);
  for (int c = 1; c <= 9; ++c) {
    int e;
    const double f = std::frexp(sx / (sy * c), &e);
    mult[static_cast<size_t>(c)] = static_cast<int32_t>(std::llround(f * 2147483648.0));
    shift[static_cast<size_t>(c)] = e;
  }
  const int8_t x[9] = {10, 20, 30, 40, 50, 60, 70, 80, 91};
  int8_t y[9];
  o2m::qavg_pool<int8_t, int8_t>(q, x, mult.data(), shift.data(), y);
  for (int oh = 0; oh < 3; ++oh)
    for (int ow = 0; ow < 3; ++ow) {
      int sum = 0, n = 0;
      for (int ih = oh - 1; ih <= oh + 1; ++ih)
        for (int iw = ow - 1; iw <= ow + 1; ++iw)
          if (ih >= 0 && ih < 3 && iw >= 0 && iw < 3) sum += x[ih * 3 + iw] - 2, ++n;
      const int64_t want = rhe(static_cast<long double>(sum) * sx / (sy * n)) - 1;
      EXPECT_EQ(y[oh * 3 + ow], std::min<int64_t>(127, want)) << oh << "," << ow;
    }
}

}  // namespace
