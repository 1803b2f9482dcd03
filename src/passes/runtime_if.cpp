// An If whose condition is only known at run time: both branches are compiled, each as a graph
// of its own whose inputs are the values it reads from enclosing graphs, and the generated code
// picks one (the emitter writes `if (cond) {...} else {...}`; the planner gives the two branches
// one arena region, the larger one's peak, as they never run together).
#include "onnx2mcu/error.h"
#include "ops/helpers.h"
#include "ops/op.h"
#include "passes/inliner.h"
#include "passes/passes.h"

namespace onnx2mcu {

namespace {

// The branches' outputs are flattened (a sequence or optional: one output per element) alike, so
// n gets one output per element too; its original outputs hold those, for the nodes that read them.
void expand_composite_outputs(Graph& g, Node& n, const Graph& then_g, const Graph& else_g, Composites& c) {
  const std::vector<IoForm>& forms = then_g.output_forms;
  if (forms.size() != n.outputs.size() || else_g.output_forms.size() != forms.size()) return;  // tensors only
  std::vector<Value*> outputs;
  for (size_t i = 0; i < forms.size(); ++i) {
    const IoForm& t = forms[i];
    const IoForm& e = else_g.output_forms[i];
    if (t.kind != e.kind || t.present != e.present || t.count != e.count)
      n.fail("output " + std::to_string(i) + " is a sequence or optional of another length or presence in each branch; a run-time If needs one" +
             freeze_advice(*n.input(0)));
    Value* o = n.outputs[i];
    if (t.kind == IoForm::Kind::Tensor) {
      outputs.push_back(o);
      continue;
    }
    std::vector<Value*> elems;
    for (size_t k = 0; k < t.count; ++k) {
      elems.push_back(g.add_value(fresh_name(g, (o ? o->name : n.name + "/out" + std::to_string(i)) + "_" + std::to_string(k))));
      elems.back()->producer = &n;
      outputs.push_back(elems.back());
    }
    if (!o) continue;
    if (t.kind == IoForm::Kind::Optional) {
      c.optionals[o] = elems.empty() ? nullptr : elems[0];
    } else if (t.kind == IoForm::Kind::OptionalSequence && t.present) {
      Value* seq = g.add_value(o->name + "/sequence");
      c.sequences[seq] = elems;
      c.optionals[o] = seq;
    } else if (t.kind == IoForm::Kind::OptionalSequence) {
      c.optionals[o] = nullptr;
    } else {
      c.sequences[o] = elems;
    }
    o->producer = nullptr;
  }
  n.outputs = std::move(outputs);
}

}  // namespace

void prepare_runtime_if(Graph& g, Node& n, Composites& composites, const PassOptions& opts) {
  const Value* c = n.input(0);
  if (!c) n.fail("has no condition input");
  if (c->elems() != 1 || c->dtype != DType::Bool) n.fail("condition '" + c->name + "' must be a bool with one element");
  std::shared_ptr<Graph> then_g, else_g;
  for (const char* key : {"then_branch", "else_branch"}) {
    auto it = n.attrs.find(key);
    if (it == n.attrs.end() || it->second.kind != Attr::Kind::Graph || !it->second.g)
      n.fail(std::string("attribute '") + key + "' is missing or is not a graph");
    std::shared_ptr<Graph> s = compile_subgraph(n, *it->second.g, {}, opts);
    if (s->output_forms.size() != n.outputs.size())
      n.fail(std::string("its ") + key + " has " + std::to_string(s->output_forms.size()) + " outputs, the node " +
             std::to_string(n.outputs.size()));
    it->second.g = s;
    (then_g ? else_g : then_g) = s;
  }
  drop_unread_captures(n, {then_g.get(), else_g.get()});
  expand_composite_outputs(g, n, *then_g, *else_g, composites);
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
