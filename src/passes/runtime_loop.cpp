// A Loop decided while the model runs, and a Scan run as a loop: the body is compiled once, as a
// graph of its own whose inputs are (iteration, condition, loop-carried values) or (states, scan
// input rows) and the values it reads from enclosing graphs, and the emitter writes a C++ `for`
// around it (src/emitter/emitter.cpp). Loop-carried values keep one static type and shape; scan
// outputs get a static capacity, the loop's bound (its constant trip count, else
// --max-loop-iterations), and when the loop may stop earlier their length is reported at run
// time (model outputs only; docs/api.md).
#include "onnx2mcu/error.h"
#include "ops/helpers.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

Value scalar_type(DType t) {
  Value v;
  v.dtype = t;
  return v;
}

// The body's condition output stays true in every iteration: a constant true, or the
// condition input passed through, maybe by Identity (when the loop starts with a true condition).
bool never_exits(const Graph& body) {
  const Value* c = body.outputs[0];
  while (c->producer && c->producer->op == "Identity" && c->producer->domain.empty() && c->producer->input(0))
    c = c->producer->input(0);
  return is_constant_true(*c) || c == body.inputs[1];
}

// The outputs' sizes, as infer-shapes-and-fold checks every node's (a scan output holds the
// bound's rows: a constant trip count of 2^62 must not become an array).
// A loop whose trip count is known only at run time is still bounded when the model declares
// its scan outputs with a fixed length: no run may write more rows than that. The least such
// length, or -1 when no scan output is a model output with one.
int64_t declared_scan_length(const Graph& g, const Node& n, size_t carried, size_t scans) {
  int64_t least = -1;
  for (size_t k = 0; k < scans && !g.is_subgraph; ++k) {
    const Value* o = n.outputs[carried + k];
    if (!o || !o->is_graph_output || o->shape.empty() || o->shape[0] == kUnknownDim || o->shape[0] < 0) continue;
    if (least < 0 || o->shape[0] < least) least = o->shape[0];
  }
  return least;
}

void check_output_sizes(const Node& n, const PassOptions& opts) {
  for (const Value* o : n.outputs)
    if (o) check_output_bytes(n, *o, opts, "; --max-loop-iterations bounds a Loop's scan outputs");
}

}  // namespace

bool prepare_runtime_loop(Graph& g, Node& n, const PassOptions& opts) {
  const size_t own = own_inputs(n);
  if (own < 2) n.fail("needs inputs M and cond (either may be empty), it has " + std::to_string(own));
  const Value* m = n.input(0);
  const Value* cond = n.input(1);
  if (m && (m->elems() != 1 || m->dtype != DType::I64)) n.fail("trip count '" + m->name + "' must be an int64 with one element");
  if (cond && (cond->elems() != 1 || cond->dtype != DType::Bool))
    n.fail("condition '" + cond->name + "' must be a bool with one element");
  const bool constant_start = m && m->is_const() && (!cond || cond->is_const());
  const int64_t const_trips = m && m->is_const() ? std::max<int64_t>(0, m->constant->int_at(0)) : -1;
  // Zero or one iteration: no condition output decides anything.
  if (constant_start && (const_trips <= 1 || (cond && !is_constant_true(*cond)))) return false;

  const size_t carried = own - 2;
  std::vector<const Value*> args;
  const Value iter = scalar_type(DType::I64), cond_in = scalar_type(DType::Bool);
  args.push_back(&iter);
  args.push_back(&cond_in);
  for (size_t j = 0; j < carried; ++j) {
    if (!n.inputs[2 + j]) n.fail("loop-carried input " + std::to_string(j) + " is omitted");
    args.push_back(n.inputs[2 + j]);
  }
  auto it = n.attrs.find("body");
  if (it == n.attrs.end() || it->second.kind != Attr::Kind::Graph || !it->second.g) n.fail("attribute 'body' is missing or is not a graph");
  std::shared_ptr<Graph> body;
  if (constant_start && const_trips <= kMaxLoopIterations) {
    // Unrolling folds what the iteration number decides; prefer it unless the loop may exit early.
    try {
      body = compile_subgraph(n, *it->second.g, args, opts);
    } catch (const Error&) {
      return false;  // a body that compiles only unrolled (shapes that change per iteration): unroll's errors stand
    }
    if (body->outputs.empty() || never_exits(*body)) return false;
  } else {
    try {
      body = compile_subgraph(n, *it->second.g, args, opts);
    } catch (const Error& e) {
      // E.g. a Slice at the iteration number: only unrolling, with a constant trip count, makes it static.
      std::string advice;
      for (const Value* v : {m, cond})
        if (v && !v->is_const()) advice += freeze_advice(*v);
      if (advice.empty()) throw;
      std::string why = e.what();  // without its advice to freeze the body's own inputs, which no one can
      for (const char* mark : {": fix its value with --freeze", ": it comes from graph input"})
        if (why.find(mark) != std::string::npos) why.resize(why.find(mark));
      n.fail("its body cannot run as a run-time loop (" + why + "); a constant trip count and condition unroll it" + advice);
    }
  }
  if (body->outputs.size() < 1 + carried)
    n.fail("its body has " + std::to_string(body->outputs.size()) + " outputs for " + std::to_string(carried) + " loop-carried values");
  const size_t scans = body->outputs.size() - 1 - carried;
  if (n.outputs.size() != carried + scans)
    n.fail("has " + std::to_string(n.outputs.size()) + " outputs, its body makes " + std::to_string(carried + scans));
  const Value& c_out = *body->outputs[0];
  if (c_out.dtype != DType::Bool || c_out.elems() != 1) n.fail("its body's condition output must be a bool with one element");
  for (size_t j = 0; j < carried; ++j) {
    const Value& a = *n.inputs[2 + j];
    const Value& b = *body->outputs[1 + j];
    if (a.dtype != b.dtype || a.shape != b.shape)
      n.fail("loop-carried value " + std::to_string(j) + " is " + dtype_name(a.dtype) + " " + shape_str(a.shape) +
             " before the loop and " + dtype_name(b.dtype) + " " + shape_str(b.shape) +
             " after an iteration; a run-time Loop needs one static type and shape (a constant trip count unrolls it)");
  }

  // The bound: the constant trip count, else --max-loop-iterations (needed for scan outputs' capacity).
  const bool early_exit = !(m && m->is_const() && (!cond || is_constant_true(*cond)) && never_exits(*body));
  int64_t bound = const_trips >= 0 ? const_trips : declared_scan_length(g, n, carried, scans);
  if (!early_exit && opts.max_loop_iterations > 0 && const_trips > opts.max_loop_iterations)  // would always return 1
    n.fail("runs exactly " + std::to_string(const_trips) + " iterations, more than --max-loop-iterations " +
           std::to_string(opts.max_loop_iterations) + " allows; raise the bound");
  if (opts.max_loop_iterations > 0 && (bound < 0 || bound > opts.max_loop_iterations)) bound = opts.max_loop_iterations;
  if (bound < 0 && scans > 0) {
    const std::string what = m ? "its trip count '" + m->name + "' is known only at run time" : "it has no trip count";
    n.fail(what + ", so its scan outputs need a static capacity: give one with --max-loop-iterations N (or declare their length in the model's outputs), or unroll the loop" +
           (m ? freeze_advice(*m) : std::string()));
  }
  for (size_t j = 0; j < carried; ++j)
    if (Value* o = n.outputs[j]) {
      o->dtype = n.inputs[2 + j]->dtype;
      o->shape = n.inputs[2 + j]->shape;
    }
  for (size_t k = 0; k < scans; ++k) {
    Value* o = n.outputs[carried + k];
    if (!o) continue;
    const Value& slice = *body->outputs[1 + carried + k];
    if (dtype_bits(slice.dtype) < 8) n.fail("scan output " + std::to_string(k) + " has a packed type (" + dtype_name(slice.dtype) + "); not supported");
    o->dtype = slice.dtype;
    o->shape = slice.shape;
    o->shape.insert(o->shape.begin(), bound);
    const bool counted = k >= scans - std::min<size_t>(scans, static_cast<size_t>(n.attr_int(kLoopCountedScansAttr, 0)));
    if (early_exit && !counted && (!o->is_graph_output || g.is_subgraph || !g.consumers(o).empty()))
      n.fail("scan output '" + o->name + "' has a length known only at run time (at most " + std::to_string(bound) +
             "); onnx2mcu supports that only for a model output that nothing else reads");
  }
  check_output_sizes(n, opts);
  it->second.g = body;
  drop_unread_captures(n, {body.get()});
  set_int_attr(n, kRuntimeAttr, 1);
  set_int_attr(n, kLoopMaxTripsAttr, bound);
  set_int_attr(n, kLoopEarlyExitAttr, early_exit ? 1 : 0);
  return true;
}

bool prepare_runtime_scan(Node& n, const PassOptions& opts) {
  // Scan 9+ over axis 0 of every scan input and output (the rows are contiguous); anything else
  // (Scan 8's batches, other axes) is unrolled, as is a Scan whose inputs are all constant (it folds).
  if (n.opset < 9 || n.attr_int("num_scan_inputs", 0) < 1) return false;
  for (const char* key : {"scan_input_axes", "scan_output_axes"})
    for (int64_t a : n.attr_ints(key))
      if (a != 0) return false;
  const LoopForm f = loop_form(n);
  const size_t own = own_inputs(n);
  if (own <= f.carried || n.outputs.size() < f.carried) return false;
  bool all_constant = true;
  int64_t length = -1;
  for (size_t j = 0; j < own; ++j) {
    const Value* v = n.input(j);
    if (!v) return false;
    all_constant = all_constant && v->is_const();
    if (j < f.carried) continue;
    if (v->shape.empty() || (length >= 0 && v->shape[0] != length)) return false;  // unroll's errors stand
    length = v->shape[0];
  }
  if (all_constant || length < 2) return false;
  auto it = n.attrs.find("body");
  if (it == n.attrs.end() || it->second.kind != Attr::Kind::Graph || !it->second.g) return false;
  std::vector<Value> rows(own - f.carried);
  std::vector<const Value*> args;
  for (size_t j = 0; j < own; ++j) {
    if (j < f.carried) {
      args.push_back(n.inputs[j]);
      continue;
    }
    Value& r = rows[j - f.carried];
    r.dtype = n.inputs[j]->dtype;
    r.shape.assign(n.inputs[j]->shape.begin() + 1, n.inputs[j]->shape.end());
    args.push_back(&r);
  }
  std::shared_ptr<Graph> body;
  try {
    body = compile_subgraph(n, *it->second.g, args, opts);
  } catch (const Error&) {
    return false;  // unrolling names the problem
  }
  if (body->outputs.size() != n.outputs.size()) return false;
  for (size_t j = 0; j < f.carried; ++j) {
    const Value& a = *n.inputs[j];
    const Value& b = *body->outputs[j];
    if (a.dtype != b.dtype || a.shape != b.shape) return false;  // a state that changes shape: unrolled
  }
  for (size_t o = f.carried; o < n.outputs.size(); ++o)
    if (dtype_bits(body->outputs[o]->dtype) < 8) return false;  // packed rows: unrolled (n stays untouched)
  for (size_t o = 0; o < n.outputs.size(); ++o) {
    Value* v = n.outputs[o];
    const Value& b = *body->outputs[o];
    if (!v) continue;
    v->dtype = b.dtype;
    v->shape = o < f.carried ? n.inputs[o]->shape : b.shape;
    if (o >= f.carried) v->shape.insert(v->shape.begin(), length);
  }
  check_output_sizes(n, opts);
  it->second.g = body;
  drop_unread_captures(n, {body.get()});
  set_int_attr(n, kRuntimeAttr, 1);
  set_int_attr(n, kLoopMaxTripsAttr, length);
  return true;
}

}  // namespace onnx2mcu
