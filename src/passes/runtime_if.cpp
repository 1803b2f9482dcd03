// An If whose condition is only known at run time: both branches are compiled, each as a graph
// of its own whose inputs are the values it reads from enclosing graphs, and the generated code
// picks one (the emitter writes `if (cond) {...} else {...}`; the planner gives the two branches
// one arena region, the larger one's peak, as they never run together).
#include "onnx2mcu/error.h"
#include "ops/helpers.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {

void prepare_runtime_if(Node& n, const PassOptions& opts) {
  const Value* c = n.input(0);
  if (!c) n.fail("has no condition input");
  if (c->elems() != 1 || c->dtype != DType::Bool) n.fail("condition '" + c->name + "' must be a bool with one element");
  std::shared_ptr<Graph> then_g, else_g;
  for (const char* key : {"then_branch", "else_branch"}) {
    auto it = n.attrs.find(key);
    if (it == n.attrs.end() || it->second.kind != Attr::Kind::Graph || !it->second.g)
      n.fail(std::string("attribute '") + key + "' is missing or is not a graph");
    std::shared_ptr<Graph> s = compile_subgraph(n, *it->second.g, {}, opts);
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
  set_int_attr(n, kRuntimeAttr, 1);
}

}  // namespace onnx2mcu
