// LinearClassifier, LinearRegressor, SVMClassifier, SVMRegressor of ai.onnx.ml, computed in
// float as ONNX Runtime does (X converted to float). Coefficients are const tables:
//   coef [outputs][features] row-major, intercept [outputs], labels int64 [classes].
// Labels, the binary classifiers' two-column scores and SVM probabilities (Platt scaling and
// libsvm's pairwise coupling) follow ONNX Runtime (linearclassifier.cc, svmclassifier.cc).
#pragma once
#include <math.h>

#include "common.hpp"
#include "ml_common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct LinearParams {
  int32_t rows, features, outputs;  // outputs: classes (or 1 score) / regression targets
  int32_t post_transform;           // kPost*
  int32_t second_class;             // 1 score and 2 labels: write [1 - s, s]
  O2M_FIELDS(rows, features, outputs, post_transform, second_class)
};

template <typename T>
inline float ml_dot(const T* x, const float* w, int32_t n) {
  float s = 0;
  for (int32_t i = 0; i < n; ++i) s += static_cast<float>(x[i]) * w[i];
  return s;
}

template <typename T>
inline void linear_regressor(const LinearParams& p, const T* x, const float* coef, const float* intercept, float* y) {
  for (int32_t r = 0; r < p.rows; ++r) {
    float* out = y + r * p.outputs;
    for (int32_t t = 0; t < p.outputs; ++t) out[t] = ml_dot(x + r * p.features, coef + t * p.features, p.features) + intercept[t];
    ml_transform_row(p.post_transform, out, p.outputs);
  }
}

// labels: the class labels, or {0, 1} for one score without two labels. z: [rows, outputs]
// columns, 2 when second_class.
template <typename T>
inline void linear_classifier(const LinearParams& p, const T* x, const float* coef, const float* intercept,
                              const int64_t* labels, int64_t* label, float* z) {
  const int32_t cols = p.second_class ? 2 : p.outputs;
  for (int32_t r = 0; r < p.rows; ++r) {
    float* out = z + r * cols;
    for (int32_t c = 0; c < p.outputs; ++c) out[c] = ml_dot(x + r * p.features, coef + c * p.features, p.features) + intercept[c];
    if (p.outputs == 1) {
      label[r] = labels[out[0] > 0 ? 1 : 0];
      if (p.second_class) ml_two_scores(p.post_transform, kSecondProbability, out[0], out);
      else ml_transform_row(p.post_transform, out, 1);
      continue;
    }
    int32_t best = 0;
    for (int32_t c = 1; c < p.outputs; ++c) best = out[c] > out[best] ? c : best;
    label[r] = labels[best];
    ml_transform_row(p.post_transform, out, p.outputs);
  }
}

// ---- SVM ----

enum : int32_t { kSvmLinear = 0, kSvmPoly = 1, kSvmRbf = 2, kSvmSigmoid = 3 };

struct SvmKernel {
  int32_t type;  // kSvm*
  float gamma, coef0, degree;
  O2M_FIELDS(type, gamma, coef0, degree)
};

template <typename T>
inline float svm_kernel(const SvmKernel& k, const T* x, const float* sv, int32_t n) {
  if (k.type == kSvmRbf) {
    float s = 0;
    for (int32_t i = 0; i < n; ++i) {
      const float d = static_cast<float>(x[i]) - sv[i];
      s += d * d;
    }
    return expf(-k.gamma * s);
  }
  const float dot = ml_dot(x, sv, n);
  if (k.type == kSvmPoly) return powf(k.gamma * dot + k.coef0, k.degree);
  if (k.type == kSvmSigmoid) return tanhf(k.gamma * dot + k.coef0);
  return dot;
}

// SVMRegressor: y[r] = sum_v coef[v] K(x, sv[v]) + rho, or with no support vectors (linear
// mode) dot(x, coef) + rho; one_class maps the score to +1 / -1.
struct SvmRegParams {
  int32_t rows, features, vectors;  // vectors = 0: linear mode
  int32_t one_class, post_transform;
  SvmKernel kernel;
  float rho;
  O2M_FIELDS(rows, features, vectors, one_class, post_transform, kernel, rho)
};

template <typename T>
inline void svm_regressor(const SvmRegParams& p, const T* x, const float* sv, const float* coef, float* y) {
  for (int32_t r = 0; r < p.rows; ++r) {
    const T* xr = x + r * p.features;
    float s = p.rho;
    if (p.vectors == 0) s += ml_dot(xr, coef, p.features);
    for (int32_t v = 0; v < p.vectors; ++v) s += coef[v] * svm_kernel(p.kernel, xr, sv + v * p.features, p.features);
    if (p.one_class) s = s > 0 ? 1.0f : -1.0f;
    else if (p.post_transform == kPostProbit) s = ml_probit(s);
    y[r] = s;
  }
}

// SVMClassifier. Linear mode (vectors = 0): one score per class, dot(x, coef[c]) + rho[0].
// Otherwise one-vs-one over the support vectors (vector_start/vector_count per class, coef
// [classes - 1][vectors] as libsvm lays it out): the label is the class with most votes; the
// scores are the pairwise decision values, or with prob_a/prob_b the class probabilities.
struct SvmClassParams {
  int32_t rows, features, classes, vectors;
  int32_t probabilities;     // prob_a / prob_b given
  int32_t weights_positive;  // every coefficient >= 0 (binary label rule)
  int32_t post_transform;
  SvmKernel kernel;
  O2M_FIELDS(rows, features, classes, vectors, probabilities, weights_positive, post_transform, kernel)
};

// Columns of z.
inline int32_t svm_score_columns(const SvmClassParams& p) {
  if (p.vectors == 0 || p.probabilities) return p.classes;
  return p.classes > 2 ? p.classes * (p.classes - 1) / 2 : 2;
}

// Scratch floats: kernel values, votes, pair scores, then the coupling's two k*k + k matrices.
inline int32_t svm_classifier_scratch_bytes(const SvmClassParams& p) {
  const int32_t k = p.classes;
  return (p.vectors + k + k * (k - 1) / 2 + 2 * k * k + k) * static_cast<int32_t>(sizeof(float));
}

// libsvm's multiclass_probability (pairwise coupling, Wu, Lin and Weng 2004) as ONNX Runtime
// runs it: r [k][k] pairwise probabilities -> p [k]; q is k*k + k floats of scratch.
inline void svm_couple(int32_t k, const float* r, float* p, float* q) {
  float* qp = q + k * k;
  const float eps = 0.005f / static_cast<float>(k);
  for (int32_t i = 0; i < k; ++i) {
    p[i] = 1.0f / static_cast<float>(k);
    q[i * k + i] = 0;
    for (int32_t j = 0; j < i; ++j) {
      q[i * k + i] += r[j * k + i] * r[j * k + i];
      q[i * k + j] = q[j * k + i];
    }
    for (int32_t j = i + 1; j < k; ++j) {
      q[i * k + i] += r[j * k + i] * r[j * k + i];
      q[i * k + j] = -r[j * k + i] * r[i * k + j];
    }
  }
  for (int32_t loop = 0; loop < 100; ++loop) {
    float pqp = 0;
    for (int32_t i = 0; i < k; ++i) {
      qp[i] = 0;
      for (int32_t j = 0; j < k; ++j) qp[i] += q[i * k + j] * p[j];
      pqp += p[i] * qp[i];
    }
    float max_error = 0;
    for (int32_t i = 0; i < k; ++i) {
      const float e = fabsf(qp[i] - pqp);
      max_error = e > max_error ? e : max_error;
    }
    if (max_error < eps) break;
    for (int32_t i = 0; i < k; ++i) {
      const float diff = (-qp[i] + pqp) / q[i * k + i];
      p[i] += diff;
      pqp = (pqp + diff * (diff * q[i * k + i] + 2 * qp[i])) / (1 + diff) / (1 + diff);
      for (int32_t j = 0; j < k; ++j) {
        qp[j] = (qp[j] + diff * q[i * k + j]) / (1 + diff);
        p[j] /= (1 + diff);
      }
    }
  }
}

template <typename T>
inline void svm_classifier(const SvmClassParams& p, const T* x, const float* sv, const float* coef, const float* rho,
                           const int32_t* vector_start, const float* prob_a, const float* prob_b, const int64_t* labels,
                           int64_t* label, float* z, void* scratch) {
  const int32_t k = p.classes, cols = svm_score_columns(p);
  float* kern = static_cast<float*>(scratch);
  float* votes = kern + p.vectors;
  float* pair = votes + k;
  float* pmat = pair + k * (k - 1) / 2;
  float* q = pmat + k * k;
  for (int32_t r = 0; r < p.rows; ++r) {
    const T* xr = x + r * p.features;
    float* out = z + r * cols;
    int32_t best = 0;
    float best_score = 0;
    if (p.vectors == 0) {
      for (int32_t c = 0; c < k; ++c) out[c] = ml_dot(xr, coef + c * p.features, p.features) + rho[0];
      for (int32_t c = 1; c < k; ++c) best = out[c] > out[best] ? c : best;
      best_score = out[best];
    } else {
      for (int32_t v = 0; v < p.vectors; ++v) kern[v] = svm_kernel(p.kernel, xr, sv + v * p.features, p.features);
      for (int32_t c = 0; c < k; ++c) votes[c] = 0;
      int32_t idx = 0;
      for (int32_t i = 0; i < k - 1; ++i)
        for (int32_t j = i + 1; j < k; ++j, ++idx) {
          double s = 0;  // ONNX Runtime sums the pair's terms in double
          for (int32_t m = vector_start[i]; m < vector_start[i + 1]; ++m) s += coef[(j - 1) * p.vectors + m] * kern[m];
          for (int32_t m = vector_start[j]; m < vector_start[j + 1]; ++m) s += coef[i * p.vectors + m] * kern[m];
          s += rho[idx];
          pair[idx] = static_cast<float>(s);
          votes[s > 0 ? i : j] += 1;
        }
      for (int32_t c = 1; c < k; ++c) best = votes[c] > votes[best] ? c : best;
      if (p.probabilities) {
        idx = 0;
        for (int32_t i = 0; i < k; ++i) pmat[i * k + i] = 0;
        for (int32_t i = 0; i < k - 1; ++i)
          for (int32_t j = i + 1; j < k; ++j, ++idx) {
            float v = 1.0f - ml_logistic(pair[idx] * prob_a[idx] + prob_b[idx]);
            v = v < 1e-7f ? 1e-7f : v > 1 - 1e-7f ? 1 - 1e-7f : v;
            pmat[i * k + j] = v;
            pmat[j * k + i] = 1 - v;
          }
        svm_couple(k, pmat, out, q);
      } else {
        for (int32_t c = 0; c < k * (k - 1) / 2; ++c) out[c] = pair[c];
      }
    }
    // Label: two classes without probabilities may pick class 1 on the score alone.
    bool pick_second = false;
    if (k == 2 && !p.probabilities)
      pick_second = p.weights_positive ? best_score >= 0.5f : best_score > 0;
    label[r] = labels[pick_second ? 1 : best];
    if (p.vectors != 0 && !p.probabilities && k == 2) {
      ml_two_scores(p.post_transform, p.post_transform == kPostNone ? kSecondSigned : kSecondProbability, out[0], out);
    } else {
      ml_transform_row(p.post_transform, out, cols);
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
