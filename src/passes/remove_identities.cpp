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
  // Decided on the intact graph, applied after: a chain Identity -> Identity resolves to the first input.
  g.edit([&](const Node& n, GraphEdit& e) {
    const bool identity = n.domain.empty() && (n.op == "Identity" || n.op == "Dropout");
    if (!identity || n.inputs.empty() || !n.inputs[0] || n.outputs.empty()) return;
    if (n.outputs.size() > 1 && n.outputs[1]) return;  // Dropout's mask is in use
    if (!dropout_training_reason(n).empty()) return;  // its shape rule decides, once inputs are folded
    const Value* out = n.outputs[0];
    if (out->is_graph_output || captured.count(out->name)) return;  // keeps its name in the API: becomes a copy
    e.bypass(n, out, n.inputs[0]);
  });
}

}  // namespace onnx2mcu
