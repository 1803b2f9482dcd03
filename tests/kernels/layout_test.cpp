// o2m::transpose, o2m::concat_part and o2m::pad (constant / reflect / edge / wrap) against index-level
// references. Data movement is exact: every comparison is equality.
#include "kernels/layout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace {

constexpr int R = o2m::kMaxRank;

std::vector<int> unravel(int flat, const std::vector<int>& dims) {
  std::vector<int> idx(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    idx[d] = flat % dims[d];
    flat /= dims[d];
  }
  return idx;
}

int ravel(const std::vector<int>& idx, const std::vector<int>& dims) {
  int flat = 0;
  for (size_t d = 0; d < dims.size(); ++d) flat = flat * dims[d] + idx[d];
  return flat;
}

int count_of(const std::vector<int>& dims) { return std::accumulate(dims.begin(), dims.end(), 1, std::multiplies<int>()); }

// y = x.transpose(perm): y[i_0..i_r] = x[j] with j[perm[d]] = i_d.
void check_transpose(const std::vector<int>& in_dims, const std::vector<int>& perm) {
  const int rank = static_cast<int>(in_dims.size());
  std::vector<int> out_dims(static_cast<size_t>(rank)), in_strides(static_cast<size_t>(rank));
  for (int d = rank - 1, s = 1; d >= 0; --d) in_strides[size_t(d)] = s, s *= in_dims[size_t(d)];
  for (int d = 0; d < rank; ++d) out_dims[size_t(d)] = in_dims[size_t(perm[size_t(d)])];
  o2m::TransposeParams p{};
  p.n = count_of(in_dims);
  for (int d = 0; d < R; ++d) p.out_dims[d] = 1;
  for (int d = 0; d < rank; ++d) {
    p.out_dims[R - rank + d] = out_dims[size_t(d)];
    p.in_strides[R - rank + d] = in_strides[size_t(perm[size_t(d)])];
  }
  std::vector<int32_t> x(size_t(p.n)), y(size_t(p.n), -1);
  std::iota(x.begin(), x.end(), 0);  // x[i] = i: the output names its source element
  o2m::transpose<int32_t>(p, x.data(), y.data());
  for (int i = 0; i < p.n; ++i) {
    std::vector<int> oi = unravel(i, out_dims), ii(static_cast<size_t>(rank));
    for (int d = 0; d < rank; ++d) ii[size_t(perm[size_t(d)])] = oi[size_t(d)];
    ASSERT_EQ(y[size_t(i)], ravel(ii, in_dims)) << "output element " << i;
  }
}

TEST(Transpose, Matrix) { check_transpose({3, 5}, {1, 0}); }
TEST(Transpose, NchwToNhwc) { check_transpose({2, 3, 4, 5}, {0, 2, 3, 1}); }
TEST(Transpose, NhwcToNchw) { check_transpose({2, 4, 5, 3}, {0, 3, 1, 2}); }
TEST(Transpose, Identity) { check_transpose({2, 3, 4}, {0, 1, 2}); }
TEST(Transpose, RankSixReversed) { check_transpose({2, 1, 3, 2, 2, 3}, {5, 4, 3, 2, 1, 0}); }

TEST(Transpose, RandomPermutations) {
  std::mt19937 rng(3);
  for (int t = 0; t < 100; ++t) {
    const int rank = std::uniform_int_distribution<int>(1, R)(rng);
    std::vector<int> dims(static_cast<size_t>(rank)), perm(static_cast<size_t>(rank));
    for (int& d : dims) d = std::uniform_int_distribution<int>(1, 4)(rng);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    SCOPED_TRACE("case " + std::to_string(t));
    check_transpose(dims, perm);
    if (HasFatalFailure()) return;
  }
}

TEST(ConcatPart, TwoInputsAlongMiddleAxis) {
  // [2,2,3] ++ [2,1,3] along axis 1 -> [2,3,3]: outer 2, rows of 9, chunks of 6 and 3.
  std::vector<float> a(12), b(6), y(18, -1);
  std::iota(a.begin(), a.end(), 0.0f);
  std::iota(b.begin(), b.end(), 100.0f);
  o2m::concat_part<float>({2, 6, 9, 0}, a.data(), y.data());
  o2m::concat_part<float>({2, 3, 9, 6}, b.data(), y.data());
  const std::vector<float> want = {0, 1, 2, 3, 4, 5, 100, 101, 102, 6, 7, 8, 9, 10, 11, 103, 104, 105};
  EXPECT_EQ(y, want);
}

TEST(ConcatPart, RandomSplitsReassemble) {
  // Splitting a tensor along an axis and concatenating the parts gives the tensor back.
  std::mt19937 rng(4);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 50; ++t) {
    const int outer = pick(1, 4), inner = pick(1, 4), parts = pick(1, 4);
    std::vector<int> lens(static_cast<size_t>(parts));
    for (int& l : lens) l = pick(1, 3);
    const int axis_len = std::accumulate(lens.begin(), lens.end(), 0), row = axis_len * inner;
    std::vector<int32_t> full(size_t(outer) * row), y(full.size(), -1);
    std::iota(full.begin(), full.end(), 0);
    int offset = 0;
    for (int len : lens) {
      const int chunk = len * inner;
      std::vector<int32_t> part;
      for (int o = 0; o < outer; ++o) part.insert(part.end(), full.begin() + o * row + offset, full.begin() + o * row + offset + chunk);
      o2m::concat_part<int32_t>({outer, chunk, row, offset}, part.data(), y.data());
      offset += chunk;
    }
    ASSERT_EQ(y, full) << "case " << t;
  }
}

// Source index along one dim for an output position s (already shifted by pad_begin), or -1
// for the constant value. numpy's "reflect" (no edge repeat), "edge" and "wrap".
int source_index(int s, int len, int mode) {
  if (s >= 0 && s < len) return s;
  if (mode == 0) return -1;
  if (mode == 2) return s < 0 ? 0 : len - 1;
  if (mode == 3) {
    while (s < 0) s += len;
    return s % len;
  }
  while (s < 0 || s >= len) s = s < 0 ? -s : 2 * (len - 1) - s;
  return s;
}

void check_pad(const std::vector<int>& in_dims, const std::vector<int>& begin, const std::vector<int>& end, int mode) {
  const int rank = static_cast<int>(in_dims.size());
  std::vector<int> out_dims(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) out_dims[size_t(d)] = in_dims[size_t(d)] + begin[size_t(d)] + end[size_t(d)];
  o2m::PadParams p{};
  p.mode = mode;
  p.value = -7.5f;
  p.n = count_of(out_dims);
  for (int d = 0; d < R; ++d) p.in_dims[d] = p.out_dims[d] = 1;
  for (int d = 0; d < rank; ++d) {
    p.in_dims[R - rank + d] = in_dims[size_t(d)];
    p.out_dims[R - rank + d] = out_dims[size_t(d)];
    p.pad_begin[R - rank + d] = begin[size_t(d)];
  }
  std::vector<float> x(size_t(count_of(in_dims))), y(size_t(p.n), NAN);
  std::iota(x.begin(), x.end(), 0.0f);
  o2m::pad<float>(p, x.data(), y.data());
  for (int i = 0; i < p.n; ++i) {
    std::vector<int> oi = unravel(i, out_dims), ii(static_cast<size_t>(rank));
    bool constant = false;
    for (int d = 0; d < rank; ++d) {
      ii[size_t(d)] = source_index(oi[size_t(d)] - begin[size_t(d)], in_dims[size_t(d)], mode);
      constant |= ii[size_t(d)] < 0;
    }
    ASSERT_EQ(y[size_t(i)], constant ? -7.5f : float(ravel(ii, in_dims))) << "mode " << mode << " output element " << i;
  }
}

// Pads a 1-D x by `before` and `after` elements.
std::vector<float> pad_1d(int mode, const std::vector<float>& x, int before, int after, float value) {
  const int n_in = static_cast<int>(x.size()), n_out = n_in + before + after;
  o2m::PadParams p{};
  p.mode = mode;
  p.value = value;
  p.n = n_out;
  for (int d = 0; d < R; ++d) p.in_dims[d] = p.out_dims[d] = 1;
  p.in_dims[R - 1] = n_in;
  p.out_dims[R - 1] = n_out;
  p.pad_begin[R - 1] = before;
  std::vector<float> y(static_cast<size_t>(n_out), NAN);
  o2m::pad<float>(p, x.data(), y.data());
  return y;
}

TEST(Pad, HandComputed1D) {
  // numpy.pad([1,2,3], 2, mode) for each mode.
  EXPECT_EQ(pad_1d(0, {1, 2, 3}, 2, 2, 9), (std::vector<float>{9, 9, 1, 2, 3, 9, 9}));
  EXPECT_EQ(pad_1d(1, {1, 2, 3}, 2, 2, 9), (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(pad_1d(2, {1, 2, 3}, 2, 2, 9), (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
  EXPECT_EQ(pad_1d(3, {1, 2, 3}, 2, 2, 9), (std::vector<float>{2, 3, 1, 2, 3, 1, 2}));
  EXPECT_EQ(pad_1d(3, {1, 2}, 5, 0, 9), (std::vector<float>{2, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(pad_1d(0, {1, 2}, 0, 3, -1), (std::vector<float>{1, 2, -1, -1, -1}));
}

TEST(Pad, ConstantNchwSpatial) { check_pad({1, 2, 3, 4}, {0, 0, 1, 2}, {0, 0, 2, 1}, 0); }
TEST(Pad, ConstantEveryDim) { check_pad({2, 3}, {1, 2}, {3, 0}, 0); }
TEST(Pad, ReflectNchwSpatial) { check_pad({1, 2, 4, 5}, {0, 0, 3, 1}, {0, 0, 2, 4}, 1); }
TEST(Pad, EdgeNchwSpatial) { check_pad({1, 2, 3, 3}, {0, 0, 4, 1}, {0, 0, 1, 5}, 2); }
TEST(Pad, ZeroPadsCopy) {
  for (int mode : {0, 1, 2, 3}) check_pad({2, 3, 4}, {0, 0, 0}, {0, 0, 0}, mode);
}

TEST(Pad, RandomShapesAllModes) {
  std::mt19937 rng(6);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 150; ++t) {
    const int rank = pick(1, R), mode = pick(0, 3);
    std::vector<int> dims(static_cast<size_t>(rank)), begin(static_cast<size_t>(rank)), end(static_cast<size_t>(rank));
    for (int d = 0; d < rank; ++d) {
      dims[size_t(d)] = pick(mode == 1 ? 2 : 1, 4);
      // Reflect needs pads below the dim (ONNX rejects larger ones before the kernel runs).
      const int max_pad = mode == 1 ? dims[size_t(d)] - 1 : mode == 3 ? 6 : 3;
      begin[size_t(d)] = pick(0, std::min(max_pad, mode == 3 ? 6 : 2));  // wrap may go round more than once
      end[size_t(d)] = pick(0, std::min(max_pad, mode == 3 ? 6 : 2));
    }
    SCOPED_TRACE("case " + std::to_string(t));
    check_pad(dims, begin, end, mode);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
