// o2m::conv and o2m::conv_transpose against direct, bounds-checked references in double.
// Tolerance: 1e-5 of the sum of |x * w| terms per output (the scale float accumulation error has).
#include "kernels/conv.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace {

using Dims = std::array<int, 3>;  // [d, h, w]; 1 (and no padding) for dims a conv does not use

struct Geometry {
  int n, c_in, c_out, group;
  Dims in, k, stride, dil, pad_begin, pad_end;
  bool bias;
  int out(int d) const { return (in[d] + pad_begin[d] + pad_end[d] - ((k[d] - 1) * dil[d] + 1)) / stride[d] + 1; }
};

// A 2-D geometry: h x w input, kh x kw kernel, stride 1, no dilation or padding, with bias.
Geometry conv2d(int n, int c_in, int c_out, int group, int h, int w, int kh, int kw) {
  return {n, c_in, c_out, group, {1, h, w}, {1, kh, kw}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, true};
}

std::vector<float> random_floats(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

size_t volume(const Dims& d) { return size_t(d[0]) * d[1] * d[2]; }
size_t flat(const Dims& dims, int a, int b, int c) { return (size_t(a) * dims[1] + b) * dims[2] + c; }

o2m::ConvParams params_of(const Geometry& g, const Dims& in, const Dims& out) {
  o2m::ConvParams p{};
  p.n = g.n;
  p.c_in = g.c_in;
  p.c_out = g.c_out;
  p.group = g.group;
  for (int d = 0; d < 3; ++d) {
    p.in[d] = in[d];
    p.out[d] = out[d];
    p.k[d] = g.k[d];
    p.stride[d] = g.stride[d];
    p.dil[d] = g.dil[d];
    p.pad[d] = g.pad_begin[d];
  }
  return p;
}

void check_conv(const Geometry& g, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const int cin_g = g.c_in / g.group, cout_g = g.c_out / g.group;
  const Dims out = {g.out(0), g.out(1), g.out(2)};
  std::vector<float> x = random_floats(rng, size_t(g.n) * g.c_in * volume(g.in));
  std::vector<float> w = random_floats(rng, size_t(g.c_out) * cin_g * volume(g.k));
  std::vector<float> b = random_floats(rng, size_t(g.c_out));
  std::vector<float> y(size_t(g.n) * g.c_out * volume(out), NAN);
  o2m::conv<float>(params_of(g, g.in, out), x.data(), w.data(), g.bias ? b.data() : nullptr, y.data());

  for (int bn = 0; bn < g.n; ++bn)
    for (int oc = 0; oc < g.c_out; ++oc)
      for (int od = 0; od < out[0]; ++od)
        for (int oh = 0; oh < out[1]; ++oh)
          for (int ow = 0; ow < out[2]; ++ow) {
            double ref = g.bias ? b[size_t(oc)] : 0.0, mag = std::fabs(ref);
            const int grp = oc / cout_g;
            for (int ic = 0; ic < cin_g; ++ic)
              for (int kd = 0; kd < g.k[0]; ++kd)
                for (int kh = 0; kh < g.k[1]; ++kh)
                  for (int kw = 0; kw < g.k[2]; ++kw) {
                    const int id = od * g.stride[0] - g.pad_begin[0] + kd * g.dil[0];
                    const int ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dil[1];
                    const int iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dil[2];
                    if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) continue;
                    const double t = double(x[(size_t(bn) * g.c_in + grp * cin_g + ic) * volume(g.in) + flat(g.in, id, ih, iw)]) *
                                     w[(size_t(oc) * cin_g + ic) * volume(g.k) + flat(g.k, kd, kh, kw)];
                    ref += t;
                    mag += std::fabs(t);
                  }
            const float got = y[(size_t(bn) * g.c_out + oc) * volume(out) + flat(out, od, oh, ow)];
            ASSERT_NEAR(got, ref, 1e-5 * mag + 1e-7) << "n=" << bn << " oc=" << oc << " at " << od << "," << oh << "," << ow;
          }
}

TEST(Conv, HandComputedSumOfWindow) {
  // 3x3 input 1..9, 2x2 kernel of ones, bias 0.5: each output is the sum of a 2x2 block + 0.5.
  const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 1, 1, 1}, bias[1] = {0.5f};
  float y[4] = {};
  Geometry g = conv2d(1, 1, 1, 1, 3, 3, 2, 2);
  o2m::conv<float>(params_of(g, g.in, {1, 2, 2}), x, w, bias, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
}

TEST(Conv, PaddingOnlyTouchesTheBorder) {
  // 2x2 input, 3x3 kernel of ones, pads 1: every output window covers all four inputs.
  const float x[4] = {1, 2, 3, 4};
  float w[9], y[4] = {};
  for (float& v : w) v = 1;
  Geometry g = conv2d(1, 1, 1, 1, 2, 2, 3, 3);
  g.pad_begin = g.pad_end = {0, 1, 1};
  o2m::conv<float>(params_of(g, g.in, {1, 2, 2}), x, w, nullptr, y);
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{10, 10, 10, 10}));
}

Geometry with(Geometry g, Dims stride, Dims dil, Dims pb, Dims pe) {
  g.stride = stride;
  g.dil = dil;
  g.pad_begin = pb;
  g.pad_end = pe;
  return g;
}

TEST(Conv, PlainStrideOne) { check_conv(conv2d(2, 3, 4, 1, 7, 6, 3, 3), 1); }
TEST(Conv, PaddedSame) { check_conv(with(conv2d(1, 4, 5, 1, 9, 9, 3, 3), {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}), 2); }
TEST(Conv, AsymmetricPadding) { check_conv(with(conv2d(1, 2, 3, 1, 8, 5, 3, 2), {1, 1, 1}, {1, 1, 1}, {0, 2, 0}, {0, 1, 3}), 3); }
TEST(Conv, Strided) { check_conv(with(conv2d(1, 3, 4, 1, 11, 10, 3, 3), {1, 2, 3}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}), 4); }
TEST(Conv, Dilated) { check_conv(with(conv2d(1, 2, 3, 1, 12, 12, 3, 3), {1, 1, 1}, {1, 2, 3}, {0, 2, 3}, {0, 2, 3}), 5); }
TEST(Conv, Grouped) { check_conv(with(conv2d(2, 6, 9, 3, 6, 6, 3, 3), {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}), 6); }
TEST(Conv, Depthwise) { check_conv(with(conv2d(1, 8, 8, 8, 10, 10, 3, 3), {1, 2, 2}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}), 7); }
TEST(Conv, DepthwiseMultiplier) { check_conv(with(conv2d(1, 4, 8, 4, 7, 7, 3, 3), {1, 1, 1}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}), 8); }
TEST(Conv, OneDimensional) { check_conv(with(conv2d(1, 3, 4, 1, 1, 20, 1, 5), {1, 1, 2}, {1, 1, 1}, {0, 0, 2}, {0, 0, 2}), 9); }
TEST(Conv, KernelLargerThanInput) { check_conv(with(conv2d(1, 1, 2, 1, 2, 3, 5, 5), {1, 1, 1}, {1, 1, 1}, {0, 2, 2}, {0, 2, 2}), 10); }

TEST(Conv, ThreeDimensional) {
  Geometry g{1, 2, 3, 1, {5, 6, 4}, {3, 2, 3}, {2, 1, 1}, {1, 2, 1}, {1, 0, 1}, {1, 1, 1}, true};
  check_conv(g, 11);
}

TEST(Conv, RandomGeometries) {
  std::mt19937 rng(12345);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 150; ++seed) {
    Geometry g{};
    g.group = pick(1, 3);
    g.n = pick(1, 2);
    g.c_in = g.group * pick(1, 3);
    g.c_out = g.group * pick(1, 3);
    const int first = seed % 5 == 0 ? 0 : 1;  // every fifth case is 3-D
    for (int d = 0; d < 3; ++d) {
      const bool used = d >= first;
      g.k[d] = used ? pick(1, 4) : 1;
      g.stride[d] = used ? pick(1, 3) : 1;
      g.dil[d] = used ? pick(1, 2) : 1;
      g.pad_begin[d] = used ? pick(0, 2) : 0;
      g.pad_end[d] = used ? pick(0, 2) : 0;
      g.in[d] = used ? pick(1, seed % 5 == 0 ? 4 : 9) + (g.k[d] - 1) * g.dil[d] : 1;
    }
    g.bias = pick(0, 1) == 1;
    check_conv(g, 1000 + seed);
    if (HasFatalFailure()) return;
  }
}

// ConvTranspose: input element i of each dim scatters into output o = i * stride - pad + t * dil.
// The output size is the full size minus the pads plus output_padding (0 .. stride-1).
void check_conv_transpose(const Geometry& g, const Dims& out_pad, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const int cin_g = g.c_in / g.group, cout_g = g.c_out / g.group;
  Dims out;
  for (int d = 0; d < 3; ++d)
    out[d] = (g.in[d] - 1) * g.stride[d] + (g.k[d] - 1) * g.dil[d] + 1 - g.pad_begin[d] - g.pad_end[d] + out_pad[d];
  std::vector<float> x = random_floats(rng, size_t(g.n) * g.c_in * volume(g.in));
  std::vector<float> w = random_floats(rng, size_t(g.c_in) * cout_g * volume(g.k));
  std::vector<float> b = random_floats(rng, size_t(g.c_out));
  std::vector<float> y(size_t(g.n) * g.c_out * volume(out), NAN);
  o2m::conv_transpose<float>(params_of(g, g.in, out), x.data(), w.data(), g.bias ? b.data() : nullptr, y.data());

  std::vector<double> ref(y.size(), 0.0), mag(y.size(), 0.0);
  for (int bn = 0; bn < g.n; ++bn)
    for (int oc = 0; oc < g.c_out; ++oc)
      for (size_t o = 0; o < volume(out); ++o) {
        const size_t at = (size_t(bn) * g.c_out + oc) * volume(out) + o;
        ref[at] = g.bias ? b[size_t(oc)] : 0.0;
        mag[at] = std::fabs(ref[at]);
      }
  for (int bn = 0; bn < g.n; ++bn)
    for (int ic = 0; ic < g.c_in; ++ic)
      for (int ocg = 0; ocg < cout_g; ++ocg)
        for (int id = 0; id < g.in[0]; ++id)
          for (int ih = 0; ih < g.in[1]; ++ih)
            for (int iw = 0; iw < g.in[2]; ++iw)
              for (int kd = 0; kd < g.k[0]; ++kd)
                for (int kh = 0; kh < g.k[1]; ++kh)
                  for (int kw = 0; kw < g.k[2]; ++kw) {
                    const int od = id * g.stride[0] - g.pad_begin[0] + kd * g.dil[0];
                    const int oh = ih * g.stride[1] - g.pad_begin[1] + kh * g.dil[1];
                    const int ow = iw * g.stride[2] - g.pad_begin[2] + kw * g.dil[2];
                    if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1] || ow < 0 || ow >= out[2]) continue;
                    const int oc = ic / cin_g * cout_g + ocg;
                    const double t = double(x[(size_t(bn) * g.c_in + ic) * volume(g.in) + flat(g.in, id, ih, iw)]) *
                                     w[(size_t(ic) * cout_g + ocg) * volume(g.k) + flat(g.k, kd, kh, kw)];
                    const size_t at = (size_t(bn) * g.c_out + oc) * volume(out) + flat(out, od, oh, ow);
                    ref[at] += t;
                    mag[at] += std::fabs(t);
                  }
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-5 * mag[i] + 1e-7) << "output element " << i;
}

TEST(ConvTranspose, HandComputedUpsampling) {
  // 1-D: x = [1, 2], w = [1, 1, 1], stride 2 -> [1, 1, 1+2, 2, 2].
  const float x[2] = {1, 2}, w[3] = {1, 1, 1};
  float y[5];
  Geometry g = conv2d(1, 1, 1, 1, 1, 2, 1, 3);
  g.stride = {1, 1, 2};
  o2m::conv_transpose<float>(params_of(g, g.in, {1, 1, 5}), x, w, nullptr, y);
  EXPECT_EQ(std::vector<float>(y, y + 5), (std::vector<float>{1, 1, 3, 2, 2}));
}

TEST(ConvTranspose, RandomGeometries) {
  std::mt19937 rng(54321);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (uint32_t seed = 0; seed < 100; ++seed) {
    Geometry g{};
    g.group = pick(1, 2);
    g.n = pick(1, 2);
    g.c_in = g.group * pick(1, 3);
    g.c_out = g.group * pick(1, 3);
    Dims out_pad{};
    const int first = seed % 4 == 0 ? 0 : 1;
    for (int d = 0; d < 3; ++d) {
      const bool used = d >= first;
      g.in[d] = used ? pick(1, 5) : 1;
      g.k[d] = used ? pick(1, 4) : 1;
      g.stride[d] = used ? pick(1, 3) : 1;
      g.dil[d] = used ? pick(1, 2) : 1;
      g.pad_begin[d] = used ? pick(0, (g.k[d] - 1) * g.dil[d] / 2) : 0;
      g.pad_end[d] = used ? pick(0, (g.k[d] - 1) * g.dil[d] / 2) : 0;
      out_pad[d] = used ? pick(0, g.stride[d] - 1) : 0;
    }
    g.bias = pick(0, 1) == 1;
    check_conv_transpose(g, out_pad, 3000 + seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
