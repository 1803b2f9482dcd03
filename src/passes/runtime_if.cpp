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

// How many graph outputs output form f is flattened to: its elements, then its count and presence flag.
size_t flat_size(const IoForm& f) {
  return (f.kind == IoForm::Kind::Tensor ? 1 : f.count) + (f.runtime_count ? 1 : 0) + (f.runtime_present ? 1 : 0);
}

size_t flat_offset(const Graph& g, size_t i) {
  size_t at = 0;
  for (size_t j = 0; j < i; ++j) at += flat_size(g.output_forms[j]);
  return at;
}

Value* constant_output(Graph& g, const std::string& name, Tensor t) {
  Value* v = g.add_value(fresh_name(g, name));
  v->dtype = t.dtype;
  v->shape = t.shape;
  v->constant = std::move(t);
  v->is_graph_output = true;
  return v;
}

Tensor bool_scalar(bool b) {
  Tensor t(DType::Bool, {});
  t.bytes[0] = b ? 1 : 0;
  return t;
}

// An output that is an empty optional in one branch and holds a value in the other is present or
// not at run time (IoForm::runtime_present): the empty branch returns zeros shaped as the other's
// elements, and each branch a flag after the elements saying whether it holds them.
void add_runtime_presence(Graph& then_g, Graph& else_g) {
  if (then_g.output_forms.size() != else_g.output_forms.size()) return;
  for (size_t i = then_g.output_forms.size(); i-- > 0;) {  // from the last: inserting leaves earlier offsets alone
    const IoForm& t = then_g.output_forms[i];
    const IoForm& e = else_g.output_forms[i];
    if (t.present == e.present || t.runtime_present || e.runtime_present) continue;
    Graph& full = t.present ? then_g : else_g;
    Graph& empty = t.present ? else_g : then_g;
    IoForm form = full.output_forms[i];
    if (form.kind != IoForm::Kind::Optional && form.kind != IoForm::Kind::OptionalSequence) continue;  // refused below
    form.runtime_present = true;
    const size_t full_at = flat_offset(full, i);
    std::vector<Value*> zeros;
    for (size_t k = 0; k < form.count; ++k) {
      const Value* x = full.outputs[full_at + k];
      zeros.push_back(constant_output(empty, x->name + "_absent", Tensor(x->dtype, x->shape)));
    }
    zeros.push_back(constant_output(empty, "absent", bool_scalar(false)));
    empty.outputs.insert(empty.outputs.begin() + static_cast<std::ptrdiff_t>(flat_offset(empty, i)), zeros.begin(), zeros.end());
    full.outputs.insert(full.outputs.begin() + static_cast<std::ptrdiff_t>(full_at + form.count), constant_output(full, "present", bool_scalar(true)));
    full.output_forms[i] = form;
    empty.output_forms[i] = form;
  }
}

// The branches' outputs are flattened (a sequence or optional: one output per element) alike, so
// n gets one output per element too; its original outputs hold those, for the nodes that read them.
void expand_composite_outputs(Graph& g, Node& n, const Graph& then_g, const Graph& else_g, Composites& c) {
  const std::vector<IoForm>& forms = then_g.output_forms;
  if (forms.size() != n.outputs.size() || else_g.output_forms.size() != forms.size()) return;  // tensors only
  std::vector<Value*> outputs;
  for (size_t i = 0; i < forms.size(); ++i) {
    const IoForm& t = forms[i];
    const IoForm& e = else_g.output_forms[i];
    if (t.runtime_count || e.runtime_count)
      n.fail("output " + std::to_string(i) + " is a sequence whose element count is known only at run time; onnx2mcu supports that only for a model output");
    if (t.kind != e.kind || t.present != e.present || t.count != e.count || t.runtime_present != e.runtime_present)
      n.fail("output " + std::to_string(i) + " is a sequence or optional of another length or presence in each branch; a run-time If needs one" +
             freeze_advice(*n.input(0)));
    Value* o = n.outputs[i];
    if (t.kind == IoForm::Kind::Tensor) {
      outputs.push_back(o);
      continue;
    }
    std::vector<Value*> elems;
    for (size_t k = 0; k < t.count; ++k) {
      elems.push_back(g.add_value(fresh_name(g, (o ? o->name : n.name + "/out" + std::to_string(i)) + "/" + std::to_string(k))));
      elems.back()->producer = &n;
      outputs.push_back(elems.back());
    }
    Value* flag = nullptr;
    if (t.runtime_present) {
      flag = g.add_value(fresh_name(g, (o ? o->name : n.name + "/out" + std::to_string(i)) + "/present"));
      flag->producer = &n;
      outputs.push_back(flag);
    }
    if (!o) continue;
    if (flag) c.presence[o] = flag;
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
  add_runtime_presence(*then_g, *else_g);
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
