// o2m::nll_loss / softmax_cross_entropy against double references written from the ONNX
// definitions, with and without weights and ignore_index, for every reduction.
// Tolerance: 1e-5 relative (+1e-6 absolute): float results of double accumulations.
#include "kernels/loss.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

struct Case {
  int n, c, d;
  bool weighted, ignore;
};

// Reference: per-element losses of log-probabilities lp, then the reduction.
std::vector<double> reference(const Case& k, const std::vector<double>& lp, const std::vector<int64_t>& t,
                              const std::vector<float>& w, int reduction, int64_t ignore) {
  std::vector<double> loss(size_t(k.n) * k.d, 0.0);
  double sum = 0, wsum = 0;
  for (int i = 0; i < k.n; ++i)
    for (int j = 0; j < k.d; ++j) {
      const int64_t c = t[size_t(i) * k.d + j];
      if (k.ignore && c == ignore) continue;
      const double wt = k.weighted ? w[size_t(c)] : 1.0;
      loss[size_t(i) * k.d + j] = -lp[(size_t(i) * k.c + size_t(c)) * k.d + j] * wt;
      sum += loss[size_t(i) * k.d + j];
      wsum += wt;
    }
  if (reduction == 1) return {sum};
  if (reduction == 2) return {sum / wsum};
  return loss;
}

void check(const Case& k, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  std::uniform_int_distribution<int64_t> cls(0, k.c - 1);
  const size_t count = size_t(k.n) * k.c * k.d, cells = size_t(k.n) * k.d;
  std::vector<float> x(count), w(size_t(k.c));
  for (float& v : x) v = dist(rng);
  for (float& v : w) v = std::fabs(dist(rng)) + 0.1f;
  std::vector<int64_t> t(cells);
  for (int64_t& v : t) v = cls(rng);
  const int64_t ignore = 1;  // a class that occurs: ignored targets must drop out of sum and weights
  // log_softmax along the class dim, in double.
  std::vector<double> lsm(count), xd(x.begin(), x.end());
  for (int i = 0; i < k.n; ++i)
    for (int j = 0; j < k.d; ++j) {
      auto at = [&](int c) { return (size_t(i) * k.c + size_t(c)) * k.d + j; };
      double mx = -INFINITY, s = 0;
      for (int c = 0; c < k.c; ++c) mx = std::max(mx, xd[at(c)]);
      for (int c = 0; c < k.c; ++c) s += std::exp(xd[at(c)] - mx);
      for (int c = 0; c < k.c; ++c) lsm[at(c)] = xd[at(c)] - mx - std::log(s);
    }
  for (int reduction = 0; reduction < 3; ++reduction) {
    SCOPED_TRACE("reduction " + std::to_string(reduction));
    const o2m::LossParams p{k.n, k.c, k.d, reduction, k.ignore ? 1 : 0, static_cast<int32_t>(ignore)};
    const size_t outs = reduction == 0 ? cells : 1;
    const float* wp = k.weighted ? w.data() : nullptr;
    std::vector<float> y(outs, NAN), ys(outs, NAN), ysl(outs, NAN), lp(count, NAN);
    o2m::nll_loss<float, int64_t>(p, x.data(), t.data(), wp, y.data());
    o2m::softmax_cross_entropy<float, int64_t>(p, x.data(), t.data(), wp, ys.data(), nullptr);
    o2m::softmax_cross_entropy<float, int64_t>(p, x.data(), t.data(), wp, ysl.data(), lp.data());
    const std::vector<double> ref_nll = reference(k, xd, t, w, reduction, ignore);
    const std::vector<double> ref_sce = reference(k, lsm, t, w, reduction, ignore);
    for (size_t i = 0; i < outs; ++i) {
      ASSERT_NEAR(y[i], ref_nll[i], 1e-5 * std::fabs(ref_nll[i]) + 1e-6) << "nll " << i;
      ASSERT_NEAR(ys[i], ref_sce[i], 1e-5 * std::fabs(ref_sce[i]) + 1e-6) << "sce " << i;
      ASSERT_NEAR(ysl[i], ref_sce[i], 1e-5 * std::fabs(ref_sce[i]) + 1e-6) << "sce with log_prob " << i;
    }
    for (size_t i = 0; i < count; ++i) ASSERT_NEAR(lp[i], lsm[i], 1e-5 * std::fabs(lsm[i]) + 1e-6) << "log_prob " << i;
  }
}

TEST(Loss, TwoDims) { check({5, 4, 1, false, false}, 1); }
TEST(Loss, ExtraDimsWeighted) { check({3, 5, 7, true, false}, 2); }
TEST(Loss, IgnoreIndex) { check({4, 3, 6, false, true}, 3); }
TEST(Loss, IgnoreIndexWeighted) { check({2, 6, 5, true, true}, 4); }

// A label outside [0, C) reads nothing and adds nothing.
TEST(Loss, OutOfRangeLabelAddsNothing) {
  const std::vector<float> x = {-1, -2, -3, -4};
  const std::vector<int64_t> t = {7, 1};
  float y[2] = {NAN, NAN};
  o2m::nll_loss<float, int64_t>({2, 2, 1, 0, 0, 0}, x.data(), t.data(), nullptr, y);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], 4.0f);
}

}  // namespace
