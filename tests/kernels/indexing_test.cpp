// Indexing kernels (indexing.hpp, gather.hpp, generate.hpp) against direct references that
// index with full coordinates, on small shapes with random data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/gather.hpp"
#include "kernels/generate.hpp"
#include "kernels/indexing.hpp"

namespace {

using Dims = std::vector<int>;

int count(const Dims& d) {
  int n = 1;
  for (int v : d) n *= v;
  return n;
}

// Row-major coordinates of flat index i.
Dims coords(const Dims& d, int i) {
  Dims c(d.size());
  for (size_t k = d.size(); k-- > 0;) {
    c[k] = i % d[k];
    i /= d[k];
  }
  return c;
}

int flat(const Dims& d, const Dims& c) {
  int i = 0;
  for (size_t k = 0; k < d.size(); ++k) i = i * d[k] + c[k];
  return i;
}

// dims right-aligned in kMaxRank slots.
template <typename A>
void pad6(const Dims& v, A& dst, int fill) {
  const size_t off = o2m::kMaxRank - v.size();
  for (size_t k = 0; k < size_t(o2m::kMaxRank); ++k) dst[k] = k < off ? fill : v[k - off];
}

Dims strides(const Dims& d) {
  Dims s(d.size(), 1);
  for (size_t k = d.size(); k-- > 1;) s[k - 1] = s[k] * d[k];
  return s;
}

std::vector<float> randoms(std::mt19937& rng, int n) {
  std::uniform_real_distribution<float> dist(-5.0f, 5.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = dist(rng);
  return v;
}

TEST(StridedCopy, SliceWithNegativeStepMatchesCoordinates) {
  // x [4,5,6]; y = x[3:0:-2, 1:5, 5::-3] -> [2,4,2]
  std::mt19937 rng(1);
  const Dims xd{4, 5, 6}, yd{2, 4, 2}, st = strides(xd);
  std::vector<float> x = randoms(rng, count(xd)), y(size_t(count(yd)));
  o2m::StridedCopyParams p{};
  p.n = count(yd);
  p.base = 3 * st[0] + 1 * st[1] + 5 * st[2];
  pad6(yd, p.out_dims, 1);
  pad6({-2 * st[0], st[1], -3 * st[2]}, p.in_strides, 0);
  o2m::strided_copy<float>(p, x.data(), y.data());
  for (int i = 0; i < count(yd); ++i) {
    Dims c = coords(yd, i);
    EXPECT_EQ(y[size_t(i)], x[size_t(flat(xd, {3 - 2 * c[0], 1 + c[1], 5 - 3 * c[2]}))]) << "at " << i;
  }
}

TEST(Tile, RepeatsEveryDim) {
  std::mt19937 rng(2);
  const Dims xd{2, 1, 3}, yd{4, 3, 6};
  std::vector<float> x = randoms(rng, count(xd)), y(size_t(count(yd)));
  o2m::TileParams p{};
  p.n = count(yd);
  pad6(yd, p.out_dims, 1);
  pad6(xd, p.in_dims, 1);
  pad6(strides(xd), p.in_strides, 0);
  o2m::tile<float>(p, x.data(), y.data());
  for (int i = 0; i < count(yd); ++i) {
    Dims c = coords(yd, i);
    EXPECT_EQ(y[size_t(i)], x[size_t(flat(xd, {c[0] % 2, c[1] % 1, c[2] % 3}))]) << "at " << i;
  }
}

TEST(Trilu, UpperAndLowerWithOffsetsReadAtRunTime) {
  const int rows = 3, cols = 5;
  std::vector<int32_t> x(2 * rows * cols), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = int32_t(i) + 1;
  for (int upper = 0; upper < 2; ++upper)
    for (int64_t k = -4; k <= 6; ++k) {
      o2m::trilu<int32_t>({2, rows, cols, upper}, x.data(), k == 0 ? nullptr : &k, y.data());
      for (size_t i = 0; i < x.size(); ++i) {
        const int r = int(i / cols) % rows, c = int(i % cols);
        const bool keep = upper ? c - r >= k : c - r <= k;
        EXPECT_EQ(y[i], keep ? x[i] : 0) << "upper " << upper << " k " << k << " at " << i;
      }
    }
}

TEST(Compress, KeepsSelectedSlicesAndIgnoresShortCondition) {
  const float x[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // [2, 3, 2]
  const bool cond[2] = {false, true};                          // entry 2 is missing: false
  float y[4] = {};
  o2m::compress<float>({2, 3, 2, 2}, x, cond, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{2, 3, 8, 9}));
}

TEST(SliceWindow, RunTimeStartsIncludingNegativeAndPastTheEnd) {
  std::mt19937 rng(5);
  const int outer = 2, len = 5, width = 2, inner = 3;
  std::vector<float> x = randoms(rng, outer * len * inner);
  for (int64_t start : {int64_t{0}, int64_t{3}, int64_t{-2}, int64_t{4}, int64_t{-7}, int64_t{9}}) {
    std::vector<float> y(size_t(outer * width * inner), -1.0f);
    o2m::slice_window<float, int64_t>({outer, len, width, inner}, x.data(), &start, y.data());
    const int64_t s = start < 0 ? start + len : start;  // Slice's reading of a negative start
    for (int o = 0; o < outer; ++o)
      for (int j = 0; j < width; ++j)
        for (int i = 0; i < inner; ++i) {
          const int64_t a = s + j;
          const float want = a >= 0 && a < len ? x[size_t((o * len + a) * inner + i)] : 0.0f;  // outside: 0
          EXPECT_EQ(y[size_t((o * width + j) * inner + i)], want) << "start " << start << " row " << j;
        }
  }
}

TEST(Gather, NegativeIndicesAndOutOfRangeReadZero) {
  std::mt19937 rng(3);
  const int outer = 2, len = 5, inner = 3;
  std::vector<float> x = randoms(rng, outer * len * inner);
  const int64_t idx[4] = {4, -1, 0, 7};  // 7 is out of range
  std::vector<float> y(size_t(outer * 4 * inner));
  o2m::gather<float, int64_t>({outer, len, inner, 4}, x.data(), idx, y.data());
  for (int o = 0; o < outer; ++o)
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < inner; ++i) {
        const int64_t a = idx[j] < 0 ? idx[j] + len : idx[j];
        const float want = a < len ? x[size_t((o * len + a) * inner + i)] : 0.0f;
        EXPECT_EQ(y[size_t((o * 4 + j) * inner + i)], want);
      }
}

o2m::ElementsParams elements(const Dims& data, const Dims& idx, int axis, int reduction) {
  o2m::ElementsParams p{};
  Dims st = strides(data);
  p.n_idx = count(idx);
  p.n_data = count(data);
  p.axis_len = data[size_t(axis)];
  p.axis_stride = st[size_t(axis)];
  p.reduction = reduction;
  st[size_t(axis)] = 0;
  pad6(idx, p.dims, 1);
  pad6(st, p.strides, 0);
  return p;
}

TEST(GatherElements, MatchesCoordinateReference) {
  std::mt19937 rng(4);
  const Dims xd{3, 4, 5}, id{3, 2, 5};
  std::vector<float> x = randoms(rng, count(xd));
  std::vector<int32_t> idx(size_t(count(id)));
  for (int32_t& v : idx) v = int32_t(rng() % 8) - 4;  // [-4, 3]
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<float> y(idx.size());
    o2m::gather_elements<float, int32_t>(elements(xd, id, axis, 0), x.data(), idx.data(), y.data());
    for (int i = 0; i < count(id); ++i) {
      Dims c = coords(id, i);
      int a = idx[size_t(i)];
      if (a < 0) a += xd[size_t(axis)];
      c[size_t(axis)] = a;
      const bool inside = a >= 0 && a < xd[size_t(axis)];
      EXPECT_EQ(y[size_t(i)], inside ? x[size_t(flat(xd, c))] : 0.0f) << "axis " << axis << " at " << i;
    }
  }
}

TEST(ScatterElements, ReductionsAccumulateDuplicates) {
  const Dims dd{2, 3}, id{2, 2};
  const float data[6] = {1, 2, 3, 4, 5, 6};
  const int64_t idx[4] = {1, 1, 0, -3};  // along axis 1; -3 is column 0
  const float upd[4] = {10, 20, 30, 40};
  const float want[3][6] = {{1, 20, 3, 40, 5, 6}, {1, 32, 3, 74, 5, 6}, {1, 400, 3, 4800, 5, 6}};
  for (int red = 0; red < 3; ++red) {
    float y[6];
    o2m::scatter_elements<float, int64_t>(elements(dd, id, 1, red), data, idx, upd, y);
    EXPECT_EQ(std::vector<float>(y, y + 6), std::vector<float>(want[red], want[red] + 6)) << "reduction " << red;
  }
}

TEST(ScatterElements, IntegerReductionsWrap) {
  const Dims dd{1, 1}, id{1, 2};
  const int64_t data[1] = {INT64_MAX};
  const int64_t idx[2] = {0, 0};
  const int64_t upd[2] = {1, 2};
  int64_t y[1];
  o2m::scatter_elements<int64_t, int64_t>(elements(dd, id, 1, 1), data, idx, upd, y);
  EXPECT_EQ(y[0], INT64_MIN + 2);
  const int64_t big[1] = {int64_t{1} << 62};
  const int64_t four[2] = {4, 3};
  o2m::scatter_elements<int64_t, int64_t>(elements(dd, id, 1, 2), big, idx, four, y);
  EXPECT_EQ(y[0], 0);  // 2^62 * 4 * 3 mod 2^64
}

TEST(GatherND, BatchDimsAndPartialTuples) {
  // data [2,3,4], batch_dims 1, indices [2,2,1]: each tuple picks a row of 4 in its batch.
  std::vector<int16_t> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = int16_t(i);
  const int32_t idx[4] = {2, 0, -1, 1};
  o2m::NDParams p{};
  p.batch = 2;
  p.n_idx = 2;
  p.k = 1;
  p.chunk = 4;
  p.data_batch_stride = 12;
  p.dims[0] = 3;
  p.strides[0] = 4;
  std::vector<int16_t> y(16);
  o2m::gather_nd<int16_t, int32_t>(p, x.data(), idx, y.data());
  const int rows[4] = {2, 0, 2, 1};
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < 4; ++i) EXPECT_EQ(y[size_t(t * 4 + i)], x[size_t((t / 2) * 12 + rows[t] * 4 + i)]);
}

TEST(ScatterND, FullTuplesWithAdd) {
  // data [2,2], indices [3,2] address single elements, one of them twice.
  const double data[4] = {1, 2, 3, 4};
  const int64_t idx[6] = {0, 1, 1, 0, 0, 1};
  const double upd[3] = {10, 20, 30};
  o2m::NDParams p{};
  p.batch = 1;
  p.n_idx = 3;
  p.k = 2;
  p.chunk = 1;
  p.n_data = 4;
  p.reduction = 1;
  p.dims[0] = p.dims[1] = 2;
  p.strides[0] = 2;
  p.strides[1] = 1;
  double y[4];
  o2m::scatter_nd<double, int64_t>(p, data, idx, upd, y);
  EXPECT_EQ(std::vector<double>(y, y + 4), (std::vector<double>{1, 42, 23, 4}));
}

TEST(Generate, FillKeepsExactBits) {
  const double d = 0.1;
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof d);
  double y[3];
  o2m::fill<double>({3, int32_t(uint32_t(bits)), int32_t(uint32_t(bits >> 32))}, y);
  EXPECT_EQ(y[2], 0.1);
  int64_t yi[2];
  const int64_t v = -(int64_t(1) << 40) - 3;
  o2m::fill<int64_t>({2, int32_t(uint32_t(uint64_t(v))), int32_t(uint32_t(uint64_t(v) >> 32))}, yi);
  EXPECT_EQ(yi[1], v);
}

// fuzz_graphs seed 7,132,976 (UBSan): a NaN float index was cast to int64; it matches no depth.
TEST(Generate, OneHotNanOrHugeFloatIndexMatchesNothing) {
  const float idx[3] = {NAN, 1e30f, 1};
  const float values[2] = {0, 5};
  float y[6];
  o2m::one_hot<float, float>(o2m::OneHotParams{3, 2, 1}, idx, values, y);  // [3] -> [3, 2], axis -1
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{0, 0, 0, 0, 0, 5}));
}

TEST(Generate, OneHotEyeRangeNonZero) {
  const int64_t idx[3] = {1, -1, 5};  // depth 4: -1 is 3, 5 is off everywhere
  const float values[2] = {-1, 2};
  float y[12];
  o2m::one_hot<float, int64_t>({1, 4, 3}, idx, values, y);  // axis 0: y [4, 3]
  for (int d = 0; d < 4; ++d)
    for (int i = 0; i < 3; ++i) EXPECT_EQ(y[d * 3 + i], (i == 0 && d == 1) || (i == 1 && d == 3) ? 2.0f : -1.0f);

  int8_t eye[12];
  o2m::eye_like<int8_t>({3, 4, 1}, eye);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) EXPECT_EQ(eye[r * 4 + c], c - r == 1 ? 1 : 0);

  const int32_t start = 10, limit = 3, delta = -3;
  int32_t r[3];
  o2m::range<int32_t>({3}, &start, &limit, &delta, r);
  EXPECT_EQ(std::vector<int32_t>(r, r + 3), (std::vector<int32_t>{10, 7, 4}));

  const float x[6] = {0, 1, 0, 2, 3, 0};  // [2, 3]
  int64_t nz[6];
  o2m::NonZeroParams p{6, 2, 3, {2, 3}};
  o2m::nonzero<float>(p, x, nz);
  EXPECT_EQ(std::vector<int64_t>(nz, nz + 6), (std::vector<int64_t>{0, 1, 1, 1, 0, 1}));
}

}  // namespace
