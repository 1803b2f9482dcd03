// templates/kernels/geometry.hpp: Col2Im against ONNX's example and against im2col (the gather
// it inverts: every column entry is added back to the pixel im2col read it from) with pads,
// strides and dilations in 2-D and 3-D; AffineGrid against theta times the base grid written out
// per point. Tolerance: exact for Col2Im on small integers, 1e-6 absolute for AffineGrid.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/geometry.hpp"

namespace {

TEST(Col2Im, OnnxExample) {
  // input [1, 5, 5]: block [1, 5] over image [5, 5]; column l holds image row l.
  std::vector<float> x(25), y(25);
  for (int c = 0; c < 5; ++c)
    for (int l = 0; l < 5; ++l) x[size_t(c * 5 + l)] = float(l * 5 + c + 1);
  o2m::Col2ImParams p{1, 1, 2, {5, 5}, {1, 5}, {5, 1}, {1, 1}, {1, 1}, {0, 0}};
  o2m::col2im(p, x.data(), y.data());
  for (int i = 0; i < 25; ++i) EXPECT_EQ(y[size_t(i)], float(i + 1));
}

// im2col's source pixel (flat, in one channel's image) of column entry (b, l), or -1 in padding.
int im2col_source(const o2m::Col2ImParams& p, int b, int l) {
  int pix = 0;
  int bd[4], ld[4];
  for (int d = p.spatial - 1; d >= 0; --d) {
    bd[d] = b % p.block[d], b /= p.block[d];
    ld[d] = l % p.blocks[d], l /= p.blocks[d];
  }
  for (int d = 0; d < p.spatial; ++d) {
    const int pos = ld[d] * p.stride[d] + bd[d] * p.dilation[d] - p.pad_begin[d];
    if (pos < 0 || pos >= p.image[d]) return -1;
    pix = pix * p.image[d] + pos;
  }
  return pix;
}

void check_col2im(o2m::Col2ImParams p, const int* pad_end) {
  int image = 1, block = 1, blocks = 1;
  for (int d = 0; d < p.spatial; ++d) {
    p.blocks[d] = (p.image[d] + p.pad_begin[d] + pad_end[d] - (p.dilation[d] * (p.block[d] - 1) + 1)) / p.stride[d] + 1;
    image *= p.image[d], block *= p.block[d], blocks *= p.blocks[d];
  }
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> dist(-9, 9);
  std::vector<int32_t> x(size_t(p.batch * p.channels * block * blocks)), y(size_t(p.batch * p.channels * image));
  for (int32_t& v : x) v = dist(rng);
  o2m::col2im(p, x.data(), y.data());
  std::vector<int32_t> ref(y.size(), 0);
  for (int nc = 0; nc < p.batch * p.channels; ++nc)
    for (int b = 0; b < block; ++b)
      for (int l = 0; l < blocks; ++l) {
        const int src = im2col_source(p, b, l);
        if (src >= 0) ref[size_t(nc * image + src)] += x[size_t((nc * block + b) * blocks + l)];
      }
  EXPECT_EQ(y, ref);
}

TEST(Col2Im, InvertsIm2ColWithPadsStridesDilations) {
  const int no_pad[2] = {0, 0}, pads2[2] = {1, 2}, pads3[3] = {1, 0, 2};
  check_col2im({2, 3, 2, {5, 7}, {2, 3}, {}, {1, 1}, {1, 1}, {0, 0}}, no_pad);
  check_col2im({1, 2, 2, {6, 7}, {3, 2}, {}, {2, 3}, {1, 2}, {2, 1}}, pads2);
  check_col2im({1, 2, 3, {4, 5, 3}, {2, 2, 2}, {}, {1, 2, 1}, {2, 1, 1}, {0, 1, 1}}, pads3);
}

TEST(AffineGrid, ThetaTimesBaseGrid) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (int spatial = 2; spatial <= 3; ++spatial)
    for (int align = 0; align < 2; ++align) {
      const int n = 2, dims[3] = {3, 4, 5};
      o2m::AffineGridParams p{n, spatial, {dims[0], dims[1], dims[2]}, align};
      if (spatial == 2) p.dims[0] = 4, p.dims[1] = 5;
      std::vector<float> theta(size_t(n * spatial * (spatial + 1)));
      for (float& v : theta) v = dist(rng);
      const int d_n = spatial == 3 ? p.dims[0] : 1, h_n = p.dims[spatial - 2], w_n = p.dims[spatial - 1];
      std::vector<float> grid(size_t(n * d_n * h_n * w_n * spatial));
      o2m::affine_grid(p, theta.data(), grid.data());
      auto base = [&](int i, int size) { return align ? -1.0 + 2.0 * i / (size - 1) : (2.0 * i + 1) / size - 1; };
      size_t at = 0;
      for (int b = 0; b < n; ++b)
        for (int d = 0; d < d_n; ++d)
          for (int h = 0; h < h_n; ++h)
            for (int w = 0; w < w_n; ++w) {
              const double pt[4] = {base(w, w_n), base(h, h_n), spatial == 3 ? base(d, d_n) : 1.0, 1.0};
              for (int r = 0; r < spatial; ++r) {
                double v = 0;
                for (int c = 0; c <= spatial; ++c) v += theta[size_t((b * spatial + r) * (spatial + 1) + c)] * pt[c];
                ASSERT_NEAR(grid[at++], v, 1e-6) << "spatial " << spatial << " align " << align;
              }
            }
    }
}

}  // namespace
