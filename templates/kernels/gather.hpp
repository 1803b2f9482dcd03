// Gather, GatherElements, GatherND and their scatter counterparts. Index tensors are int32 or
// int64 (I); a negative index counts from the end. An index still out of range after that
// reads 0 (gathers) or is skipped (scatters): the device never touches memory outside a tensor.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

template <typename I>
inline int32_t wrap_index(I a, int32_t len) {
  const int64_t v = a < 0 ? static_cast<int64_t>(a) + len : static_cast<int64_t>(a);
  return v >= 0 && v < len ? static_cast<int32_t>(v) : -1;
}

// ScatterElements / ScatterND reduction: 0 none, 1 add, 2 mul, 3 max, 4 min. Integers wrap.
template <typename T>
inline T scatter_combine(int32_t reduction, T old, T v) {
  switch (reduction) {
    case 1: return add_op(old, v);
    case 2: return mul_op(old, v);
    case 3: return old < v ? v : old;
    case 4: return v < old ? v : old;
    default: return v;
  }
}
// bool: add and max are "or", mul and min are "and".
inline bool scatter_combine(int32_t reduction, bool old, bool v) {
  if (reduction == 1 || reduction == 3) return old || v;
  if (reduction == 2 || reduction == 4) return old && v;
  return v;
}

// Gather: x is [outer, axis_len, inner], idx has n_idx entries, y is [outer, n_idx, inner].
struct GatherParams {
  int32_t outer, axis_len, inner;
  int32_t n_idx;
  O2M_FIELDS(outer, axis_len, inner, n_idx)
};

template <typename T, typename I>
inline void gather(const GatherParams& p, const T* x, const I* idx, T* y) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t j = 0; j < p.n_idx; ++j) {
      const int32_t a = wrap_index(idx[j], p.axis_len);
      const T* src = x + (o * p.axis_len + (a < 0 ? 0 : a)) * p.inner;
      for (int32_t i = 0; i < p.inner; ++i) *y++ = a < 0 ? T(0) : src[i];
    }
}

// GatherElements / ScatterElements: walks the index tensor (dims `dims`); element i addresses
// the data at sum(i_d * strides[d]) + idx[i] * axis_stride (strides[axis] is 0).
struct ElementsParams {
  int32_t n_idx;   // index elements
  int32_t n_data;  // data elements (scatter copies them first)
  int32_t axis_len, axis_stride;
  int32_t reduction;  // scatter only, see scatter_combine
  int32_t dims[kMaxRank];
  int32_t strides[kMaxRank];
  O2M_FIELDS(n_idx, n_data, axis_len, axis_stride, reduction, dims, strides)
};

// Calls f(i, data offset or -1) for each index element.
template <typename I, typename F>
inline void for_each_element(const ElementsParams& p, const I* idx, F f) {
  int32_t at[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t off = 0;
  for (int32_t i = 0; i < p.n_idx; ++i) {
    const int32_t a = wrap_index(idx[i], p.axis_len);
    f(i, a < 0 ? -1 : off + a * p.axis_stride);
    for (int d = kMaxRank - 1; d >= 0; --d) {
      off += p.strides[d];
      if (++at[d] < p.dims[d]) break;
      off -= p.strides[d] * p.dims[d];
      at[d] = 0;
    }
  }
}

template <typename T, typename I>
inline void gather_elements(const ElementsParams& p, const T* x, const I* idx, T* y) {
  for_each_element(p, idx, [&](int32_t i, int32_t src) { y[i] = src < 0 ? T(0) : x[src]; });
}

template <typename T, typename I>
inline void scatter_elements(const ElementsParams& p, const T* data, const I* idx, const T* upd, T* y) {
  for (int32_t i = 0; i < p.n_data; ++i) y[i] = data[i];
  for_each_element(p, idx, [&](int32_t i, int32_t dst) {
    if (dst >= 0) y[dst] = scatter_combine(p.reduction, y[dst], upd[i]);
  });
}

// GatherND / ScatterND: idx is [batch, n_idx, k]; each k-tuple picks a chunk of `chunk`
// elements in its batch's data (dims/strides are data's dims batch_dims .. batch_dims+k-1).
struct NDParams {
  int32_t batch, n_idx, k;
  int32_t chunk;
  int32_t data_batch_stride;
  int32_t n_data;     // scatter only: data elements copied first
  int32_t reduction;  // scatter only
  int32_t dims[kMaxRank];
  int32_t strides[kMaxRank];
  O2M_FIELDS(batch, n_idx, k, chunk, data_batch_stride, n_data, reduction, dims, strides)
};

// Offset of tuple t in the data, or -1 when a coordinate is out of range.
template <typename I>
inline int32_t nd_offset(const NDParams& p, const I* t) {
  int32_t off = 0;
  for (int32_t q = 0; q < p.k; ++q) {
    const int32_t a = wrap_index(t[q], p.dims[q]);
    if (a < 0) return -1;
    off += a * p.strides[q];
  }
  return off;
}

template <typename T, typename I>
inline void gather_nd(const NDParams& p, const T* x, const I* idx, T* y) {
  for (int32_t b = 0; b < p.batch; ++b)
    for (int32_t j = 0; j < p.n_idx; ++j) {
      const int32_t off = nd_offset(p, idx + (b * p.n_idx + j) * p.k);
      const T* src = x + b * p.data_batch_stride + (off < 0 ? 0 : off);
      for (int32_t i = 0; i < p.chunk; ++i) *y++ = off < 0 ? T(0) : src[i];
    }
}

template <typename T, typename I>
inline void scatter_nd(const NDParams& p, const T* data, const I* idx, const T* upd, T* y) {
  for (int32_t i = 0; i < p.n_data; ++i) y[i] = data[i];
  for (int32_t j = 0; j < p.n_idx; ++j) {
    const int32_t off = nd_offset(p, idx + j * p.k);
    if (off < 0) continue;
    for (int32_t i = 0; i < p.chunk; ++i) y[off + i] = scatter_combine(p.reduction, y[off + i], upd[j * p.chunk + i]);
  }
}

// ReverseSequence: x viewed as [d0, d1, inner] with the time axis 0 or 1 and the batch axis the
// other; batch b's first lens[b] steps are reversed, the rest copied. A length outside
// [0, steps] is clamped to it.
struct ReverseSequenceParams {
  int32_t d0, d1, inner, time_axis;
  O2M_FIELDS(d0, d1, inner, time_axis)
};

template <typename T, typename I>
inline void reverse_sequence(const ReverseSequenceParams& p, const T* x, const I* lens, T* y) {
  const int32_t steps = p.time_axis == 0 ? p.d0 : p.d1;
  for (int32_t i0 = 0; i0 < p.d0; ++i0)
    for (int32_t i1 = 0; i1 < p.d1; ++i1) {
      const int32_t b = p.time_axis == 0 ? i1 : i0, t = p.time_axis == 0 ? i0 : i1;
      int64_t len = static_cast<int64_t>(lens[b]);
      len = len < 0 ? 0 : (len > steps ? steps : len);
      const int32_t src = t < len ? static_cast<int32_t>(len - 1 - t) : t;
      const int32_t s0 = p.time_axis == 0 ? src : i0, s1 = p.time_axis == 0 ? i1 : src;
      const T* from = x + (static_cast<int64_t>(s0) * p.d1 + s1) * p.inner;
      T* to = y + (static_cast<int64_t>(i0) * p.d1 + i1) * p.inner;
      for (int32_t k = 0; k < p.inner; ++k) to[k] = from[k];
    }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
