// --optimize size: the ops that have a compact generic kernel beside their unrolled and
// specialised fast ones get kCompactAttr, which their lowerings read (src/ops/fused.cpp,
// qlinear_conv.cpp, qlinear_gemm.cpp). Results stay within the float tolerances, and the int8
// conv's and matrix product's compact kernels are their references, so int8 stays bit-exact.
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {

void select_compact_kernels(Graph& g, const PassOptions& opts) {
  if (!opts.optimize_size) return;
  for (auto& np : g.nodes) {
    Node& n = *np;
    if (n.domain != "onnx2mcu" || (n.op != "ConvPool" && n.op != "QConv" && n.op != "QGemm")) continue;
    n.attrs[kCompactAttr].kind = Attr::Kind::Int;
    n.attrs[kCompactAttr].i = 1;
  }
}

}  // namespace onnx2mcu
