// Shared by the Reduce* ops (reduce.cpp, reduce_extra.cpp): which axes a node reduces, its
// output shape, and the kernel params for templates/kernels/reduce.hpp.
#pragma once
#include <set>

#include "ir/graph.h"
#include "kernels/reduce.hpp"

namespace onnx2mcu {

// Axes from constant input 1 (an attribute before ReduceSum 13 and the others' 18, moved to the
// input by normalize-ops). No axes means all of them, unless noop_with_empty_axes asks for none.
std::set<size_t> reduce_axes(const Node& n);
// Output 0: the input's dtype, reduced dims dropped or kept as 1 (keepdims).
void infer_reduce(Node& n);
o2m::ReduceParams reduce_params(const Node& n);

}  // namespace onnx2mcu
