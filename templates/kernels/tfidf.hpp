// TfIdfVectorizer (opset 9) on integer tokens. Each row of x is scanned for the pool's n-grams:
// an n-gram of length >= 2 is matched once per skip s = 0..max_skip (its items s + 1 apart), a
// 1-gram once. Counts add up at the n-gram's output index; then TF keeps them, IDF gives the
// output's weight where the count is > 0, TFIDF the weight times the count (weights per output
// index, as ONNX's reference and ONNX Runtime read them).
#pragma once
#include <stdint.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

enum { kTfIdfTF = 0, kTfIdfIDF = 1, kTfIdfTFIDF = 2 };

struct TfIdfParams {
  int32_t rows, cols;  // x as [rows, cols]
  int32_t grams;       // n-grams in the tables
  int32_t max_skip;    // at most cols: a longer skip fits no 2-gram
  int32_t outs;        // y as [rows, outs]
  int32_t mode;        // kTfIdf*
  O2M_FIELDS(rows, cols, grams, max_skip, outs, mode)
};

// pool: the n-grams' items back to back; gram: per n-gram {first item in pool, length, output
// index}; weights: one per output index.
template <typename T>
inline void tfidf(const TfIdfParams& p, const T* x, const int64_t* pool, const int32_t* gram, const float* weights, float* y) {
  for (int32_t r = 0; r < p.rows; ++r) {
    const T* row = x + static_cast<int64_t>(r) * p.cols;
    float* out = y + static_cast<int64_t>(r) * p.outs;
    for (int32_t o = 0; o < p.outs; ++o) out[o] = 0;
    for (int32_t g = 0; g < p.grams; ++g) {
      const int64_t* items = pool + gram[3 * g];
      const int32_t len = gram[3 * g + 1];
      int32_t count = 0;
      for (int32_t s = 0; s <= (len == 1 ? 0 : p.max_skip); ++s) {
        const int64_t step = s + 1, span = (len - 1) * step;
        for (int64_t start = 0; start + span < p.cols; ++start) {
          int32_t j = 0;
          while (j < len && static_cast<int64_t>(row[start + j * step]) == items[j]) ++j;
          count += j == len ? 1 : 0;
        }
      }
      out[gram[3 * g + 2]] += static_cast<float>(count);
    }
    for (int32_t o = 0; o < p.outs; ++o) {
      if (p.mode == kTfIdfIDF) out[o] = out[o] > 0 ? weights[o] : 0.0f;
      else if (p.mode == kTfIdfTFIDF) out[o] *= weights[o];
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
