// o2m::resize, grid_sample, einsum, the normalizations (instance, layer, mean-variance, Lp, LRN),
// hardmax and global_lp_pool against naive double-precision references.
// Resize's reference follows ONNX's Python one step by step (edge padding, the n nearest
// indices with ties to the lower one, exclude_outside renormalisation), so it checks the
// kernel's closed-form tap selection. Tolerance: 1e-5 relative (+1e-5 absolute).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "kernels/einsum.hpp"
#include "kernels/grid_sample.hpp"
#include "kernels/norm.hpp"
#include "kernels/pool.hpp"
#include "kernels/resize.hpp"
#include "kernels/softmax.hpp"

namespace {

std::vector<float> random_floats(std::mt19937& rng, size_t count, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& ref, double rel = 1e-5, double abs = 1e-5) {
  ASSERT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], ref[i], rel * std::fabs(ref[i]) + abs) << "at " << i;
}

// ---- Resize -------------------------------------------------------------------------------

std::vector<double> ref_coeffs(const o2m::ResizeParams& p, double scale, double ratio) {
  const double A = p.cubic_a;
  auto k = [&](double s) {  // Keys' cubic kernel at distance s
    s = std::fabs(s);
    if (s <= 1) return ((A + 2) * s - (A + 3)) * s * s + 1;
    if (s < 2) return ((A * s - 5 * A) * s + 8 * A) * s - 4 * A;
    return 0.0;
  };
  if (p.antialias && p.mode != o2m::kResizeNearest) {  // ONNX's linear/cubic_coeffs_antialias
    const double s = std::min(scale, 1.0);
    const int start = int(std::floor((p.mode == o2m::kResizeLinear ? -1 : -2) / s) + 1);
    std::vector<double> c;
    for (int i = start; i < 2 - start; ++i) {
      const double x = s * (i - ratio);
      c.push_back(p.mode == o2m::kResizeLinear ? std::max(0.0, 1 - std::fabs(x)) : k(x));
    }
    double sum = 0;
    for (double v : c) sum += v;
    for (double& v : c) v /= sum;
    return c;
  }
  if (p.mode == o2m::kResizeLinear) return {1 - ratio, ratio};
  if (p.mode == o2m::kResizeCubic) return {k(ratio + 1), k(ratio), k(1 - ratio), k(2 - ratio)};
  if (ratio == 1) return {0, 1};
  switch (p.nearest) {
    case o2m::kNearestRoundPreferCeil: return {ratio < 0.5 ? 1.0 : 0.0, ratio >= 0.5 ? 1.0 : 0.0};
    case o2m::kNearestFloor: return {1, 0};
    case o2m::kNearestCeil: return {0, 1};
    default: return {ratio <= 0.5 ? 1.0 : 0.0, ratio > 0.5 ? 1.0 : 0.0};
  }
}

// ONNX's interpolate_1d_with_x.
double ref_interp_1d(const o2m::ResizeParams& p, int d, const std::vector<double>& data, int x) {
  const double in = static_cast<double>(data.size());
  const double scale = p.scale[d] != 0 ? double(p.scale[d]) : double(p.out[d]) / in;
  const double out_len = scale * in;
  double src;
  switch (p.coord) {
    case o2m::kCoordAlignCorners: src = out_len == 1 ? 0 : x * (in - 1) / (out_len - 1); break;
    case o2m::kCoordAsymmetric: src = x / scale; break;
    case o2m::kCoordTfHalfPixelForNn: src = (x + 0.5) / scale; break;
    case o2m::kCoordPytorchHalfPixel: src = out_len == 1 ? -0.5 : (x + 0.5) / scale - 0.5; break;
    case o2m::kCoordHalfPixelSymmetric:  // ONNX: offset = in / 2 * (1 - out_int / out_len)
      src = in / 2 * (1 - p.out[d] / out_len) + (x + 0.5) / scale - 0.5;
      break;
    case o2m::kCoordTfCropAndResize: {
      const double s = p.roi_start[d], e = p.roi_end[d];
      src = (out_len == 1 ? (e - s) * (in - 1) / 2 : x * (e - s) * (in - 1) / (out_len - 1)) + s * (in - 1);
      if (src < 0 || src > in - 1) return p.extrapolation;
      break;
    }
    default: src = (x + 0.5) / scale - 0.5; break;
  }
  const double ratio = src == std::floor(src) ? 1.0 : src - std::floor(src);
  std::vector<double> c = ref_coeffs(p, scale, ratio);
  const int n = static_cast<int>(c.size()), pad = (n + 1) / 2;
  const int len = static_cast<int>(data.size()) + 2 * pad;
  std::vector<int> idx(static_cast<size_t>(len));
  for (int i = 0; i < len; ++i) idx[size_t(i)] = i;
  const double xp = src + pad;
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return std::fabs(xp - a) < std::fabs(xp - b); });
  idx.resize(size_t(n));
  std::sort(idx.begin(), idx.end());
  double sum = 0, acc = 0;
  for (int t = 0; t < n; ++t) {
    const int orig = idx[size_t(t)] - pad;
    if (p.exclude_outside && (orig < 0 || orig >= static_cast<int>(data.size()))) c[size_t(t)] = 0;
    sum += c[size_t(t)];
  }
  for (int t = 0; t < n; ++t) {
    const int orig = std::min(std::max(idx[size_t(t)] - pad, 0), static_cast<int>(data.size()) - 1);
    acc += (p.exclude_outside ? c[size_t(t)] / sum : c[size_t(t)]) * data[size_t(orig)];
  }
  return acc;
}

// ONNX's interpolate_nd_with_x: interpolate the innermost dims first, then along dim d.
double ref_interp_nd(const o2m::ResizeParams& p, int d, const std::vector<double>& data, const std::vector<int>& x) {
  if (d == p.rank - 1) return ref_interp_1d(p, d, data, x[size_t(d)]);
  const size_t inner = data.size() / size_t(p.in[d]);
  std::vector<double> line;
  for (int i = 0; i < p.in[d]; ++i)
    line.push_back(ref_interp_nd(p, d + 1, std::vector<double>(data.begin() + long(i * inner), data.begin() + long((i + 1) * inner)), x));
  return ref_interp_1d(p, d, line, x[size_t(d)]);
}

o2m::ResizeParams resize_params(std::vector<int> in, std::vector<int> out, std::vector<float> scale, int mode, int coord,
                                int nearest = o2m::kNearestRoundPreferFloor) {
  o2m::ResizeParams p{};
  p.rank = static_cast<int32_t>(in.size());
  for (size_t d = 0; d < in.size(); ++d) {
    p.in[d] = in[d];
    p.out[d] = out[d];
    p.scale[d] = scale.empty() ? 0.0f : scale[d];
    p.roi_start[d] = 0;
    p.roi_end[d] = 1;
  }
  p.mode = mode;
  p.coord = coord;
  p.nearest = nearest;
  p.cubic_a = -0.75f;
  return p;
}

void check_resize(const o2m::ResizeParams& p, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  size_t n_in = 1, n_out = 1;
  for (int d = 0; d < p.rank; ++d) n_in *= size_t(p.in[d]), n_out *= size_t(p.out[d]);
  std::vector<float> x = random_floats(rng, n_in), y(n_out, NAN);
  std::vector<uint8_t> scratch(size_t(o2m::resize_scratch_bytes(p)) + 1);
  o2m::resize<float>(p, x.data(), y.data(), scratch.data());
  std::vector<double> xd(x.begin(), x.end()), ref;
  std::vector<int> at(size_t(p.rank), 0);
  for (size_t o = 0; o < n_out; ++o) {
    ref.push_back(ref_interp_nd(p, 0, xd, at));
    for (int d = p.rank - 1; d >= 0; --d) {
      if (++at[size_t(d)] < p.out[d]) break;
      at[size_t(d)] = 0;
    }
  }
  expect_close(y, ref);
}

TEST(Resize, NearestUpsampleRepeatsPixels) {
  const float x[4] = {1, 2, 3, 4};
  float y[12];
  o2m::ResizeParams p = resize_params({1, 1, 2, 2}, {1, 1, 2, 6}, {1, 1, 1, 3}, o2m::kResizeNearest, o2m::kCoordHalfPixel);
  std::vector<uint8_t> scratch(size_t(o2m::resize_scratch_bytes(p)));
  o2m::resize<float>(p, x, y, scratch.data());
  EXPECT_EQ(std::vector<float>(y, y + 12), (std::vector<float>{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}));
}

TEST(Resize, NearestModes) {
  for (int nearest : {o2m::kNearestRoundPreferFloor, o2m::kNearestRoundPreferCeil, o2m::kNearestFloor, o2m::kNearestCeil})
    for (int coord : {o2m::kCoordHalfPixel, o2m::kCoordAsymmetric, o2m::kCoordAlignCorners, o2m::kCoordTfHalfPixelForNn})
      check_resize(resize_params({1, 2, 4, 5}, {1, 2, 7, 8}, {}, o2m::kResizeNearest, coord, nearest), 10u + uint32_t(nearest * 7 + coord));
}

TEST(Resize, LinearAndCubicUpAndDown) {
  for (int mode : {o2m::kResizeLinear, o2m::kResizeCubic})
    for (int coord : {o2m::kCoordHalfPixel, o2m::kCoordPytorchHalfPixel, o2m::kCoordAlignCorners, o2m::kCoordAsymmetric,
                      o2m::kCoordHalfPixelSymmetric}) {
      check_resize(resize_params({1, 1, 4, 4}, {1, 1, 8, 8}, {1, 1, 2, 2}, mode, coord), 20u + uint32_t(coord));
      check_resize(resize_params({1, 1, 5, 6}, {1, 1, 4, 4}, {1, 1, 0.8f, 0.7f}, mode, coord), 30u + uint32_t(coord));
      check_resize(resize_params({2, 5, 3}, {2, 3, 1}, {}, mode, coord), 40u + uint32_t(coord));
    }
}

// Antialias stretches the filter by 1 / scale on the dims that shrink (ONNX's reference counts
// 2 * ceil(support / scale) taps); dims that grow or keep their size interpolate as without it.
TEST(Resize, AntialiasWhenDownsampling) {
  uint32_t seed = 70;
  for (int mode : {o2m::kResizeLinear, o2m::kResizeCubic})
    for (int coord : {o2m::kCoordHalfPixel, o2m::kCoordPytorchHalfPixel, o2m::kCoordAlignCorners, o2m::kCoordAsymmetric})
      for (int exclude : {0, 1}) {
        for (o2m::ResizeParams p : {resize_params({1, 2, 9, 7}, {1, 2, 4, 3}, {1, 1, 0.45f, 0.43f}, mode, coord),
                                    resize_params({1, 1, 4, 4}, {1, 1, 3, 3}, {}, mode, coord),
                                    resize_params({2, 4, 13}, {2, 7, 2}, {}, mode, coord)}) {
          p.antialias = 1;
          p.exclude_outside = exclude;
          check_resize(p, ++seed);
        }
      }
  o2m::ResizeParams p = resize_params({1, 1, 9, 7}, {1, 1, 4, 3}, {}, o2m::kResizeCubic, o2m::kCoordHalfPixel);
  const int32_t plain = o2m::resize_scratch_bytes(p);
  p.antialias = 1;
  // N, C: 4 taps; H, W: 2 * ceil(2 / (4/9)) = 2 * ceil(2 / (3/7)) = 10 taps per output coordinate
  EXPECT_EQ(o2m::resize_scratch_bytes(p), (1 * 4 + 1 * 4 + 4 * 10 + 3 * 10) * 8);
  EXPECT_GT(o2m::resize_scratch_bytes(p), plain);
}

TEST(Resize, CubicExcludeOutside) {
  o2m::ResizeParams p = resize_params({1, 1, 4, 4}, {1, 1, 8, 8}, {1, 1, 2, 2}, o2m::kResizeCubic, o2m::kCoordHalfPixel);
  p.exclude_outside = 1;
  p.cubic_a = -0.5f;
  check_resize(p, 50);
}

TEST(Resize, TfCropAndResizeExtrapolates) {
  o2m::ResizeParams p = resize_params({1, 1, 4, 4}, {1, 1, 3, 3}, {}, o2m::kResizeLinear, o2m::kCoordTfCropAndResize);
  p.roi_start[2] = 0.4f, p.roi_start[3] = 0.6f, p.roi_end[2] = 1.2f, p.roi_end[3] = 1.7f;
  p.extrapolation = 10.0f;
  check_resize(p, 60);
}

TEST(Resize, NearestCopiesIntegersExactly) {
  const int32_t x[6] = {1000001, -7, 3, 16777217, 5, 6};
  int32_t y[12];
  o2m::ResizeParams p = resize_params({2, 3}, {4, 3}, {2, 1}, o2m::kResizeNearest, o2m::kCoordAsymmetric);
  std::vector<uint8_t> scratch(size_t(o2m::resize_scratch_bytes(p)));
  o2m::resize<int32_t>(p, x, y, scratch.data());
  EXPECT_EQ(y[0], 1000001);
  EXPECT_EQ(y[9], 16777217);
}

// ---- Einsum -------------------------------------------------------------------------------

// Runs an einsum whose letters are [out..., summed...] and compares it with `ref`.
void check_einsum(const o2m::EinsumParams& p, size_t na, size_t nb, size_t ny,
                  const std::function<double(const std::vector<float>&, const std::vector<float>&, size_t)>& ref) {
  std::mt19937 rng(7);
  std::vector<float> a = random_floats(rng, na), b = random_floats(rng, nb), y(ny, NAN);
  o2m::einsum<float>(p, a.data(), nb ? b.data() : nullptr, y.data());
  std::vector<double> r;
  for (size_t i = 0; i < ny; ++i) r.push_back(ref(a, b, i));
  expect_close(y, r);
}

// A grid holds any values: far-outside and NaN coordinates sample nothing (zeros padding) or the
// edge (border padding) instead of casting an out-of-range double to an index (undefined
// behaviour, found by fuzz_graphs under UBSan while folding a GridSample).
TEST(GridSample, FarOutsideAndNanCoordinatesAreOutsideThePlane) {
  const std::vector<float> x = {1, 2, 3, 4};  // [1, 1, 2, 2]
  const float inf = INFINITY, nan = NAN;
  const std::vector<float> grid = {1e30f, 0, -1e30f, 0, inf, -inf, nan, 0, 0, nan, -1, -1};  // [1, 1, 6, 2]
  for (int32_t mode : {o2m::kGridNearest, o2m::kGridBilinear, o2m::kGridBicubic}) {
    o2m::GridSampleParams p{1, 1, {1, 2, 2}, {1, 1, 6}, 2, mode, o2m::kGridZeros, 1};
    std::vector<float> y(6, -7.0f);
    o2m::grid_sample(p, x.data(), grid.data(), y.data());
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(y[i] == 0.0f || std::isnan(y[i])) << "mode " << mode << " sample " << i;
    EXPECT_NEAR(y[5], 1.0f, 1e-6) << "mode " << mode;  // (-1, -1) with align_corners is pixel (0, 0)
  }
  o2m::GridSampleParams border{1, 1, {1, 2, 2}, {1, 1, 6}, 2, o2m::kGridBilinear, o2m::kGridBorder, 1};
  std::vector<float> y(6);
  o2m::grid_sample(border, x.data(), grid.data(), y.data());
  EXPECT_FLOAT_EQ(y[0], 0.5f * (2 + 4));  // x = +1e30 clamps to the right column; y = 0 is between the rows
  EXPECT_FLOAT_EQ(y[1], 0.5f * (1 + 3));  // x = -1e30: the left column
}

// ---- GridSample: ONNX's reference, dim by dim ------------------------------------------------

// ONNX's GridSample reference (opset 20): the coordinate is rounded (nearest) and then padded
// only when it lies outside the border; taps read pixels through zeros/clamp/reflect padding.
struct RefGridSample {
  const o2m::GridSampleParams& p;
  double lo(int) const { return p.align_corners ? 0.0 : -0.5; }
  double hi(int d) const { return p.align_corners ? p.in[d] - 1.0 : p.in[d] - 0.5; }
  double reflect(double v, double a, double b) const {  // ONNX's _gs_reflect
    const double range = b - a;
    if (v < a) {
      const double dx = a - v;
      const int n = int(dx / range);
      const double r = dx - n * range;
      return n % 2 == 0 ? a + r : b - r;
    }
    if (v > b) {
      const double dx = v - b;
      const int n = int(dx / range);
      const double r = dx - n * range;
      return n % 2 == 0 ? b - r : a + r;
    }
    return v;
  }
  // Index i of dim d through the padding; -1 for zeros.
  int pad_index(int d, long i) const {
    if (p.padding == o2m::kGridZeros) return i >= 0 && i < p.in[d] ? int(i) : -1;
    if (p.padding == o2m::kGridBorder) return int(std::min<long>(std::max<long>(i, 0), p.in[d] - 1));
    return int(reflect(double(i), lo(d), hi(d)));
  }
  // The value at x (one coordinate per dim from d on) of the sub-block `src` of dims d.., as the
  // reference's recursion: interpolate the inner dims at each tap of dim d.
  double at(const float* src, int d, const double* x) const {
    if (d == o2m::kGridDims) return *src;
    long inner = 1;
    for (int k = d + 1; k < o2m::kGridDims; ++k) inner *= p.in[k];
    auto tap = [&](long i) {
      const int j = pad_index(d, i);
      return j < 0 ? 0.0 : at(src + j * inner, d + 1, x);
    };
    const double v = x[d], f = std::floor(v), t = v - f;
    if (p.mode == o2m::kGridNearest) return tap(long(v));
    if (p.mode == o2m::kGridBilinear) return (1 - t) * tap(long(f)) + t * tap(long(f) + 1);
    auto k = [](double s) {  // Keys' cubic kernel, A = -0.75
      s = std::fabs(s);
      return s <= 1 ? (1.25 * s - 2.25) * s * s + 1 : s < 2 ? ((-0.75 * s + 3.75) * s - 6) * s + 3 : 0.0;
    };
    double acc = 0;
    for (int i = -1; i <= 2; ++i) acc += k(t - i) * tap(long(f) + i);
    return acc;
  }
  double sample(const float* plane, const float* g) const {
    double x[o2m::kGridDims] = {0, 0, 0};
    for (int d = o2m::kGridDims - p.rank; d < o2m::kGridDims; ++d) {
      const double n = g[o2m::kGridDims - 1 - d];
      double v = p.align_corners ? (n + 1) / 2 * (p.in[d] - 1) : ((n + 1) * p.in[d] - 1) / 2;
      if (p.mode == o2m::kGridNearest) v = std::nearbyint(v);
      if (v < lo(d) || v > hi(d)) {
        if (p.padding == o2m::kGridBorder) v = std::min(std::max(v, 0.0), p.in[d] - 1.0);
        if (p.padding == o2m::kGridReflection) v = reflect(v, lo(d), hi(d));
      }
      x[d] = v;
    }
    return at(plane, 0, x);
  }
};

void check_grid_sample(const o2m::GridSampleParams& p, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const size_t plane = size_t(p.in[0]) * p.in[1] * p.in[2], out_plane = size_t(p.out[0]) * p.out[1] * p.out[2];
  std::vector<float> x = random_floats(rng, size_t(p.n * p.c) * plane);
  std::vector<float> grid = random_floats(rng, size_t(p.n) * out_plane * size_t(p.rank), -1.3f, 1.3f);  // some outside
  std::vector<float> y(size_t(p.n * p.c) * out_plane, NAN);
  o2m::grid_sample(p, x.data(), grid.data(), y.data());
  const RefGridSample ref{p};
  std::vector<double> want;
  for (int b = 0; b < p.n; ++b)
    for (int c = 0; c < p.c; ++c)
      for (size_t o = 0; o < out_plane; ++o)
        want.push_back(ref.sample(x.data() + size_t(b * p.c + c) * plane, grid.data() + (size_t(b) * out_plane + o) * size_t(p.rank)));
  expect_close(y, want);
}

// Volumetric (5-D), planar (4-D) and 1-D input; N-cubic with zeros padding only, where PyTorch's
// per-tap padding (the kernel's) and ONNX's reference (padding the point first) agree.
TEST(GridSample, MatchesOnnxReferenceInOneToThreeDims) {
  uint32_t seed = 100;
  for (int rank = 1; rank <= 3; ++rank)
    for (int mode : {o2m::kGridNearest, o2m::kGridBilinear, o2m::kGridBicubic})
      for (int pad : {o2m::kGridZeros, o2m::kGridBorder, o2m::kGridReflection})
        for (int align : {0, 1}) {
          if (mode == o2m::kGridBicubic && pad != o2m::kGridZeros) continue;
          o2m::GridSampleParams p{2, 3, {1, 1, 1}, {1, 1, 1}, rank, mode, pad, align};
          const int in[3] = {3, 4, 5}, out[3] = {2, 3, 4};
          for (int d = 3 - rank; d < 3; ++d) p.in[d] = in[d], p.out[d] = out[d];
          SCOPED_TRACE("rank " + std::to_string(rank) + " mode " + std::to_string(mode) + " pad " + std::to_string(pad));
          check_grid_sample(p, ++seed);
        }
}

TEST(Einsum, MatMul) {  // ij,jk->ik: letters i, k | j
  const int I = 3, J = 4, K = 5;
  o2m::EinsumParams p{3, 2, {I, K, J}, {J, 0, 1}, {0, 1, K}};
  check_einsum(p, I * J, J * K, I * K, [&](auto& a, auto& b, size_t o) {
    double s = 0;
    for (int j = 0; j < J; ++j) s += double(a[o / K * J + j]) * b[j * K + o % K];
    return s;
  });
}

TEST(Einsum, BatchedMatMul) {  // bij,bjk->bik: letters b, i, k | j
  const int B = 2, I = 3, J = 4, K = 2;
  o2m::EinsumParams p{4, 3, {B, I, K, J}, {I * J, J, 0, 1}, {J * K, 0, 1, K}};
  check_einsum(p, B * I * J, B * J * K, B * I * K, [&](auto& a, auto& b, size_t o) {
    const size_t bb = o / (I * K), i = o / K % I, k = o % K;
    double s = 0;
    for (int j = 0; j < J; ++j) s += double(a[(bb * I + i) * J + j]) * b[(bb * J + j) * K + k];
    return s;
  });
}

TEST(Einsum, IntegerDotWraps) {  // i,i-> on int32: 65536 * 65536 + 1 wraps to 1, never signed overflow
  const int32_t a[2] = {65536, 1}, b[2] = {65536, 1};
  int32_t y = 7;
  o2m::einsum<int32_t>(o2m::EinsumParams{1, 0, {2}, {1}, {1}}, a, b, &y);
  EXPECT_EQ(y, 1);
}

// fuzz_graphs seed 6,009,533 (UBSan, null load while folding): "i,i->" of two empty vectors read
// element 0 of each; a sum over an empty letter is 0 and reads nothing.
TEST(Einsum, ASumOverAnEmptyLetterIsZeroAndReadsNothing) {
  int64_t y = 7;
  o2m::einsum<int64_t>(o2m::EinsumParams{1, 0, {0}, {1}, {1}}, nullptr, nullptr, &y);
  EXPECT_EQ(y, 0);
  float out[3] = {7, 7, 7};  // ij,jk->ik with j = 0: [3, 0] x [0, 1] gives three zeros
  o2m::einsum<float>(o2m::EinsumParams{3, 2, {3, 1, 0}, {0, 0, 1}, {0, 1, 0}}, nullptr, nullptr, out);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{0, 0, 0}));
}

TEST(Einsum, TransposeDiagonalSumAndOuter) {
  // ij->ji
  check_einsum(o2m::EinsumParams{2, 2, {4, 3}, {1, 4}, {}}, 12, 0, 12,
               [](auto& a, auto&, size_t o) { return double(a[(o % 3) * 4 + o / 3]); });
  // ii->i
  check_einsum(o2m::EinsumParams{1, 1, {4}, {5}, {}}, 16, 0, 4, [](auto& a, auto&, size_t o) { return double(a[o * 5]); });
  // ij-> (a full sum)
  check_einsum(o2m::EinsumParams{2, 0, {3, 4}, {4, 1}, {}}, 12, 0, 1, [](auto& a, auto&, size_t) {
    double s = 0;
    for (float v : a) s += v;
    return s;
  });
  // i,j->ij
  check_einsum(o2m::EinsumParams{2, 2, {3, 4}, {1, 0}, {0, 1}}, 3, 4, 12,
               [](auto& a, auto& b, size_t o) { return double(a[o / 4]) * b[o % 4]; });
}

// ---- Normalizations -----------------------------------------------------------------------

void ref_stats(const double* v, int n, int stride, double eps, double& mean, double& inv) {
  mean = 0;
  for (int i = 0; i < n; ++i) mean += v[i * stride];
  mean /= n;
  double var = 0;
  for (int i = 0; i < n; ++i) var += (v[i * stride] - mean) * (v[i * stride] - mean);
  inv = 1 / std::sqrt(var / n + eps);
}

TEST(Norm, InstanceNorm) {
  std::mt19937 rng(3);
  const int N = 2, C = 3, S = 10;
  std::vector<float> x = random_floats(rng, N * C * S, -3, 3), sc = random_floats(rng, C), bi = random_floats(rng, C), y(x.size());
  o2m::instance_norm<float>({N, C, S, 1e-3f}, x.data(), sc.data(), bi.data(), y.data());
  std::vector<double> xd(x.begin(), x.end()), ref(x.size());
  for (int r = 0; r < N * C; ++r) {
    double m, inv;
    ref_stats(&xd[size_t(r * S)], S, 1, 1e-3, m, inv);
    for (int i = 0; i < S; ++i) ref[size_t(r * S + i)] = (xd[size_t(r * S + i)] - m) * inv * sc[size_t(r % C)] + bi[size_t(r % C)];
  }
  expect_close(y, ref);
}

TEST(Norm, LayerNormWithStatsAndBroadcastBias) {
  std::mt19937 rng(4);
  const int R = 4, I = 6;
  std::vector<float> x = random_floats(rng, R * I, -2, 2), sc = random_floats(rng, I), bi = {0.25f}, y(x.size()), mean(R), inv(R);
  o2m::layer_norm<float>({R, I, 1, 0, 1e-5f}, x.data(), sc.data(), bi.data(), y.data(), mean.data(), inv.data());
  std::vector<double> xd(x.begin(), x.end()), ref(x.size()), rm(R), ri(R);
  for (int r = 0; r < R; ++r) {
    ref_stats(&xd[size_t(r * I)], I, 1, 1e-5, rm[size_t(r)], ri[size_t(r)]);
    for (int i = 0; i < I; ++i) ref[size_t(r * I + i)] = (xd[size_t(r * I + i)] - rm[size_t(r)]) * ri[size_t(r)] * sc[size_t(i)] + 0.25;
  }
  expect_close(y, ref);
  expect_close(mean, rm);
  expect_close(inv, ri);
  // Without bias and without the statistics outputs.
  o2m::layer_norm<float>({R, I, 1, 0, 1e-5f}, x.data(), sc.data(), nullptr, y.data(), nullptr, nullptr);
  for (double& v : ref) v -= 0.25;
  expect_close(y, ref);
}

TEST(Norm, MeanVarianceOverAxes0And2) {
  // x [2, 3, 4], normalised over axes 0 and 2: one group per channel.
  std::mt19937 rng(5);
  std::vector<float> x = random_floats(rng, 24, -2, 2), y(24);
  o2m::MvnParams p{24, 3, 8, {1, 1, 1, 2, 3, 4}, {0, 0, 0, 0, 1, 0}, 1e-9f};
  std::vector<uint8_t> scratch(size_t(o2m::mvn_scratch_bytes<float>(p)));
  o2m::mvn<float>(p, x.data(), y.data(), scratch.data());
  std::vector<double> ref(24);
  for (int c = 0; c < 3; ++c) {
    std::vector<double> v;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) v.push_back(x[size_t((n * 3 + c) * 4 + i)]);
    double m, inv;
    ref_stats(v.data(), 8, 1, 1e-9, m, inv);
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) ref[size_t((n * 3 + c) * 4 + i)] = (x[size_t((n * 3 + c) * 4 + i)] - m) * inv;
  }
  expect_close(y, ref);
  // A constant group: (x - mean) / (std + epsilon) = 0, as the op's function body gives; ORT
  // gives 0 / 0 = NaN there (differential seed 8,000,404), which the spec does not.
  const float same[3] = {1.5f, 1.5f, 1.5f};
  float z[3];
  o2m::MvnParams q{3, 1, 3, {1, 1, 1, 1, 1, 3}, {0, 0, 0, 0, 0, 0}, 1e-9f};
  o2m::mvn<float>(q, same, z, scratch.data());
  for (float v : z) EXPECT_EQ(v, 0.0f);
}

TEST(Norm, LpNormalization) {
  std::mt19937 rng(6);
  std::vector<float> x = random_floats(rng, 2 * 3 * 4), y(x.size());
  for (int order : {1, 2}) {
    o2m::lp_norm<float>({2, 3, 4, order}, x.data(), y.data());  // along the middle axis
    std::vector<double> ref(x.size());
    for (int o = 0; o < 2; ++o)
      for (int i = 0; i < 4; ++i) {
        double norm = 0;
        for (int a = 0; a < 3; ++a) norm += order == 1 ? std::fabs(x[size_t((o * 3 + a) * 4 + i)]) : std::pow(x[size_t((o * 3 + a) * 4 + i)], 2);
        if (order == 2) norm = std::sqrt(norm);
        for (int a = 0; a < 3; ++a) ref[size_t((o * 3 + a) * 4 + i)] = x[size_t((o * 3 + a) * 4 + i)] / norm;
      }
    expect_close(y, ref);
  }
}

TEST(Norm, LrnAcrossChannels) {
  std::mt19937 rng(8);
  const int N = 2, C = 6, S = 3;
  std::vector<float> x = random_floats(rng, N * C * S, -2, 2), y(x.size());
  for (int size : {1, 2, 3, 4}) {
    o2m::lrn<float>({N, C, S, size, 0.01f, 0.75f, 2.0f}, x.data(), y.data());
    std::vector<double> ref(x.size());
    for (int n = 0; n < N; ++n)
      for (int c = 0; c < C; ++c)
        for (int i = 0; i < S; ++i) {
          double sq = 0;
          for (int j = std::max(0, c - (size - 1) / 2); j <= std::min(C - 1, c + size / 2); ++j)
            sq += std::pow(x[size_t((n * C + j) * S + i)], 2);
          ref[size_t((n * C + c) * S + i)] = x[size_t((n * C + c) * S + i)] / std::pow(2.0 + 0.01 / size * sq, 0.75);
        }
    expect_close(y, ref);
  }
}

// ---- Hardmax and GlobalLpPool -------------------------------------------------------------

TEST(Hardmax, FirstMaximumWins) {
  const float x[8] = {1, 3, 3, 0, -1, -2, -1, -5};  // [2, 4] along the last axis
  float y[8];
  o2m::hardmax<float>({2, 4, 1}, x, y);
  EXPECT_EQ(std::vector<float>(y, y + 8), (std::vector<float>{0, 1, 0, 0, 1, 0, 0, 0}));
  o2m::hardmax<float>({1, 2, 4}, x, y);  // along the first axis of [2, 4]
  EXPECT_EQ(std::vector<float>(y, y + 8), (std::vector<float>{1, 1, 1, 1, 0, 0, 0, 0}));
}

TEST(GlobalLpPool, MatchesNorms) {
  const float x[6] = {3, -4, 0, 1, 2, -2};
  float y[2];
  o2m::global_lp_pool<float>({2, 3, 2.0f}, x, y);
  EXPECT_NEAR(y[0], 5.0f, 1e-6);
  EXPECT_NEAR(y[1], 3.0f, 1e-6);
  o2m::global_lp_pool<float>({2, 3, 1.0f}, x, y);
  EXPECT_NEAR(y[0], 7.0f, 1e-6);
  EXPECT_NEAR(y[1], 5.0f, 1e-6);
}

}  // namespace
