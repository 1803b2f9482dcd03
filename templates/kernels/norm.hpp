// Normalizations: BatchNormalization (inference and training mode), InstanceNormalization,
// LayerNormalization, GroupNormalization, RMSNormalization, MeanVarianceNormalization,
// LpNormalization and LRN.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct BatchNormParams {
  int32_t n, c, spatial;
  float epsilon;
  O2M_FIELDS(n, c, spatial, epsilon)
};

template <typename T>
inline void batch_norm(const BatchNormParams& p, const T* x, const T* scale, const T* bias, const T* mean,
                       const T* var, T* y) {
  for (int32_t c = 0; c < p.c; ++c) {
    const T k = scale[c] / static_cast<T>(sqrt(var[c] + static_cast<T>(p.epsilon)));
    const T b = bias[c] - mean[c] * k;
    for (int32_t n = 0; n < p.n; ++n) {
      const T* xs = x + (n * p.c + c) * p.spatial;
      T* ys = y + (n * p.c + c) * p.spatial;
      for (int32_t i = 0; i < p.spatial; ++i) ys[i] = xs[i] * k + b;
    }
  }
}

// Training mode: normalise with the batch's own mean and (biased) variance, and blend them into
// the running statistics: out = in * momentum + batch * (1 - momentum).
struct BatchNormTrainParams {
  int32_t n, c, spatial;
  float epsilon, momentum;
  O2M_FIELDS(n, c, spatial, epsilon, momentum)
};

// running_mean / running_var may be nullptr when the model does not use them.
template <typename T>
inline void batch_norm_train(const BatchNormTrainParams& p, const T* x, const T* scale, const T* bias, const T* mean,
                             const T* var, T* y, T* running_mean, T* running_var) {
  const T count = static_cast<T>(p.n * p.spatial);
  for (int32_t c = 0; c < p.c; ++c) {
    T sum = T(0);
    for (int32_t n = 0; n < p.n; ++n)
      for (int32_t i = 0; i < p.spatial; ++i) sum += x[(n * p.c + c) * p.spatial + i];
    const T m = sum / count;
    T sq = T(0);
    for (int32_t n = 0; n < p.n; ++n)
      for (int32_t i = 0; i < p.spatial; ++i) {
        const T d = x[(n * p.c + c) * p.spatial + i] - m;
        sq += d * d;
      }
    const T v = sq / count;
    const T k = scale[c] / static_cast<T>(sqrt(v + static_cast<T>(p.epsilon)));
    for (int32_t n = 0; n < p.n; ++n)
      for (int32_t i = 0; i < p.spatial; ++i) {
        const int32_t at = (n * p.c + c) * p.spatial + i;
        y[at] = (x[at] - m) * k + bias[c];
      }
    const T mo = static_cast<T>(p.momentum);
    if (running_mean) running_mean[c] = mean[c] * mo + m * (T(1) - mo);
    if (running_var) running_var[c] = var[c] * mo + v * (T(1) - mo);
  }
}

// Mean and 1 / sqrt(variance + eps) of `count` values `stride` apart.
template <typename T>
inline void norm_stats(const T* x, int32_t count, int32_t stride, float eps, T& mean, T& inv_std) {
  T sum = T(0);
  for (int32_t i = 0; i < count; ++i) sum += x[i * stride];
  mean = sum / static_cast<T>(count);
  T sq = T(0);
  for (int32_t i = 0; i < count; ++i) {
    const T d = x[i * stride] - mean;
    sq += d * d;
  }
  inv_std = T(1) / static_cast<T>(sqrt(sq / static_cast<T>(count) + static_cast<T>(eps)));
}

// InstanceNormalization: x [n, c, spatial]; scale and bias per channel.
struct InstanceNormParams {
  int32_t n, c, spatial;
  float epsilon;
  O2M_FIELDS(n, c, spatial, epsilon)
};

template <typename T>
inline void instance_norm(const InstanceNormParams& p, const T* x, const T* scale, const T* bias, T* y) {
  for (int32_t r = 0; r < p.n * p.c; ++r) {
    const T* xr = x + r * p.spatial;
    T* yr = y + r * p.spatial;
    T mean, inv;
    norm_stats(xr, p.spatial, 1, p.epsilon, mean, inv);
    const T k = scale[r % p.c] * inv, b = bias[r % p.c];
    for (int32_t i = 0; i < p.spatial; ++i) yr[i] = (xr[i] - mean) * k + b;
  }
}

// LayerNormalization: x viewed as [outer, inner], normalised along inner. scale and bias
// (bias may be nullptr) hold `inner` values, or one (stride 0).
struct LayerNormParams {
  int32_t outer, inner;
  int32_t scale_stride, bias_stride;
  float epsilon;
  O2M_FIELDS(outer, inner, scale_stride, bias_stride, epsilon)
};

// mean / inv_std_dev (one value per row) may be nullptr.
template <typename T>
inline void layer_norm(const LayerNormParams& p, const T* x, const T* scale, const T* bias, T* y, T* mean_out,
                       T* inv_std_out) {
  for (int32_t r = 0; r < p.outer; ++r) {
    const T* xr = x + r * p.inner;
    T* yr = y + r * p.inner;
    T mean, inv;
    norm_stats(xr, p.inner, 1, p.epsilon, mean, inv);
    for (int32_t i = 0; i < p.inner; ++i) {
      const T v = (xr[i] - mean) * inv * scale[i * p.scale_stride];
      yr[i] = bias ? v + bias[i * p.bias_stride] : v;
    }
    if (mean_out) mean_out[r] = mean;
    if (inv_std_out) inv_std_out[r] = inv;
  }
}

// GroupNormalization: x [n, c, spatial], statistics per instance over each group of
// c / groups consecutive channels. scale and bias hold one value per channel, or per group
// (per_group 1, opsets 18-20).
struct GroupNormParams {
  int32_t n, c, spatial, groups;
  int32_t per_group;
  float epsilon;
  O2M_FIELDS(n, c, spatial, groups, per_group, epsilon)
};

template <typename T>
inline void group_norm(const GroupNormParams& p, const T* x, const T* scale, const T* bias, T* y) {
  const int32_t cpg = p.c / p.groups, count = cpg * p.spatial;
  for (int32_t r = 0; r < p.n * p.groups; ++r) {
    const T* xg = x + r * count;
    T* yg = y + r * count;
    T mean, inv;
    norm_stats(xg, count, 1, p.epsilon, mean, inv);
    for (int32_t cc = 0; cc < cpg; ++cc) {
      const int32_t ch = (r % p.groups) * cpg + cc, sb = p.per_group ? ch / cpg : ch;
      for (int32_t i = 0; i < p.spatial; ++i) {
        const int32_t at = cc * p.spatial + i;
        yg[at] = (xg[at] - mean) * inv * scale[sb] + bias[sb];
      }
    }
  }
}

// RMSNormalization: x viewed as [outer, inner], each row divided by sqrt(mean(x^2) + eps) and
// multiplied by scale, which repeats every scale_len elements of the row (it broadcasts to the
// normalised dims from the right: scale_len is 1, inner or a trailing block of it).
struct RmsNormParams {
  int32_t outer, inner, scale_len;
  float epsilon;
  O2M_FIELDS(outer, inner, scale_len, epsilon)
};

template <typename T>
inline void rms_norm(const RmsNormParams& p, const T* x, const T* scale, T* y) {
  for (int32_t r = 0; r < p.outer; ++r) {
    const T* xr = x + r * p.inner;
    T* yr = y + r * p.inner;
    T sq = T(0);
    for (int32_t i = 0; i < p.inner; ++i) sq += xr[i] * xr[i];
    const T inv = T(1) / static_cast<T>(sqrt(sq / static_cast<T>(p.inner) + static_cast<T>(p.epsilon)));
    for (int32_t i = 0; i < p.inner; ++i) yr[i] = xr[i] * inv * scale[i % p.scale_len];
  }
}

// MeanVarianceNormalization over any set of axes: out_strides maps an input element to its
// group (0 along the normalised axes), as in reduce.hpp. Scratch: two T per group.
struct MvnParams {
  int32_t n_in, n_groups;
  int32_t count;  // elements per group
  int32_t in_dims[kMaxRank];
  int32_t out_strides[kMaxRank];
  float epsilon;
  O2M_FIELDS(n_in, n_groups, count, in_dims, out_strides, epsilon)
};

template <typename T>
inline int32_t mvn_scratch_bytes(const MvnParams& p) { return 2 * p.n_groups * static_cast<int32_t>(sizeof(T)); }

template <typename T>
inline void mvn(const MvnParams& p, const T* x, T* y, void* scratch) {
  T* mean = static_cast<T*>(scratch);
  T* inv = mean + p.n_groups;
  for (int32_t g = 0; g < p.n_groups; ++g) mean[g] = inv[g] = T(0);
  // pass 0 sums, pass 1 sums squared deviations, pass 2 writes y.
  for (int pass = 0; pass < 3; ++pass) {
    int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
    int32_t g = 0;
    for (int32_t i = 0; i < p.n_in; ++i) {
      const T d = x[i] - mean[g];
      if (pass == 0) mean[g] += x[i];
      else if (pass == 1) inv[g] += d * d;
      else y[i] = d * inv[g];
      for (int d2 = kMaxRank - 1; d2 >= 0; --d2) {
        g += p.out_strides[d2];
        if (++idx[d2] < p.in_dims[d2]) break;
        g -= p.out_strides[d2] * p.in_dims[d2];
        idx[d2] = 0;
      }
    }
    const T count = static_cast<T>(p.count);
    for (int32_t k = 0; k < p.n_groups; ++k) {
      if (pass == 0) mean[k] /= count;
      // 1 / (std + epsilon), as the op's function body: a constant group gives 0, not 0 / 0.
      if (pass == 1) inv[k] = T(1) / (static_cast<T>(sqrt(inv[k] / count)) + static_cast<T>(p.epsilon));
    }
  }
}

// LpNormalization: x viewed as [outer, axis, inner], each axis vector divided by its L1 or L2 norm.
struct LpNormParams {
  int32_t outer, axis, inner;
  int32_t p;  // 1 or 2
  O2M_FIELDS(outer, axis, inner, p)
};

template <typename T>
inline void lp_norm(const LpNormParams& p, const T* x, T* y) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* xs = x + o * p.axis * p.inner + i;
      T* ys = y + o * p.axis * p.inner + i;
      T norm = T(0);
      for (int32_t a = 0; a < p.axis; ++a) {
        const T v = xs[a * p.inner];
        norm += p.p == 1 ? (v < T(0) ? -v : v) : v * v;
      }
      if (p.p != 1) norm = static_cast<T>(sqrt(norm));
      for (int32_t a = 0; a < p.axis; ++a) ys[a * p.inner] = norm != T(0) ? xs[a * p.inner] / norm : T(0);
    }
}

// LRN across channels: y = x / (bias + alpha / size * sum of x^2 over nearby channels)^beta.
struct LrnParams {
  int32_t n, c, spatial;
  int32_t size;
  float alpha, beta, bias;
  O2M_FIELDS(n, c, spatial, size, alpha, beta, bias)
};

template <typename T>
inline void lrn(const LrnParams& p, const T* x, T* y) {
  const int32_t before = (p.size - 1) / 2, after = p.size - 1 - before;
  const T k = static_cast<T>(p.alpha) / static_cast<T>(p.size);
  for (int32_t b = 0; b < p.n; ++b)
    for (int32_t c = 0; c < p.c; ++c) {
      const int32_t lo = c - before < 0 ? 0 : c - before, hi = c + after >= p.c ? p.c - 1 : c + after;
      const T* xb = x + b * p.c * p.spatial;
      T* yc = y + (b * p.c + c) * p.spatial;
      for (int32_t i = 0; i < p.spatial; ++i) {
        T sq = T(0);
        for (int32_t j = lo; j <= hi; ++j) sq += xb[j * p.spatial + i] * xb[j * p.spatial + i];
        yc[i] = xb[c * p.spatial + i] / static_cast<T>(pow(static_cast<T>(p.bias) + k * sq, static_cast<T>(p.beta)));
      }
    }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
