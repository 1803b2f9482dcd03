// If, Loop, Scan: never lowered. infer-shapes-and-fold inlines them (src/passes/inline_control_flow.cpp)
// once the condition / trip count is constant, or keeps an If with a run-time condition with its
// branches compiled (src/passes/runtime_if.cpp); these rules run only for what is neither.
// Their normalize hook makes what their subgraphs read from enclosing graphs explicit inputs, so
// every pass sees those reads as ordinary uses (liveness, dead code, renames by remove-identities).
#include <algorithm>

#include "ops/registry.h"

namespace onnx2mcu {

size_t own_inputs(const Node& n) {
  const auto captured = static_cast<size_t>(n.attr_int(kCapturedInputsAttr, 0));
  return n.inputs.size() - std::min(captured, n.inputs.size());
}

bool is_runtime_if(const Node& n) { return n.domain.empty() && n.op == "If" && n.attr_int(kRuntimeIfAttr, 0) != 0; }

namespace {

void infer_control_flow(Node& n) {
  if (is_runtime_if(n)) return;  // prepare_runtime_if typed its outputs from the compiled branches
  n.fail("control flow is inlined when its condition or trip count is constant; this node was not");
}

std::vector<KernelCall> lower_control_flow(const Node& n) {
  n.fail("control flow has no kernel; it is inlined before lowering");
}

// normalize-ops runs this after the subgraphs' own nodes (so a nested node has already made its
// reads the subgraph's captures). The names read are resolved in `g`: its own values, else, when
// g is itself a subgraph, new captures of g that its owner resolves in turn.
void explicit_captures(Node& n, Graph& g) {
  if (n.has_attr(kCapturedInputsAttr)) return;
  std::vector<std::string> names;  // every subgraph's reads, in order of first appearance
  for (auto& kv : n.attrs)
    if (kv.second.kind == Attr::Kind::Graph && kv.second.g)
      for (const Value* c : kv.second.g->captured)
        if (c && std::find(names.begin(), names.end(), c->name) == names.end()) names.push_back(c->name);
  for (auto& kv : n.attrs) {
    if (kv.second.kind != Attr::Kind::Graph || !kv.second.g) continue;
    std::vector<Value*> aligned(names.size(), nullptr);
    for (Value* c : kv.second.g->captured)
      if (c) aligned[static_cast<size_t>(std::find(names.begin(), names.end(), c->name) - names.begin())] = c;
    kv.second.g->captured = std::move(aligned);
  }
  for (const std::string& name : names) {
    Value* v = g.find_value(name);
    if (!v && !g.is_subgraph) n.fail("its subgraph reads '" + name + "', which no enclosing graph defines");
    if (!v) {
      v = g.add_value(name);
      g.captured.push_back(v);
    }
    n.inputs.push_back(v);
  }
  Attr count;
  count.kind = Attr::Kind::Int;
  count.i = static_cast<int64_t>(names.size());
  n.attrs[kCapturedInputsAttr] = count;
}

}  // namespace

void register_control_flow_ops(OpTable& t) {
  OpDef& if_op = add_op(t, {"If", "", infer_control_flow, lower_control_flow});
  if_op.notes =
      "a condition that folds inlines its branch; otherwise both branches are compiled and the generated code picks one at run "
      "time (outputs of one static type and shape; the branches share arena space); nests to any depth";
  OpDef& loop = add_op(t, {"Loop", "", infer_control_flow, lower_control_flow});
  loop.notes = "unrolled: a constant trip count up to 1024, and a body condition that folds to true";
  OpDef& scan = add_op(t, {"Scan", "", infer_control_flow, lower_control_flow});
  scan.notes = "unrolled over the scanned axis (a static dim; up to 1024 iterations, Scan 8: per batch, full sequence_lens)";
  for (OpDef* d : {&if_op, &loop, &scan}) d->normalize = explicit_captures;
}

}  // namespace onnx2mcu
