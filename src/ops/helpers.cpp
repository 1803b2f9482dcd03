#include "ops/helpers.h"

#include <algorithm>

namespace onnx2mcu {

void expect_arity(const Node& n, size_t lo, size_t hi, size_t outs) {
  if (n.inputs.size() < lo || n.inputs.size() > hi)
    n.fail("expects " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
           " inputs, got " + std::to_string(n.inputs.size()));
  if (n.outputs.size() < outs || !n.outputs[0]) n.fail("expects " + std::to_string(outs) + " output(s)");
}

const Value& required_input(const Node& n, size_t i) {
  Value* v = n.input(i);
  if (!v) n.fail("input " + std::to_string(i) + " is required but missing");
  if (v->dtype == DType::Undefined) n.fail("input '" + v->name + "' has no known type");
  return *v;
}

namespace {

// The graph inputs v is computed from (v itself if it is one), nearest first, each once.
std::vector<std::string> upstream_graph_inputs(const Value& v) {
  std::vector<std::string> found;
  std::vector<const Value*> todo{&v}, seen;
  while (!todo.empty() && seen.size() < 10000) {
    const Value* x = todo.front();
    todo.erase(todo.begin());
    if (!x || x->is_const() || std::find(seen.begin(), seen.end(), x) != seen.end()) continue;
    seen.push_back(x);
    if (x->is_graph_input) found.push_back(x->name);
    else if (x->producer)
      for (const Value* in : x->producer->inputs) todo.push_back(in);
  }
  return found;
}

}  // namespace

std::string freeze_advice(const Value& v) {
  const std::vector<std::string> ins = upstream_graph_inputs(v);
  if (ins.empty()) return "";
  std::string msg = v.is_graph_input ? ": fix its value with" : ": it comes from graph input(s); fix them with";
  for (const std::string& name : ins) msg += " --freeze " + name + "=FILE.pb";
  return msg;
}

const Tensor& constant_input(const Node& n, size_t i, const char* what) {
  const Value& v = required_input(n, i);
  if (!v.is_const())
    n.fail(std::string(what) + " (input '" + v.name + "') must be a constant; it is only known at run time" + freeze_advice(v));
  return *v.constant;
}

const Tensor& shape_deciding_input(const Node& n, size_t i) {
  const Value& v = required_input(n, i);
  if (!v.is_const())
    n.fail("its output shape depends on the values of input '" + v.name + "', which are only known at run time" + freeze_advice(v));
  return *v.constant;
}

void set_output(Node& n, size_t i, DType t, Shape s) {
  if (i >= n.outputs.size() || !n.outputs[i]) return;
  Value* v = n.outputs[i];
  v->dtype = t;
  v->shape = std::move(s);
}

int64_t normalize_axis(const Node& n, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    n.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Shape broadcast_shapes(const Node& n, const Shape& a, const Shape& b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      n.fail("shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void expect_same_dtype(const Node& n, DType t) {
  for (const Value* v : n.inputs)
    if (v && v->dtype != t)
      n.fail("input '" + v->name + "' is " + dtype_name(v->dtype) + " but " + dtype_name(t) + " was expected");
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

int64_t prod(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

std::vector<const Value*> node_inputs(const Node& n) { return {n.inputs.begin(), n.inputs.end()}; }
std::vector<const Value*> node_outputs(const Node& n) { return {n.outputs.begin(), n.outputs.end()}; }

const Value* output_or_null(const Node& n, size_t i) { return i < n.outputs.size() ? n.outputs[i] : nullptr; }

std::string dropout_training_reason(const Node& n) {
  if (n.op != "Dropout" || !n.domain.empty()) return "";
  const std::string unsupported = " means training mode (a random mask), which is not supported; ";
  if (n.opset < 7)
    return n.attr_int("is_test", 0) == 0 ? "is_test=0 (opset " + std::to_string(n.opset) + ")" + unsupported + "set is_test=1" : "";
  auto constant_zero = [](const Value* v) { return v && v->is_const() && v->constant->elems() > 0 && v->constant->float_at(0) == 0; };
  const Value* training = n.input(2);
  if (!training || constant_zero(training) || constant_zero(n.input(1))) return "";
  if (!training->is_const())
    return "training_mode '" + training->name + "' is known only at run time and may ask for training mode (a random " +
           "mask), which is not supported; make it a constant false or leave it out";
  return "training_mode = true" + unsupported + "make it false or leave it out";
}

}  // namespace onnx2mcu
