// o2m::qconv (patch and depthwise paths, folded bias, fixed-point requantisation) against a
// plain integer reference written from the definition: acc = bias + sum over valid taps of
// (x - x_zp) * w, y = clamp(round_half_even(acc * M) + y_zp). Also QLinearConv and ConvInteger.
#include "kernels/qconv.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace {

// round_half_even(acc * mult * 2^(shift - 31)) in 128-bit arithmetic: the definition.
int64_t exact_requant(int64_t acc, int32_t mult, int32_t shift) {
  const __int128 v = static_cast<__int128>(acc) * mult;
  const int r = 31 - shift;
  __int128 q = v >> r;  // floor
  const __int128 rem = v - q * (static_cast<__int128>(1) << r), half = static_cast<__int128>(1) << (r - 1);  // q << r is UB for q < 0
  if (rem > half || (rem == half && (q & 1))) ++q;
  return static_cast<int64_t>(q);
}

// Random 2-D input sizes (1..in_max), kernels, strides, dilations and padding into c's spatial
// dimensions 1 and 2, and the output sizes; false when the window does not fit.
template <typename U>
bool random_window(o2m::ConvParams& c, U& u, int in_max) {
  for (int d = 1; d < 3; ++d) {
    c.in[d] = u(1, in_max);
    c.k[d] = u(1, 3);
    c.stride[d] = u(1, 2);
    c.dil[d] = u(1, 2);
    c.pad[d] = u(0, 2);
    const int span = c.in[d] + 2 * c.pad[d] - ((c.k[d] - 1) * c.dil[d] + 1);
    if (span < 0) return false;
    c.out[d] = span / c.stride[d] + 1;
  }
  return true;
}

struct Case {
  o2m::QConvParams p{};
  std::vector<int8_t> w;
  std::vector<int32_t> bias, mult, shift;
};

template <typename TX, typename TY>
void run_case(std::mt19937& rng, int kind) {
  auto u = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Case k;
  o2m::ConvParams& c = k.p.conv;
  c.n = u(1, 2);
  c.c_in = kind == 2 ? 2 * u(1, 4) : u(1, 8);
  c.group = kind == 1 ? c.c_in : (kind == 2 ? 2 : 1);
  c.c_out = kind == 1 ? c.c_in : c.group * u(1, 5);
  c.in[0] = 1;
  c.k[0] = c.stride[0] = c.dil[0] = 1;
  c.pad[0] = 0;
  c.out[0] = 1;
  if (!random_window(c, u, 9)) return;
  const int cin_g = c.c_in / c.group, cout_g = c.c_out / c.group, kg = cin_g * c.k[1] * c.k[2];
  const int in_sp = c.in[1] * c.in[2], out_sp = c.out[1] * c.out[2];
  std::vector<TX> x(static_cast<size_t>(c.n * c.c_in * in_sp));
  for (auto& v : x) v = static_cast<TX>(u(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi));
  k.w.resize(static_cast<size_t>(c.c_out * kg));
  for (auto& v : k.w) v = static_cast<int8_t>(u(-128, 127));
  std::vector<int32_t> bias(static_cast<size_t>(c.c_out));
  for (auto& v : bias) v = u(-30000, 30000);
  k.p.per_channel = u(0, 1);
  for (int i = 0; i < (k.p.per_channel ? c.c_out : 1); ++i) {
    k.mult.push_back(u(1 << 30, 2147483647));
    k.shift.push_back(-u(2, 12));
  }
  k.p.x_zp = u(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi);
  k.p.y_zp = u(o2m::QRange<TY>::lo, o2m::QRange<TY>::hi);
  k.p.act_min = o2m::QRange<TY>::lo + u(0, 20);
  k.p.act_max = o2m::QRange<TY>::hi - u(0, 20);
  std::vector<int32_t> folded(bias.size());
  o2m::qfold_bias(c.c_out, kg, k.w.data(), bias.data(), k.p.x_zp - o2m::qx_offset<TX>(), folded.data());
  std::vector<TY> y(static_cast<size_t>(c.n * c.c_out * out_sp));
  std::vector<int8_t> scratch(static_cast<size_t>(o2m::qconv_scratch_bytes(c)));
  o2m::qconv<TX, TY>(k.p, x.data(), k.w.data(), folded.data(), k.mult.data(), k.shift.data(), y.data(), scratch.data());

  for (int b = 0; b < c.n; ++b)
    for (int oc = 0; oc < c.c_out; ++oc)
      for (int oh = 0; oh < c.out[1]; ++oh)
        for (int ow = 0; ow < c.out[2]; ++ow) {
          const int g = oc / cout_g;
          int64_t acc = bias[static_cast<size_t>(oc)];
          for (int ic = 0; ic < cin_g; ++ic)
            for (int kh = 0; kh < c.k[1]; ++kh)
              for (int kw = 0; kw < c.k[2]; ++kw) {
                const int ih = oh * c.stride[1] - c.pad[1] + kh * c.dil[1], iw = ow * c.stride[2] - c.pad[2] + kw * c.dil[2];
                if (ih < 0 || ih >= c.in[1] || iw < 0 || iw >= c.in[2]) continue;
                const int xv = x[static_cast<size_t>(((b * c.c_in + g * cin_g + ic) * c.in[1] + ih) * c.in[2] + iw)];
                acc += static_cast<int64_t>(xv - k.p.x_zp) * k.w[static_cast<size_t>((oc * cin_g + ic) * c.k[1] * c.k[2] + kh * c.k[2] + kw)];
              }
          const size_t ch = k.p.per_channel ? static_cast<size_t>(oc) : 0;
          int64_t v = exact_requant(acc, k.mult[ch], k.shift[ch]) + k.p.y_zp;
          v = std::min<int64_t>(std::max<int64_t>(v, k.p.act_min), k.p.act_max);
          const size_t at = static_cast<size_t>(((b * c.c_out + oc) * c.out[1] + oh) * c.out[2] + ow);
          ASSERT_EQ(static_cast<int64_t>(y[at]), v) << "kind " << kind << " oc " << oc << " oh " << oh << " ow " << ow;
        }
}

TEST(QConv, MatchesTheDefinitionOnRandomShapes) {
  std::mt19937 rng(5);
  for (int t = 0; t < 300; ++t) {
    run_case<int8_t, int8_t>(rng, t % 3);
    run_case<uint8_t, uint8_t>(rng, t % 3);
    run_case<uint8_t, int8_t>(rng, t % 3);
  }
}

// The fast paths (the host's SSE2 pointwise, 3x3 depthwise and patch-tile kernels on x86-64,
// the portable blocks elsewhere) against the reference kernel (kRef) on the geometries they
// take and the ones next to them: pointwise with odd channel counts, pixel counts below and off
// a multiple of eight, groups; 3x3 depthwise with both strides, padding, rows narrower than
// eight and dilation 2 (the scalar loop); other convs with strides, dilation, padding, groups
// and patches over kQhPatchMax; shifts outside requantize_usual's range (the scalar
// requantisation), negative or zero multipliers, and ties.
template <typename TX, typename TY>
void run_fast_vs_ref(std::mt19937& rng, int kind) {
  const bool depthwise = kind == 1;
  auto u = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  o2m::QConvParams p{};
  o2m::ConvParams& c = p.conv;
  c.n = u(1, 2);
  c.in[0] = c.out[0] = c.k[0] = c.stride[0] = c.dil[0] = 1;
  c.pad[0] = 0;
  if (depthwise) {
    c.c_in = c.c_out = c.group = u(1, 6);
    for (int d = 1; d < 3; ++d) {
      c.k[d] = 3;
      c.stride[d] = u(1, 2);
      c.dil[d] = u(0, 5) == 0 ? 2 : 1;
      c.pad[d] = u(0, 2);
      c.in[d] = d == 1 ? u(3, 10) : u(3, 40);
      const int span = c.in[d] + 2 * c.pad[d] - (2 * c.dil[d] + 1);
      if (span < 0) return;
      c.out[d] = span / c.stride[d] + 1;
    }
  } else if (kind == 2) {  // any other conv: the patch tile (patches up to 1080 bytes)
    c.group = u(0, 4) == 0 ? 2 : 1;
    c.c_in = c.group * (u(0, 5) == 0 ? 120 : u(1, 12));
    c.c_out = c.group * u(1, 9);
    if (!random_window(c, u, 12)) return;
  } else {
    c.group = u(0, 4) == 0 ? 2 : 1;
    c.c_in = c.group * u(1, 40);
    c.c_out = u(0, 3) == 0 ? c.c_in : c.group * u(1, 13);  // c_in: in place too (group 1)
    c.k[1] = c.k[2] = c.stride[1] = c.stride[2] = 1;
    c.pad[1] = c.pad[2] = 0;
    c.dil[1] = c.dil[2] = 1;
    c.in[1] = c.out[1] = u(1, 9);
    c.in[2] = c.out[2] = u(1, 12);
  }
  const int cin_g = c.c_in / c.group, kg = cin_g * c.k[1] * c.k[2];
  std::vector<TX> x(static_cast<size_t>(c.n * c.c_in * c.in[1] * c.in[2]));
  for (auto& v : x) v = static_cast<TX>(u(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi));
  std::vector<int8_t> w(static_cast<size_t>(c.c_out * kg));
  for (auto& v : w) v = static_cast<int8_t>(u(-128, 127));
  std::vector<int32_t> bias(static_cast<size_t>(c.c_out)), mult, shift;
  for (auto& v : bias) v = u(-(1 << 14), 1 << 14);
  p.per_channel = u(0, 1);
  for (int i = 0; i < (p.per_channel ? c.c_out : 1); ++i) {
    const int m = u(0, 9);
    // 2^30 makes exact halves (round-half-even ties) common
    mult.push_back(m == 0 ? 0 : m == 1 ? -u(1 << 30, 2147483647) : m < 4 ? 1 << 30 : u(1 << 30, 2147483647));
    // mostly shifts that keep outputs inside the clamp, where rounding shows
    const int k = u(0, 9);
    shift.push_back(k == 0 ? u(-1, 1) : k == 1 ? -u(2, 31) : -u(7, 13));
  }
  p.x_zp = u(o2m::QRange<TX>::lo, o2m::QRange<TX>::hi);
  p.y_zp = u(o2m::QRange<TY>::lo, o2m::QRange<TY>::hi);
  p.act_min = o2m::QRange<TY>::lo + u(0, 20);
  p.act_max = o2m::QRange<TY>::hi - u(0, 20);
  std::vector<int32_t> folded(bias.size());
  o2m::qfold_bias(c.c_out, kg, w.data(), bias.data(), p.x_zp - o2m::qx_offset<TX>(), folded.data());
  const size_t y_n = static_cast<size_t>(c.n * c.c_out * c.out[1] * c.out[2]);
  std::vector<TY> y_fast(y_n), y_ref(y_n);
  // both scratch buffers exactly qconv_scratch_bytes long, so a read past them shows under ASan
  std::vector<int8_t> s_fast(static_cast<size_t>(o2m::qconv_scratch_bytes(c))), s_ref(s_fast.size());
  o2m::qconv<TX, TY>(p, x.data(), w.data(), folded.data(), mult.data(), shift.data(), y_fast.data(), s_fast.data());
  o2m::qconv<TX, TY, true>(p, x.data(), w.data(), folded.data(), mult.data(), shift.data(), y_ref.data(), s_ref.data());
  for (size_t i = 0; i < y_n; ++i)
    ASSERT_EQ(static_cast<int>(y_fast[i]), static_cast<int>(y_ref[i]))
        << "kind " << kind << " c_in " << c.c_in << " c_out " << c.c_out << " group " << c.group
        << " in " << c.in[1] << "x" << c.in[2] << " stride " << c.stride[1] << "," << c.stride[2] << " pad "
        << c.pad[1] << "," << c.pad[2] << " at " << i;
  if (!o2m::qconv_in_place(c)) return;
  // as the planner runs it (src/planner/memory_plan.cpp): y written over x, in one buffer
  std::vector<uint8_t> xy(x.size());
  memcpy(xy.data(), x.data(), x.size());
  o2m::qconv<TX, TY>(p, reinterpret_cast<const TX*>(xy.data()), w.data(), folded.data(), mult.data(), shift.data(),
                     reinterpret_cast<TY*>(xy.data()), s_fast.data());
  ASSERT_EQ(memcmp(xy.data(), y_ref.data(), y_n), 0) << "in place: kind " << kind << " c_in " << c.c_in << " in " << c.in[1]
                                                     << "x" << c.in[2];
}

TEST(QConv, FastPathsMatchTheReferenceKernel) {
  std::mt19937 rng(23);
  for (int t = 0; t < 240; ++t) {
    run_fast_vs_ref<int8_t, int8_t>(rng, t % 3);
    run_fast_vs_ref<uint8_t, uint8_t>(rng, t % 3);
    run_fast_vs_ref<uint8_t, int8_t>(rng, t % 3);
    run_fast_vs_ref<int8_t, uint8_t>(rng, t % 3);
  }
}

TEST(QConv, DepthwiseAndPatchPathsAgree) {
  // A depthwise conv written as one group per channel goes through qconv_depthwise; the same
  // weights as a dense conv with zero off-group weights go through the patch path.
  o2m::QConvParams dw{};
  dw.conv = {1, 3, 3, 3, {1, 5, 4}, {1, 5, 4}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}};
  dw.x_zp = 7;
  dw.y_zp = -3;
  dw.act_min = -128;
  dw.act_max = 127;
  dw.per_channel = 0;
  std::mt19937 rng(9);
  std::vector<int8_t> x(60), w(27), wd(81, 0);
  for (auto& v : x) v = static_cast<int8_t>(rng());
  for (auto& v : w) v = static_cast<int8_t>(rng());
  for (int c = 0; c < 3; ++c)
    for (int t = 0; t < 9; ++t) wd[static_cast<size_t>((c * 3 + c) * 9 + t)] = w[static_cast<size_t>(c * 9 + t)];
  const int32_t bias[3] = {100, -200, 300}, mult[1] = {1500000000}, shift[1] = {-6};
  int32_t fb[3], fbd[3];
  o2m::qfold_bias(3, 9, w.data(), bias, dw.x_zp, fb);
  o2m::qfold_bias(3, 27, wd.data(), bias, dw.x_zp, fbd);
  o2m::QConvParams dense = dw;
  dense.conv.group = 1;
  std::vector<int8_t> y1(60), y2(60), s1(static_cast<size_t>(o2m::qconv_scratch_bytes(dw.conv))),
      s2(static_cast<size_t>(o2m::qconv_scratch_bytes(dense.conv)));
  o2m::qconv<int8_t, int8_t>(dw, x.data(), w.data(), fb, mult, shift, y1.data(), s1.data());
  o2m::qconv<int8_t, int8_t>(dense, x.data(), wd.data(), fbd, mult, shift, y2.data(), s2.data());
  EXPECT_EQ(y1, y2);
}

TEST(QConv, FoldedBiasNearTheInt32LimitsWrapsWithoutOverflow) {
  // INT32_MAX - 2 * (-3) leaves int32; modulo 2^32 the fold is INT32_MIN + 5, so an accumulator
  // that adds a dot product of -7 (inputs summing to 7) lands on the exact bias + sum((x - 2) * w),
  // INT32_MAX - 1.
  const int8_t w[3] = {-1, -1, -1};
  const int32_t bias[1] = {2147483647};
  int32_t out[1];
  o2m::qfold_bias(1, 3, w, bias, 2, out);
  EXPECT_EQ(out[0], -2147483647 - 1 + 5);
  EXPECT_EQ(static_cast<int32_t>(static_cast<uint32_t>(out[0]) + static_cast<uint32_t>(-7)), 2147483647 - 1);
}

TEST(QLinearConv, OnnxNodeTestValues) {
  // The first outputs of ONNX's test_qlinearconv (uint8, w_zero_point 255, run-time scales).
  const uint8_t x[9] = {255, 174, 162, 25, 203, 168, 58, 15, 59};
  const float xs = 0.00369204697f, ws = 0.00172794575f, ys = 0.00162681262f;
  const uint8_t xz = 132, w[1] = {0}, wz = 255, yz = 123;
  o2m::QLinearConvParams p{{1, 1, 1, 1, {1, 1, 9}, {1, 1, 9}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}}, 0};
  uint8_t y[9];
  o2m::qlinear_conv<uint8_t, uint8_t, uint8_t>(p, x, &xs, &xz, w, &ws, &wz, &ys, &yz, nullptr, y);
  const uint8_t want[6] = {0, 81, 93, 230, 52, 87};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want[i]) << i;
}

TEST(ConvInteger, OnnxBasicCase) {
  const uint8_t x[9] = {2, 3, 4, 5, 6, 7, 8, 9, 10}, w[4] = {1, 1, 1, 1}, xz = 1;
  o2m::QLinearConvParams p{{1, 1, 1, 1, {1, 3, 3}, {1, 2, 2}, {1, 2, 2}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}}, 0};
  int32_t y[4];
  o2m::conv_integer<uint8_t, uint8_t>(p, x, w, &xz, nullptr, y);
  EXPECT_EQ(std::vector<int32_t>(y, y + 4), (std::vector<int32_t>{12, 16, 24, 28}));
}

}  // namespace
