#include <set>

#include "passes/passes.h"

namespace onnx2mcu {

void remove_dead_code(Graph& g, const PassOptions&) {
  std::set<const Value*> live(g.outputs.begin(), g.outputs.end());
  std::set<const Node*> keep;
  for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it) {
    const Node& n = **it;
    bool used = false;
    for (const Value* out : n.outputs) used |= out && live.count(out);
    if (!used) continue;
    keep.insert(&n);
    live.insert(n.inputs.begin(), n.inputs.end());
  }
  g.remove_nodes_if([&](const Node& n) { return !keep.count(&n); });
}

}  // namespace onnx2mcu
