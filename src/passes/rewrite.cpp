#include "passes/rewrite.h"

#include <limits>

#include "kernels/activation.hpp"

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

namespace {

// Clip's bounds: attributes before opset 11, optional constant inputs after; false when a bound
// is only known at run time.
bool clip_bounds(const Node& a, float& lo, float& hi) {
  lo = -std::numeric_limits<float>::infinity();
  hi = std::numeric_limits<float>::infinity();
  if (a.opset < 11) {
    lo = a.attr_float("min", lo);
    hi = a.attr_float("max", hi);
    return true;
  }
  for (size_t i = 1; i < 3; ++i) {
    const Value* v = a.input(i);
    if (v && !v->is_const()) return false;
    if (v) (i == 1 ? lo : hi) = static_cast<float>(v->constant->float_at(0));
  }
  return true;
}

}  // namespace

bool is_fusable_activation(const Node& a) {
  if (!a.domain.empty() || a.outputs.size() != 1) return false;
  float lo, hi;
  if (a.op == "Clip") return clip_bounds(a, lo, hi);
  return a.op == "Relu" || a.op == "LeakyRelu" || a.op == "Sigmoid" || a.op == "HardSigmoid";
}

bool take_activation(const Node& a, Node& into, const std::string& prefix) {
  if (!is_fusable_activation(a)) return false;
  auto set_f = [&](const char* suffix, float v) {
    into.attrs[prefix + suffix].kind = Attr::Kind::Float;
    into.attrs[prefix + suffix].f = v;
  };
  auto set_kind = [&](o2m::ActKind k) {
    into.attrs[prefix].kind = Attr::Kind::Int;
    into.attrs[prefix].i = k;
  };
  if (a.op == "Relu") {
    set_kind(o2m::kActRelu);
  } else if (a.op == "LeakyRelu") {
    set_kind(o2m::kActLeakyRelu);
    set_f("_alpha", a.attr_float("alpha", 0.01f));
  } else if (a.op == "Sigmoid") {
    set_kind(o2m::kActSigmoid);
  } else if (a.op == "HardSigmoid") {
    set_kind(o2m::kActHardSigmoid);
    set_f("_alpha", a.attr_float("alpha", 0.2f));
    set_f("_beta", a.attr_float("beta", 0.5f));
  } else {  // Clip
    float lo, hi;
    clip_bounds(a, lo, hi);
    set_kind(o2m::kActClip);
    set_f("_lo", lo);
    set_f("_hi", hi);
  }
  return true;
}

}  // namespace onnx2mcu
