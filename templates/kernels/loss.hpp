// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, inference forms: the loss value (and
// SoftmaxCrossEntropyLoss's optional log-probabilities), no gradients. The input is viewed as
// [n, c, d] (d: the product of the dims after the class dim), the targets as [n, d].
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct LossParams {
  int32_t n, c, d;
  int32_t reduction;     // 0 none (output [n, d]), 1 sum, 2 mean (scalar output)
  int32_t has_ignore;    // 1: targets equal to ignore_index add nothing, weight included
  int32_t ignore_index;
  O2M_FIELDS(n, c, d, reduction, has_ignore, ignore_index)
};

// loss(i, j) = -logp(i, target, j) * weight[target]; a target outside [0, c) that is not
// ignore_index also adds 0 (and no weight), so a bad label never reads outside the input.
// Mean divides by the sum of the weights of the counted targets, as ONNX defines it.
template <typename T, typename I, typename NegLogP>
inline void loss_reduce_(const LossParams& p, const I* target, const T* weight, T* y, NegLogP neg_logp) {
  double sum = 0, wsum = 0;
  for (int32_t i = 0; i < p.n; ++i)
    for (int32_t j = 0; j < p.d; ++j) {
      const int64_t t = static_cast<int64_t>(target[static_cast<int64_t>(i) * p.d + j]);
      T l = T(0);
      double w = 0;
      if (!(p.has_ignore && t == p.ignore_index) && t >= 0 && t < p.c) {
        w = weight ? static_cast<double>(weight[t]) : 1.0;
        l = static_cast<T>(neg_logp(i, static_cast<int32_t>(t), j) * w);
      }
      if (p.reduction == 0) y[static_cast<int64_t>(i) * p.d + j] = l;
      sum += static_cast<double>(l);
      wsum += w;
    }
  if (p.reduction == 1) y[0] = static_cast<T>(sum);
  if (p.reduction == 2) y[0] = static_cast<T>(sum / wsum);
}

// x holds log-probabilities; weight may be null (all 1).
template <typename T, typename I>
inline void nll_loss(const LossParams& p, const T* x, const I* target, const T* weight, T* y) {
  loss_reduce_(p, target, weight, y, [&](int32_t i, int32_t t, int32_t j) {
    return -static_cast<double>(x[(static_cast<int64_t>(i) * p.c + t) * p.d + j]);
  });
}

// NLL of log_softmax(x) along the class dim; log_prob (may be null) receives log_softmax(x).
template <typename T, typename I>
inline void softmax_cross_entropy(const LossParams& p, const T* x, const I* target, const T* weight, T* y, T* log_prob) {
  // max and log(sum(exp(x - max))) over the classes at (i, j).
  auto stats = [&](int32_t i, int32_t j, double& mx, double& lse) {
    const T* row = x + static_cast<int64_t>(i) * p.c * p.d + j;
    mx = static_cast<double>(row[0]);
    for (int32_t k = 1; k < p.c; ++k)
      if (static_cast<double>(row[static_cast<int64_t>(k) * p.d]) > mx) mx = static_cast<double>(row[static_cast<int64_t>(k) * p.d]);
    double s = 0;
    for (int32_t k = 0; k < p.c; ++k) s += exp(static_cast<double>(row[static_cast<int64_t>(k) * p.d]) - mx);
    lse = log(s);
  };
  if (log_prob)
    for (int32_t i = 0; i < p.n; ++i)
      for (int32_t j = 0; j < p.d; ++j) {
        double mx, lse;
        stats(i, j, mx, lse);
        for (int32_t k = 0; k < p.c; ++k) {
          const int64_t at = (static_cast<int64_t>(i) * p.c + k) * p.d + j;
          log_prob[at] = static_cast<T>(static_cast<double>(x[at]) - mx - lse);
        }
      }
  loss_reduce_(p, target, weight, y, [&](int32_t i, int32_t t, int32_t j) {
    const int64_t at = (static_cast<int64_t>(i) * p.c + t) * p.d + j;
    if (log_prob) return -static_cast<double>(log_prob[at]);
    double mx, lse;
    stats(i, j, mx, lse);
    return -(static_cast<double>(x[at]) - mx - lse);
  });
}

}}  // namespace o2m::O2M_KERNELS_VERSION
