#include "passes/rewrite.h"

#include <algorithm>
#include <limits>
#include <map>

#include "kernels/activation.hpp"
#include "planner/memory_plan.h"

namespace onnx2mcu {

Node* sole_consumer(const Graph& g, const Value* v) {
  if (!v || v->is_graph_output) return nullptr;
  std::vector<Node*> users = g.consumers(v);
  return users.size() == 1 ? users[0] : nullptr;
}

bool only_moves_elements(const Node& n) {
  static const char* const kMovers[] = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"};
  return n.domain.empty() && std::any_of(std::begin(kMovers), std::end(kMovers), [&](const char* op) { return n.op == op; });
}

void absorb_next(Graph& g, Node& keep, Node& drop) {
  Value* out = drop.outputs[0];
  keep.outputs[0] = out;
  out->producer = &keep;
  GraphEdit e;
  e.remove(drop);
  g.apply(e);
}

bool fuse_if_arena_shrinks(Graph& g, std::unique_ptr<Node> fused, const std::vector<const Node*>& absorbed) {
  const int64_t before = plan_memory(g).arena.arena_bytes;
  std::vector<Node*> original;
  for (const auto& n : g.nodes) original.push_back(n.get());
  Node* raw = fused.get();
  std::vector<std::unique_ptr<Node>> kept, removed;
  for (auto& n : g.nodes) {
    const bool gone = std::find(absorbed.begin(), absorbed.end(), n.get()) != absorbed.end();
    if (n.get() == absorbed[0]) kept.push_back(std::move(fused));  // inputs ready, outputs in time
    (gone ? removed : kept).push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  for (Value* out : raw->outputs)
    if (out) out->producer = raw;
  if (plan_memory(g).arena.arena_bytes < before) return true;
  // No gain: the model's nodes go back where they were, and the fused node is dropped.
  std::map<Node*, std::unique_ptr<Node>> pool;
  for (auto& n : removed) pool[n.get()] = std::move(n);
  for (auto& n : g.nodes)
    if (n.get() != raw) pool[n.get()] = std::move(n);
  g.nodes.clear();
  for (Node* n : original) {
    for (Value* out : n->outputs)
      if (out) out->producer = n;
    g.nodes.push_back(std::move(pool.at(n)));
  }
  return false;
}

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
