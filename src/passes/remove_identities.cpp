#include <set>

#include "ops/helpers.h"
#include "passes/passes.h"

namespace onnx2mcu {

void remove_identities(Graph& g, const PassOptions&) {
  std::set<const Value*> read;  // every node input
  for (const auto& n : g.nodes) read.insert(n->inputs.begin(), n->inputs.end());
  // Decided on the intact graph, applied after: a chain Identity -> Identity resolves to the first input.
  g.edit([&](const Node& n, GraphEdit& e) {
    const bool identity = n.domain.empty() && (n.op == "Identity" || n.op == "Dropout");
    if (!identity || n.inputs.empty() || !n.inputs[0] || n.outputs.empty()) return;
    // Dropout's mask in use (zoo models name it even when nothing reads it).
    const Value* mask = n.outputs.size() > 1 ? n.outputs[1] : nullptr;
    if (mask && (mask->is_graph_output || read.count(mask))) return;
    if (!dropout_training_reason(n).empty()) return;  // its shape rule decides, once inputs are folded
    const Value* out = n.outputs[0];
    if (out->is_graph_output) return;  // keeps its name in the API: becomes a copy
    e.bypass(n, out, n.inputs[0]);
  });
}

}  // namespace onnx2mcu
