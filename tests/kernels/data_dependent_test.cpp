// templates/kernels/data_dependent.hpp against ONNX's documented examples: NonMaxSuppression's
// suppress-by-IoU case in both box formats (and with flipped corners, a score threshold, a limit
// of boxes) and Unique's examples 1 to 3 (flattened unsorted and sorted, unique rows). Exact.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/data_dependent.hpp"

namespace {

const float kBoxes[24] = {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f, 0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101};
const float kScores[6] = {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f};

std::vector<int64_t> run_nms(const float* boxes, int center, int64_t max_out, float iou, const float* score) {
  const o2m::NmsParams p{1, 1, 6, center};
  int32_t scratch[12];
  const int32_t count = o2m::nms_select(p, boxes, kScores, max_out, iou, score != nullptr, score ? *score : 0.0f, nullptr, scratch);
  std::vector<int64_t> y(size_t(3 * count));
  o2m::non_max_suppression(p, boxes, kScores, &max_out, &iou, score, y.data(), scratch);
  return y;
}

TEST(NonMaxSuppression, OnnxExamples) {
  const std::vector<int64_t> want{0, 0, 3, 0, 0, 0, 0, 0, 5};
  EXPECT_EQ(run_nms(kBoxes, 0, 3, 0.5f, nullptr), want);
  // The same boxes with their corners swapped, and as [x_c, y_c, w, h].
  float flipped[24], center[24];
  for (int b = 0; b < 6; ++b) {
    const float* s = kBoxes + 4 * b;
    flipped[4 * b] = s[2], flipped[4 * b + 1] = s[3], flipped[4 * b + 2] = s[0], flipped[4 * b + 3] = s[1];
    center[4 * b] = (s[1] + s[3]) / 2, center[4 * b + 1] = (s[0] + s[2]) / 2, center[4 * b + 2] = s[3] - s[1], center[4 * b + 3] = s[2] - s[0];
  }
  EXPECT_EQ(run_nms(flipped, 0, 3, 0.5f, nullptr), want);
  EXPECT_EQ(run_nms(center, 1, 3, 0.5f, nullptr), want);
  const float threshold = 0.4f;  // drops box 5 (score 0.3)
  EXPECT_EQ(run_nms(kBoxes, 0, 3, 0.5f, &threshold), (std::vector<int64_t>{0, 0, 3, 0, 0, 0}));
  EXPECT_EQ(run_nms(kBoxes, 0, 2, 0.5f, nullptr), (std::vector<int64_t>{0, 0, 3, 0, 0, 0}));
  EXPECT_EQ(run_nms(kBoxes, 0, 0, 0.5f, nullptr), std::vector<int64_t>{});
}

struct UniqueOut {
  std::vector<float> y;
  std::vector<int64_t> indices, inverse, counts;
};

UniqueOut run_unique(const o2m::UniqueParams& p, const std::vector<float>& x) {
  int32_t scratch[16];
  const int32_t n = o2m::unique_slices(p, x.data(), scratch);
  UniqueOut r{std::vector<float>(size_t(p.outer * n * p.inner)), std::vector<int64_t>(size_t(n)),
              std::vector<int64_t>(size_t(p.len)), std::vector<int64_t>(size_t(n))};
  o2m::unique(p, x.data(), r.y.data(), r.indices.data(), r.inverse.data(), r.counts.data(), scratch);
  return r;
}

TEST(Unique, OnnxExamples) {
  UniqueOut a = run_unique({1, 6, 1, 0}, {2, 1, 1, 3, 4, 3});
  EXPECT_EQ(a.y, (std::vector<float>{2, 1, 3, 4}));
  EXPECT_EQ(a.indices, (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(a.inverse, (std::vector<int64_t>{0, 1, 1, 2, 3, 2}));
  EXPECT_EQ(a.counts, (std::vector<int64_t>{1, 2, 2, 1}));
  UniqueOut b = run_unique({1, 4, 1, 1}, {1, 3, 2, 3});
  EXPECT_EQ(b.y, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(b.indices, (std::vector<int64_t>{0, 2, 1}));
  EXPECT_EQ(b.inverse, (std::vector<int64_t>{0, 2, 1, 2}));
  EXPECT_EQ(b.counts, (std::vector<int64_t>{1, 1, 2}));
  UniqueOut c = run_unique({1, 3, 3, 1}, {1, 0, 0, 1, 0, 0, 2, 3, 4});  // rows of [3, 3], axis 0
  EXPECT_EQ(c.y, (std::vector<float>{1, 0, 0, 2, 3, 4}));
  EXPECT_EQ(c.indices, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(c.inverse, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(c.counts, (std::vector<int64_t>{2, 1}));
}

}  // namespace
