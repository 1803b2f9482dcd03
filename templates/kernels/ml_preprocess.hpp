// Elementwise and lookup ops of ai.onnx.ml: Scaler, Normalizer, Binarizer, Imputer,
// ArrayFeatureExtractor, LabelEncoder (numeric), OneHotEncoder. Per-feature tables (offset,
// scale, imputed values) have 1 entry (all features) or one per feature of the last axis.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct FeatureParams {
  int32_t count;     // elements of X
  int32_t features;  // length of the per-feature tables: 1 or the last axis
  O2M_FIELDS(count, features)
};

// y = (x - offset[f]) * scale[f], in float.
template <typename T>
inline void ml_scaler(const FeatureParams& p, const T* x, const float* offset, const float* scale, float* y) {
  for (int32_t i = 0; i < p.count; ++i) {
    const int32_t f = i % p.features;
    y[i] = (static_cast<float>(x[i]) - offset[f]) * scale[f];
  }
}

// Replaces x == replaced (or NaN when replaced is NaN) by imputed[f].
template <typename T>
inline void ml_imputer(const FeatureParams& p, const T* x, const T* replaced, const T* imputed, T* y) {
  const T r = replaced[0];
  for (int32_t i = 0; i < p.count; ++i) {
    const bool hit = r != r ? x[i] != x[i] : x[i] == r;
    y[i] = hit ? imputed[i % p.features] : x[i];
  }
}

struct BinarizerParams {
  int32_t count;
  float threshold;
  O2M_FIELDS(count, threshold)
};

// 1 where x > threshold, else 0 (NaN stays NaN, as ONNX Runtime keeps it).
template <typename T>
inline void ml_binarizer(const BinarizerParams& p, const T* x, T* y) {
  for (int32_t i = 0; i < p.count; ++i) {
    const double v = static_cast<double>(x[i]);
    y[i] = v != v ? x[i] : v > static_cast<double>(p.threshold) ? T(1) : T(0);
  }
}

enum : int32_t { kNormMax = 0, kNormL1 = 1, kNormL2 = 2 };

struct NormalizerParams {
  int32_t rows, cols;
  int32_t norm;  // kNorm*
  O2M_FIELDS(rows, cols, norm)
};

// Each row divided by its max, sum of |x| or L2 norm (unchanged when that is 0), as ONNX
// Runtime and scikit-learn compute it.
template <typename T>
inline void ml_normalizer(const NormalizerParams& p, const T* x, float* y) {
  for (int32_t r = 0; r < p.rows; ++r) {
    const T* xr = x + r * p.cols;
    float* yr = y + r * p.cols;
    float d = 0;
    if (p.norm == kNormMax) {
      d = -INFINITY;
      for (int32_t c = 0; c < p.cols; ++c) d = static_cast<float>(xr[c]) > d ? static_cast<float>(xr[c]) : d;
    } else {
      for (int32_t c = 0; c < p.cols; ++c) {
        const float v = static_cast<float>(xr[c]);
        d += p.norm == kNormL1 ? fabsf(v) : v * v;
      }
      if (p.norm == kNormL2) d = sqrtf(d);
    }
    for (int32_t c = 0; c < p.cols; ++c) yr[c] = d != 0 ? static_cast<float>(xr[c]) / d : static_cast<float>(xr[c]);
  }
}

struct FeatureExtractParams {
  int32_t outer, axis, picks;  // X [outer, axis], Z [outer, picks]
  O2M_FIELDS(outer, axis, picks)
};

// z[o][k] = x[o][idx[k]]; an index outside [0, axis) gives 0 (ONNX Runtime refuses it).
template <typename T>
inline void ml_array_feature_extractor(const FeatureExtractParams& p, const T* x, const int64_t* idx, T* z) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t k = 0; k < p.picks; ++k) {
      const int64_t i = idx[k];
      z[o * p.picks + k] = i >= 0 && i < p.axis ? x[o * p.axis + i] : T(0);
    }
}

struct LookupParams {
  int32_t count, keys;
  O2M_FIELDS(count, keys)
};

// LabelEncoder: y = values[k] for the last key k equal to x (NaN keys match NaN), else *fallback.
template <typename K, typename V>
inline void ml_label_encoder(const LookupParams& p, const K* x, const K* keys, const V* values, const V* fallback, V* y) {
  for (int32_t i = 0; i < p.count; ++i) {
    const K v = x[i];
    V out = fallback[0];
    for (int32_t k = p.keys - 1; k >= 0; --k)
      if (keys[k] == v || (keys[k] != keys[k] && v != v)) {
        out = values[k];
        break;
      }
    y[i] = out;
  }
}

// OneHotEncoder: y[i][c] = 1 when x[i] (as int64) equals cats[c]; a value in no category gives
// a row of zeros.
template <typename T>
inline void ml_one_hot_encoder(const LookupParams& p, const T* x, const int64_t* cats, float* y) {
  for (int32_t i = 0; i < p.count; ++i) {
    const int64_t v = convert<int64_t>(x[i]);
    for (int32_t c = 0; c < p.keys; ++c) y[i * p.keys + c] = cats[c] == v ? 1.0f : 0.0f;
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
