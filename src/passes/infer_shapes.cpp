#include <iterator>
#include <map>

#include "onnx2mcu/error.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {

void check_output_bytes(const Node& n, const Value& out, const PassOptions& opts, const std::string& hint) {
  int64_t bytes = 0;
  try {
    bytes = out.bytes();
  } catch (const Error& e) {
    n.fail(e.what());
  }
  if (bytes > opts.max_tensor_bytes)
    n.fail("output '" + out.name + "' " + shape_str(out.shape) + " holds " + std::to_string(bytes) + " bytes, more than the limit of " +
           std::to_string(opts.max_tensor_bytes) + " (--max-tensor-bytes)" + hint);
}

void infer_shapes_and_fold(Graph& g, const PassOptions& opts) {
  std::vector<LoopCondCheck> loop_checks;
  std::map<const Node*, DType> widened;  // nodes computing in float32 for float16 data
  Composites composites;  // sequences and optionals, element by element
  // Node i replaced by `repl`, which this loop then infers and folds in turn.
  auto replace = [&](size_t& i, std::vector<std::unique_ptr<Node>> repl) {
    g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(i));
    g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(i), std::make_move_iterator(repl.begin()),
                   std::make_move_iterator(repl.end()));
    --i;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = *g.nodes[i];
    if (auto repl = lower_composite(g, n, composites, opts)) {
      replace(i, std::move(*repl));
      continue;
    }
    bool reads_composite = false;
    for (const Value* in : n.inputs) {
      if (composites.holds(in)) {
        reads_composite = true;
        if (!is_inlined_control_flow(n))
          n.fail("reads sequence or optional '" + in->name + "', which only Sequence*/Optional* ops, Identity, If and Loop can");
      } else if (in && (in->dtype == DType::Undefined || !shape_known(in->shape))) {
        n.fail("input '" + in->name + "' has no known type or shape");
      }
    }
    if (is_runtime_control_flow(n)) continue;  // compiled already (a graph run through the pipeline twice)
    // A sequence or optional passes into If and Loop only when they are inlined (constant condition, trip count).
    if (n.op == "If" && n.domain.empty() && n.input(0) && !n.input(0)->is_const() && !reads_composite) {
      prepare_runtime_if(g, n, composites, opts);
      continue;
    }
    if (n.op == "Loop" && n.domain.empty() && reads_composite) {
      if (auto repl = lower_sequence_loop(g, n, composites, opts)) {
        replace(i, std::move(*repl));
        continue;
      }
    }
    if (n.op == "Loop" && n.domain.empty() && !reads_composite && prepare_runtime_loop(g, n, opts)) continue;
    if (n.op == "Scan" && n.domain.empty() && !reads_composite && prepare_runtime_scan(n, opts)) continue;
    if (is_inlined_control_flow(n)) {
      replace(i, inline_control_flow(g, n, opts, loop_checks));
      continue;
    }
    if (widened.count(&n) == 0) {
      const DType storage = widen_float_inputs(g, i);
      if (storage != DType::Undefined) {
        widened[&n] = storage;
        --i;  // infer the inserted Casts, then n again
        continue;
      }
    }
    const OpDef* def = find_op(n.domain, n.op);
    try {
      if (def->tables && !n.has_attr(kTableInputsAttr)) attach_tables(g, n, def->tables(n));
      def->infer(n);
    } catch (const Error& e) {
      if (std::string(e.what()).rfind("node '", 0) == 0) throw;
      n.fail(e.what());  // e.g. shape_elems overflowing: name the node it happened in
    }
    for (const Value* out : n.outputs) {
      if (!out) continue;
      if (out->dtype == DType::Undefined || !shape_known(out->shape))
        n.fail("shape rule left output '" + out->name + "' unknown");
      check_output_bytes(n, *out, opts);
    }
    auto w = widened.find(&n);
    if (w != widened.end()) narrow_float_outputs(g, i, w->second);  // before folding: n now writes float32
    if (!def->defer_fold) fold_node(g, n, opts);
  }
  check_loop_conditions(loop_checks);
  flatten_composite_outputs(g, composites);
  // Folded nodes computed their outputs; drop them now that nothing needs to run them.
  g.remove_nodes_if([](const Node& n) {
    for (const Value* out : n.outputs)
      if (out && !out->is_const()) return false;
    return true;
  });
  for (auto& v : g.values) v->producer = nullptr;
  for (auto& n : g.nodes)
    for (Value* out : n->outputs)
      if (out) out->producer = n.get();
}

}  // namespace onnx2mcu
