#include <set>

#include "ops/helpers.h"
#include "passes/passes.h"

namespace onnx2mcu {

void remove_identities(Graph& g, const PassOptions&) {
  std::set<std::string> captured;  // read by name from a subgraph: the value must stay produced
  for (const auto& n : g.nodes)
    for (const auto& kv : n->attrs)
      if (kv.second.kind == Attr::Kind::Graph && kv.second.g)
        for (const Value* c : kv.second.g->captured) captured.insert(c->name);
  g.remove_nodes_if([&](const Node& n) {
    const bool identity = n.domain.empty() && (n.op == "Identity" || n.op == "Dropout");
    if (!identity || n.inputs.empty() || !n.inputs[0] || n.outputs.empty()) return false;
    if (n.outputs.size() > 1 && n.outputs[1]) return false;  // Dropout's mask is in use
    if (n.op == "Dropout" && legacy_training_dropout(n)) return false;  // its shape rule explains why it fails
    Value* out = n.outputs[0];
    if (out->is_graph_output || captured.count(out->name)) return false;  // keeps its name in the API: becomes a copy
    g.replace_uses(out, n.inputs[0]);
    return true;
  });
}

}  // namespace onnx2mcu
