// o2m::tree_regressor / tree_classifier (ml_tree.hpp) against a recursive double-precision
// reference written from the ONNX definitions: random forests with every node mode, NaN
// routing, several targets, each aggregate function and post_transform. Tolerance 1e-5
// relative (float accumulation of up to 8 trees, expf in the transforms); labels exact.
#include "kernels/ml_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

struct Forest {
  std::vector<int32_t> nodes, roots, leaf_start{0}, leaf_target;
  std::vector<float> splits, leaf_weight, members, base;
  int features = 5, targets = 3;
};

// A random tree of the given depth below a new node; returns its index or ~leaf.
int32_t grow(Forest& f, std::mt19937& rng, int depth) {
  std::uniform_real_distribution<float> u(-1, 1);
  if (depth == 0 || rng() % 4 == 0) {
    const int weights = 1 + static_cast<int>(rng() % 2);
    for (int w = 0; w < weights; ++w) {
      f.leaf_target.push_back(static_cast<int32_t>(rng() % f.targets));
      f.leaf_weight.push_back(u(rng));
    }
    f.leaf_start.push_back(static_cast<int32_t>(f.leaf_target.size()));
    return ~static_cast<int32_t>(f.leaf_start.size() - 2);
  }
  const auto at = static_cast<int32_t>(f.splits.size());
  int32_t mode = static_cast<int32_t>(rng() % 7);
  float split = std::round(u(rng) * 4) / 4;  // on the input grid, so EQ/NEQ/ties happen
  if (mode == o2m::kTreeMember) {
    split = static_cast<float>(f.members.size());
    for (int k = 0; k < 3; ++k) f.members.push_back(std::round(u(rng) * 4) / 4);
    f.members.push_back(NAN);
  }
  if (rng() % 3 == 0) mode |= o2m::kTreeMissingTrue;
  f.nodes.insert(f.nodes.end(), {static_cast<int32_t>(rng() % f.features), mode, 0, 0});
  f.splits.push_back(split);
  const int32_t t = grow(f, rng, depth - 1);
  const int32_t e = grow(f, rng, depth - 1);
  f.nodes[4 * at + 2] = t;
  f.nodes[4 * at + 3] = e;
  return at;
}

// The reference: recursion over the same tables, comparisons in double.
int32_t ref_leaf(const Forest& f, int32_t at, const float* x) {
  if (at < 0) return ~at;
  const int32_t* nd = &f.nodes[4 * at];
  const double v = x[nd[0]], t = f.splits[at];
  const int mode = nd[1] & ~o2m::kTreeMissingTrue;
  bool r;
  if (std::isnan(v)) {
    r = (nd[1] & o2m::kTreeMissingTrue) || mode == o2m::kTreeNeq;  // NaN != t is true
  } else if (mode == o2m::kTreeMember) {
    r = false;
    for (size_t k = static_cast<size_t>(t); !std::isnan(f.members[k]); ++k) r = r || f.members[k] == v;
  } else {
    const bool cmp[] = {v <= t, v < t, v >= t, v > t, v == t, v != t};
    r = cmp[mode];
  }
  return ref_leaf(f, r ? nd[2] : nd[3], x);
}

std::vector<double> ref_transform(int kind, std::vector<double> s) {
  if (s.size() == 1) {
    if (kind == o2m::kPostProbit) s[0] = o2m::ml_probit(static_cast<float>(s[0]));
    return s;
  }
  double mx = -INFINITY, sum = 0;
  for (double v : s) mx = std::max(mx, v);
  for (double& v : s) {
    if (kind == o2m::kPostLogistic) v = 1 / (1 + std::exp(-v));
    if (kind == o2m::kPostProbit) v = o2m::ml_probit(static_cast<float>(v));
    if (kind == o2m::kPostSoftmax || (kind == o2m::kPostSoftmaxZero && std::fabs(v) > 1e-7)) sum += v = std::exp(v - mx);
    else if (kind == o2m::kPostSoftmaxZero) v *= std::exp(-mx);
  }
  if (kind == o2m::kPostSoftmax || kind == o2m::kPostSoftmaxZero)
    for (double& v : s) v /= sum;
  return s;
}

void check_regressor(uint32_t seed, int aggregate, int post, int targets, bool with_base) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " aggregate " + std::to_string(aggregate) + " post " + std::to_string(post));
  std::mt19937 rng(seed);
  Forest f;
  f.targets = targets;
  const int trees = 1 + static_cast<int>(rng() % 8);
  for (int t = 0; t < trees; ++t) f.roots.push_back(grow(f, rng, 4));
  std::uniform_real_distribution<float> u(-1, 1);
  for (int t = 0; t < targets; ++t) f.base.push_back(with_base ? u(rng) : 0.0f);
  if (f.members.empty()) f.members.push_back(NAN);
  const int rows = 7;
  std::vector<float> x(rows * f.features);
  for (float& v : x) v = rng() % 9 == 0 ? NAN : std::round(u(rng) * 4) / 4;
  const o2m::TreeParams p{rows, f.features, trees, targets, aggregate, post, with_base ? targets : 0};
  std::vector<float> y(rows * targets, NAN);
  std::vector<uint8_t> scratch(static_cast<size_t>(o2m::tree_scratch_bytes<float>(targets, f.features)) + 16);
  o2m::tree_regressor<float, float, float>(p, x.data(), f.nodes.data(), f.splits.data(), f.roots.data(), f.leaf_start.data(),
                                           f.leaf_target.data(), f.leaf_weight.data(), f.base.data(), f.members.data(),
                                           y.data(), scratch.data());
  for (int r = 0; r < rows; ++r) {
    std::vector<double> acc(targets, 0.0);
    std::vector<bool> has(targets, false);
    for (int32_t root : f.roots) {
      const int32_t leaf = ref_leaf(f, root, &x[r * f.features]);
      for (int32_t w = f.leaf_start[leaf]; w < f.leaf_start[leaf + 1]; ++w) {
        const int32_t t = f.leaf_target[w];
        const double v = f.leaf_weight[w];
        if (aggregate == o2m::kAggMin) acc[t] = has[t] ? std::min(acc[t], v) : v;
        else if (aggregate == o2m::kAggMax) acc[t] = has[t] ? std::max(acc[t], v) : v;
        else acc[t] += v;
        has[t] = true;
      }
    }
    for (int t = 0; t < targets; ++t) acc[t] = (aggregate == o2m::kAggAverage ? acc[t] / trees : acc[t]) + f.base[t];
    const std::vector<double> want = ref_transform(post, acc);
    for (int t = 0; t < targets; ++t) {
      if (std::isnan(want[t])) {  // PROBIT of a score outside (0, 1)
        ASSERT_TRUE(std::isnan(y[r * targets + t])) << "row " << r << " target " << t;
        continue;
      }
      ASSERT_NEAR(y[r * targets + t], want[t], 1e-5 * std::fabs(want[t]) + 1e-5) << "row " << r << " target " << t;
    }
  }
}

TEST(MlTree, RegressorAggregates) {
  for (int agg : {o2m::kAggSum, o2m::kAggAverage, o2m::kAggMin, o2m::kAggMax})
    for (uint32_t seed = 1; seed <= 6; ++seed) check_regressor(seed * 10 + agg, agg, o2m::kPostNone, 3, seed % 2 == 0);
}

TEST(MlTree, RegressorPostTransforms) {
  for (int post : {o2m::kPostLogistic, o2m::kPostSoftmax, o2m::kPostSoftmaxZero, o2m::kPostProbit})
    for (uint32_t seed = 1; seed <= 4; ++seed) check_regressor(seed * 100 + post, o2m::kAggSum, post, 3, true);
}

TEST(MlTree, OneTargetGetsOnlyProbit) {
  for (int post : {o2m::kPostLogistic, o2m::kPostSoftmax, o2m::kPostProbit}) check_regressor(7 + post, o2m::kAggSum, post, 1, true);
}

// One stump on feature 0 (x <= 0 -> leaf 0, else leaf 1), double thresholds and int64 X.
TEST(MlTree, Int64InputAgainstDoubleThreshold) {
  const int32_t nodes[] = {0, o2m::kTreeLeq, ~0, ~1};
  const double splits[] = {0.5}, weights[] = {-2.0, 3.0}, base[] = {0.25}, members[] = {NAN};
  const int32_t roots[] = {0}, start[] = {0, 1, 2}, target[] = {0, 0};
  const int64_t x[] = {0, 1, -5, 7};
  float y[4];
  double scratch[4];
  o2m::tree_regressor<int64_t, double, float>({4, 1, 1, 1, o2m::kAggSum, o2m::kPostNone, 1}, x, nodes, splits, roots, start,
                                              target, weights, base, members, y, scratch);
  EXPECT_FLOAT_EQ(y[0], -1.75f);
  EXPECT_FLOAT_EQ(y[1], 3.25f);
  EXPECT_FLOAT_EQ(y[2], -1.75f);
  EXPECT_FLOAT_EQ(y[3], 3.25f);
}

// The classifier over one stump whose leaves carry the given (class, weight) votes.
struct Stump {
  std::vector<int32_t> target;
  std::vector<float> weight;
  std::vector<int32_t> start;
};

void classify(const Stump& s, int classes, int post, std::vector<float> base, int binary, int positive, float x,
              int64_t* label, float* z) {
  const int32_t nodes[] = {0, o2m::kTreeLeq, ~0, ~1}, roots[] = {0};
  const float splits[] = {0}, members[] = {NAN};
  const int64_t labels[] = {7, 8, 9};
  const int base_count = static_cast<int>(base.size());
  base.resize(static_cast<size_t>(classes), 0.0f);
  float scratch[16];
  const o2m::TreeClassParams p{{1, 1, 1, classes, o2m::kAggSum, post, base_count}, binary, positive};
  o2m::tree_classifier<float, float>(p, &x, nodes, splits, roots, s.start.data(), s.target.data(), s.weight.data(),
                                     base.data(), members, labels, label, z, scratch);
}

TEST(MlTree, BinaryProbabilityScoreBecomesTwoColumns) {
  // Random forest style: every weight is class 0's share p of the positive class.
  const Stump s{{0, 0}, {0.3f, 0.8f}, {0, 1, 2}};
  int64_t label;
  float z[2];
  classify(s, 2, o2m::kPostNone, {}, 1, 1, -1.0f, &label, z);
  EXPECT_EQ(label, 7);  // 0.3 <= 0.5: the first label
  EXPECT_FLOAT_EQ(z[0], 0.7f);
  EXPECT_FLOAT_EQ(z[1], 0.3f);
  classify(s, 2, o2m::kPostNone, {}, 1, 1, 1.0f, &label, z);
  EXPECT_EQ(label, 8);
  EXPECT_FLOAT_EQ(z[0], 1 - 0.8f);
  EXPECT_FLOAT_EQ(z[1], 0.8f);
}

TEST(MlTree, TwoScoredClassesTakeTheLargerScore) {
  // Random forest with weights for both classes: p(class 1) = 0.3 > 0 is still class 0.
  const Stump s{{0, 1, 0, 1}, {0.7f, 0.3f, 0.2f, 0.8f}, {0, 2, 4}};
  int64_t label;
  float z[2];
  classify(s, 2, o2m::kPostNone, {}, 0, 1, -1.0f, &label, z);
  EXPECT_EQ(label, 7);
  EXPECT_FLOAT_EQ(z[0], 0.7f);
  EXPECT_FLOAT_EQ(z[1], 0.3f);
  classify(s, 2, o2m::kPostNone, {}, 0, 1, 1.0f, &label, z);
  EXPECT_EQ(label, 8);
}

TEST(MlTree, BinaryMarginWithBaseValueUnderLogistic) {
  // Gradient boosting style: signed margins for class 0 plus one base value.
  const Stump s{{0, 0}, {-1.5f, 0.5f}, {0, 1, 2}};
  int64_t label;
  float z[2];
  classify(s, 2, o2m::kPostLogistic, {0.25f}, 1, 0, -1.0f, &label, z);
  EXPECT_EQ(label, 7);  // margin -1.25 <= 0
  EXPECT_NEAR(z[1], 1 / (1 + std::exp(1.25)), 1e-6);
  EXPECT_NEAR(z[0], 1 / (1 + std::exp(-1.25)), 1e-6);
  classify(s, 2, o2m::kPostLogistic, {0.25f}, 1, 0, 1.0f, &label, z);
  EXPECT_EQ(label, 8);  // margin 0.75 > 0
  EXPECT_NEAR(z[1], 1 / (1 + std::exp(-0.75)), 1e-6);
}

TEST(MlTree, MultiClassArgmaxIgnoresUnscoredClasses) {
  // Leaf 0 votes only class 1 with a negative weight: class 1 wins although classes 0 and 2
  // (never scored) hold 0 > -0.5.
  const Stump s{{1, 2, 0}, {-0.5f, 0.4f, 0.1f}, {0, 1, 3}};
  int64_t label;
  float z[3];
  classify(s, 3, o2m::kPostNone, {}, 0, 0, -1.0f, &label, z);
  EXPECT_EQ(label, 8);
  EXPECT_FLOAT_EQ(z[0], 0.0f);
  EXPECT_FLOAT_EQ(z[1], -0.5f);
  classify(s, 3, o2m::kPostSoftmax, {}, 0, 0, 1.0f, &label, z);
  EXPECT_EQ(label, 9);
  const double e0 = std::exp(0.1), e1 = std::exp(0.0), e2 = std::exp(0.4);
  EXPECT_NEAR(z[2], e2 / (e0 + e1 + e2), 1e-6);
}

TEST(MlTree, ProbitMatchesErfInverse) {
  // Winitzki's approximation is within 2e-3 of the exact inverse (sqrt(2) erf^-1(2p - 1)).
  for (double p : {0.05, 0.2, 0.5, 0.7, 0.99}) {
    double lo = -10, hi = 10;  // invert the normal CDF by bisection
    for (int i = 0; i < 100; ++i) {
      const double mid = (lo + hi) / 2;
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    EXPECT_NEAR(o2m::ml_probit(static_cast<float>(p)), lo, 2e-3 * std::max(1.0, std::fabs(lo))) << p;
  }
}

}  // namespace
