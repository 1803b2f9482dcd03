// Col2Im (column blocks summed back into an image) and AffineGrid (sampling grids from affine
// matrices). CenterCropPad needs no kernel of its own: it is layout.hpp's pad with negative pads.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct Col2ImParams {
  int32_t batch, channels, spatial;   // input [batch, channels * prod(block), prod(blocks)]
  int32_t image[kMaxSpatial];         // output spatial dims
  int32_t block[kMaxSpatial];         // block dims before dilation
  int32_t blocks[kMaxSpatial];        // block positions along each dim (their product is L)
  int32_t stride[kMaxSpatial], dilation[kMaxSpatial], pad_begin[kMaxSpatial];
  O2M_FIELDS(batch, channels, spatial, image, block, blocks, stride, dilation, pad_begin)
};

// y[n, c, pos] = sum of every column entry that lands on pos (overlapping blocks add up).
template <typename T>
inline void col2im(const Col2ImParams& p, const T* x, T* y) {
  int32_t image_size = 1, block_size = 1, n_blocks = 1;
  for (int32_t d = 0; d < p.spatial; ++d) {
    image_size *= p.image[d];
    block_size *= p.block[d];
    n_blocks *= p.blocks[d];
  }
  for (int64_t i = 0; i < int64_t{p.batch} * p.channels * image_size; ++i) y[i] = T(0);
  for (int32_t nc = 0; nc < p.batch * p.channels; ++nc) {
    T* img = y + int64_t{nc} * image_size;
    for (int32_t b = 0; b < block_size; ++b)
      for (int32_t l = 0; l < n_blocks; ++l) {
        // Spatial offset of block element b at block position l, innermost dim last.
        int32_t off = 0, bi = b, li = l;
        bool inside = true;
        int32_t bidx[kMaxSpatial], lidx[kMaxSpatial];
        for (int32_t d = p.spatial - 1; d >= 0; --d) {
          bidx[d] = bi % p.block[d];
          bi /= p.block[d];
          lidx[d] = li % p.blocks[d];
          li /= p.blocks[d];
        }
        for (int32_t d = 0; d < p.spatial; ++d) {
          const int32_t pos = lidx[d] * p.stride[d] - p.pad_begin[d] + bidx[d] * p.dilation[d];
          if (pos < 0 || pos >= p.image[d]) inside = false;
          off = off * p.image[d] + pos;
        }
        if (inside) img[off] = add_op(img[off], x[(int64_t{nc} * block_size + b) * n_blocks + l]);
      }
  }
}

struct AffineGridParams {
  int32_t batch, spatial;  // spatial: 2 (theta [batch, 2, 3]) or 3 (theta [batch, 3, 4])
  int32_t dims[3];         // [H, W] or [D, H, W]
  int32_t align_corners;
  O2M_FIELDS(batch, spatial, dims, align_corners)
};

// Coordinate i of `size` evenly spaced points in [-1, 1]: pixel centres (align_corners=1) or
// the centres of `size` equal cells (align_corners=0).
inline double affine_base(int32_t i, int32_t size, int32_t align_corners) {
  if (align_corners) return size > 1 ? -1.0 + 2.0 * i / (size - 1) : 0.0;
  return (2.0 * i + 1.0) / size - 1.0;
}

// grid[n, (d,) h, w] = theta[n] * [x_w, y_h, (z_d,) 1], coordinates ordered x, y (, z).
template <typename T>
inline void affine_grid(const AffineGridParams& p, const T* theta, T* grid) {
  const int32_t s = p.spatial;
  const int32_t depth = s == 3 ? p.dims[0] : 1, height = p.dims[s - 2], width = p.dims[s - 1];
  int64_t at = 0;
  for (int32_t n = 0; n < p.batch; ++n) {
    const T* th = theta + int64_t{n} * s * (s + 1);
    for (int32_t d = 0; d < depth; ++d)
      for (int32_t h = 0; h < height; ++h)
        for (int32_t w = 0; w < width; ++w) {
          const double in[4] = {affine_base(w, width, p.align_corners), affine_base(h, height, p.align_corners),
                                s == 3 ? affine_base(d, depth, p.align_corners) : 1.0, 1.0};
          for (int32_t r = 0; r < s; ++r) {
            double v = 0.0;
            for (int32_t c = 0; c <= s; ++c) v += static_cast<double>(th[r * (s + 1) + c]) * (c == s ? 1.0 : in[c]);
            grid[at++] = static_cast<T>(v);
          }
        }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
