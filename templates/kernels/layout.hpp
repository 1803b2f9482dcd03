// Data movement: Transpose, Concat (one call per input), Pad.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// y[i0..i5] = x[sum(i_d * in_strides[d])] over the output dims, padded at the front with 1s.
struct TransposeParams {
  int32_t n;
  int32_t out_dims[kMaxRank];
  int32_t in_strides[kMaxRank];  // stride in x of each output dim
  O2M_FIELDS(n, out_dims, in_strides)
};

template <typename T>
inline void transpose(const TransposeParams& p, const T* x, T* y) {
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t off = 0;
  for (int32_t i = 0; i < p.n; ++i) {
    y[i] = x[off];
    for (int d = kMaxRank - 1; d >= 0; --d) {
      off += p.in_strides[d];
      if (++idx[d] < p.out_dims[d]) break;
      off -= p.in_strides[d] * p.out_dims[d];
      idx[d] = 0;
    }
  }
}

// Copies one Concat input into its slot: x is [outer, chunk], y is [outer, row] at `offset`.
struct ConcatPartParams {
  int32_t outer, chunk, row, offset;
  O2M_FIELDS(outer, chunk, row, offset)
};

template <typename T>
inline void concat_part(const ConcatPartParams& p, const T* x, T* y) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.chunk; ++i) y[o * p.row + p.offset + i] = x[o * p.chunk + i];
}

struct PadParams {
  int32_t mode;  // 0 constant, 1 reflect, 2 edge, 3 wrap
  float value;
  int32_t n;     // output elements
  int32_t in_dims[kMaxRank];
  int32_t out_dims[kMaxRank];
  int32_t pad_begin[kMaxRank];
  O2M_FIELDS(mode, value, n, in_dims, out_dims, pad_begin)
};

template <typename T>
inline void pad(const PadParams& p, const T* x, T* y) {
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  for (int32_t i = 0; i < p.n; ++i) {
    int32_t off = 0;
    bool inside = true;
    for (int d = 0; d < kMaxRank; ++d) {
      int32_t s = idx[d] - p.pad_begin[d];
      const int32_t len = p.in_dims[d];
      if (s < 0 || s >= len) {
        if (p.mode == 0) {
          inside = false;
          break;
        }
        if (p.mode == 2) {
          s = s < 0 ? 0 : len - 1;
        } else if (p.mode == 3) {  // periodic; len > 0 is checked by the generator
          s %= len;
          if (s < 0) s += len;
        } else {  // reflect without repeating the edge; len > 1 is checked by the generator
          const int32_t period = 2 * (len - 1);
          s = s < 0 ? -s : s;
          s %= period;
          if (s >= len) s = period - s;
        }
      }
      off = off * len + s;
    }
    y[i] = inside ? x[off] : static_cast<T>(p.value);
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (++idx[d] < p.out_dims[d]) break;
      idx[d] = 0;
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
