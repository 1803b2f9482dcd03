#include "ir/graph.h"

#include <set>

#include "onnx2mcu/error.h"

namespace onnx2mcu {

void fail_node(const std::string& node_name, const std::string& op, const std::string& what) {
  throw Error("node '" + node_name + "' (" + op + "): " + what);
}

void Node::fail(const std::string& what) const { fail_node(name, op, what); }

namespace {
const char* kind_name(Attr::Kind k) {
  switch (k) {
    case Attr::Kind::Int: return "an int";
    case Attr::Kind::Float: return "a float";
    case Attr::Kind::String: return "a string";
    case Attr::Kind::Ints: return "a list of ints";
    case Attr::Kind::Floats: return "a list of floats";
    case Attr::Kind::Strings: return "a list of strings";
    case Attr::Kind::Tensor: return "a tensor";
    case Attr::Kind::Graph: return "a graph";
  }
  return "?";
}

const Attr* find_attr(const Node& n, const std::string& key, Attr::Kind kind) {
  auto it = n.attrs.find(key);
  if (it == n.attrs.end()) return nullptr;
  if (it->second.kind != kind)
    n.fail("attribute '" + key + "' is " + kind_name(it->second.kind) + ", but " + n.op + " expects " + kind_name(kind));
  return &it->second;
}
}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t def) const {
  const Attr* a = find_attr(*this, key, Attr::Kind::Int);
  return a ? a->i : def;
}
float Node::attr_float(const std::string& key, float def) const {
  const Attr* a = find_attr(*this, key, Attr::Kind::Float);
  return a ? a->f : def;
}
std::string Node::attr_string(const std::string& key, const std::string& def) const {
  const Attr* a = find_attr(*this, key, Attr::Kind::String);
  return a ? a->s : def;
}
std::vector<int64_t> Node::attr_ints(const std::string& key, std::vector<int64_t> def) const {
  const Attr* a = find_attr(*this, key, Attr::Kind::Ints);
  return a ? a->ints : def;
}
std::vector<float> Node::attr_floats(const std::string& key, std::vector<float> def) const {
  const Attr* a = find_attr(*this, key, Attr::Kind::Floats);
  return a ? a->floats : def;
}

Value* Graph::add_value(const std::string& name) {
  if (by_name_.count(name)) throw Error("tensor '" + name + "' is defined twice");
  values.push_back(std::make_unique<Value>());
  Value* v = values.back().get();
  v->name = name;
  by_name_[name] = v;
  return v;
}

Value* Graph::add_constant(const std::string& hint, Tensor t) {
  std::string name = hint;
  for (int k = 2; by_name_.count(name); ++k) name = hint + "_" + std::to_string(k);
  Value* v = add_value(name);
  v->dtype = t.dtype;
  v->shape = t.shape;
  v->constant = std::move(t);
  return v;
}

Value* Graph::find_value(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Node* Graph::add_node(std::unique_ptr<Node> n) {
  nodes.push_back(std::move(n));
  Node* p = nodes.back().get();
  for (Value* v : p->outputs)
    if (v) v->producer = p;
  return p;
}

std::vector<Node*> Graph::consumers(const Value* v) const {
  std::vector<Node*> out;
  for (const auto& n : nodes)
    for (const Value* in : n->inputs)
      if (in == v) {
        out.push_back(n.get());
        break;
      }
  return out;
}

void Graph::drop_unused_values() {
  std::set<const Value*> used(inputs.begin(), inputs.end());
  used.insert(outputs.begin(), outputs.end());
  used.insert(captured.begin(), captured.end());
  for (const auto& n : nodes) {
    used.insert(n->inputs.begin(), n->inputs.end());
    used.insert(n->outputs.begin(), n->outputs.end());
  }
  std::vector<std::unique_ptr<Value>> kept;
  for (auto& v : values) {
    if (used.count(v.get())) {
      kept.push_back(std::move(v));
    } else {
      by_name_.erase(v->name);
    }
  }
  values = std::move(kept);
}

void Graph::apply(const GraphEdit& e) {
  // Each replaced value's final replacement (a -> b -> c gives a -> c), found before anything
  // changes so that a bad edit (a cycle, a pass's bug) leaves the graph as it was.
  std::map<const Value*, Value*> final_of;
  for (const auto& kv : e.replaced_) {
    Value* v = kv.second;
    for (size_t steps = 0;; ++steps) {
      auto it = e.replaced_.find(v);
      if (it == e.replaced_.end()) break;
      if (steps == e.replaced_.size()) throw Error("graph edit replaces '" + kv.first->name + "' in a cycle");
      v = it->second;
    }
    final_of[kv.first] = v;
  }
  auto resolve = [&](Value*& v) {
    auto it = final_of.find(v);
    if (it != final_of.end()) v = it->second;
  };
  for (auto& n : nodes)
    for (Value*& in : n->inputs) resolve(in);
  for (Value*& out : outputs) resolve(out);
  if (!e.removed_.empty()) {
    std::vector<std::unique_ptr<Node>> kept;
    kept.reserve(nodes.size());
    for (auto& n : nodes) {
      if (!e.removes(*n)) {
        kept.push_back(std::move(n));
        continue;
      }
      for (Value* out : n->outputs)
        if (out && out->producer == n.get()) out->producer = nullptr;
    }
    nodes = std::move(kept);
  }
  drop_unused_values();
}

void Graph::check_topological() const {
  std::set<const Value*> defined(inputs.begin(), inputs.end());
  for (const auto& v : values)
    if (v->is_const()) defined.insert(v.get());
  for (const auto& n : nodes) {
    for (const Value* in : n->inputs)
      if (in && !defined.count(in))
        n->fail("input '" + in->name + "' is not produced before this node (cycle or dangling input)");
    for (const Value* out : n->outputs)
      if (out) defined.insert(out);
  }
  for (const Value* out : outputs)
    if (!defined.count(out)) throw Error("graph output '" + out->name + "' is never produced");
}

std::string print_graph(const Graph& g) {
  auto val = [](const Value* v) {
    if (!v) return std::string("_");
    return "%" + v->name + ":" + dtype_name(v->dtype) + shape_str(v->shape) + (v->is_const() ? "=const" : "");
  };
  std::string out;
  for (const Value* v : g.inputs) out += "input " + val(v) + "\n";
  for (const auto& n : g.nodes) {
    std::string outs, ins;
    for (const Value* v : n->outputs) outs += (outs.empty() ? "" : ", ") + val(v);
    for (const Value* v : n->inputs) ins += (ins.empty() ? "" : ", ") + val(v);
    out += outs + " = " + (n->domain.empty() ? "" : n->domain + ".") + n->op + "(" + ins + ")  # " + n->name + "\n";
  }
  for (const Value* v : g.outputs) out += "output " + val(v) + "\n";
  return out;
}

}  // namespace onnx2mcu

namespace onnx2mcu {

std::shared_ptr<Graph> clone_graph(const Graph& g) {
  auto c = std::make_shared<Graph>();
  c->model_path = g.model_path;
  c->model_inputs = g.model_inputs;
  c->input_forms = g.input_forms;
  c->output_forms = g.output_forms;
  c->frozen_inputs = g.frozen_inputs;
  c->is_subgraph = g.is_subgraph;
  std::map<const Value*, Value*> map = {{nullptr, nullptr}};
  for (const auto& v : g.values) {
    Value* w = c->add_value(v->name);
    *w = *v;
    w->producer = nullptr;
    map[v.get()] = w;
  }
  auto mapped = [&](const std::vector<Value*>& vs) {
    std::vector<Value*> out;
    for (const Value* v : vs) out.push_back(map.at(v));
    return out;
  };
  for (const auto& n : g.nodes) {
    auto m = std::make_unique<Node>(*n);
    m->inputs = mapped(n->inputs);
    m->outputs = mapped(n->outputs);
    for (auto& kv : m->attrs)
      if (kv.second.kind == Attr::Kind::Graph && kv.second.g) kv.second.g = clone_graph(*kv.second.g);
    c->add_node(std::move(m));
  }
  c->inputs = mapped(g.inputs);
  c->outputs = mapped(g.outputs);
  c->captured = mapped(g.captured);
  return c;
}

}  // namespace onnx2mcu
