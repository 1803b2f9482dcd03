// If, Loop, Scan: never lowered. infer-shapes-and-fold inlines them (src/passes/inline_control_flow.cpp)
// once the condition / trip count is constant, or keeps an If with a run-time condition, or a Loop
// with a run-time trip count or condition, with its subgraphs compiled (src/passes/runtime_if.cpp,
// runtime_loop.cpp) for the emitter to write as C++ `if` / `for`; these rules run only for what is neither.
// Their normalize hook makes what their subgraphs read from enclosing graphs explicit inputs, so
// every pass sees those reads as ordinary uses (liveness, dead code, renames by remove-identities).
#include <algorithm>

#include "ops/registry.h"

namespace onnx2mcu {

size_t own_inputs(const Node& n) {
  const auto captured = static_cast<size_t>(n.attr_int(kCapturedInputsAttr, 0));
  return n.inputs.size() - std::min(captured, n.inputs.size());
}

bool is_runtime_control_flow(const Node& n) { return n.domain.empty() && n.attr_int(kRuntimeAttr, 0) != 0; }
bool is_runtime_if(const Node& n) { return n.op == "If" && is_runtime_control_flow(n); }
bool is_runtime_loop(const Node& n) { return (n.op == "Loop" || n.op == "Scan") && is_runtime_control_flow(n); }

LoopForm loop_form(const Node& n) {
  const size_t own = own_inputs(n);
  if (n.op == "Scan") {  // (states, scan inputs) -> (states, scan outputs)
    const auto scans = static_cast<size_t>(std::max<int64_t>(0, n.attr_int("num_scan_inputs", 0)));
    return {0, own - std::min(own, scans), 0, 0};
  }
  // Loop: (M, cond, carried) -> (carried, scans); its body (iteration, cond, carried) -> (cond, carried, scans)
  return {2, own - std::min<size_t>(own, 2), 2, 1};
}

bool has_runtime_length(const Value& v) {
  const Node* n = v.producer;
  if (n && is_runtime_rows(*n)) return true;  // a sequence element (sequence.cpp)
  if (!n || !is_runtime_loop(*n) || n->attr_int(kLoopEarlyExitAttr, 0) == 0) return false;
  for (size_t k = loop_form(*n).carried; k < n->outputs.size(); ++k)
    if (n->outputs[k] == &v) return true;
  return false;
}

size_t runtime_length_axis(const Value& v) {
  const Node* n = v.producer;
  return n && is_runtime_rows(*n) ? static_cast<size_t>(n->attr_int("axis", 0)) : 0;
}

namespace {

void infer_control_flow(Node& n) {
  if (is_runtime_control_flow(n)) return;  // prepare_runtime_if / _loop typed its outputs from the compiled subgraphs
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
  loop.notes =
      "unrolled when the trip count is constant (up to 1024) and the body's condition folds to true; otherwise a run-time loop "
      "bounded by the constant trip count, --max-loop-iterations or the scan outputs' declared length, with early exit; loop-carried values keep one static shape, "
      "but for a sequence each iteration appends one tensor to (a run-time element count; docs/api.md); "
      "scan outputs of a run-time length are model outputs only";
  OpDef& scan = add_op(t, {"Scan", "", infer_control_flow, lower_control_flow});
  scan.notes =
      "Scan 9+ over axis 0 with a run-time input: a run-time loop over the rows (either direction); otherwise unrolled over the "
      "scanned axis (a static dim; up to 1024 iterations; Scan 8: per batch, full sequence_lens)";
  OpDef& map = add_op(t, {"SequenceMap", "", infer_control_flow, lower_control_flow});
  map.notes = "its body inlined once per element of the input sequences (src/passes/sequences.cpp)";
  for (OpDef* d : {&if_op, &loop, &scan, &map}) d->normalize = explicit_captures;
}

}  // namespace onnx2mcu
