// templates/kernels/tensor_scatter.hpp against ONNX's examples (linear writes per batch) and a
// circular write that wraps, written out by hand; positions past the end in linear mode are
// left alone. Every result is exact.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/tensor_scatter.hpp"

namespace {

TEST(TensorScatter, LinearPerBatchWriteIndices) {
  // past [3, 4, 2], update [3, 2, 2] along axis 1, write indices {1, 2, 0}.
  std::vector<float> past(24), update(12), y(24);
  for (int i = 0; i < 24; ++i) past[size_t(i)] = float(i);
  for (int i = 0; i < 12; ++i) update[size_t(i)] = float(100 + i);
  const int64_t idx[3] = {1, 2, 0};
  o2m::tensor_scatter({3, 1, 4, 2, 2, 0}, past.data(), update.data(), idx, y.data());
  std::vector<float> want = past;
  for (int b = 0; b < 3; ++b)
    for (int s = 0; s < 2; ++s)
      for (int i = 0; i < 2; ++i) want[size_t((b * 4 + idx[b] + s) * 2 + i)] = update[size_t((b * 2 + s) * 2 + i)];
  EXPECT_EQ(y, want);
  // No write indices: position 0.
  o2m::tensor_scatter({3, 1, 4, 2, 2, 0}, past.data(), update.data(), static_cast<const int64_t*>(nullptr), y.data());
  EXPECT_EQ(y[0], 100.0f);
  EXPECT_EQ(y[4], 4.0f);
}

TEST(TensorScatter, CircularWrapsAndLinearSkipsPastTheEnd) {
  // past [1, 2 (mid), 3, 1], update [1, 2, 2, 1], write index 2: circular writes positions 2 and 0.
  const float past[6] = {0, 1, 2, 3, 4, 5}, update[4] = {10, 11, 12, 13};
  const int64_t idx = 2;
  float y[6];
  o2m::tensor_scatter({1, 2, 3, 2, 1, 1}, past, update, &idx, y);
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{11, 1, 10, 13, 4, 12}));
  o2m::tensor_scatter({1, 2, 3, 2, 1, 0}, past, update, &idx, y);
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{0, 1, 10, 3, 4, 12}));
  const int64_t negative = -4;  // circular: -4 mod 3 = 2
  o2m::tensor_scatter({1, 2, 3, 2, 1, 1}, past, update, &negative, y);
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{11, 1, 10, 13, 4, 12}));
}

}  // namespace
