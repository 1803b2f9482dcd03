// An If whose condition is only known at run time: both branches are compiled, each as a graph
// of its own whose inputs are the values it reads from enclosing graphs, and the generated code
// picks one (the emitter writes `if (cond) {...} else {...}`; the planner gives the two branches
// one arena region, the larger one's peak, as they never run together).
#include <algorithm>

#include "onnx2mcu/error.h"
#include "ops/helpers.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

// The branch as a graph of its own: a copy whose captures are typed by the values passed in
// (constants stay constants, so folding and shape rules see them) and whose outputs are its
// graph outputs; then the whole pipeline, which specializes nested run-time Ifs in turn.
std::shared_ptr<Graph> compile_branch(const Node& n, const Graph& branch, const PassOptions& opts) {
  std::shared_ptr<Graph> s = clone_graph(branch);
  const size_t first = own_inputs(n);
  if (s->captured.size() != n.inputs.size() - first)
    n.fail("its subgraph's reads from enclosing graphs are not its inputs (internal error)");
  if (!s->inputs.empty()) n.fail("an If branch takes no inputs, this one declares " + std::to_string(s->inputs.size()));
  for (size_t i = 0; i < s->captured.size(); ++i) {
    Value* p = s->captured[i];
    if (!p) continue;
    const Value& outer = *n.inputs[first + i];
    p->dtype = outer.dtype;
    p->shape = outer.shape;
    p->dim_names = outer.dim_names;
    p->constant = outer.constant;
    p->is_graph_input = !outer.is_const();
    if (p->is_graph_input) s->inputs.push_back(p);
  }
  for (Value* o : s->outputs) {
    if (!o) n.fail("a branch output is empty");
    o->is_graph_output = true;
  }
  PassOptions sub = opts;
  sub.dump_after.clear();  // --dump-ir-after shows the model graph only
  sub.dump = nullptr;
  run_pipeline(*s, sub);
  return s;
}

bool reads(const Graph& g, const Value* v) {
  return v && (!g.consumers(v).empty() || std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end());
}

// Captures no compiled branch reads any more (folded away, e.g. a bias now inside a Gemm's
// constant) stop being inputs of the If, so they neither stay alive nor take flash.
void drop_unread_captures(Node& n, const std::vector<Graph*>& branches) {
  const size_t first = own_inputs(n);
  for (size_t i = n.inputs.size() - first; i-- > 0;) {
    bool read = false;
    for (const Graph* b : branches) read |= reads(*b, b->captured[i]);
    if (read) continue;
    for (Graph* b : branches) {
      b->inputs.erase(std::remove(b->inputs.begin(), b->inputs.end(), b->captured[i]), b->inputs.end());
      b->captured.erase(b->captured.begin() + static_cast<std::ptrdiff_t>(i));
    }
    n.inputs.erase(n.inputs.begin() + static_cast<std::ptrdiff_t>(first + i));
  }
  n.attrs[kCapturedInputsAttr].i = static_cast<int64_t>(n.inputs.size() - first);
  for (Graph* b : branches) b->drop_unused_values();
}

}  // namespace

void prepare_runtime_if(Node& n, const PassOptions& opts) {
  const Value* c = n.input(0);
  if (!c) n.fail("has no condition input");
  if (c->elems() != 1 || c->dtype != DType::Bool) n.fail("condition '" + c->name + "' must be a bool with one element");
  std::shared_ptr<Graph> then_g, else_g;
  for (const char* key : {"then_branch", "else_branch"}) {
    auto it = n.attrs.find(key);
    if (it == n.attrs.end() || it->second.kind != Attr::Kind::Graph || !it->second.g)
      n.fail(std::string("attribute '") + key + "' is missing or is not a graph");
    std::shared_ptr<Graph> s = compile_branch(n, *it->second.g, opts);
    if (s->outputs.size() != n.outputs.size())
      n.fail(std::string("its ") + key + " has " + std::to_string(s->outputs.size()) + " outputs, the node " +
             std::to_string(n.outputs.size()));
    it->second.g = s;
    (then_g ? else_g : then_g) = s;
  }
  drop_unread_captures(n, {then_g.get(), else_g.get()});
  for (size_t i = 0; i < n.outputs.size(); ++i) {
    const Value& t = *then_g->outputs[i];
    const Value& e = *else_g->outputs[i];
    if (t.dtype != e.dtype || t.shape != e.shape)
      n.fail("output " + std::to_string(i) + " is " + dtype_name(t.dtype) + " " + shape_str(t.shape) + " in the then branch and " +
             dtype_name(e.dtype) + " " + shape_str(e.shape) +
             " in the else branch; a run-time If needs one static type and shape (a constant condition picks one branch)" +
             freeze_advice(*c));
    if (Value* o = n.outputs[i]) {
      o->dtype = t.dtype;
      o->shape = t.shape;
    }
  }
  Attr flag;
  flag.kind = Attr::Kind::Int;
  flag.i = 1;
  n.attrs[kRuntimeIfAttr] = flag;
}

}  // namespace onnx2mcu
