// If and Loop inlined into the parent graph once folding has made their condition or trip count
// constant (called by infer-shapes-and-fold, which then infers and folds the inlined nodes in
// turn). Generated code has no runtime control flow: If becomes the branch a constant condition
// picks; Loop with a constant trip count is unrolled, each iteration's body inlined with the
// loop-carried values threaded through and scan outputs stacked along a new axis 0
// (Unsqueeze + Concat).
#include <iterator>
#include <map>

#include "onnx2mcu/error.h"
#include "ops/helpers.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

std::string fresh_name(const Graph& g, const std::string& hint) {
  std::string name = hint;
  for (int k = 2; g.find_value(name); ++k) name = hint + "_" + std::to_string(k);
  return name;
}

const Graph& graph_attr(const Node& n, const std::string& key) {
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
    for (const Value* c : body.captured) {
      Value* v = g.find_value(c->name);
      if (!v) owner.fail("its subgraph reads '" + c->name + "', which the enclosing graph does not define");
      map[c] = v;
    }
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
      const Node& bn = *np;
      for (const auto& kv : bn.attrs)
        if (kv.second.kind == Attr::Kind::Graph)
          owner.fail("its subgraph holds node '" + bn.name + "' (" + bn.op +
                     ") with a subgraph of its own; nested control flow is not supported");
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
};

bool scalar_true(const Value& v) {
  const Tensor& t = *v.constant;
  for (uint8_t b : t.bytes)
    if (b) return true;
  return false;
}

void inline_if(Inliner& in) {
  const Node& n = in.owner;
  Value* c = n.input(0);
  if (!c) n.fail("has no condition input");
  // onnx2mcu emits no runtime branches: the condition must fold (the message names the inputs to freeze).
  constant_input(n, 0, "the condition that picks the branch to inline");
  if (c->elems() != 1 || c->dtype != DType::Bool) n.fail("condition '" + c->name + "' must be a bool with one element");
  const bool then = scalar_true(*c);
  const Graph& branch = graph_attr(n, then ? "then_branch" : "else_branch");
  if (branch.outputs.size() != n.outputs.size())
    n.fail("its " + std::string(then ? "then" : "else") + " branch has " + std::to_string(branch.outputs.size()) +
           " outputs, the node " + std::to_string(n.outputs.size()));
  std::vector<Value*> res = in.inline_once(branch, {}, n.name + "/" + (then ? "then" : "else") + "/", n.outputs);
  for (size_t i = 0; i < res.size(); ++i) in.bind(res[i], n.outputs[i], n.name + "/out" + std::to_string(i));
}

void inline_loop(Inliner& in, std::vector<LoopCondCheck>& checks) {
  const Node& n = in.owner;
  Graph& g = in.g;
  Value* m = n.input(0);
  Value* cond = n.input(1);
  if (!m) n.fail("has no trip count; onnx2mcu unrolls only Loops with a constant trip count");
  constant_input(n, 0, "the trip count of the Loop to unroll");
  if (m->elems() != 1 || m->dtype != DType::I64) n.fail("trip count '" + m->name + "' must be an int64 with one element");
  int64_t trips = m->constant->data<int64_t>()[0];
  if (cond) {
    constant_input(n, 1, "the initial condition of the Loop to unroll");
    if (cond->elems() != 1 || cond->dtype != DType::Bool) n.fail("condition '" + cond->name + "' must be a bool with one element");
    if (!scalar_true(*cond)) trips = 0;
  }
  if (trips < 0) trips = 0;
  if (trips > kMaxLoopIterations)
    n.fail("trip count " + std::to_string(trips) + " is more than the " + std::to_string(kMaxLoopIterations) +
           " iterations onnx2mcu unrolls");
  const Graph& body = graph_attr(n, "body");
  const size_t carried = n.inputs.size() < 2 ? 0 : n.inputs.size() - 2;
  if (body.inputs.size() != carried + 2 || body.outputs.size() < carried + 1)
    n.fail("its body has " + std::to_string(body.inputs.size()) + " inputs and " + std::to_string(body.outputs.size()) +
           " outputs for " + std::to_string(carried) + " loop-carried values");
  const size_t scans = body.outputs.size() - 1 - carried;
  if (n.outputs.size() != carried + scans)
    n.fail("has " + std::to_string(n.outputs.size()) + " outputs, its body makes " + std::to_string(carried + scans));
  for (size_t j = 0; j < carried; ++j)
    if (!n.inputs[2 + j]) n.fail("loop-carried input " + std::to_string(j) + " is omitted");
  if (trips == 0 && scans > 0)
    for (size_t k = 0; k < scans; ++k)
      if (n.outputs[carried + k]) n.fail("runs zero times, so its scan outputs are empty; that is not supported");

  std::vector<Value*> cur(n.inputs.begin() + 2, n.inputs.end());
  Value* c = cond;
  if (!c) {
    Tensor t(DType::Bool, {});
    t.bytes[0] = 1;
    c = g.add_constant(n.name + "/cond", std::move(t));
  }
  std::vector<std::vector<Value*>> scan_vals(scans);
  for (int64_t it = 0; it < trips; ++it) {
    const std::string prefix = n.name + "/" + std::to_string(it) + "/";
    Tensor t(DType::I64, {});
    t.data<int64_t>()[0] = it;
    std::vector<Value*> args = {g.add_constant(prefix + "iter", std::move(t)), c};
    args.insert(args.end(), cur.begin(), cur.end());
    std::vector<Value*> targets;
    if (it == trips - 1) {
      targets.push_back(nullptr);
      for (size_t j = 0; j < carried; ++j) targets.push_back(n.outputs[j]);
    }
    std::vector<Value*> res = in.inline_once(body, args, prefix, targets);
    c = res[0];
    if (it + 1 < trips) checks.push_back({c, n.name, it});  // the last one decides nothing
    for (size_t j = 0; j < carried; ++j) cur[j] = res[1 + j];
    for (size_t k = 0; k < scans; ++k) scan_vals[k].push_back(res[1 + carried + k]);
  }
  for (size_t j = 0; j < carried; ++j) in.bind(cur[j], n.outputs[j], n.name + "/out" + std::to_string(j));
  for (size_t k = 0; k < scans; ++k) {
    Value* target = n.outputs[carried + k];
    if (!target) continue;
    std::vector<Value*> parts;
    for (size_t it = 0; it < scan_vals[k].size(); ++it) {
      const std::string name = n.name + "/scan" + std::to_string(k) + "/" + std::to_string(it);
      Value* u = in.new_value(name);
      Tensor axes(DType::I64, {1});
      axes.data<int64_t>()[0] = 0;
      in.emit("Unsqueeze", name, {scan_vals[k][it], g.add_constant(n.name + "/axes0", std::move(axes))}, u);
      parts.push_back(u);
    }
    Attr axis;
    axis.kind = Attr::Kind::Int;
    axis.i = 0;
    in.emit("Concat", n.name + "/scan" + std::to_string(k), parts, target, {{"axis", axis}});
  }
}

}  // namespace

std::vector<std::unique_ptr<Node>> inline_control_flow(Graph& g, const Node& n, const PassOptions& opts,
                                                       std::vector<LoopCondCheck>& checks) {
  Inliner in{g, n, opts.max_nodes - static_cast<int64_t>(g.nodes.size()), {}};
  if (n.op == "If") {
    inline_if(in);
  } else if (n.op == "Loop") {
    inline_loop(in, checks);
  } else {
    n.fail("is not control flow onnx2mcu inlines");
  }
  return std::move(in.out);
}

void check_loop_conditions(const std::vector<LoopCondCheck>& checks) {
  for (const LoopCondCheck& c : checks)
    if (!c.cond->is_const() || !scalar_true(*c.cond))
      fail_node(c.loop, "Loop",
                "its body's condition output '" + c.cond->name + "' is not constant true in iteration " +
                    std::to_string(c.iteration) +
                    "; onnx2mcu unrolls only Loops that run exactly their constant trip count");
}

}  // namespace onnx2mcu
