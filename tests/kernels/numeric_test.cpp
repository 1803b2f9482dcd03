// float16, bfloat16, float8, float8e8m0, float4e2m1 and the packed int4/int2 types
// (templates/kernels/numeric.hpp), through o2m::convert and the Cast and Q/DQ kernels.
// Rounding is checked against a brute-force oracle: the nearest of all finite values of the
// format (ties to the even code), which shares no code with the bit-level encoder.
#include "kernels/elementwise.hpp"
#include "kernels/quant.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <random>
#include <vector>

namespace {

template <typename T>
uint32_t bits_of(T v) {
  return v.bits;
}

// Every finite code of T with its value, sorted by value, for the oracle.
template <typename T>
std::vector<std::pair<double, uint32_t>> finite_codes(uint32_t count) {
  std::vector<std::pair<double, uint32_t>> out;
  for (uint32_t b = 0; b < count; ++b) {
    const float v = static_cast<float>(T::from_bits(b));
    if (std::isfinite(v)) out.push_back({v, b});
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Nearest finite code to x (x within range): ties go to the even code; a zero result keeps
// x's sign where the format has -0.
template <typename T>
uint32_t oracle(const std::vector<std::pair<double, uint32_t>>& codes, double x) {
  const auto at = std::lower_bound(codes.begin(), codes.end(), std::make_pair(x, 0u));
  const ptrdiff_t mid = at - codes.begin();
  // Among equally near codes: a zero of x's sign, another zero, an even code, an odd one.
  auto rank = [&](double v, uint32_t b) { return v == 0 ? (std::signbit(v) == std::signbit(x) ? 0 : 1) : (b & 1) ? 3 : 2; };
  double best_err = INFINITY;
  uint32_t best = 0;
  int best_rank = 4;
  for (ptrdiff_t i = std::max<ptrdiff_t>(0, mid - 3); i < std::min<ptrdiff_t>(codes.size(), mid + 3); ++i) {
    const auto& [v, b] = codes[static_cast<size_t>(i)];
    const double err = std::fabs(v - x);
    if (err < best_err || (err == best_err && rank(v, b) < best_rank)) {
      best_err = err;
      best = b;
      best_rank = rank(v, b);
    }
  }
  return best;
}

template <typename T>
void check_round_trip_and_oracle(uint32_t count, double max_finite) {
  // Every code decodes to a float that encodes back to the same code (NaN stays NaN).
  for (uint32_t b = 0; b < count; ++b) {
    const float v = static_cast<float>(T::from_bits(b));
    const T back = o2m::convert<T>(v, false);  // saturate would send inf to the largest value
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(static_cast<float>(back))) << "code " << b;
    } else {
      EXPECT_EQ(bits_of(back), b) << "code " << b << " value " << v;
    }
  }
  // Random values in range, and exact midpoints between neighbours (the ties).
  const auto codes = finite_codes<T>(count);
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dist(-max_finite, max_finite);
  std::vector<double> xs;
  for (int i = 0; i < 3000; ++i) xs.push_back(static_cast<float>(dist(rng) / std::pow(2.0, i % 24)));
  for (size_t i = 0; i + 1 < codes.size(); ++i) {
    const double mid = (codes[i].first + codes[i + 1].first) / 2;
    if (static_cast<float>(mid) == mid && std::fabs(mid) <= max_finite) xs.push_back(mid);
  }
  for (double x : xs) {
    const float xf = static_cast<float>(x);
    EXPECT_EQ(bits_of(o2m::convert<T>(xf)), oracle<T>(codes, xf)) << "x = " << xf;
  }
}

TEST(Numeric, Float16RoundTripAndRounding) {
  check_round_trip_and_oracle<o2m::float16>(1u << 16, 65504);
}

TEST(Numeric, Float16SpecialValues) {
  using o2m::float16;
  EXPECT_EQ(float16(1.0f).bits, 0x3C00u);
  EXPECT_EQ(float16(-2.0f).bits, 0xC000u);
  EXPECT_EQ(float16(65504.0f).bits, 0x7BFFu);
  EXPECT_EQ(float16(65519.0f).bits, 0x7BFFu);  // below the midpoint to 2^16
  EXPECT_EQ(float16(65520.0f).bits, 0x7C00u);  // the midpoint rounds to even: inf
  EXPECT_EQ(float16(INFINITY).bits, 0x7C00u);
  EXPECT_EQ(float16(-INFINITY).bits, 0xFC00u);
  EXPECT_EQ(float16(1e10).bits, 0x7C00u);  // from double
  EXPECT_TRUE(std::isnan(static_cast<float>(float16(NAN))));
  EXPECT_EQ(float16(std::ldexp(1.0f, -24)).bits, 0x0001u);        // smallest subnormal
  EXPECT_EQ(float16(std::ldexp(1.0f, -25)).bits, 0x0000u);        // half of it: ties to even 0
  EXPECT_EQ(float16(std::ldexp(3.0f, -26)).bits, 0x0001u);        // above half
  EXPECT_EQ(float16(-std::ldexp(1.0f, -26)).bits, 0x8000u);       // underflow keeps the sign
  EXPECT_EQ(float16(std::ldexp(1023.0f, -24)).bits, 0x03FFu);     // largest subnormal
  EXPECT_EQ(static_cast<float>(float16::from_bits(0x0001)), std::ldexp(1.0f, -24));
  // Double -> float16 rounds once: 1 + 2^-11 + 2^-40 is above the tie, float would round it down.
  EXPECT_EQ(float16(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)).bits, 0x3C01u);
}

TEST(Numeric, BFloat16RoundTripAndRounding) {
  check_round_trip_and_oracle<o2m::bfloat16>(1u << 16, 3.38e38);
  // The usual bit trick for RNE on float32's upper half agrees.
  std::mt19937 rng(3);
  for (int i = 0; i < 100000; ++i) {
    uint32_t b = static_cast<uint32_t>(rng());
    float f;
    std::memcpy(&f, &b, 4);
    if (std::isnan(f)) continue;
    const uint32_t want = (b + 0x7FFF + ((b >> 16) & 1)) >> 16;
    EXPECT_EQ(o2m::bfloat16(f).bits, want) << std::hex << b;
  }
}

TEST(Numeric, Float8RoundTripAndRounding) {
  check_round_trip_and_oracle<o2m::float8e4m3fn>(256, 448);
  check_round_trip_and_oracle<o2m::float8e4m3fnuz>(256, 240);
  check_round_trip_and_oracle<o2m::float8e5m2>(256, 57344);
  check_round_trip_and_oracle<o2m::float8e5m2fnuz>(256, 57344);
  check_round_trip_and_oracle<o2m::float4e2m1>(16, 6);
}

// Cast's float8 tables (Operators.md): saturate and not.
TEST(Numeric, Float8SaturationTables) {
  using namespace o2m;
  const float big = 1e6f;
  struct Row {
    float x;
    uint32_t fn, fnuz, e5m2, e5m2fnuz;
  };
  const Row sat[] = {{0.0f, 0x00, 0x00, 0x00, 0x00},        {-0.0f, 0x80, 0x00, 0x80, 0x00},
                     {INFINITY, 0x7E, 0x7F, 0x7B, 0x7F},     {-INFINITY, 0xFE, 0xFF, 0xFB, 0xFF},
                     {big, 0x7E, 0x7F, 0x7B, 0x7F},          {-big, 0xFE, 0xFF, 0xFB, 0xFF},
                     {-1e-7f, 0x80, 0x00, 0x80, 0x00}};
  for (const Row& r : sat) {
    EXPECT_EQ(convert<float8e4m3fn>(r.x, true).bits, r.fn) << r.x;
    EXPECT_EQ(convert<float8e4m3fnuz>(r.x, true).bits, r.fnuz) << r.x;
    EXPECT_EQ(convert<float8e5m2>(r.x, true).bits, r.e5m2) << r.x;
    EXPECT_EQ(convert<float8e5m2fnuz>(r.x, true).bits, r.e5m2fnuz) << r.x;
  }
  const Row nosat[] = {{INFINITY, 0x7F, 0x80, 0x7C, 0x80},  {-INFINITY, 0xFF, 0x80, 0xFC, 0x80},
                       {big, 0x7F, 0x80, 0x7C, 0x80},       {-big, 0xFF, 0x80, 0xFC, 0x80},
                       {NAN, 0x7F, 0x80, 0x7E, 0x80},       {-NAN, 0xFF, 0x80, 0xFE, 0x80}};
  for (const Row& r : nosat) {
    EXPECT_EQ(convert<float8e4m3fn>(r.x, false).bits, r.fn) << r.x;
    EXPECT_EQ(convert<float8e4m3fnuz>(r.x, false).bits, r.fnuz) << r.x;
    EXPECT_EQ(convert<float8e5m2>(r.x, false).bits, r.e5m2) << r.x;
    EXPECT_EQ(convert<float8e5m2fnuz>(r.x, false).bits, r.e5m2fnuz) << r.x;
  }
  // The largest finite values, and a value rounding to them from just below the next step.
  EXPECT_EQ(static_cast<float>(float8e4m3fn::from_bits(0x7E)), 448.0f);
  EXPECT_EQ(convert<float8e4m3fn>(464.0f, false).bits, 0x7Eu);  // tie between 448 and 480: even
  EXPECT_EQ(static_cast<float>(float8e5m2::from_bits(0x7B)), 57344.0f);
  EXPECT_TRUE(std::isnan(static_cast<float>(float8e4m3fnuz::from_bits(0x80))));
  EXPECT_TRUE(std::isinf(static_cast<float>(float8e5m2::from_bits(0x7C))));
}

// float8e8m0: powers of two, rounded on the float32 fields (ONNX's reference).
TEST(Numeric, Float8E8M0) {
  using namespace o2m;
  const float xs[] = {0.0f, 0.124f, 0.25f, 0.5f, 1.1f, 2.0f, 4.0f, 8.0f};
  const uint32_t up[] = {0, 124, 125, 126, 128, 128, 129, 130};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(convert<float8e8m0>(xs[i]).bits, up[i]) << xs[i];
  EXPECT_EQ(convert<float8e8m0>(1.1f, true, E8M0Round::Down).bits, 127u);
  EXPECT_EQ(convert<float8e8m0>(1.6f, true, E8M0Round::Nearest).bits, 128u);
  EXPECT_EQ(convert<float8e8m0>(1.4f, true, E8M0Round::Nearest).bits, 127u);
  EXPECT_EQ(convert<float8e8m0>(INFINITY, true).bits, 0xFEu);
  EXPECT_EQ(convert<float8e8m0>(INFINITY, false).bits, 0xFFu);
  EXPECT_EQ(convert<float8e8m0>(NAN, true).bits, 0xFFu);
  EXPECT_EQ(convert<float8e8m0>(3e38f, true).bits, 0xFEu);  // rounds up past the largest: saturates
  EXPECT_EQ(convert<float8e8m0>(3e38f, false).bits, 0xFFu);
  EXPECT_EQ(static_cast<float>(float8e8m0::from_bits(127)), 1.0f);
  EXPECT_EQ(static_cast<float>(float8e8m0::from_bits(0)), std::ldexp(1.0f, -127));
  EXPECT_TRUE(std::isnan(static_cast<float>(float8e8m0::from_bits(0xFF))));
}

// Cast's examples (Operators.md): float -> int4/uint4/int2 keep the low bits, packed low first.
TEST(Numeric, CastPacksSubByteIntegers) {
  std::vector<float> x;
  for (int v = -9; v < 16; ++v) x.push_back(static_cast<float>(v));
  const uint8_t want4[] = {0x87, 0xa9, 0xcb, 0xed, 0x0f, 0x21, 0x43, 0x65, 0x87, 0xa9, 0xcb, 0xed, 0x0f};
  uint8_t y[13];
  std::memset(y, 0xFF, sizeof y);  // the unused high half of the last byte must come out 0
  o2m::cast<float, o2m::int4>({25, 1, 0}, x.data(), reinterpret_cast<o2m::int4*>(y));
  EXPECT_EQ(0, std::memcmp(y, want4, 13));
  o2m::cast<float, o2m::uint4>({25, 1, 0}, x.data(), reinterpret_cast<o2m::uint4*>(y));
  EXPECT_EQ(0, std::memcmp(y, want4, 13));
  // And back: int4 sign-extends, uint4 does not.
  std::vector<float> back(25);
  o2m::cast<o2m::int4, float>({25, 1, 0}, reinterpret_cast<const o2m::int4*>(want4), back.data());
  EXPECT_EQ(back[0], 7.0f);    // -9 wrapped
  EXPECT_EQ(back[1], -8.0f);
  EXPECT_EQ(back[24], -1.0f);  // 15 wrapped
  o2m::cast<o2m::uint4, float>({25, 1, 0}, reinterpret_cast<const o2m::uint4*>(want4), back.data());
  EXPECT_EQ(back[1], 8.0f);
  EXPECT_EQ(back[24], 15.0f);

  const float x2[] = {-3, -2, -1, 0, 1, 2, 3};
  uint8_t y2[2];
  o2m::cast<float, o2m::int2>({7, 1, 0}, x2, reinterpret_cast<o2m::int2*>(y2));
  EXPECT_EQ(y2[0], 0x39);
  EXPECT_EQ(y2[1], 0x39);
  int8_t b2[7];
  o2m::cast<o2m::int2, int8_t>({7, 1, 0}, reinterpret_cast<const o2m::int2*>(y2), b2);
  const int8_t want2[] = {1, -2, -1, 0, 1, -2, -1};
  EXPECT_EQ(0, std::memcmp(b2, want2, 7));
}

// Cast's float4e2m1 example: saturating, ties to even, NaN -> 0x8.
TEST(Numeric, CastFloat4E2M1) {
  const float x[] = {0.48f, 0.25f, 1.05f, -3.5f, -8, 9, 1e6f, 1e-7f, NAN, INFINITY, INFINITY, -INFINITY, -4, 0.01f, -0.0f};
  const uint8_t want[] = {0x01, 0xe2, 0x7f, 0x07, 0x78, 0xf7, 0x0e, 0x08};
  uint8_t y[8];
  o2m::cast<float, o2m::float4e2m1>({15, 1, 0}, x, reinterpret_cast<o2m::float4e2m1*>(y));
  EXPECT_EQ(0, std::memcmp(y, want, 8));
  float back[15];
  o2m::cast<o2m::float4e2m1, float>({15, 1, 0}, reinterpret_cast<const o2m::float4e2m1*>(y), back);
  EXPECT_EQ(back[0], 0.5f);
  EXPECT_EQ(back[3], -4.0f);
  EXPECT_EQ(back[5], 6.0f);
}

// Between small types: float8 -> float16 is exact, float16 -> float8 rounds once.
TEST(Numeric, CastBetweenSmallFloats) {
  for (uint32_t b = 0; b < 256; ++b) {
    const o2m::float8e5m2 f8 = o2m::float8e5m2::from_bits(b);
    const o2m::float16 h = o2m::convert<o2m::float16>(f8);
    const float v = static_cast<float>(f8);
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(static_cast<float>(h)));
      continue;
    }
    EXPECT_EQ(static_cast<float>(h), v) << b;
    EXPECT_EQ(o2m::convert<o2m::float8e5m2>(h, false).bits, b) << b;
  }
  EXPECT_EQ(o2m::convert<bool>(o2m::float16::from_bits(0x8000)), false);  // -0
  EXPECT_EQ(o2m::convert<int32_t>(o2m::float16(-3.75f)), -3);           // truncates
  EXPECT_EQ(o2m::convert<o2m::float16>(true).bits, 0x3C00u);
  EXPECT_EQ(o2m::convert<o2m::float16>(int64_t{70000}).bits, 0x7C00u);  // out of range: inf
}

// QuantizeLinear / DequantizeLinear on int4 (packed) and float8 data.
TEST(Numeric, QuantizeDequantizeSmallTypes) {
  const float x[] = {-10, -1.5f, 0, 2.5f, 3, 40};
  const float scale = 1.0f;
  const uint8_t zp_bytes[] = {0x01};  // int4 zero point 1
  uint8_t q[3];
  o2m::quantize_linear<o2m::int4>({1, 1, 6}, x, &scale, reinterpret_cast<const o2m::int4*>(zp_bytes),
                                  reinterpret_cast<o2m::int4*>(q));
  // round(x) + 1 saturated to [-8, 7]: -8, -1, 1, 3, 4, 7
  const uint8_t want[] = {0xF8, 0x31, 0x74};
  EXPECT_EQ(0, std::memcmp(q, want, 3));
  float y[6];
  o2m::dequantize_linear<o2m::int4>({1, 1, 6}, reinterpret_cast<const o2m::int4*>(q), &scale,
                                    reinterpret_cast<const o2m::int4*>(zp_bytes), y);
  const float want_y[] = {-9, -2, 0, 2, 3, 6};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want_y[i]) << i;

  const float s2 = 2.0f;
  o2m::float8e4m3fn f8[6];
  o2m::quantize_linear<o2m::float8e4m3fn>({1, 1, 6}, x, &s2, nullptr, f8);
  EXPECT_EQ(static_cast<float>(f8[0]), -5.0f);
  EXPECT_EQ(static_cast<float>(f8[5]), 20.0f);
  o2m::dequantize_linear<o2m::float8e4m3fn>({1, 1, 6}, f8, &s2, nullptr, y);
  EXPECT_EQ(y[3], 2.5f);  // 1.25 is exact in e4m3
}

}  // namespace
