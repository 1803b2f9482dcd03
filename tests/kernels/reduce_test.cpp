// o2m::reduce_sum / reduce_mean over several axis sets, against a reference that sums every
// input element into its output slot. Tolerance: 1e-5 of the sum of |terms| (+1e-6).
#include "kernels/reduce.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

namespace {

constexpr int R = o2m::kMaxRank;

void check_reduce(const std::vector<int>& dims, const std::set<int>& axes, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const int rank = static_cast<int>(dims.size());
  std::vector<int> kept = dims;
  for (int a : axes) kept[size_t(a)] = 1;
  int n_in = 1, n_out = 1;
  for (int d = 0; d < rank; ++d) n_in *= dims[size_t(d)], n_out *= kept[size_t(d)];

  o2m::ReduceParams p{};
  p.n_in = n_in;
  p.n_out = n_out;
  p.count = n_in / n_out;
  for (int d = 0; d < R; ++d) p.in_dims[d] = 1;
  for (int d = rank - 1, s = 1; d >= 0; --d) {
    p.in_dims[R - rank + d] = dims[size_t(d)];
    p.out_strides[R - rank + d] = axes.count(d) ? 0 : s;
    s *= kept[size_t(d)];
  }

  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> x(static_cast<size_t>(n_in)), sum(size_t(n_out), NAN), mean(size_t(n_out), NAN);
  for (float& v : x) v = dist(rng);
  o2m::reduce_sum<float>(p, x.data(), sum.data());
  o2m::reduce_mean<float>(p, x.data(), mean.data());

  std::vector<double> ref(size_t(n_out), 0.0), mag(size_t(n_out), 0.0);
  for (int i = 0; i < n_in; ++i) {
    int rest = i, o = 0, mul = 1;
    for (int d = rank - 1; d >= 0; --d) {
      const int idx = rest % dims[size_t(d)];
      rest /= dims[size_t(d)];
      o += (axes.count(d) ? 0 : idx) * mul;
      mul *= kept[size_t(d)];
    }
    ref[size_t(o)] += x[size_t(i)];
    mag[size_t(o)] += std::fabs(x[size_t(i)]);
  }
  for (int o = 0; o < n_out; ++o) {
    ASSERT_NEAR(sum[size_t(o)], ref[size_t(o)], 1e-5 * mag[size_t(o)] + 1e-6) << "sum at " << o;
    ASSERT_NEAR(mean[size_t(o)], ref[size_t(o)] / p.count, (1e-5 * mag[size_t(o)] + 1e-6) / p.count) << "mean at " << o;
  }
}

TEST(Reduce, LastAxis) { check_reduce({3, 4, 5}, {2}, 1); }
TEST(Reduce, FirstAxis) { check_reduce({3, 4, 5}, {0}, 2); }
TEST(Reduce, MiddleAxis) { check_reduce({3, 4, 5}, {1}, 3); }
TEST(Reduce, SpatialAxesOfNchw) { check_reduce({2, 3, 4, 5}, {2, 3}, 4); }
TEST(Reduce, NonAdjacentAxes) { check_reduce({2, 3, 4, 5}, {0, 2}, 5); }
TEST(Reduce, AllAxes) { check_reduce({2, 3, 4}, {0, 1, 2}, 6); }
TEST(Reduce, NoAxesCopies) { check_reduce({2, 3}, {}, 7); }
TEST(Reduce, RankSix) { check_reduce({2, 1, 3, 2, 2, 3}, {1, 3, 5}, 8); }

TEST(Reduce, HandComputedMean) {
  // [[1,2,3],[4,5,6]] mean over axis 1 -> [2, 5]; sum over axis 0 -> [5, 7, 9].
  const float x[6] = {1, 2, 3, 4, 5, 6};
  float y[3];
  o2m::ReduceParams p{6, 2, 3, {1, 1, 1, 1, 2, 3}, {0, 0, 0, 0, 1, 0}};
  o2m::reduce_mean<float>(p, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 2), (std::vector<float>{2, 5}));
  o2m::ReduceParams q{6, 3, 2, {1, 1, 1, 1, 2, 3}, {0, 0, 0, 0, 0, 1}};
  o2m::reduce_sum<float>(q, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 3), (std::vector<float>{5, 7, 9}));
}

TEST(Reduce, IntegerSumIsExact) {
  const int32_t x[4] = {1000000, 2000000, -5, 7};
  int32_t y[1];
  o2m::reduce_sum<int32_t>({4, 1, 4, {1, 1, 1, 1, 1, 4}, {0, 0, 0, 0, 0, 0}}, x, y);
  EXPECT_EQ(y[0], 3000002);
}

// Integer sums wrap; integer means divide in 64 bits (int8 over 256 elements used to divide by
// static_cast<int8_t>(256) == 0), and an empty integer mean is 0.
TEST(Reduce, IntegerSumWrapsAndMeanNeverDividesByZero) {
  const int64_t x[2] = {INT64_MAX, 1};
  int64_t y;
  o2m::reduce_sum<int64_t>({2, 1, 2, {1, 1, 1, 1, 1, 2}, {0, 0, 0, 0, 0, 0}}, x, &y);
  EXPECT_EQ(y, INT64_MIN);
  const int64_t m[3] = {INT64_MIN, 0, 0};
  o2m::reduce_mean<int64_t>({3, 1, 3, {1, 1, 1, 1, 1, 3}, {0, 0, 0, 0, 0, 0}}, m, &y);
  EXPECT_EQ(y, INT64_MIN / 3);
  std::vector<int8_t> v(256, 0);
  v[0] = 100;
  int8_t y8 = 1;
  o2m::reduce_mean<int8_t>({256, 1, 256, {1, 1, 1, 1, 1, 256}, {0, 0, 0, 0, 0, 0}}, v.data(), &y8);
  EXPECT_EQ(y8, 0);
  v.resize(300);  // count 300 is 44 as an int8: 88 / 44 would be 2
  v[0] = 88;
  o2m::reduce_mean<int8_t>({300, 1, 300, {1, 1, 1, 1, 1, 300}, {0, 0, 0, 0, 0, 0}}, v.data(), &y8);
  EXPECT_EQ(y8, 0);
  uint8_t yu = 1;
  const uint8_t none[1] = {0};
  o2m::reduce_mean<uint8_t>({0, 1, 0, {1, 1, 1, 1, 1, 0}, {0, 0, 0, 0, 0, 0}}, none, &yu);
  EXPECT_EQ(yu, 0);
}

TEST(Reduce, RandomAxisSets) {
  std::mt19937 rng(21);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 150; ++seed) {
    const int rank = pick(1, R);
    std::vector<int> dims(static_cast<size_t>(rank));
    std::set<int> axes;
    for (int d = 0; d < rank; ++d) {
      dims[size_t(d)] = pick(1, 4);
      if (pick(0, 1)) axes.insert(d);
    }
    check_reduce(dims, axes, 500 + seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
