// Transpose(p1) followed by Transpose(p2) whose composition is the identity: both go away.
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {

void cancel_transposes(Graph& g, const PassOptions&) {
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& np : g.nodes) {
      Node& first = *np;
      if (first.op != "Transpose" || !first.domain.empty()) continue;
      Node* second = sole_consumer(g, first.outputs[0]);
      if (!second || second->op != "Transpose" || !second->domain.empty()) continue;
      std::vector<int64_t> p1 = first.attr_ints("perm"), p2 = second->attr_ints("perm");
      const size_t rank = first.inputs[0]->shape.size();
      if (p1.empty() || p2.empty() || p1.size() != rank || p2.size() != rank) continue;
      bool identity = true;
      for (size_t i = 0; i < rank; ++i) identity = identity && p1[static_cast<size_t>(p2[i])] == static_cast<int64_t>(i);
      Value* out = second->outputs[0];
      if (!identity || out->is_graph_output) continue;
      GraphEdit e;
      e.replace_uses(out, first.inputs[0]);
      e.remove(first);
      e.remove(*second);
      g.apply(e);
      changed = true;
      break;
    }
  }
}

}  // namespace onnx2mcu
