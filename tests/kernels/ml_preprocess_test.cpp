// The ai.onnx.ml preprocessing kernels (ml_preprocess.hpp) on hand-computed cases: per-feature
// tables, NaN handling, zero divisors, out-of-range indices, duplicate and NaN keys.
#include "kernels/ml_preprocess.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

TEST(MlPreprocess, ScalerPerFeatureAndBroadcast) {
  const int32_t x[] = {1, 2, 3, 4, 5, 6};
  const float off[] = {1, 2, 3}, scale[] = {2, 3, 4}, one_off[] = {1}, one_scale[] = {0.5f};
  float y[6];
  o2m::ml_scaler<int32_t>({6, 3}, x, off, scale, y);
  const float want[] = {0, 0, 0, 6, 9, 12};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y[i], want[i]);
  o2m::ml_scaler<int32_t>({6, 1}, x, one_off, one_scale, y);
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y[i], (x[i] - 1) * 0.5f);
}

TEST(MlPreprocess, ImputerReplacesNaNOrAValue) {
  const float x[] = {1, NAN, 3, NAN}, nan[] = {NAN}, imputed[] = {10, 20};
  float y[4];
  o2m::ml_imputer<float>({4, 2}, x, nan, imputed, y);
  EXPECT_EQ(y[0], 1);
  EXPECT_EQ(y[1], 20);
  EXPECT_EQ(y[2], 3);
  EXPECT_EQ(y[3], 20);
  const int64_t xi[] = {0, 5, 0}, zero[] = {0}, fill[] = {-1};
  int64_t yi[3];
  o2m::ml_imputer<int64_t>({3, 1}, xi, zero, fill, yi);
  EXPECT_EQ(yi[0], -1);
  EXPECT_EQ(yi[1], 5);
  EXPECT_EQ(yi[2], -1);
}

TEST(MlPreprocess, BinarizerKeepsNaN) {
  const double x[] = {-1, 0.5, 0.6, NAN};
  double y[4];
  o2m::ml_binarizer<double>({4, 0.5f}, x, y);
  EXPECT_EQ(y[0], 0);
  EXPECT_EQ(y[1], 0);
  EXPECT_EQ(y[2], 1);
  EXPECT_TRUE(std::isnan(y[3]));
}

TEST(MlPreprocess, NormalizerModesAndZeroRows) {
  const float x[] = {3, -4, 0, 0};
  float y[4];
  o2m::ml_normalizer<float>({2, 2, o2m::kNormL2}, x, y);
  EXPECT_FLOAT_EQ(y[0], 0.6f);
  EXPECT_FLOAT_EQ(y[1], -0.8f);
  EXPECT_FLOAT_EQ(y[2], 0);  // a zero row stays as it is
  o2m::ml_normalizer<float>({2, 2, o2m::kNormL1}, x, y);
  EXPECT_FLOAT_EQ(y[0], 3.0f / 7);
  EXPECT_FLOAT_EQ(y[1], -4.0f / 7);
  o2m::ml_normalizer<float>({2, 2, o2m::kNormMax}, x, y);
  EXPECT_FLOAT_EQ(y[0], 1);
  EXPECT_FLOAT_EQ(y[1], -4.0f / 3);
}

TEST(MlPreprocess, ArrayFeatureExtractorPicksAndZeroesOutOfRange) {
  const int64_t x[] = {10, 11, 12, 20, 21, 22}, idx[] = {2, 0, 5};
  int64_t z[6];
  o2m::ml_array_feature_extractor<int64_t>({2, 3, 3}, x, idx, z);
  const int64_t want[] = {12, 10, 0, 22, 20, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(z[i], want[i]);
}

TEST(MlPreprocess, LabelEncoderLastKeyWinsAndNaNMatches) {
  const float keys[] = {1, 2, 1, NAN}, x[] = {1, 2, 3, NAN};
  const int64_t values[] = {10, 20, 30, 40}, def[] = {-1};
  int64_t y[4];
  o2m::ml_label_encoder<float, int64_t>({4, 4}, x, keys, values, def, y);
  EXPECT_EQ(y[0], 30);
  EXPECT_EQ(y[1], 20);
  EXPECT_EQ(y[2], -1);
  EXPECT_EQ(y[3], 40);
}

TEST(MlPreprocess, OneHotEncoderTruncatesFloatsAndZeroesUnknowns) {
  const double x[] = {2.7, 5, -1};
  const int64_t cats[] = {5, 2};
  float y[6];
  o2m::ml_one_hot_encoder<double>({3, 2}, x, cats, y);
  const float want[] = {0, 1, 1, 0, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], want[i]);
}

}  // namespace
