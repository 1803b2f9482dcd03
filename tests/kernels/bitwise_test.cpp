// templates/kernels/bitwise.hpp: BitwiseAnd/Or/Xor with broadcasting and BitwiseNot against the
// C++ operators element by element, on random values of every integer width; BitCast keeps the
// bytes. Every result is exact.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/bitwise.hpp"

namespace {

template <typename T>
void check_type(std::mt19937& rng) {
  // a: [3, 4], b: [4] broadcast along dim 0.
  std::uniform_int_distribution<uint64_t> dist;
  std::vector<T> a(12), b(4), y(12);
  for (T& v : a) v = static_cast<T>(dist(rng));
  for (T& v : b) v = static_cast<T>(dist(rng));
  o2m::BinaryParams p{};
  p.mode = 3;
  p.n = 12;
  for (int d = 0; d < o2m::kMaxRank; ++d) p.dims[d] = 1;
  p.dims[4] = 3, p.dims[5] = 4;
  p.a_strides[4] = 4, p.a_strides[5] = 1;
  p.b_strides[4] = 0, p.b_strides[5] = 1;
  o2m::bitwise_and(p, a.data(), b.data(), y.data());
  for (int i = 0; i < 12; ++i) ASSERT_EQ(y[size_t(i)], static_cast<T>(a[size_t(i)] & b[size_t(i % 4)]));
  o2m::bitwise_or(p, a.data(), b.data(), y.data());
  for (int i = 0; i < 12; ++i) ASSERT_EQ(y[size_t(i)], static_cast<T>(a[size_t(i)] | b[size_t(i % 4)]));
  o2m::bitwise_xor(p, a.data(), b.data(), y.data());
  for (int i = 0; i < 12; ++i) ASSERT_EQ(y[size_t(i)], static_cast<T>(a[size_t(i)] ^ b[size_t(i % 4)]));
  o2m::bitwise_not(o2m::UnaryParams{12, 0.0f, 0.0f}, a.data(), y.data());
  for (int i = 0; i < 12; ++i) ASSERT_EQ(y[size_t(i)], static_cast<T>(~a[size_t(i)]));
}

TEST(Bitwise, EveryIntegerWidthWithBroadcast) {
  std::mt19937 rng(3);
  check_type<int8_t>(rng);
  check_type<uint8_t>(rng);
  check_type<int16_t>(rng);
  check_type<uint16_t>(rng);
  check_type<int32_t>(rng);
  check_type<uint32_t>(rng);
  check_type<int64_t>(rng);
  check_type<uint64_t>(rng);
}

TEST(BitCast, KeepsTheBytes) {
  const float x[3] = {1.0f, -2.5f, 0.0f};
  int32_t y[3];
  o2m::bitcast({12}, x, y);
  EXPECT_EQ(y[0], 0x3f800000);
  EXPECT_EQ(y[1], static_cast<int32_t>(0xc0200000u));
  EXPECT_EQ(y[2], 0);
  // In place (the output aliases the input): nothing to do, nothing broken.
  o2m::bitcast({12}, y, y);
  EXPECT_EQ(y[0], 0x3f800000);
}

}  // namespace
