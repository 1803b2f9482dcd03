// o2m::qgemm against the definition (y = clamp(round_half_even((bias + sum (x - x_zp) * w) * M)
// + y_zp)), and QLinearMatMul / MatMulInteger on the ONNX node tests' values.
#include "kernels/qgemm.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

template <typename TX, typename TY>
void random_case(std::mt19937& rng) {
  auto u = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  o2m::QGemmParams p{};
  p.m = u(1, 5);
  p.n = u(1, 33);
  p.k = u(1, 200);
  const int32_t x_zp = u(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi);
  p.y_zp = u(o2m::QRange<TY>::lo, o2m::QRange<TY>::hi);
  p.act_min = o2m::QRange<TY>::lo;
  p.act_max = o2m::QRange<TY>::hi - u(0, 30);
  p.per_channel = u(0, 1);
  std::vector<TX> x(static_cast<size_t>(p.m * p.k));
  for (auto& v : x) v = static_cast<TX>(u(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi));
  std::vector<int8_t> w(static_cast<size_t>(p.n * p.k));
  for (auto& v : w) v = static_cast<int8_t>(u(-128, 127));
  std::vector<int32_t> bias(static_cast<size_t>(p.n)), mult, shift;
  for (auto& v : bias) v = u(-50000, 50000);
  for (int i = 0; i < (p.per_channel ? p.n : 1); ++i) {
    mult.push_back(u(1 << 30, 2147483647));
    shift.push_back(-u(3, 14));
  }
  std::vector<int32_t> folded(bias.size());
  o2m::qfold_bias(p.n, p.k, w.data(), bias.data(), x_zp - o2m::qx_offset<TX>(), folded.data());
  std::vector<TY> y(static_cast<size_t>(p.m * p.n));
  std::vector<int8_t> scratch(static_cast<size_t>(o2m::qgemm_scratch_bytes<TX>(p.k)));
  o2m::qgemm<TX, TY>(p, x.data(), w.data(), folded.data(), mult.data(), shift.data(), y.data(), scratch.data());
  for (int i = 0; i < p.m; ++i)
    for (int j = 0; j < p.n; ++j) {
      int64_t acc = bias[static_cast<size_t>(j)];
      for (int q = 0; q < p.k; ++q)
        acc += static_cast<int64_t>(static_cast<int32_t>(x[static_cast<size_t>(i * p.k + q)]) - x_zp) * w[static_cast<size_t>(j * p.k + q)];
      const size_t ch = p.per_channel ? static_cast<size_t>(j) : 0;
      // acc * mult / 2^(31 - shift), half to even, in long double (exact for these magnitudes)
      const long double real = std::ldexp(static_cast<long double>(acc) * mult[ch], shift[ch] - 31);
      long double r = std::nearbyint(real);  // the default rounding mode: half to even
      int64_t v = static_cast<int64_t>(r) + p.y_zp;
      v = std::min<int64_t>(std::max<int64_t>(v, p.act_min), p.act_max);
      ASSERT_EQ(static_cast<int64_t>(y[static_cast<size_t>(i * p.n + j)]), v) << i << "," << j;
    }
}

TEST(QGemm, MatchesTheDefinition) {
  std::mt19937 rng(3);
  for (int t = 0; t < 300; ++t) {
    random_case<int8_t, int8_t>(rng);
    random_case<uint8_t, uint8_t>(rng);
    random_case<int8_t, uint8_t>(rng);
  }
}

TEST(QLinearMatMul, OnnxNodeTest2D) {
  const uint8_t a[8] = {208, 236, 0, 238, 3, 214, 255, 29}, b[12] = {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247};
  const float as = 0.0066f, bs = 0.00705f, ys = 0.0107f;
  const uint8_t az = 113, bz = 114, yz = 118;
  o2m::QMatMulParams p{};
  p.mm = {2, 3, 4, 1, {1, 1, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  uint8_t y[6];
  o2m::qlinear_matmul<uint8_t, uint8_t, uint8_t>(p, a, &as, &az, b, &bs, &bz, &ys, &yz, y);
  EXPECT_EQ(std::vector<uint8_t>(y, y + 6), (std::vector<uint8_t>{168, 115, 255, 1, 66, 151}));
}

TEST(MatMulInteger, OnnxNodeTest) {
  const uint8_t a[12] = {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, b[6] = {1, 4, 2, 5, 3, 6}, az = 12, bz = 0;
  o2m::QMatMulParams p{};
  p.mm = {4, 2, 3, 1, {1, 1, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  int32_t y[8];
  o2m::matmul_integer<uint8_t, uint8_t>(p, a, b, &az, &bz, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 8), (std::vector<int32_t>{-38, -83, -44, -98, -50, -113, -56, -128}));
}

}  // namespace
