// TensorScatter (opset 24): writes a KV-cache update into a copy of the cache at per-batch
// positions along the sequence axis.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct TensorScatterParams {
  int32_t batch, mid;  // cache viewed as [batch, mid, max_seq, inner]
  int32_t max_seq, seq, inner;
  int32_t circular;    // 1: positions wrap modulo max_seq; 0: positions past the end are skipped
  O2M_FIELDS(batch, mid, max_seq, seq, inner, circular)
};

// write_index: [batch] or null (all 0); update: [batch, mid, seq, inner].
template <typename T>
inline void tensor_scatter(const TensorScatterParams& p, const T* past, const T* update, const int64_t* write_index,
                           T* present) {
  const int64_t total = int64_t{p.batch} * p.mid * p.max_seq * p.inner;
  if (present != past)
    for (int64_t i = 0; i < total; ++i) present[i] = past[i];
  for (int32_t b = 0; b < p.batch; ++b) {
    const int64_t start = write_index ? write_index[b] : 0;
    for (int32_t m = 0; m < p.mid; ++m)
      for (int32_t s = 0; s < p.seq; ++s) {
        int64_t pos;
        if (p.circular) {
          pos = start % p.max_seq + s % p.max_seq;  // no overflow for any int64 start
          pos = ((pos % p.max_seq) + p.max_seq) % p.max_seq;
        } else {
          // ONNX leaves positions outside the cache undefined; they are not written.
          if (start < 0 || start > p.max_seq - 1 - s) continue;
          pos = start + s;
        }
        const int64_t row = int64_t{b} * p.mid + m;
        T* dst = present + (row * p.max_seq + pos) * p.inner;
        const T* src = update + (row * p.seq + s) * p.inner;
        for (int32_t i = 0; i < p.inner; ++i) dst[i] = src[i];
      }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
