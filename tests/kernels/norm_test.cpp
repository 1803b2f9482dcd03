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
