// templates/kernels/logic.hpp against naive references: comparisons and logic with
// broadcasting, Mod in both sign conventions, BitShift, and Where's three-way broadcast.
// Every result is exact.
#include "kernels/logic.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace {

constexpr int R = o2m::kMaxRank;
using Dims = std::vector<int>;

Dims pad(Dims s) {
  s.insert(s.begin(), R - s.size(), 1);
  return s;
}
int volume(const Dims& s) {
  int v = 1;
  for (int d : s) v *= d;
  return v;
}
// Strides of operand shape s (padded) read as the output shape (0 where s repeats).
void strides(const Dims& s, int32_t* out) {
  int st = 1;
  for (int d = R - 1; d >= 0; --d) {
    out[d] = s[size_t(d)] == 1 ? 0 : st;
    st *= s[size_t(d)];
  }
}
// Flat index into operand s of the output element at flat index i of shape y.
int operand_index(int i, const Dims& y, const Dims& s) {
  int idx = 0, mul = 1;
  for (int d = R - 1; d >= 0; --d) {
    const int pos = i % y[size_t(d)];
    i /= y[size_t(d)];
    idx += (s[size_t(d)] == 1 ? 0 : pos) * mul;
    mul *= s[size_t(d)];
  }
  return idx;
}

// Operands of the output's shape: the flat loop.
o2m::BinaryParams same_shape(int n) {
  o2m::BinaryParams p{};
  p.mode = 0;
  p.n = n;
  return p;
}

o2m::BinaryParams binary(const Dims& a, const Dims& b, const Dims& y) {
  o2m::BinaryParams p{};
  p.mode = 3;  // the general loop; the flat modes are covered by elementwise tests
  p.n = volume(y);
  for (int d = 0; d < R; ++d) p.dims[d] = y[size_t(d)];
  strides(a, p.a_strides);
  strides(b, p.b_strides);
  return p;
}

// A plain array (std::vector<bool> has no data()).
template <typename T>
struct Array {
  std::unique_ptr<T[]> p;
  explicit Array(int n) : p(new T[size_t(n)]()) {}
  T* data() { return p.get(); }
  const T* data() const { return p.get(); }
  T operator[](int i) const { return p[size_t(i)]; }
};

template <typename T>
Array<T> random_ints(std::mt19937& rng, int n, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  Array<T> v(n);
  for (int i = 0; i < n; ++i) v.p[size_t(i)] = static_cast<T>(dist(rng));
  return v;
}

// Runs a bool-valued broadcasting kernel on shapes a, b and checks it against ref.
template <typename T, typename Kernel, typename Ref>
void check_predicate(Kernel kernel, Ref ref, const Dims& a0, const Dims& b0, int lo, int hi, const char* name) {
  const Dims a = pad(a0), b = pad(b0);
  Dims y(R);
  for (int d = 0; d < R; ++d) y[size_t(d)] = std::max(a[size_t(d)], b[size_t(d)]);
  std::mt19937 rng(3);
  const Array<T> av = random_ints<T>(rng, volume(a), lo, hi), bv = random_ints<T>(rng, volume(b), lo, hi);
  Array<bool> out(volume(y));
  kernel(binary(a, b, y), av.data(), bv.data(), out.data());
  for (int i = 0; i < volume(y); ++i)
    EXPECT_EQ(out[i], ref(av[operand_index(i, y, a)], bv[operand_index(i, y, b)])) << name << " element " << i;
}

TEST(Compare, EveryComparisonBroadcasts) {
  const Dims a = {2, 1, 4}, b = {3, 1};
  check_predicate<int16_t>(o2m::equal<int16_t>, [](int16_t x, int16_t y) { return x == y; }, a, b, -2, 2, "equal");
  check_predicate<int16_t>(o2m::less<int16_t>, [](int16_t x, int16_t y) { return x < y; }, a, b, -2, 2, "less");
  check_predicate<int16_t>(o2m::less_equal<int16_t>, [](int16_t x, int16_t y) { return x <= y; }, a, b, -2, 2, "less_equal");
  check_predicate<int16_t>(o2m::greater<int16_t>, [](int16_t x, int16_t y) { return x > y; }, a, b, -2, 2, "greater");
  check_predicate<int16_t>(o2m::greater_equal<int16_t>, [](int16_t x, int16_t y) { return x >= y; }, a, b, -2, 2,
                           "greater_equal");
  check_predicate<uint64_t>(o2m::less<uint64_t>, [](uint64_t x, uint64_t y) { return x < y; }, {5}, {4, 1}, 0, 3, "less u64");
}

TEST(Logic, AndOrXorOnBools) {
  const Dims a = {3, 4}, b = {4};
  check_predicate<bool>(o2m::and_<bool>, [](bool x, bool y) { return x && y; }, a, b, 0, 1, "and");
  check_predicate<bool>(o2m::or_<bool>, [](bool x, bool y) { return x || y; }, a, b, 0, 1, "or");
  check_predicate<bool>(o2m::xor_<bool>, [](bool x, bool y) { return x != y; }, a, b, 0, 1, "xor");
  check_predicate<bool>(o2m::equal<bool>, [](bool x, bool y) { return x == y; }, a, b, 0, 1, "equal bool");
}

TEST(Mod, IntegerSignConventions) {
  const int32_t a[8] = {-4, 7, 5, 4, -7, 8, 3, -9}, b[8] = {2, -3, 8, -2, 3, 5, 0, -1};
  int32_t floor[8], trunc[8];
  o2m::BinaryParams p = same_shape(8);
  o2m::mod_<int32_t>(p, a, b, floor);
  o2m::fmod_<int32_t>(p, a, b, trunc);
  for (int i = 0; i < 8; ++i) {
    if (b[i] == 0) {  // defined as 0 instead of trapping
      EXPECT_EQ(floor[i], 0);
      EXPECT_EQ(trunc[i], 0);
      continue;
    }
    const int32_t t = a[i] % b[i];
    EXPECT_EQ(trunc[i], t) << a[i] << " fmod " << b[i];
    EXPECT_EQ(floor[i], t != 0 && (t < 0) != (b[i] < 0) ? t + b[i] : t) << a[i] << " mod " << b[i];
  }
  const int8_t m[1] = {-128}, n1[1] = {-1};
  int8_t r[1];
  p.n = 1;
  o2m::mod_<int8_t>(p, m, n1, r);  // -128 % -1 would trap as a C division
  EXPECT_EQ(r[0], 0);
}

TEST(Mod, FloatSignConventions) {
  const double a[4] = {-4.5, 7.25, 5.0, -7.0}, b[4] = {2.0, -3.0, 8.0, 3.0};
  double floor[4], trunc[4];
  o2m::BinaryParams p = same_shape(4);
  o2m::mod_<double>(p, a, b, floor);
  o2m::fmod_<double>(p, a, b, trunc);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(trunc[i], std::fmod(a[i], b[i]));
    EXPECT_EQ(floor[i], a[i] - b[i] * std::floor(a[i] / b[i])) << a[i] << " mod " << b[i];
  }
}

TEST(BitShift, ShiftsByUpToTheWidth) {
  const uint8_t a[5] = {1, 0x81, 0xff, 3, 200}, b[5] = {0, 1, 7, 8, 200};
  uint8_t l[5], r[5];
  o2m::BinaryParams p = same_shape(5);
  o2m::shift_left<uint8_t>(p, a, b, l);
  o2m::shift_right<uint8_t>(p, a, b, r);
  EXPECT_EQ(std::vector<uint8_t>(l, l + 5), (std::vector<uint8_t>{1, 0x02, 0x80, 0, 0}));
  EXPECT_EQ(std::vector<uint8_t>(r, r + 5), (std::vector<uint8_t>{1, 0x40, 0x01, 0, 0}));
  const uint64_t big[1] = {1}, by[1] = {63};
  uint64_t out[1];
  p.n = 1;
  o2m::shift_left<uint64_t>(p, big, by, out);
  EXPECT_EQ(out[0], uint64_t(1) << 63);
}

TEST(Where, ThreeWayBroadcast) {
  const Dims c = pad({2, 1, 1}), a = pad({1, 3, 1}), b = pad({4}), y = pad({2, 3, 4});
  o2m::WhereParams p{};
  p.n = volume(y);
  for (int d = 0; d < R; ++d) p.dims[d] = y[size_t(d)];
  strides(c, p.c_strides);
  strides(a, p.a_strides);
  strides(b, p.b_strides);
  std::mt19937 rng(9);
  const Array<bool> cv = random_ints<bool>(rng, volume(c), 0, 1);
  const Array<int64_t> av = random_ints<int64_t>(rng, volume(a), -100, 100), bv = random_ints<int64_t>(rng, volume(b), -100, 100);
  Array<int64_t> out(volume(y));
  o2m::where<int64_t>(p, cv.data(), av.data(), bv.data(), out.data());
  for (int i = 0; i < volume(y); ++i) {
    const bool cond = cv[operand_index(i, y, c)];
    EXPECT_EQ(out[i], cond ? av[operand_index(i, y, a)] : bv[operand_index(i, y, b)]) << "element " << i;
  }
}

}  // namespace
