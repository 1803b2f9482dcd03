// o2m::batch_norm (inference) against y = scale * (x - mean) / sqrt(var + eps) + bias in double.
// Tolerance: 1e-5 relative (+1e-5 absolute: the kernel folds the formula into x * k + b).
#include "kernels/norm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

TEST(BatchNorm, MatchesDefinition) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-2, 2), pos(0.1f, 3);
    const int n = 2, c = 5, spatial = 13;
    const float eps = seed == 3 ? 1e-3f : 1e-5f;
    std::vector<float> x(n * c * spatial), scale(c), bias(c), mean(c), var(c), y(x.size(), NAN);
    for (float& v : x) v = dist(rng);
    for (int i = 0; i < c; ++i) scale[i] = dist(rng), bias[i] = dist(rng), mean[i] = dist(rng), var[i] = pos(rng);
    o2m::batch_norm<float>({n, c, spatial, eps}, x.data(), scale.data(), bias.data(), mean.data(), var.data(), y.data());
    for (int b = 0; b < n; ++b)
      for (int ch = 0; ch < c; ++ch)
        for (int i = 0; i < spatial; ++i) {
          const size_t at = (size_t(b) * c + ch) * spatial + i;
          const double ref = double(scale[ch]) * (x[at] - double(mean[ch])) / std::sqrt(double(var[ch]) + eps) + bias[ch];
          ASSERT_NEAR(y[at], ref, 1e-5 * std::fabs(ref) + 1e-5) << "n=" << b << " c=" << ch << " i=" << i;
        }
  }
}

TEST(BatchNorm, EpsilonMatters) {
  // var 0: y = scale * x / sqrt(eps); with eps 0.25 that is 2 * x.
  const float x[2] = {1, -3}, one[1] = {1}, zero[1] = {0};
  float y[2];
  o2m::batch_norm<float>({1, 1, 2, 0.25f}, x, one, zero, zero, zero, y);
  EXPECT_FLOAT_EQ(y[0], 2.0f);
  EXPECT_FLOAT_EQ(y[1], -6.0f);
}

}  // namespace

namespace {

// GroupNormalization: statistics per (instance, group) in double; scale/bias per channel, or
// per group as in opsets 18-20.
TEST(GroupNorm, MatchesDefinition) {
  for (int per_group : {0, 1}) {
    SCOPED_TRACE("per_group " + std::to_string(per_group));
    std::mt19937 rng(7 + per_group);
    std::uniform_real_distribution<float> dist(-2, 2);
    const int n = 2, c = 6, groups = 3, spatial = 7, cpg = c / groups;
    const float eps = 1e-3f;
    std::vector<float> x(n * c * spatial), scale(per_group ? groups : c), bias(scale.size()), y(x.size(), NAN);
    for (float& v : x) v = dist(rng);
    for (size_t i = 0; i < scale.size(); ++i) scale[i] = dist(rng), bias[i] = dist(rng);
    o2m::group_norm<float>({n, c, spatial, groups, per_group, eps}, x.data(), scale.data(), bias.data(), y.data());
    for (int b = 0; b < n; ++b)
      for (int g = 0; g < groups; ++g) {
        double sum = 0, sq = 0;
        const size_t base = (size_t(b) * c + g * cpg) * spatial;
        for (int i = 0; i < cpg * spatial; ++i) sum += x[base + i];
        const double mean = sum / (cpg * spatial);
        for (int i = 0; i < cpg * spatial; ++i) sq += (x[base + i] - mean) * (x[base + i] - mean);
        const double inv = 1 / std::sqrt(sq / (cpg * spatial) + eps);
        for (int i = 0; i < cpg * spatial; ++i) {
          const int ch = g * cpg + i / spatial, sb = per_group ? g : ch;
          const double ref = (x[base + i] - mean) * inv * scale[sb] + bias[sb];
          ASSERT_NEAR(y[base + i], ref, 1e-5 * std::fabs(ref) + 1e-5) << "b=" << b << " g=" << g << " i=" << i;
        }
      }
  }
}

// RMSNormalization: y = x / sqrt(mean(x^2) + eps) * scale, scale repeating along the row.
TEST(RmsNorm, MatchesDefinition) {
  for (int scale_len : {1, 4, 12}) {
    SCOPED_TRACE("scale_len " + std::to_string(scale_len));
    std::mt19937 rng(scale_len);
    std::uniform_real_distribution<float> dist(-3, 3);
    const int outer = 5, inner = 12;
    const float eps = 1e-2f;
    std::vector<float> x(outer * inner), scale(scale_len), y(x.size(), NAN);
    for (float& v : x) v = dist(rng);
    for (float& v : scale) v = dist(rng);
    o2m::rms_norm<float>({outer, inner, scale_len, eps}, x.data(), scale.data(), y.data());
    for (int r = 0; r < outer; ++r) {
      double sq = 0;
      for (int i = 0; i < inner; ++i) sq += double(x[r * inner + i]) * x[r * inner + i];
      const double inv = 1 / std::sqrt(sq / inner + eps);
      for (int i = 0; i < inner; ++i) {
        const double ref = x[r * inner + i] * inv * scale[i % scale_len];
        ASSERT_NEAR(y[r * inner + i], ref, 1e-5 * std::fabs(ref) + 1e-6) << "r=" << r << " i=" << i;
      }
    }
  }
}

}  // namespace
