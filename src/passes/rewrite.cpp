#include "passes/rewrite.h"

namespace onnx2mcu {

Node* sole_consumer(const Graph& g, const Value* v) {
  if (!v || v->is_graph_output) return nullptr;
  std::vector<Node*> users = g.consumers(v);
  return users.size() == 1 ? users[0] : nullptr;
}

void absorb_next(Graph& g, Node& keep, Node& drop) {
  Value* out = drop.outputs[0];
  keep.outputs[0] = out;
  out->producer = &keep;
  g.remove_nodes_if([&](const Node& n) { return &n == &drop; });
}

}  // namespace onnx2mcu
