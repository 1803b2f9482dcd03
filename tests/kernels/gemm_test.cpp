// o2m::gemm and o2m::matmul against naive double-precision references.
// Tolerance: 1e-5 of the sum of |terms| per output element (+1e-7).
#include "kernels/gemm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

std::vector<float> random_floats(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

enum class CShape { None, Scalar, Row, Column, Full };

// C's element for output (i, j) under each broadcast form, and the strides the kernel takes.
void c_strides(CShape c, int n, int32_t& row, int32_t& col) {
  row = c == CShape::Column ? 1 : c == CShape::Full ? n : 0;
  col = c == CShape::Row || c == CShape::Full ? 1 : 0;
}
size_t c_size(CShape c, int m, int n) {
  switch (c) {
    case CShape::None: return 0;
    case CShape::Scalar: return 1;
    case CShape::Row: return size_t(n);
    case CShape::Column: return size_t(m);
    case CShape::Full: return size_t(m) * n;
  }
  return 0;
}
float c_at(CShape c, const std::vector<float>& cv, int n, int i, int j) {
  switch (c) {
    case CShape::None: return 0;
    case CShape::Scalar: return cv[0];
    case CShape::Row: return cv[size_t(j)];
    case CShape::Column: return cv[size_t(i)];
    case CShape::Full: return cv[size_t(i) * n + j];
  }
  return 0;
}

void check_gemm(int m, int n, int k, bool ta, bool tb, float alpha, float beta, CShape cs, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " transA " + std::to_string(ta) + " transB " + std::to_string(tb) +
               " C form " + std::to_string(static_cast<int>(cs)));
  std::mt19937 rng(seed);
  std::vector<float> a = random_floats(rng, size_t(m) * k), b = random_floats(rng, size_t(k) * n);
  std::vector<float> c = random_floats(rng, c_size(cs, m, n)), y(size_t(m) * n, NAN);
  o2m::GemmParams p{m, n, k, ta, tb, alpha, beta, 0, 0};
  c_strides(cs, n, p.c_row_stride, p.c_col_stride);
  o2m::gemm<float>(p, a.data(), b.data(), cs == CShape::None ? nullptr : c.data(), y.data());
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double acc = 0, mag = 0;
      for (int q = 0; q < k; ++q) {
        const double av = ta ? a[size_t(q) * m + i] : a[size_t(i) * k + q];  // A stored [k,m] when transposed
        const double bv = tb ? b[size_t(j) * k + q] : b[size_t(q) * n + j];  // B stored [n,k] when transposed
        acc += av * bv;
        mag += std::fabs(av * bv);
      }
      const double ct = double(beta) * c_at(cs, c, n, i, j);
      const double ref = alpha * acc + ct;
      ASSERT_NEAR(y[size_t(i) * n + j], ref, 1e-5 * (std::fabs(alpha) * mag + std::fabs(ct)) + 1e-7)
          << "at i=" << i << " j=" << j;
    }
}

TEST(Gemm, HandComputed) {
  // [1 2; 3 4] x [5 6; 7 8] = [19 22; 43 50]; alpha 2, beta 1, C = 1 (scalar).
  const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, c[1] = {1};
  float y[4];
  o2m::gemm<float>({2, 2, 2, 0, 0, 2.0f, 1.0f, 0, 0}, a, b, c, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{39, 45, 87, 101}));
}

TEST(Gemm, AllTransposeCombinations) {
  uint32_t seed = 1;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check_gemm(5, 7, 3, ta, tb, 1.0f, 1.0f, CShape::Full, seed++);
      check_gemm(1, 10, 64, ta, tb, 1.0f, 1.0f, CShape::Row, seed++);
      check_gemm(6, 1, 4, ta, tb, 1.0f, 1.0f, CShape::None, seed++);
    }
}

TEST(Gemm, AlphaAndBeta) {
  check_gemm(4, 5, 6, false, true, 0.5f, 2.0f, CShape::Full, 20);
  check_gemm(4, 5, 6, true, false, -1.5f, 0.0f, CShape::Full, 21);
  check_gemm(4, 5, 6, false, false, 0.0f, 1.0f, CShape::Row, 22);
}

TEST(Gemm, BiasBroadcastForms) {
  check_gemm(3, 4, 5, false, false, 1.0f, 1.0f, CShape::Scalar, 30);
  check_gemm(3, 4, 5, false, false, 1.0f, 1.0f, CShape::Row, 31);
  check_gemm(3, 4, 5, false, false, 1.0f, 1.0f, CShape::Column, 32);
  check_gemm(3, 4, 5, false, false, 1.0f, 1.0f, CShape::Full, 33);
}

TEST(Gemm, RandomSizes) {
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 100; ++seed) {
    check_gemm(pick(1, 9), pick(1, 9), pick(1, 17), pick(0, 1), pick(0, 1), 1.0f, 1.0f, static_cast<CShape>(pick(0, 4)),
               100 + seed);
    if (HasFatalFailure()) return;
  }
}

// The kernel computes outputs in register blocks (8 or 16, then 4, then 1) and steps k four at
// a time for transB: sizes around every block edge, with and without transposes.
TEST(Gemm, BlockEdges) {
  uint32_t seed = 200;
  for (int n : {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 31, 33})
    for (int k : {1, 2, 3, 4, 5, 8, 13, 64})
      for (bool tb : {false, true}) {
        check_gemm(1, n, k, false, tb, 1.0f, 1.0f, CShape::Row, seed++);
        check_gemm(1, n, k, true, tb, 0.5f, 2.0f, CShape::Scalar, seed++);
        check_gemm(3, n, k, false, tb, 1.0f, 1.0f, CShape::Full, seed++);
        if (HasFatalFailure()) return;
      }
}

// MatMul: batch dims right-aligned to kMaxBatchRank; a 1 in an operand's dims broadcasts it.
void check_matmul(std::vector<int> a_batch, std::vector<int> b_batch, int m, int k, int n, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  constexpr int R = o2m::kMaxBatchRank;
  ASSERT_EQ(a_batch.size(), size_t(R));
  ASSERT_EQ(b_batch.size(), size_t(R));
  int out_batch[R], a_count = 1, b_count = 1, count = 1;
  for (int d = 0; d < R; ++d) {
    ASSERT_TRUE(a_batch[d] == b_batch[d] || a_batch[d] == 1 || b_batch[d] == 1);
    out_batch[d] = std::max(a_batch[d], b_batch[d]);
    a_count *= a_batch[d];
    b_count *= b_batch[d];
    count *= out_batch[d];
  }
  std::mt19937 rng(seed);
  std::vector<float> a = random_floats(rng, size_t(a_count) * m * k), b = random_floats(rng, size_t(b_count) * k * n);
  std::vector<float> y(size_t(count) * m * n, NAN);

  o2m::MatMulParams p{};
  p.m = m;
  p.n = n;
  p.k = k;
  p.batch = count;
  int a_st = m * k, b_st = k * n;  // strides in elements, innermost batch dim first
  for (int d = R - 1; d >= 0; --d) {
    p.batch_dims[d] = out_batch[d];
    p.a_batch_strides[d] = a_batch[d] == 1 ? 0 : a_st;
    p.b_batch_strides[d] = b_batch[d] == 1 ? 0 : b_st;
    a_st *= a_batch[d];
    b_st *= b_batch[d];
  }
  o2m::matmul<float>(p, a.data(), b.data(), y.data());

  for (int bi = 0; bi < count; ++bi) {
    // Unravel bi over out_batch, then ravel into each operand (index 0 where it broadcasts).
    int rest = bi, ai = 0, bj = 0, a_mul = 1, b_mul = 1;
    for (int d = R - 1; d >= 0; --d) {
      const int idx = rest % out_batch[d];
      rest /= out_batch[d];
      ai += (a_batch[d] == 1 ? 0 : idx) * a_mul;
      bj += (b_batch[d] == 1 ? 0 : idx) * b_mul;
      a_mul *= a_batch[d];
      b_mul *= b_batch[d];
    }
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        double acc = 0, mag = 0;
        for (int q = 0; q < k; ++q) {
          const double t = double(a[(size_t(ai) * m + i) * k + q]) * b[(size_t(bj) * k + q) * n + j];
          acc += t;
          mag += std::fabs(t);
        }
        ASSERT_NEAR(y[(size_t(bi) * m + i) * n + j], acc, 1e-5 * mag + 1e-7) << "batch " << bi << " i=" << i << " j=" << j;
      }
  }
}

TEST(MatMul, PlainMatrix) { check_matmul({1, 1, 1, 1}, {1, 1, 1, 1}, 4, 6, 5, 1); }
TEST(MatMul, SameBatch) { check_matmul({1, 1, 2, 3}, {1, 1, 2, 3}, 3, 4, 2, 2); }
TEST(MatMul, BroadcastB) { check_matmul({1, 1, 2, 3}, {1, 1, 1, 1}, 3, 4, 2, 3); }
TEST(MatMul, BroadcastA) { check_matmul({1, 1, 1, 1}, {1, 2, 1, 3}, 2, 3, 4, 4); }
TEST(MatMul, BroadcastBothWays) { check_matmul({1, 3, 1, 2}, {1, 1, 4, 1}, 2, 5, 3, 5); }
TEST(MatMul, FourBatchDims) { check_matmul({2, 1, 3, 1}, {1, 2, 1, 2}, 2, 3, 2, 6); }
TEST(MatMul, VectorShapes) {
  check_matmul({1, 1, 1, 1}, {1, 1, 1, 1}, 1, 8, 1, 7);  // [K] x [K]: a dot product
  check_matmul({1, 1, 1, 3}, {1, 1, 1, 1}, 1, 8, 5, 8);  // a row vector per batch
}

TEST(MatMul, BlockEdges) {
  uint32_t seed = 300;
  for (int n : {1, 3, 4, 8, 9, 16, 17, 21})
    for (int k : {1, 5, 16}) check_matmul({1, 1, 1, 2}, {1, 1, 1, 1}, 2, k, n, seed++);
}

TEST(MatMul, IntegerDataIsExact) {
  const int32_t a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {7, 8, 9, 10, 11, 12};  // [2,3] x [3,2]
  int32_t y[4];
  o2m::MatMulParams p{2, 2, 3, 1, {1, 1, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  o2m::matmul<int32_t>(p, a, b, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 4), (std::vector<int32_t>{58, 64, 139, 154}));
}

// Found by fuzz_graphs under UBSan (seed 5038147, regressions/fuzz_graphs/matmul_int64_overflow_wraps.onnx):
// integer products and sums overflowed (undefined behaviour); they wrap, two's complement, as in ORT.
TEST(MatMul, IntegerOverflowWraps) {
  const int64_t lo = INT64_MIN, hi = INT64_MAX;
  const int64_t a[4] = {lo, hi, 3, -1}, b[4] = {lo, 2, hi, hi};  // [2,2] x [2,2]
  int64_t y[4];
  o2m::MatMulParams p{2, 2, 2, 1, {1, 1, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  o2m::matmul<int64_t>(p, a, b, y);
  auto wrap = [](uint64_t v) { return static_cast<int64_t>(v); };
  const uint64_t ul = static_cast<uint64_t>(lo), uh = static_cast<uint64_t>(hi);
  EXPECT_EQ(y[0], wrap(ul * ul + uh * uh));
  EXPECT_EQ(y[1], wrap(ul * 2 + uh * uh));
  EXPECT_EQ(y[2], wrap(3 * ul - uh));
  EXPECT_EQ(y[3], wrap(6 - uh));
  o2m::GemmParams g{};
  g.m = 2, g.n = 2, g.k = 2, g.alpha = 1e30f, g.beta = 0;  // alpha saturates to INT64_MAX, then wraps
  o2m::gemm<int64_t>(g, a, b, nullptr, y);
  EXPECT_EQ(y[3], wrap((6 - uh) * uh));
}

}  // namespace
