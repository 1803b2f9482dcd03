// Inlining a subgraph (If branch, Loop or Scan body, SequenceMap body) into its parent graph as
// new nodes, and the few tensor ops the inlined forms are built from: for inline_control_flow.cpp
// and sequences.cpp. The nodes go to Inliner::out, for infer-shapes-and-fold to infer in turn.
#pragma once
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "onnx2mcu/error.h"
#include "ops/op.h"

namespace onnx2mcu {

inline std::string fresh_name(const Graph& g, const std::string& hint) {
  std::string name = hint;
  for (int k = 2; g.find_value(name); ++k) name = hint + "_" + std::to_string(k);
  return name;
}

inline Attr int_attr(int64_t v) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = v;
  return a;
}

inline const Graph& graph_attr(const Node& n, const std::string& key) {
  auto it = n.attrs.find(key);
  if (it == n.attrs.end() || it->second.kind != Attr::Kind::Graph || !it->second.g)
    n.fail("attribute '" + key + "' is missing or is not a graph");
  return *it->second.g;
}

struct Inliner {
  Graph& g;
  const Node& owner;  // the If or Loop
  int64_t budget;     // nodes that may still be added (--max-nodes)
  std::vector<std::unique_ptr<Node>> out;

  Node* emit(const std::string& op, const std::string& name, std::vector<Value*> inputs, Value* output,
             std::map<std::string, Attr> attrs = {}) {
    if (--budget < 0) too_many();
    auto n = std::make_unique<Node>();
    n->name = name;
    n->op = op;
    n->opset = owner.opset;
    n->inputs = std::move(inputs);
    n->outputs = {output};
    n->attrs = std::move(attrs);
    output->producer = n.get();
    out.push_back(std::move(n));
    return out.back().get();
  }
  [[noreturn]] void too_many() const {
    owner.fail("inlining its subgraph makes the graph larger than the limit on nodes (--max-nodes)");
  }
  Value* new_value(const std::string& hint) { return g.add_value(fresh_name(g, hint)); }

  // Inlines `body` once with its inputs bound to `args`. A body output i produced by a body node
  // is written straight into targets[i] when that is set; returns the values of the body outputs.
  std::vector<Value*> inline_once(const Graph& body, const std::vector<Value*>& args, const std::string& prefix,
                                  const std::vector<Value*>& targets) {
    if (args.size() != body.inputs.size())
      owner.fail("its subgraph has " + std::to_string(body.inputs.size()) + " inputs, " + std::to_string(args.size()) +
                 " are passed in");
    std::map<const Value*, Value*> map;
    for (size_t i = 0; i < args.size(); ++i) map[body.inputs[i]] = args[i];
    // What the body reads from enclosing graphs: the owner's last inputs (explicit_captures).
    const size_t first_captured = own_inputs(owner);
    if (owner.inputs.size() - first_captured != body.captured.size())
      owner.fail("its subgraph's reads from enclosing graphs are not its inputs (internal error)");
    for (size_t i = 0; i < body.captured.size(); ++i)
      if (body.captured[i]) map[body.captured[i]] = owner.inputs[first_captured + i];
    for (const auto& v : body.values)
      if (v->is_const() && !map.count(v.get())) map[v.get()] = g.add_constant(prefix + v->name, *v->constant);
    std::map<const Value*, Value*> direct;
    for (size_t i = 0; i < body.outputs.size() && i < targets.size(); ++i) {
      const Value* o = body.outputs[i];
      if (targets[i] && o && o->producer && !map.count(o) && !direct.count(o)) direct[o] = targets[i];
    }
    auto lookup = [&](const Value* v) -> Value* {
      auto it = map.find(v);
      if (it == map.end()) owner.fail("its subgraph reads '" + v->name + "' before it is defined");
      return it->second;
    };
    for (const auto& np : body.nodes) {
      const Node& bn = *np;  // nested control flow is copied as it is; the parent's pass inlines it in turn
      if (bn.domain.empty() && bn.op == "Identity" && bn.inputs.size() == 1 && bn.inputs[0] && bn.outputs.size() == 1 &&
          bn.outputs[0] && !direct.count(bn.outputs[0])) {
        map[bn.outputs[0]] = lookup(bn.inputs[0]);  // bypassed, as remove-identities would
        continue;
      }
      if (!find_op(bn.domain, bn.op))
        fail_node(bn.name, bn.op, "unsupported op in the subgraph of node '" + owner.name + "' (see docs/ops.md)");
      if (--budget < 0) too_many();
      auto n = std::make_unique<Node>();
      n->name = prefix + bn.name;
      n->op = bn.op;
      n->domain = bn.domain;
      n->opset = bn.opset;
      n->attrs = bn.attrs;
      for (const Value* in : bn.inputs) n->inputs.push_back(in ? lookup(in) : nullptr);
      for (const Value* o : bn.outputs) {
        if (!o) {
          n->outputs.push_back(nullptr);
          continue;
        }
        auto d = direct.find(o);
        Value* v = d != direct.end() ? d->second : new_value(prefix + o->name);
        v->producer = n.get();
        map[o] = v;
        n->outputs.push_back(v);
      }
      out.push_back(std::move(n));
    }
    std::vector<Value*> results;
    for (const Value* o : body.outputs) results.push_back(lookup(o));
    return results;
  }

  // Makes `target` hold `v` (an Identity, a view, when they differ).
  void bind(Value* v, Value* target, const std::string& name) {
    if (target && v != target) emit("Identity", name, {v}, target);
  }

  Value* int64_constant(const std::string& name, std::vector<int64_t> values, Shape shape) {
    Tensor t(DType::I64, std::move(shape));
    std::copy(values.begin(), values.end(), t.data<int64_t>());
    return g.add_constant(fresh_name(g, name), std::move(t));
  }

  // x's slice `index` along `axis`, that axis removed (Gather of a scalar index).
  Value* take(Value* x, int64_t index, int64_t axis, const std::string& name) {
    Attr a;
    a.kind = Attr::Kind::Int;
    a.i = axis;
    Value* y = new_value(name);
    emit("Gather", name, {x, int64_constant(name + "/index", {index}, {})}, y, {{"axis", a}});
    return y;
  }

  // parts stacked along a new axis (Unsqueeze each, Concat), into target when it is set.
  Value* stack(const std::vector<Value*>& parts, int64_t axis, Value* target, const std::string& name) {
    std::vector<Value*> wide;
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string part = name + "/" + std::to_string(i);
      Value* u = new_value(part);
      emit("Unsqueeze", part, {parts[i], int64_constant(name + "/axes", {axis}, {1})}, u);
      wide.push_back(u);
    }
    Attr a;
    a.kind = Attr::Kind::Int;
    a.i = axis;
    Value* y = target ? target : new_value(name);
    emit("Concat", name, wide, y, {{"axis", a}});
    return y;
  }
};

}  // namespace onnx2mcu
