// A run-time If's branches and a run-time Loop's body, compiled as graphs of their own (shared by
// runtime_if.cpp and runtime_loop.cpp).
#include <algorithm>

#include "ops/helpers.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

void take_type(Value& p, const Value& from) {
  p.dtype = from.dtype;
  p.shape = from.shape;
  p.dim_names = from.dim_names;
}

bool reads(const Graph& g, const Value* v) {
  return v && (!g.consumers(v).empty() || std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end());
}

}  // namespace

std::shared_ptr<Graph> compile_subgraph(const Node& n, const Graph& sub, const std::vector<const Value*>& args,
                                        const PassOptions& opts) {
  std::shared_ptr<Graph> s = clone_graph(sub);
  const size_t first = own_inputs(n);
  if (s->captured.size() != n.inputs.size() - first)
    n.fail("its subgraph's reads from enclosing graphs are not its inputs (internal error)");
  if (s->inputs.size() != args.size())
    n.fail("its subgraph declares " + std::to_string(s->inputs.size()) + " inputs, " + std::to_string(args.size()) +
           " are passed in");
  for (size_t i = 0; i < args.size(); ++i) {
    take_type(*s->inputs[i], *args[i]);
    s->inputs[i]->constant.reset();  // a new value every iteration
    s->inputs[i]->is_graph_input = true;
  }
  // Captures typed by the values passed in; constants stay constants, so folding and shape rules see them.
  for (size_t i = 0; i < s->captured.size(); ++i) {
    Value* p = s->captured[i];
    if (!p) continue;
    const Value& outer = *n.inputs[first + i];
    take_type(*p, outer);
    p->constant = outer.constant;
    p->is_graph_input = !outer.is_const();
    if (p->is_graph_input) s->inputs.push_back(p);
  }
  for (Value* o : s->outputs) {
    if (!o) n.fail("an output of its subgraph is empty");
    o->is_graph_output = true;
  }
  PassOptions inner = opts;
  inner.dump_after.clear();  // --dump-ir-after shows the model graph only
  inner.dump = nullptr;
  inner.native_io = false;  // the model's inputs and outputs only
  run_pipeline(*s, inner);  // nested run-time control flow is compiled in turn
  return s;
}

void drop_unread_captures(Node& n, const std::vector<Graph*>& subgraphs) {
  const size_t first = own_inputs(n);
  for (size_t i = n.inputs.size() - first; i-- > 0;) {
    bool read = false;
    for (const Graph* s : subgraphs) read |= reads(*s, s->captured[i]);
    if (read) continue;
    for (Graph* s : subgraphs) {
      s->inputs.erase(std::remove(s->inputs.begin(), s->inputs.end(), s->captured[i]), s->inputs.end());
      s->captured.erase(s->captured.begin() + static_cast<std::ptrdiff_t>(i));
    }
    n.inputs.erase(n.inputs.begin() + static_cast<std::ptrdiff_t>(first + i));
  }
  n.attrs[kCapturedInputsAttr].i = static_cast<int64_t>(n.inputs.size() - first);
  for (Graph* s : subgraphs) s->drop_unused_values();
}

void set_int_attr(Node& n, const char* key, int64_t value) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = value;
  n.attrs[key] = a;
}

}  // namespace onnx2mcu
