// Data movement by index arithmetic: Slice (and its run-time window), Split, Expand, DepthToSpace, SpaceToDepth (one
// strided copy), Tile, Trilu, Compress. Shapes are padded at the front to kMaxRank with 1s.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// y[i0..i5] = x[base + sum(i_d * in_strides[d])] over the output dims. A stride may be
// negative (Slice with negative steps) or 0 (Expand repeats the element).
struct StridedCopyParams {
  int32_t n;  // output elements
  int32_t base;
  int32_t out_dims[kMaxRank];
  int32_t in_strides[kMaxRank];
  O2M_FIELDS(n, base, out_dims, in_strides)
};

template <typename T>
inline void strided_copy(const StridedCopyParams& p, const T* x, T* y) {
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t off = p.base;
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

// Slice whose start on one axis is known only at run time and whose width is a constant (ends =
// starts + width): x is [outer, axis_len, inner], y is [outer, width, inner]. The start counts from
// the end when negative, as Slice's does; rows of the window outside the axis read 0 (a static
// build cannot shorten its output the way ONNX's clamping would).
struct SliceWindowParams {
  int32_t outer, axis_len, width, inner;
  O2M_FIELDS(outer, axis_len, width, inner)
};

template <typename T, typename I>
inline void slice_window(const SliceWindowParams& p, const T* x, const I* start, T* y) {
  const int64_t s = start[0] < 0 ? static_cast<int64_t>(start[0]) + p.axis_len : static_cast<int64_t>(start[0]);
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t j = 0; j < p.width; ++j) {
      const int64_t a = s + j;
      const bool inside = a >= 0 && a < p.axis_len;
      const T* src = x + (static_cast<int64_t>(o) * p.axis_len + (inside ? a : 0)) * p.inner;
      for (int32_t i = 0; i < p.inner; ++i) *y++ = inside ? src[i] : T(0);
    }
}

// Tile: y[i0..i5] = x[sum((i_d % in_dims[d]) * in_strides[d])].
struct TileParams {
  int32_t n;  // output elements
  int32_t out_dims[kMaxRank];
  int32_t in_dims[kMaxRank];
  int32_t in_strides[kMaxRank];
  O2M_FIELDS(n, out_dims, in_dims, in_strides)
};

template <typename T>
inline void tile(const TileParams& p, const T* x, T* y) {
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t in_idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t off = 0;
  for (int32_t i = 0; i < p.n; ++i) {
    y[i] = x[off];
    for (int d = kMaxRank - 1; d >= 0; --d) {
      off += p.in_strides[d];
      if (++in_idx[d] == p.in_dims[d]) {
        off -= p.in_strides[d] * p.in_dims[d];
        in_idx[d] = 0;
      }
      if (++idx[d] < p.out_dims[d]) break;
      idx[d] = 0;  // out_dims[d] is a multiple of in_dims[d], so in_idx[d] has wrapped to 0 too
    }
  }
}

// Trilu on a batch of [rows, cols] matrices: keeps x[r][c] where c - r >= k (upper) or
// c - r <= k (lower), zeroes the rest. k is read at run time (nullptr: 0).
struct TriluParams {
  int32_t batch, rows, cols;
  int32_t upper;  // 1 upper, 0 lower
  O2M_FIELDS(batch, rows, cols, upper)
};

template <typename T>
inline void trilu(const TriluParams& p, const T* x, const int64_t* k_in, T* y) {
  const int64_t k = k_in ? k_in[0] : 0;
  int32_t i = 0;
  for (int32_t b = 0; b < p.batch; ++b)
    for (int32_t r = 0; r < p.rows; ++r)
      for (int32_t c = 0; c < p.cols; ++c, ++i) {
        const bool keep = p.upper ? c - r >= k : c - r <= k;
        y[i] = keep ? x[i] : T(0);
      }
}

// Compress: x is [outer, len, inner]; copies the [outer, inner] slices whose condition is true.
// Entries of len past cond_len count as false.
struct CompressParams {
  int32_t outer, len, inner;
  int32_t cond_len;
  O2M_FIELDS(outer, len, inner, cond_len)
};

template <typename T>
inline void compress(const CompressParams& p, const T* x, const bool* cond, T* y) {
  const int32_t m = p.len < p.cond_len ? p.len : p.cond_len;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t a = 0; a < m; ++a) {
      if (!cond[a]) continue;
      const T* src = x + (o * p.len + a) * p.inner;
      for (int32_t i = 0; i < p.inner; ++i) *y++ = src[i];
    }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
