// templates/kernels/deform_conv.hpp against a naive grouped 2-D convolution: with zero offsets
// and no mask it is that convolution; an integer offset (dy, dx) everywhere is that convolution
// of the image shifted by (dy, dx) with zeros shifted in; a mask scales every tap; a half-pixel
// offset averages neighbours. Tolerance: 1e-5 relative + 1e-5 absolute.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/deform_conv.hpp"

namespace {

// y = conv(x shifted by (sy, sx)) + bias, x read as 0 outside the image.
std::vector<double> ref_conv(const o2m::DeformConvParams& p, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& b, double sy, double sx, double scale) {
  std::vector<double> y(size_t(p.batch * p.out_c * p.out_h * p.out_w));
  const int icg = p.in_c / p.group, ocg = p.out_c / p.group;
  auto at = [&](int n, int c, double h, double ww) {
    // Bilinear between integer neighbours (exact for integer shifts).
    const int h0 = int(std::floor(h)), w0 = int(std::floor(ww));
    const double th = h - h0, tw = ww - w0;
    double v = 0;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        const int hh = h0 + i, wj = w0 + j;
        if (hh < 0 || hh >= p.in_h || wj < 0 || wj >= p.in_w) continue;
        v += (i ? th : 1 - th) * (j ? tw : 1 - tw) * x[size_t(((n * p.in_c + c) * p.in_h + hh) * p.in_w + wj)];
      }
    return v;
  };
  for (int n = 0; n < p.batch; ++n)
    for (int oc = 0; oc < p.out_c; ++oc)
      for (int oh = 0; oh < p.out_h; ++oh)
        for (int ow = 0; ow < p.out_w; ++ow) {
          double acc = b.empty() ? 0 : b[size_t(oc)];
          for (int ci = 0; ci < icg; ++ci)
            for (int kh = 0; kh < p.k_h; ++kh)
              for (int kw = 0; kw < p.k_w; ++kw) {
                const int ic = oc / ocg * icg + ci;
                const double h = oh * p.stride_h - p.pad_h + kh * p.dil_h + sy, ww = ow * p.stride_w - p.pad_w + kw * p.dil_w + sx;
                acc += scale * at(n, ic, h, ww) * w[size_t(((oc * icg + ci) * p.k_h + kh) * p.k_w + kw)];
              }
          y[size_t(((n * p.out_c + oc) * p.out_h + oh) * p.out_w + ow)] = acc;
        }
  return y;
}

TEST(DeformConv, MatchesShiftedConvolution) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  // batch 2, 4 -> 6 channels in 2 groups, 7x8 input, 3x2 kernel, stride (2, 1), pads 1, dilation (1, 2), 2 offset groups.
  o2m::DeformConvParams p{2, 4, 7, 8, 6, 0, 0, 3, 2, 2, 1, 1, 1, 1, 2, 2, 2};
  p.out_h = (7 + 2 - 3) / 2 + 1, p.out_w = (8 + 2 - 3) / 1 + 1;
  std::vector<float> x(size_t(2 * 4 * 7 * 8)), w(size_t(6 * 2 * 3 * 2)), b(6);
  for (float& v : x) v = dist(rng);
  for (float& v : w) v = dist(rng);
  for (float& v : b) v = dist(rng);
  const int taps = 6, plane = p.out_h * p.out_w;
  const double shifts[][3] = {{0, 0, 1}, {1, -2, 1}, {-1, 1, 0.5}, {0.5, 0.25, 1}};
  for (const auto& s : shifts) {
    std::vector<float> off(size_t(2 * 2 * taps * 2 * plane)), mask(size_t(2 * 2 * taps * plane), float(s[2]));
    for (size_t i = 0; i < off.size(); ++i) off[i] = float((i / size_t(plane)) % 2 ? s[1] : s[0]);
    std::vector<float> y(size_t(2 * 6 * plane));
    o2m::deform_conv2d(p, x.data(), w.data(), off.data(), b.data(), s[2] == 1 ? nullptr : mask.data(), y.data());
    const std::vector<double> ref = ref_conv(p, x, w, b, s[0], s[1], s[2]);
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-5 * std::fabs(ref[i]) + 1e-5) << "shift " << s[0] << "," << s[1];
  }
}

}  // namespace
