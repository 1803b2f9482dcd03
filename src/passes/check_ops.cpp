#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {

void check_supported_ops(Graph& g, const PassOptions& opts) {
  for (const auto& n : g.nodes) {
    if (!find_op(n->domain, n->op))
      n->fail("unsupported op" + (n->domain.empty() ? std::string() : " in domain '" + n->domain + "'") +
              " (see docs/ops.md for the supported list)");
    for (const auto& kv : n->attrs) {  // subgraphs (If, Loop, Scan, SequenceMap): their ops too, before any work
      if (kv.second.kind != Attr::Kind::Graph || !kv.second.g) continue;
      if (!is_inlined_control_flow(*n) && !(n->domain.empty() && n->op == "SequenceMap"))
        n->fail("attribute '" + kv.first + "' is a graph; onnx2mcu compiles the subgraphs of If, Loop, Scan and SequenceMap only");
      check_supported_ops(*kv.second.g, opts);
    }
  }
}

}  // namespace onnx2mcu
