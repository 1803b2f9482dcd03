// More reductions on ReduceParams (see reduce.hpp): Max, Min, Prod, L1, L2, LogSum, LogSumExp,
// SumSquare; and the per-axis ops ArgMax, ArgMin, CumSum, TopK on an [outer, len, inner] view.
#pragma once
#include <math.h>

#include "reduce.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Type facts without <limits> (kernels use only C headers).
template <typename T>
constexpr bool kIsFloat = T(0.5) != T(0);
template <typename T>
constexpr bool kIsSigned = T(-1) < T(0);

// The identity of min (resp. max): +inf / -inf for floats, else the extreme value.
template <typename T>
constexpr T highest() {
  if constexpr (kIsFloat<T>) return static_cast<T>(INFINITY);
  else if constexpr (kIsSigned<T>) return static_cast<T>(((T(1) << (sizeof(T) * 8 - 2)) - 1) * 2 + 1);
  else return static_cast<T>(~T(0));
}
template <typename T>
constexpr T lowest() {
  if constexpr (kIsFloat<T>) return static_cast<T>(-INFINITY);
  else if constexpr (kIsSigned<T>) return static_cast<T>(-highest<T>() - 1);
  else return T(0);
}

// |v|; for integers |MIN| wraps to MIN, as numpy's abs does.
template <typename T>
inline T magnitude(T v) {
  if constexpr (kIsSigned<T>) return v < T(0) ? neg_op(v) : v;
  else return v;
}

template <typename T>
inline void reduce_max(const ReduceParams& p, const T* x, T* y) {
  // A NaN wins and stays, as in numpy's maximum.reduce (ONNX's reference) and ONNX Runtime.
  reduce_impl(p, x, y, Num<T>::lowest(), [](T a, T b) { return b > a || is_nan(b) ? b : a; });  // bool: any
}

template <typename T>
inline void reduce_min(const ReduceParams& p, const T* x, T* y) {
  reduce_impl(p, x, y, Num<T>::max(), [](T a, T b) { return b < a || is_nan(b) ? b : a; });  // bool: all
}

template <typename T>
inline void reduce_prod(const ReduceParams& p, const T* x, T* y) {
  reduce_impl(p, x, y, T(1), [](T a, T b) { return mul_op(a, b); });
}

template <typename T>
inline void reduce_l1(const ReduceParams& p, const T* x, T* y) {
  reduce_impl(p, x, y, T(0), [](T a, T b) { return add_op(a, magnitude(b)); });
}

template <typename T>
inline void reduce_sum_square(const ReduceParams& p, const T* x, T* y) {
  reduce_impl(p, x, y, T(0), [](T a, T b) { return add_op(a, mul_op(b, b)); });
}

// For integer T the sums wrap, so sqrt and log can see a negative or zero sum: the NaN or -inf
// they return is converted like Cast (NaN -> 0, -inf -> the lowest value).
template <typename T>
inline void reduce_l2(const ReduceParams& p, const T* x, T* y) {
  reduce_sum_square(p, x, y);
  for (int32_t i = 0; i < p.n_out; ++i) y[i] = convert<T>(sqrt(static_cast<double>(y[i])));
}

template <typename T>
inline void reduce_log_sum(const ReduceParams& p, const T* x, T* y) {
  reduce_sum(p, x, y);
  for (int32_t i = 0; i < p.n_out; ++i) y[i] = convert<T>(log(static_cast<double>(y[i])));
}

// log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m the max, so large inputs do not
// overflow. scratch holds n_out values of T (the maxima).
template <typename T>
inline void reduce_log_sum_exp(const ReduceParams& p, const T* x, T* y, void* scratch) {
  T* m = static_cast<T*>(scratch);
  reduce_max(p, x, m);
  for (int32_t i = 0; i < p.n_out; ++i) y[i] = T(0);
  int32_t idx[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t o = 0;
  for (int32_t i = 0; i < p.n_in; ++i) {
    y[o] = convert<T>(static_cast<double>(y[o]) + exp(static_cast<double>(x[i]) - static_cast<double>(m[o])));
    for (int d = kMaxRank - 1; d >= 0; --d) {
      o += p.out_strides[d];
      if (++idx[d] < p.in_dims[d]) break;
      o -= p.out_strides[d] * p.in_dims[d];
      idx[d] = 0;
    }
  }
  for (int32_t i = 0; i < p.n_out; ++i) {
    const double mi = static_cast<double>(m[i]);
    // An infinite max is the result, as log(sum(exp(x))) gives: +inf (x - m was inf - inf = NaN),
    // or -inf for an all -inf (or empty) slice. For integer T an empty slice has max = the lowest
    // value and sum 0, and saturates to the lowest value.
    y[i] = isinf(mi) ? static_cast<T>(mi) : convert<T>(mi + log(static_cast<double>(y[i])));
  }
}

// The per-axis ops view x as [outer, len, inner], len being the axis.

// ArgMax/ArgMin: y is [outer, inner], the index along the axis of the first (or last) extreme.
struct ArgParams {
  int32_t outer, len, inner;
  int32_t select_last;
  O2M_FIELDS(outer, len, inner, select_last)
};

template <typename T, typename Better>
inline void arg_best(const ArgParams& p, const T* x, int64_t* y, Better better) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* line = x + o * p.len * p.inner + i;
      int32_t best = 0;
      for (int32_t a = 1; a < p.len; ++a) {
        const T v = line[a * p.inner], b = line[best * p.inner];
        if (better(v, b) || (p.select_last && !better(b, v))) best = a;
      }
      y[o * p.inner + i] = best;
    }
}

template <typename T>
inline void argmax(const ArgParams& p, const T* x, int64_t* y) {
  arg_best(p, x, y, [](T a, T b) { return a > b; });
}

template <typename T>
inline void argmin(const ArgParams& p, const T* x, int64_t* y) {
  arg_best(p, x, y, [](T a, T b) { return a < b; });
}

// Running sums (CumSum) or products (CumProd) along one axis; exclusive leaves out the element
// itself, reverse runs from the end. The axis is read at run time (an input of the op); out of
// range, y is all zeros.
struct CumSumParams {
  int32_t rank;
  int32_t dims[kMaxRank];  // x's dims, not padded
  int32_t exclusive, reverse;
  O2M_FIELDS(rank, dims, exclusive, reverse)
};

template <typename T, typename A, typename F>
inline void cumulate(const CumSumParams& p, const T* x, const A* axis, T* y, T identity, F op) {
  const int64_t a0 = static_cast<int64_t>(axis[0]);
  const int64_t ax = a0 < 0 ? a0 + p.rank : a0;
  int32_t outer = 1, len = 1, inner = 1;
  for (int32_t d = 0; d < p.rank; ++d) {
    if (d < ax) outer *= p.dims[d];
    else if (d == ax) len = p.dims[d];
    else inner *= p.dims[d];
  }
  if (ax < 0 || ax >= p.rank) {
    for (int32_t i = 0; i < outer * len * inner; ++i) y[i] = T(0);
    return;
  }
  for (int32_t o = 0; o < outer; ++o)
    for (int32_t i = 0; i < inner; ++i) {
      T acc = identity;
      for (int32_t s = 0; s < len; ++s) {
        const int32_t a = p.reverse ? len - 1 - s : s;
        const int32_t at = (o * len + a) * inner + i;
        const T v = x[at];
        if (!p.exclusive) acc = op(acc, v);
        y[at] = acc;
        if (p.exclusive) acc = op(acc, v);
      }
    }
}

template <typename T, typename A>
inline void cumsum(const CumSumParams& p, const T* x, const A* axis, T* y) {
  cumulate(p, x, axis, y, T(0), [](T a, T b) { return add_op(a, b); });
}

template <typename T, typename A>
inline void cumprod(const CumSumParams& p, const T* x, const A* axis, T* y) {
  cumulate(p, x, axis, y, T(1), [](T a, T b) { return mul_op(a, b); });
}

// TopK: values and indices are [outer, k, inner], sorted best first; on ties the lower index
// comes first. Insertion into the k kept so far: O(len * k) per line, no scratch.
struct TopKParams {
  int32_t outer, len, inner;
  int32_t k;
  int32_t largest;  // 1 largest, 0 smallest
  O2M_FIELDS(outer, len, inner, k, largest)
};

template <typename T>
inline void top_k(const TopKParams& p, const T* x, T* values, int64_t* indices) {
  const int32_t k = p.k;
  if (k <= 0) return;  // empty outputs may be null: no pointer arithmetic on them
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* line = x + o * p.len * p.inner + i;
      T* vals = values + o * k * p.inner + i;
      int64_t* idx = indices + o * k * p.inner + i;
      int32_t count = 0;
      for (int32_t a = 0; a < p.len; ++a) {
        const T v = line[a * p.inner];
        int32_t pos = count;
        while (pos > 0 && (p.largest ? v > vals[(pos - 1) * p.inner] : v < vals[(pos - 1) * p.inner])) --pos;
        if (pos >= k) continue;
        for (int32_t j = (count < k ? count : k - 1); j > pos; --j) {
          vals[j * p.inner] = vals[(j - 1) * p.inner];
          idx[j * p.inner] = idx[(j - 1) * p.inner];
        }
        vals[pos * p.inner] = v;
        idx[pos * p.inner] = a;
        if (count < k) ++count;
      }
    }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
