// Einsum of one or two operands. The generator numbers the equation's letters, the output's
// first (in output order) and the summed ones after them, and gives each operand a stride per
// letter (0 where the letter is absent or broadcast; the sum of both strides for a repeated
// letter, which reads a diagonal). Each output element is the sum, over every value of the
// summed letters, of the product of the operands' elements.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

constexpr int kMaxEinsumLetters = 10;

struct EinsumParams {
  int32_t n_letters, n_out;  // letters [0, n_out) index the output, the rest are summed
  int32_t size[kMaxEinsumLetters];
  int32_t stride_a[kMaxEinsumLetters], stride_b[kMaxEinsumLetters];
  O2M_FIELDS(n_letters, n_out, size, stride_a, stride_b)
};

// b may be nullptr for a one-operand equation.
template <typename T>
inline void einsum(const EinsumParams& p, const T* a, const T* b, T* y) {
  int32_t idx[kMaxEinsumLetters];
  for (int32_t l = 0; l < p.n_letters; ++l) idx[l] = 0;
  int32_t total = 1;
  for (int32_t l = 0; l < p.n_out; ++l) total *= p.size[l];
  // A summed letter of size 0 sums nothing: every output is 0 (and the operands are empty, so
  // the loop below must not read them; fuzz_graphs seed 6,009,533: "i,i->" of two empty vectors).
  for (int32_t l = p.n_out; l < p.n_letters; ++l)
    if (p.size[l] == 0) {
      for (int32_t o = 0; o < total; ++o) y[o] = T(0);
      return;
    }
  int32_t oa = 0, ob = 0;  // operand offsets of the current output letters
  for (int32_t o = 0; o < total; ++o) {
    T acc = T(0);
    int32_t sa = oa, sb = ob;
    for (;;) {
      acc = add_op(acc, b ? mul_op(a[sa], b[sb]) : a[sa]);  // integers wrap
      int32_t l = p.n_letters - 1;
      for (; l >= p.n_out; --l) {
        sa += p.stride_a[l];
        sb += p.stride_b[l];
        if (++idx[l] < p.size[l]) break;
        sa -= p.stride_a[l] * p.size[l];
        sb -= p.stride_b[l] * p.size[l];
        idx[l] = 0;
      }
      if (l < p.n_out) break;
    }
    y[o] = acc;
    for (int32_t l = p.n_out - 1; l >= 0; --l) {
      oa += p.stride_a[l];
      ob += p.stride_b[l];
      if (++idx[l] < p.size[l]) break;
      oa -= p.stride_a[l] * p.size[l];
      ob -= p.stride_b[l] * p.size[l];
      idx[l] = 0;
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
