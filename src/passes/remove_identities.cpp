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
  std::set<const Value*> read;  // every node input
  for (const auto& n : g.nodes) read.insert(n->inputs.begin(), n->inputs.end());
  // Bypass first, then remove: replace_uses walks every node, which remove_nodes_if is moving.
  std::set<const Node*> bypassed;
  for (const auto& np : g.nodes) {
    const Node& n = *np;
    const bool identity = n.domain.empty() && (n.op == "Identity" || n.op == "Dropout");
    if (!identity || n.inputs.empty() || !n.inputs[0] || n.outputs.empty()) continue;
    // Dropout's mask in use (zoo models name it even when nothing reads it).
    const Value* mask = n.outputs.size() > 1 ? n.outputs[1] : nullptr;
    if (mask && (mask->is_graph_output || captured.count(mask->name) || read.count(mask))) continue;
    if (n.op == "Dropout" && legacy_training_dropout(n)) continue;  // its shape rule explains why it fails
    Value* out = n.outputs[0];
    if (out->is_graph_output || captured.count(out->name)) continue;  // keeps its name in the API: becomes a copy
    g.replace_uses(out, n.inputs[0]);
    bypassed.insert(&n);
  }
  g.remove_nodes_if([&](const Node& n) { return bypassed.count(&n) != 0; });
}

}  // namespace onnx2mcu
