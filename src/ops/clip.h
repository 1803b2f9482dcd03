// Clip's bounds, for the Clip lowering and for the passes that fold a Clip into another op's
// epilogue (fuse-activation, lower-qdq): one reading of them.
#pragma once
#include "ir/graph.h"

namespace onnx2mcu {

// Clip's bounds when both are known when compiling: absent = unbounded, older opsets' attributes
// already inputs (normalize-ops), lo > hi made hi everywhere as ONNX says (the kernels' clamp
// needs lo <= hi). False, with lo and hi unbounded, when a bound is only known at run time.
bool clip_bounds(const Node& n, float& lo, float& hi);

}  // namespace onnx2mcu
