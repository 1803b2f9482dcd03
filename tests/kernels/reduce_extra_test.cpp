// reduce_extra.hpp against direct references: every Reduce* over every subset of axes of a
// [3,4,5] tensor, ArgMax/ArgMin ties, CumSum modes, and TopK against a stable sort.
#include "kernels/reduce_extra.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

namespace {

constexpr int kD[3] = {3, 4, 5};

// ReduceParams for x [3,4,5] reducing the axes whose bit is set in mask (keepdims layout).
o2m::ReduceParams params_for(int mask) {
  int kept[3], st[3];
  for (int d = 0; d < 3; ++d) kept[d] = mask >> d & 1 ? 1 : kD[d];
  st[2] = 1;
  st[1] = kept[2];
  st[0] = kept[1] * kept[2];
  o2m::ReduceParams p{};
  p.n_in = 60;
  p.n_out = kept[0] * kept[1] * kept[2];
  p.count = 60 / p.n_out;
  for (int d = 0; d < o2m::kMaxRank; ++d) p.in_dims[d] = 1;
  for (int d = 0; d < 3; ++d) {
    p.in_dims[3 + d] = kD[d];
    p.out_strides[3 + d] = mask >> d & 1 ? 0 : st[d];
  }
  return p;
}

// The input elements reduced into each output element, in input order.
std::vector<std::vector<double>> groups(const std::vector<float>& x, int mask) {
  const o2m::ReduceParams p = params_for(mask);
  std::vector<std::vector<double>> g(size_t(p.n_out));
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 4; ++b)
      for (int c = 0; c < 5; ++c) {
        const int o = a * p.out_strides[3] + b * p.out_strides[4] + c * p.out_strides[5];
        g[size_t(o)].push_back(x[size_t((a * 4 + b) * 5 + c)]);
      }
  return g;
}

using Kernel = void (*)(const o2m::ReduceParams&, const float*, float*);
using Ref = std::function<double(const std::vector<double>&)>;

void check_reduce(const char* name, Kernel k, const Ref& ref, const std::vector<float>& x) {
  for (int mask = 0; mask < 8; ++mask) {
    const o2m::ReduceParams p = params_for(mask);
    std::vector<float> y(size_t(p.n_out));
    k(p, x.data(), y.data());
    std::vector<std::vector<double>> g = groups(x, mask);
    for (size_t o = 0; o < y.size(); ++o) {
      const double want = ref(g[o]);
      EXPECT_NEAR(y[o], want, 1e-5 * std::fabs(want) + 1e-6) << name << " mask " << mask << " at " << o;
    }
  }
}

double sum_of(const std::vector<double>& v, double (*f)(double)) {
  double s = 0;
  for (double e : v) s += f(e);
  return s;
}

TEST(ReduceExtra, EveryReductionOverEveryAxisSubset) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(0.2f, 1.5f);
  std::vector<float> x(60);
  for (float& f : x) f = dist(rng) * (rng() % 2 ? 1.0f : -1.0f);
  using V = std::vector<double>;
  auto square = [](double e) { return e * e; };
  auto absolute = [](double e) { return std::fabs(e); };
  auto same = [](double e) { return e; };
  auto expo = [](double e) { return std::exp(e); };
  auto log_sum_exp = [](const o2m::ReduceParams& p, const float* in, float* out) {
    std::vector<float> scratch(static_cast<size_t>(p.n_out));
    o2m::reduce_log_sum_exp<float>(p, in, out, scratch.data());
  };
  check_reduce("max", o2m::reduce_max<float>, [](const V& v) { return *std::max_element(v.begin(), v.end()); }, x);
  check_reduce("min", o2m::reduce_min<float>, [](const V& v) { return *std::min_element(v.begin(), v.end()); }, x);
  check_reduce("prod", o2m::reduce_prod<float>,
               [](const V& v) { return std::accumulate(v.begin(), v.end(), 1.0, std::multiplies<>()); }, x);
  check_reduce("l1", o2m::reduce_l1<float>, [&](const V& v) { return sum_of(v, absolute); }, x);
  check_reduce("l2", o2m::reduce_l2<float>, [&](const V& v) { return std::sqrt(sum_of(v, square)); }, x);
  check_reduce("sum_square", o2m::reduce_sum_square<float>, [&](const V& v) { return sum_of(v, square); }, x);
  check_reduce("log_sum_exp", log_sum_exp, [&](const V& v) { return std::log(sum_of(v, expo)); }, x);
  std::vector<float> pos(x);
  for (float& f : pos) f = std::fabs(f);
  check_reduce("log_sum", o2m::reduce_log_sum<float>, [&](const V& v) { return std::log(sum_of(v, same)); }, pos);
}

TEST(ReduceExtra, LogSumExpDoesNotOverflowAndIntegerMaxMin) {
  const float x[3] = {1000.0f, 1000.0f, -INFINITY};
  float y, m;
  o2m::ReduceParams p = {3, 1, 3, {1, 1, 1, 1, 1, 3}, {0, 0, 0, 0, 0, 0}};
  o2m::reduce_log_sum_exp<float>(p, x, &y, &m);
  EXPECT_NEAR(y, 1000.0f + std::log(2.0f), 1e-3);
  const uint8_t u[3] = {7, 255, 0};
  uint8_t umax, umin;
  o2m::reduce_max<uint8_t>(p, u, &umax);
  o2m::reduce_min<uint8_t>(p, u, &umin);
  EXPECT_EQ(umax, 255);
  EXPECT_EQ(umin, 0);
  const int8_t s[3] = {-5, 3, -2};
  int8_t l1;
  o2m::reduce_l1<int8_t>(p, s, &l1);
  EXPECT_EQ(l1, 10);
}

// Found by the differential test against ONNX Runtime (seeds 7,000,053 and 7,000,146): a NaN
// was skipped by the max/min compare (all NaN gave -inf/+inf), where numpy's maximum.reduce
// and ORT give NaN; ReduceLogSumExp inherits it through its max.
TEST(ReduceExtra, MaxMinAndLogSumExpPropagateNaN) {
  const o2m::ReduceParams p = {3, 1, 3, {1, 1, 1, 1, 1, 3}, {0, 0, 0, 0, 0, 0}};
  for (const std::vector<float>& x : {std::vector<float>{NAN, 1, 2}, std::vector<float>{1, NAN, 2}, std::vector<float>{1, 2, NAN}}) {
    float y, m;
    o2m::reduce_max<float>(p, x.data(), &y);
    EXPECT_TRUE(std::isnan(y));
    o2m::reduce_min<float>(p, x.data(), &y);
    EXPECT_TRUE(std::isnan(y));
    o2m::reduce_log_sum_exp<float>(p, x.data(), &y, &m);
    EXPECT_TRUE(std::isnan(y));
  }
}

// Differential seed 8,020,103: Exp overflowed to +inf before ReduceLogSumExp, whose max shift
// made inf - inf = NaN; numpy's log(sum(exp(x))) and ORT give +inf.
TEST(ReduceExtra, LogSumExpOfAnInfiniteMaxIsThatInfinity) {
  const o2m::ReduceParams p = {3, 1, 3, {1, 1, 1, 1, 1, 3}, {0, 0, 0, 0, 0, 0}};
  float y, m;
  const float up[3] = {1, INFINITY, 2};
  o2m::reduce_log_sum_exp<float>(p, up, &y, &m);
  EXPECT_EQ(y, INFINITY);
  const float down[3] = {-INFINITY, -INFINITY, -INFINITY};
  o2m::reduce_log_sum_exp<float>(p, down, &y, &m);
  EXPECT_EQ(y, -INFINITY);
}

// ReduceMax/ReduceMin on bool (opset 20) are any/all; over nothing they give false/true.
TEST(ReduceExtra, BoolMaxIsAnyMinIsAll) {
  const bool x[6] = {false, true, false, true, true, true};
  bool mx[2], mn[2], e_max, e_min;
  const o2m::ReduceParams rows = {6, 2, 3, {1, 1, 1, 1, 2, 3}, {0, 0, 0, 0, 1, 0}};
  o2m::reduce_max<bool>(rows, x, mx);
  o2m::reduce_min<bool>(rows, x, mn);
  EXPECT_EQ(mx[0], true);
  EXPECT_EQ(mx[1], true);
  EXPECT_EQ(mn[0], false);
  EXPECT_EQ(mn[1], true);
  const o2m::ReduceParams empty = {0, 1, 0, {1, 1, 1, 1, 1, 0}, {0, 0, 0, 0, 0, 0}};
  o2m::reduce_max<bool>(empty, x, &e_max);
  o2m::reduce_min<bool>(empty, x, &e_min);
  EXPECT_EQ(e_max, false);
  EXPECT_EQ(e_min, true);
}

// Integer reductions wrap like numpy (never signed-overflow UB), and the float results of L2,
// LogSum and LogSumExp convert like Cast: NaN -> 0, out of range -> the nearest limit.
// (fuzz_ops found each of these at constant-folding time; the generated code runs the same.)
TEST(ReduceExtra, IntegerReductionsWrapAndConversionsSaturate) {
  auto all = [](int32_t n) { return o2m::ReduceParams{n, 1, n, {1, 1, 1, 1, 1, n}, {0, 0, 0, 0, 0, 0}}; };
  constexpr int64_t kMin64 = INT64_MIN;
  const int32_t big[2] = {65536, 65537};
  int32_t y32;
  o2m::reduce_prod<int32_t>(all(2), big, &y32);
  EXPECT_EQ(y32, 65536);  // 2^32 + 65536 mod 2^32
  const int64_t mins[2] = {kMin64, kMin64};
  int64_t y64;
  o2m::reduce_prod<int64_t>(all(2), mins, &y64);
  EXPECT_EQ(y64, 0);
  o2m::reduce_sum_square<int64_t>(all(2), mins, &y64);
  EXPECT_EQ(y64, 0);
  const int32_t sq[2] = {65536, 1};
  o2m::reduce_sum_square<int32_t>(all(2), sq, &y32);
  EXPECT_EQ(y32, 1);
  const int64_t min_one[2] = {kMin64, 1};
  o2m::reduce_l1<int64_t>(all(2), min_one, &y64);
  EXPECT_EQ(y64, kMin64 + 1);  // |MIN| is MIN
  const int32_t l2[2] = {65536, 32768};
  o2m::reduce_l2<int32_t>(all(2), l2, &y32);
  EXPECT_EQ(y32, 32768);  // sqrt(2^30): the sum of squares wrapped
  const int32_t neg_sq[1] = {46341};
  o2m::reduce_l2<int32_t>(all(1), neg_sq, &y32);
  EXPECT_EQ(y32, 0);  // the sum of squares wraps negative: sqrt gives NaN
  const int32_t zero[1] = {0}, neg[2] = {-5, 2};
  o2m::reduce_log_sum<int32_t>(all(1), zero, &y32);
  EXPECT_EQ(y32, INT32_MIN);  // log(0) = -inf
  o2m::reduce_log_sum<int32_t>(all(2), neg, &y32);
  EXPECT_EQ(y32, 0);  // log(-3) = NaN
  const uint64_t uzero[1] = {0};
  uint64_t yu;
  o2m::reduce_log_sum<uint64_t>(all(1), uzero, &yu);
  EXPECT_EQ(yu, 0u);
  int32_t m32;
  o2m::reduce_log_sum_exp<int32_t>(all(0), zero, &y32, &m32);
  EXPECT_EQ(y32, INT32_MIN);  // an empty slice: max = lowest, log(0)
  const int64_t twice[2] = {5, 5};
  int64_t m64;
  o2m::reduce_log_sum_exp<int64_t>(all(2), twice, &y64, &m64);
  EXPECT_EQ(y64, 5);  // 5 + log(2), truncated
  const int32_t run[2] = {INT32_MAX, 1};
  int32_t cs[2];
  const int64_t axis = 0;
  o2m::cumsum<int32_t, int64_t>({1, {2}, 0, 0}, run, &axis, cs);
  EXPECT_EQ(cs[1], INT32_MIN);
}

TEST(ArgMaxMin, TiesPickFirstOrLast) {
  // x [2,4] along axis 1.
  const int32_t x[8] = {1, 3, 3, 0, 2, 2, 2, 2};
  int64_t y[2];
  o2m::argmax<int32_t>({2, 4, 1, 0}, x, y);
  EXPECT_EQ(y[0], 1);
  EXPECT_EQ(y[1], 0);
  o2m::argmax<int32_t>({2, 4, 1, 1}, x, y);
  EXPECT_EQ(y[0], 2);
  EXPECT_EQ(y[1], 3);
  o2m::argmin<int32_t>({2, 4, 1, 1}, x, y);
  EXPECT_EQ(y[0], 3);
  EXPECT_EQ(y[1], 3);
  // Along axis 0 of the same data seen as [2, 4]: outer 1, len 2, inner 4.
  int64_t z[4];
  o2m::argmin<int32_t>({1, 2, 4, 0}, x, z);
  EXPECT_EQ(std::vector<int64_t>(z, z + 4), (std::vector<int64_t>{0, 1, 1, 0}));
}

TEST(CumSum, ExclusiveAndReverseOnARunTimeAxis) {
  const double x[6] = {1, 2, 3, 4, 5, 6};  // [2, 3], axis 1 (or -1)
  const double want[4][6] = {{1, 3, 6, 4, 9, 15}, {0, 1, 3, 0, 4, 9}, {6, 5, 3, 15, 11, 6}, {5, 3, 0, 11, 6, 0}};
  for (int mode = 0; mode < 4; ++mode) {
    double y[6];
    const int64_t axis = mode % 2 ? 1 : -1;
    o2m::cumsum<double, int64_t>({2, {2, 3}, mode & 1, mode >> 1}, x, &axis, y);
    EXPECT_EQ(std::vector<double>(y, y + 6), std::vector<double>(want[mode], want[mode] + 6)) << "mode " << mode;
  }
  const int32_t axis0 = 0;
  double y[6];
  o2m::cumsum<double, int32_t>({2, {2, 3}, 0, 0}, x, &axis0, y);
  EXPECT_EQ(std::vector<double>(y, y + 6), (std::vector<double>{1, 2, 3, 5, 7, 9}));
  const int32_t bad = 2;
  o2m::cumsum<double, int32_t>({2, {2, 3}, 0, 0}, x, &bad, y);
  EXPECT_EQ(std::vector<double>(y, y + 6), std::vector<double>(6, 0.0));
}

TEST(CumProd, ExclusiveAndReverseAndIntegerWrap) {
  const double x[6] = {1, 2, 3, 4, 5, 6};  // [2, 3], axis 1 (or -1)
  const double want[4][6] = {{1, 2, 6, 4, 20, 120}, {1, 1, 2, 1, 4, 20}, {6, 6, 3, 120, 30, 6}, {6, 3, 1, 30, 6, 1}};
  for (int mode = 0; mode < 4; ++mode) {
    double y[6];
    const int64_t axis = mode % 2 ? 1 : -1;
    o2m::cumprod<double, int64_t>({2, {2, 3}, mode & 1, mode >> 1}, x, &axis, y);
    EXPECT_EQ(std::vector<double>(y, y + 6), std::vector<double>(want[mode], want[mode] + 6)) << "mode " << mode;
  }
  const int32_t axis0 = 0;
  double y[6];
  o2m::cumprod<double, int32_t>({2, {2, 3}, 0, 0}, x, &axis0, y);
  EXPECT_EQ(std::vector<double>(y, y + 6), (std::vector<double>{1, 2, 3, 4, 10, 18}));
  // int32 products wrap like numpy instead of overflowing.
  const int32_t big[3] = {65536, 65536, 3};
  int32_t yi[3];
  o2m::cumprod<int32_t, int32_t>({1, {3}, 0, 0}, big, &axis0, yi);
  EXPECT_EQ(std::vector<int32_t>(yi, yi + 3), (std::vector<int32_t>{65536, 0, 0}));
}

TEST(TopK, MatchesStableSortOnRandomLinesWithTies) {
  std::mt19937 rng(11);
  const int outer = 3, len = 9, inner = 2;
  std::vector<int32_t> x(size_t(outer * len * inner));
  for (int32_t& v : x) v = int32_t(rng() % 5);  // many ties
  for (int largest = 0; largest < 2; ++largest)
    for (int k = 0; k <= len; ++k) {
      std::vector<int32_t> vals(size_t(outer * k * inner));
      std::vector<int64_t> idx(vals.size());
      o2m::top_k<int32_t>({outer, len, inner, k, largest}, x.data(), vals.data(), idx.data());
      for (int o = 0; o < outer; ++o)
        for (int i = 0; i < inner; ++i) {
          std::vector<int> order(static_cast<size_t>(len));
          std::iota(order.begin(), order.end(), 0);
          auto at = [&](int a) { return x[size_t((o * len + a) * inner + i)]; };
          auto better = [&](int a, int b) { return largest ? at(a) > at(b) : at(a) < at(b); };
          std::stable_sort(order.begin(), order.end(), better);
          for (int j = 0; j < k; ++j) {
            const size_t out = size_t((o * k + j) * inner + i);
            EXPECT_EQ(idx[out], order[size_t(j)]) << "largest " << largest << " k " << k;
            EXPECT_EQ(vals[out], at(order[size_t(j)]));
          }
        }
    }
}

}  // namespace
