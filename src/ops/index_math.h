// Small index helpers shared by the indexing op files (indexing.cpp, slicing.cpp, generate.cpp):
// right-aligned kMaxRank arrays for kernel params and the strided-copy lowering.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "kernels/indexing.hpp"
#include "ops/helpers.h"
#include "ops/lower.h"

namespace onnx2mcu {

// dst = v right-aligned in kMaxRank slots, the front filled with `fill`.
inline void put_padded(const Node& n, const std::vector<int64_t>& v, int32_t (&dst)[o2m::kMaxRank], int32_t fill) {
  if (v.size() > static_cast<size_t>(o2m::kMaxRank)) n.fail("supports rank <= " + std::to_string(o2m::kMaxRank));
  const size_t off = o2m::kMaxRank - v.size();
  for (size_t d = 0; d < static_cast<size_t>(o2m::kMaxRank); ++d) dst[d] = d < off ? fill : i32(n, v[d - off]);
}

// A row-major walk over `dims` that reads at sum(i_d * strides[d]): drops dims of 1 and merges
// neighbours the walk crosses contiguously, so ranks above kMaxRank still lower when they can.
inline void merge_dims(Shape& dims, std::vector<int64_t>& strides) {
  Shape md;
  std::vector<int64_t> ms;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;  // a dim of 1 never moves the offset
    if (!md.empty() && ms.back() == strides[d] * dims[d]) {
      md.back() *= dims[d];
      ms.back() = strides[d];
      continue;
    }
    md.push_back(dims[d]);
    ms.push_back(strides[d]);
  }
  dims = std::move(md);
  strides = std::move(ms);
}

// Runs f(T{}, I{}) for the data dtype of input `data` and the index dtype of input `idx`.
template <typename F>
KernelCall visit_data_index(const Node& n, size_t data, size_t idx, F&& f) {
  return visit_dtype(required_input(n, data).dtype, [&](auto t) {
    return visit_index(n, required_input(n, idx).dtype, [&](auto i) { return f(t, i); });
  });
}

// y[i...] = x[base + sum(i_d * in_strides[d])] over out_dims.
inline KernelCall strided_copy_call(const Node& n, const Value& x, const Value& y, Shape out_dims,
                                    std::vector<int64_t> in_strides, int64_t base) {
  Shape dims = out_dims;
  std::vector<int64_t> strides = in_strides;
  merge_dims(dims, strides);
  o2m::StridedCopyParams p{};
  p.n = i32(n, shape_elems(out_dims));
  p.base = i32(n, base);
  put_padded(n, dims, p.out_dims, 1);
  put_padded(n, strides, p.in_strides, 0);
  return visit_dtype(x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("indexing.hpp", o2m::strided_copy, T), "o2m::StridedCopyParams", p, {&x}, {&y});
  });
}

}  // namespace onnx2mcu
