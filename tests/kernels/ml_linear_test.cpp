// o2m::linear_* and svm_* (ml_linear.hpp) against double-precision references: random
// coefficients, every SVM kernel, and libsvm's pairwise coupling. Tolerance 1e-5 relative
// (float dot products of up to 7 terms); labels exact.
#include "kernels/ml_linear.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

std::vector<float> random(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(MlLinear, RegressorAndMultiClassClassifier) {
  std::mt19937 rng(3);
  const int rows = 5, features = 7, outputs = 4;
  const auto x = random(rng, rows * features), coef = random(rng, outputs * features), b = random(rng, outputs);
  const int64_t labels[] = {11, 12, 13, 14};
  std::vector<float> y(rows * outputs), z(rows * outputs);
  std::vector<int64_t> label(rows);
  o2m::linear_regressor<float>({rows, features, outputs, o2m::kPostNone, 0}, x.data(), coef.data(), b.data(), y.data());
  o2m::linear_classifier<float>({rows, features, outputs, o2m::kPostSoftmax, 0}, x.data(), coef.data(), b.data(), labels,
                                label.data(), z.data());
  for (int r = 0; r < rows; ++r) {
    std::vector<double> s(outputs);
    double sum = 0;
    int best = 0;
    for (int o = 0; o < outputs; ++o) {
      s[o] = b[o];
      for (int f = 0; f < features; ++f) s[o] += double(x[r * features + f]) * coef[o * features + f];
      EXPECT_NEAR(y[r * outputs + o], s[o], 1e-5 * std::fabs(s[o]) + 1e-6);
      best = s[o] > s[best] ? o : best;
    }
    EXPECT_EQ(label[r], labels[best]);
    const double mx = s[best];
    for (double v : s) sum += std::exp(v - mx);
    for (int o = 0; o < outputs; ++o) EXPECT_NEAR(z[r * outputs + o], std::exp(s[o] - mx) / sum, 1e-6);
  }
}

TEST(MlLinear, OneScoreWithTwoLabelsWritesBothColumns) {
  const float x[] = {1, 2, -3, -1}, coef[] = {0.5f, 0.25f}, b[] = {-0.75f};
  const int64_t labels[] = {4, 6};
  float z[4];
  int64_t label[2];
  o2m::linear_classifier<float>({2, 2, 1, o2m::kPostNone, 1}, x, coef, b, labels, label, z);
  EXPECT_EQ(label[0], 6);  // score 0.25 > 0
  EXPECT_FLOAT_EQ(z[0], 0.75f);
  EXPECT_FLOAT_EQ(z[1], 0.25f);
  EXPECT_EQ(label[1], 4);  // score -2.5
  EXPECT_FLOAT_EQ(z[2], 3.5f);
  EXPECT_FLOAT_EQ(z[3], -2.5f);
}

double ref_kernel(int type, const float* a, const float* b, int n, double gamma, double coef0, double degree) {
  double dot = 0, dist = 0;
  for (int i = 0; i < n; ++i) {
    dot += double(a[i]) * b[i];
    dist += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  if (type == o2m::kSvmRbf) return std::exp(-gamma * dist);
  if (type == o2m::kSvmPoly) return std::pow(gamma * dot + coef0, degree);
  if (type == o2m::kSvmSigmoid) return std::tanh(gamma * dot + coef0);
  return dot;
}

TEST(MlLinear, SvmRegressorEveryKernel) {
  std::mt19937 rng(5);
  const int rows = 4, features = 3, vectors = 6;
  const auto x = random(rng, rows * features), sv = random(rng, vectors * features), coef = random(rng, vectors);
  for (int type : {o2m::kSvmLinear, o2m::kSvmPoly, o2m::kSvmRbf, o2m::kSvmSigmoid}) {
    const o2m::SvmRegParams p{rows, features, vectors, 0, o2m::kPostNone, {type, 0.7f, 0.3f, 3.0f}, 0.125f};
    float y[rows];
    o2m::svm_regressor<float>(p, x.data(), sv.data(), coef.data(), y);
    for (int r = 0; r < rows; ++r) {
      double want = 0.125;
      for (int v = 0; v < vectors; ++v) want += coef[v] * ref_kernel(type, &x[r * features], &sv[v * features], features, 0.7, 0.3, 3);
      EXPECT_NEAR(y[r], want, 1e-5 * std::fabs(want) + 1e-6) << "kernel " << type << " row " << r;
    }
  }
}

TEST(MlLinear, CouplingOfTwoClassesIsThePairProbability) {
  const float r[] = {0, 0.8f, 0.2f, 0};
  float p[2], q[6];
  o2m::svm_couple(2, r, p, q);
  EXPECT_NEAR(p[0], 0.8f, 1e-3);
  EXPECT_NEAR(p[1], 0.2f, 1e-3);
}

TEST(MlLinear, SvmClassifierVotesAndProbabilities) {
  // Three classes with one support vector each, linear kernel: pair (i, j) scores
  // coef[j-1][i] k_i + coef[i][j] k_j + rho.
  const float sv[] = {1, 0, 0, 1, -1, -1};
  const float coef[] = {1, -1, 0.5f, 1, -0.5f, -1};  // [classes - 1][vectors]
  const float rho[] = {0.1f, -0.2f, 0.3f}, pa[] = {-2, -1, -3}, pb[] = {0.1f, 0, -0.1f};
  const int32_t start[] = {0, 1, 2, 3};
  const int64_t labels[] = {5, 6, 7};
  const float x[] = {0.5f, 0.25f};
  const float k[] = {0.5f, 0.25f, -0.75f};
  const double pair[] = {coef[0] * k[0] + coef[1] * k[1] + rho[0], coef[3] * k[0] + coef[2] * k[2] + rho[1],
                         coef[4] * k[1] + coef[5] * k[2] + rho[2]};
  int votes[3] = {0, 0, 0};
  votes[pair[0] > 0 ? 0 : 1]++;
  votes[pair[1] > 0 ? 0 : 2]++;
  votes[pair[2] > 0 ? 1 : 2]++;
  const int best = votes[0] >= votes[1] && votes[0] >= votes[2] ? 0 : votes[1] >= votes[2] ? 1 : 2;
  float scratch[64], z[3];
  int64_t label;
  o2m::SvmClassParams p{1, 2, 3, 3, 0, 0, o2m::kPostNone, {o2m::kSvmLinear, 0, 0, 0}};
  o2m::svm_classifier<float>(p, x, sv, coef, rho, start, pa, pb, labels, &label, z, scratch);
  EXPECT_EQ(label, labels[best]);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(z[i], pair[i], 1e-6);
  p.probabilities = 1;
  o2m::svm_classifier<float>(p, x, sv, coef, rho, start, pa, pb, labels, &label, z, scratch);
  EXPECT_EQ(label, labels[best]);  // still the votes
  EXPECT_NEAR(z[0] + z[1] + z[2], 1.0, 1e-5);
  for (float v : z) EXPECT_GT(v, 0);
}

}  // namespace
