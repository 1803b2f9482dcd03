// templates/kernels/roi.hpp. RoiAlign on a linear image a*y + b*x + c: bilinear sampling is exact
// there and a bin's samples are symmetric about its centre, so avg mode must give the value at
// each bin's centre (rois inside the image, both coordinate modes). Max mode and MaxRoiPool
// against values worked out by hand; out-of-range batch indices give zeros.
// Tolerance: 1e-5 absolute (values up to ~20).
#include <gtest/gtest.h>

#include <vector>

#include "kernels/roi.hpp"

namespace {

TEST(RoiAlign, AvgOfALinearImageIsItsValueAtBinCentres) {
  const int H = 9, W = 11;
  std::vector<float> x(size_t(2 * H * W));
  for (int c = 0; c < 2; ++c)
    for (int h = 0; h < H; ++h)
      for (int w = 0; w < W; ++w) x[size_t((c * H + h) * W + w)] = 0.5f * h + 0.25f * w + float(c);
  const float rois[8] = {1.0f, 2.0f, 7.0f, 6.5f, 2.5f, 1.5f, 8.0f, 7.0f};  // x1, y1, x2, y2
  const int64_t batch[2] = {0, 0};
  for (int half_pixel = 0; half_pixel < 2; ++half_pixel)
    for (int ratio = 0; ratio < 3; ++ratio) {
      o2m::RoiAlignParams p{1, 2, H, W, 2, 3, 4, ratio, 1.0f, half_pixel, 0};
      std::vector<float> y(2 * 2 * 3 * 4);
      o2m::roi_align(p, x.data(), rois, batch, y.data());
      const double off = half_pixel ? 0.5 : 0.0;
      for (int r = 0; r < 2; ++r) {
        const double x0 = rois[4 * r] - off, y0 = rois[4 * r + 1] - off;
        const double bw = (rois[4 * r + 2] - rois[4 * r]) / 4.0, bh = (rois[4 * r + 3] - rois[4 * r + 1]) / 3.0;
        for (int c = 0; c < 2; ++c)
          for (int ph = 0; ph < 3; ++ph)
            for (int pw = 0; pw < 4; ++pw) {
              const double cy = y0 + (ph + 0.5) * bh, cx = x0 + (pw + 0.5) * bw;
              ASSERT_NEAR(y[size_t(((r * 2 + c) * 3 + ph) * 4 + pw)], 0.5 * cy + 0.25 * cx + c, 1e-5)
                  << "half_pixel " << half_pixel << " ratio " << ratio;
            }
      }
    }
}

TEST(RoiAlign, MaxModeTakesTheLargestWeightedTapAndBadBatchGivesZero) {
  // 2x2 image, one sample at (0.5, 0.5): taps 1, 2, 3, 4 each weighted 0.25 -> max 1.0.
  const float x[4] = {1, 2, 3, 4};
  const float roi[4] = {0, 0, 1, 1};
  const int64_t good = 0, bad = 3;
  o2m::RoiAlignParams p{1, 1, 2, 2, 1, 1, 1, 1, 1.0f, 0, 1};
  float y = -1;
  o2m::roi_align(p, x, roi, &good, &y);
  EXPECT_FLOAT_EQ(y, 1.0f);
  p.max_mode = 0;
  o2m::roi_align(p, x, roi, &good, &y);
  EXPECT_FLOAT_EQ(y, 2.5f);
  o2m::roi_align(p, x, roi, &bad, &y);
  EXPECT_EQ(y, 0.0f);
}

TEST(MaxRoiPool, MaxOverIntegerBins) {
  // 4x4 image of 0..15; roi batch 0, x 0..3, y 1..2 pooled to 1x2: columns {0,1} and {2,3} of rows 1..2.
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[size_t(i)] = float(i);
  const float rois[10] = {0, 0, 1, 3, 2, /* bad batch */ 5, 0, 0, 3, 3};
  o2m::MaxRoiPoolParams p{1, 1, 4, 4, 2, 1, 2, 1.0f};
  float y[4];
  o2m::max_roi_pool(p, x.data(), rois, y);
  EXPECT_EQ(y[0], 9.0f);
  EXPECT_EQ(y[1], 11.0f);
  EXPECT_EQ(y[2], 0.0f);
  EXPECT_EQ(y[3], 0.0f);
}

}  // namespace
