// o2m::softmax / log_softmax over [outer, axis, inner] views, against double references.
// Tolerance: 1e-5 relative (+1e-6 absolute).
#include "kernels/softmax.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

void check_softmax(int outer, int axis, int inner, float scale, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  const size_t count = size_t(outer) * axis * inner;
  std::vector<float> x(count), y(count, NAN), ly(count, NAN);
  for (float& v : x) v = dist(rng);
  o2m::SoftmaxParams p{outer, axis, inner};
  o2m::softmax<float>(p, x.data(), y.data());
  o2m::log_softmax<float>(p, x.data(), ly.data());
  for (int o = 0; o < outer; ++o)
    for (int i = 0; i < inner; ++i) {
      auto at = [&](int a) { return (size_t(o) * axis + a) * inner + i; };
      double mx = -INFINITY, sum = 0;
      for (int a = 0; a < axis; ++a) mx = std::max<double>(mx, x[at(a)]);
      for (int a = 0; a < axis; ++a) sum += std::exp(double(x[at(a)]) - mx);
      for (int a = 0; a < axis; ++a) {
        const double ref = std::exp(double(x[at(a)]) - mx) / sum;
        const double lref = double(x[at(a)]) - mx - std::log(sum);
        ASSERT_NEAR(y[at(a)], ref, 1e-5 * ref + 1e-6) << "softmax o=" << o << " a=" << a << " i=" << i;
        ASSERT_NEAR(ly[at(a)], lref, 1e-5 * std::fabs(lref) + 1e-6) << "log_softmax o=" << o << " a=" << a << " i=" << i;
      }
    }
}

TEST(Softmax, LastAxis) { check_softmax(3, 10, 1, 4.0f, 1); }
TEST(Softmax, MiddleAxis) { check_softmax(2, 5, 7, 4.0f, 2); }
TEST(Softmax, FirstAxis) { check_softmax(1, 6, 12, 4.0f, 3); }
TEST(Softmax, SingleElementAxisIsOne) { check_softmax(4, 1, 3, 4.0f, 4); }
TEST(Softmax, LargeLogitsDoNotOverflow) { check_softmax(2, 8, 2, 500.0f, 5); }

// An empty axis (x of shape [0], fuzz_ops) reads nothing: the buffers may be null.
TEST(Softmax, EmptyAxisTouchesNothing) {
  const o2m::SoftmaxParams p{1, 0, 1};
  std::vector<double> x, y;
  o2m::softmax<double>(p, x.data(), y.data());
  o2m::log_softmax<double>(p, x.data(), y.data());
  o2m::hardmax<double>(p, x.data(), y.data());
  SUCCEED();
}

TEST(Softmax, HandComputed) {
  const float x[3] = {0, 0, std::log(2.0f)};
  float y[3];
  o2m::softmax<float>({1, 3, 1}, x, y);
  EXPECT_NEAR(y[0], 0.25f, 1e-6);
  EXPECT_NEAR(y[1], 0.25f, 1e-6);
  EXPECT_NEAR(y[2], 0.5f, 1e-6);
}

TEST(Softmax, RandomViews) {
  std::mt19937 rng(17);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 100; ++seed) {
    check_softmax(pick(1, 4), pick(1, 12), pick(1, 4), 6.0f, 100 + seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
