// Runs every op's normalize hook (OpDef::normalize) once per node, subgraphs included, so later
// passes see each op in one canonical form whatever opset the model was saved at.
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {

void normalize_ops(Graph& g, const PassOptions& opts) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = *g.nodes[i];
    for (auto& kv : n.attrs)
      if (kv.second.kind == Attr::Kind::Graph && kv.second.g) normalize_ops(*kv.second.g, opts);
    const OpDef* def = find_op(n.domain, n.op);
    if (def && def->normalize) def->normalize(n, g);
  }
}

}  // namespace onnx2mcu
