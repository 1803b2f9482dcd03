#include "passes/rewrite.h"

#include <limits>

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

bool take_activation(const Node& a, Node& fused, const std::string& prefix) {
  auto set_f = [&](const std::string& k, float v) {
    fused.attrs[prefix + k].kind = Attr::Kind::Float;
    fused.attrs[prefix + k].f = v;
  };
  if (!a.domain.empty()) return false;
  if (a.op == "Relu") {
    fused.attrs[prefix].i = 1;
    return true;
  }
  if (a.op == "LeakyRelu") {
    fused.attrs[prefix].i = 3;
    set_f("_alpha", a.attr_float("alpha", 0.01f));
    return true;
  }
  if (a.op == "Clip") {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (a.opset < 11) {
      lo = a.attr_float("min", lo);
      hi = a.attr_float("max", hi);
    } else {
      for (size_t i = 1; i < 3; ++i) {
        const Value* v = a.input(i);
        if (v && !v->is_const()) return false;
        if (v) (i == 1 ? lo : hi) = static_cast<float>(v->constant->float_at(0));
      }
    }
    fused.attrs[prefix].i = 2;
    set_f("_lo", lo);
    set_f("_hi", hi);
    return true;
  }
  return false;
}

}  // namespace onnx2mcu
