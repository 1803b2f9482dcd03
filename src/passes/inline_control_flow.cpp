// If, Loop and Scan inlined into the parent graph once folding has made their condition or trip
// count constant (called by infer-shapes-and-fold, which then infers and folds the inlined nodes
// in turn). Generated code has no runtime control flow: If becomes the branch a constant
// condition picks; Loop with a constant trip count is unrolled, each iteration's body inlined with
// the loop-carried values threaded through and scan outputs stacked along a new axis 0
// (Unsqueeze + Concat). Scan, whose length is a static dim, is unrolled the same way, each
// iteration reading its slices of the scan inputs (Gather of one index).
#include <algorithm>
#include <iterator>
#include <map>

#include "onnx2mcu/error.h"
#include "ops/helpers.h"
#include "ops/op.h"
#include "passes/inliner.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

void inline_if(Inliner& in) {
  const Node& n = in.owner;
  Value* c = n.input(0);
  if (!c) n.fail("has no condition input");
  // onnx2mcu emits no runtime branches: the condition must fold (the message names the inputs to freeze).
  constant_input(n, 0, "the condition that picks the branch to inline");
  if (c->elems() != 1 || c->dtype != DType::Bool) n.fail("condition '" + c->name + "' must be a bool with one element");
  const bool then = is_constant_true(*c);
  const Graph& branch = graph_attr(n, then ? "then_branch" : "else_branch");
  if (branch.outputs.size() != n.outputs.size())
    n.fail("its " + std::string(then ? "then" : "else") + " branch has " + std::to_string(branch.outputs.size()) +
           " outputs, the node " + std::to_string(n.outputs.size()));
  std::vector<Value*> res = in.inline_once(branch, {}, n.name + "/" + (then ? "then" : "else") + "/", n.outputs);
  for (size_t i = 0; i < res.size(); ++i) in.bind(res[i], n.outputs[i], n.name + "/out" + std::to_string(i));
}

void inline_loop(Inliner& in, std::vector<LoopCondCheck>& checks) {
  const Node& n = in.owner;
  Graph& g = in.g;
  Value* m = n.input(0);
  Value* cond = n.input(1);
  if (!m) n.fail("has no trip count; onnx2mcu unrolls only Loops with a constant trip count");
  constant_input(n, 0, "the trip count of the Loop to unroll");
  if (m->elems() != 1 || m->dtype != DType::I64) n.fail("trip count '" + m->name + "' must be an int64 with one element");
  int64_t trips = m->constant->data<int64_t>()[0];
  if (cond) {
    constant_input(n, 1, "the initial condition of the Loop to unroll");
    if (cond->elems() != 1 || cond->dtype != DType::Bool) n.fail("condition '" + cond->name + "' must be a bool with one element");
    if (!is_constant_true(*cond)) trips = 0;
  }
  if (trips < 0) trips = 0;
  if (trips > kMaxLoopIterations)
    n.fail("trip count " + std::to_string(trips) + " is more than the " + std::to_string(kMaxLoopIterations) +
           " iterations onnx2mcu unrolls");
  const Graph& body = graph_attr(n, "body");
  const size_t carried = own_inputs(n) < 2 ? 0 : own_inputs(n) - 2;
  if (body.inputs.size() != carried + 2 || body.outputs.size() < carried + 1)
    n.fail("its body has " + std::to_string(body.inputs.size()) + " inputs and " + std::to_string(body.outputs.size()) +
           " outputs for " + std::to_string(carried) + " loop-carried values");
  const size_t scans = body.outputs.size() - 1 - carried;
  if (n.outputs.size() != carried + scans)
    n.fail("has " + std::to_string(n.outputs.size()) + " outputs, its body makes " + std::to_string(carried + scans));
  for (size_t j = 0; j < carried; ++j)
    if (!n.inputs[2 + j]) n.fail("loop-carried input " + std::to_string(j) + " is omitted");
  if (trips == 0 && scans > 0)
    for (size_t k = 0; k < scans; ++k)
      if (n.outputs[carried + k]) n.fail("runs zero times, so its scan outputs are empty; that is not supported");

  std::vector<Value*> cur(n.inputs.begin() + 2, n.inputs.begin() + static_cast<std::ptrdiff_t>(2 + carried));
  Value* c = cond;
  if (!c) {
    Tensor t(DType::Bool, {});
    t.bytes[0] = 1;
    c = g.add_constant(n.name + "/cond", std::move(t));
  }
  std::vector<std::vector<Value*>> scan_vals(scans);
  for (int64_t it = 0; it < trips; ++it) {
    const std::string prefix = n.name + "/" + std::to_string(it) + "/";
    Tensor t(DType::I64, {});
    t.data<int64_t>()[0] = it;
    std::vector<Value*> args = {g.add_constant(prefix + "iter", std::move(t)), c};
    args.insert(args.end(), cur.begin(), cur.end());
    std::vector<Value*> targets;
    if (it == trips - 1) {
      targets.push_back(nullptr);
      for (size_t j = 0; j < carried; ++j) targets.push_back(n.outputs[j]);
    }
    std::vector<Value*> res = in.inline_once(body, args, prefix, targets);
    c = res[0];
    if (it + 1 < trips) checks.push_back({c, n.name, it});  // the last one decides nothing
    for (size_t j = 0; j < carried; ++j) cur[j] = res[1 + j];
    for (size_t k = 0; k < scans; ++k) scan_vals[k].push_back(res[1 + carried + k]);
  }
  for (size_t j = 0; j < carried; ++j) in.bind(cur[j], n.outputs[j], n.name + "/out" + std::to_string(j));
  for (size_t k = 0; k < scans; ++k)
    if (n.outputs[carried + k]) in.stack(scan_vals[k], 0, n.outputs[carried + k], n.name + "/scan" + std::to_string(k));
}

// Scan 9+: inputs are `states` initial values, then the scan inputs; the body maps (states,
// one slice of each scan input) to (states, one slice of each scan output). One call unrolls it
// over `length` iterations; Scan 8 calls it once per batch. outputs: states, then scan outputs.
struct ScanForm {
  size_t states = 0;
  std::vector<int64_t> in_axes, in_reverse, out_axes, out_reverse;  // normalized, one per scan input / output
};

void unroll_scan(Inliner& in, const Graph& body, const ScanForm& f, const std::vector<Value*>& inputs, int64_t length,
                 const std::vector<Value*>& outputs, const std::string& prefix) {
  const Node& n = in.owner;
  std::vector<Value*> state(inputs.begin(), inputs.begin() + static_cast<std::ptrdiff_t>(f.states));
  const size_t scan_ins = inputs.size() - f.states, scan_outs = f.out_axes.size();
  std::vector<std::vector<Value*>> slices(scan_outs);
  for (int64_t t = 0; t < length; ++t) {
    const std::string p = prefix + std::to_string(t) + "/";
    std::vector<Value*> args = state;
    for (size_t j = 0; j < scan_ins; ++j)
      args.push_back(in.take(inputs[f.states + j], f.in_reverse[j] ? length - 1 - t : t, f.in_axes[j], p + "in" + std::to_string(j)));
    std::vector<Value*> targets;
    if (t == length - 1) targets.assign(outputs.begin(), outputs.begin() + static_cast<std::ptrdiff_t>(f.states));
    std::vector<Value*> res = in.inline_once(body, args, p, targets);
    if (res.size() != f.states + scan_outs)
      n.fail("its body has " + std::to_string(res.size()) + " outputs, " + std::to_string(f.states + scan_outs) + " expected");
    std::copy(res.begin(), res.begin() + static_cast<std::ptrdiff_t>(f.states), state.begin());
    for (size_t k = 0; k < scan_outs; ++k) slices[k].push_back(res[f.states + k]);
  }
  for (size_t j = 0; j < f.states; ++j) in.bind(state[j], outputs[j], prefix + "state" + std::to_string(j));
  for (size_t k = 0; k < scan_outs; ++k) {
    if (f.out_reverse[k]) std::reverse(slices[k].begin(), slices[k].end());
    in.stack(slices[k], f.out_axes[k], outputs[f.states + k], prefix + "scan" + std::to_string(k));
  }
}

// An axis attribute per scan input or output (default 0), in [-rank, rank) for the given ranks.
std::vector<int64_t> scan_attr(const Node& n, const std::string& key, const std::vector<int64_t>& ranks) {
  std::vector<int64_t> v = n.attr_ints(key, std::vector<int64_t>(ranks.size(), 0));
  if (v.size() != ranks.size())
    n.fail("'" + key + "' has " + std::to_string(v.size()) + " values for " + std::to_string(ranks.size()) + " scan inputs or outputs");
  for (size_t i = 0; i < v.size(); ++i)
    if (ranks[i] >= 0) v[i] = normalize_axis(n, v[i], ranks[i]);
  return v;
}

void inline_scan(Inliner& in) {
  const Node& n = in.owner;
  const Graph& body = graph_attr(n, "body");
  const bool batched = n.opset < 9;  // Scan 8: input 0 is sequence_lens; every tensor has a batch axis 0
  const size_t first = batched ? 1 : 0;
  const size_t own = own_inputs(n);  // without the captured values
  const int64_t m = n.attr_int("num_scan_inputs", -1);
  if (m < 1 || own < first + static_cast<size_t>(m))
    n.fail("num_scan_inputs " + std::to_string(m) + " does not fit its " + std::to_string(own) + " inputs");
  for (size_t i = first; i < own; ++i)
    if (!n.inputs[i]) n.fail("input " + std::to_string(i) + " is omitted");
  ScanForm f;
  f.states = own - first - static_cast<size_t>(m);
  if (n.outputs.size() < f.states) n.fail("has fewer outputs than state variables");
  const size_t scan_outs = n.outputs.size() - f.states;
  const int64_t lead = batched ? 1 : 0;  // the batch axis the body does not see
  std::vector<int64_t> in_ranks, out_ranks;
  for (size_t j = 0; j < static_cast<size_t>(m); ++j)
    in_ranks.push_back(static_cast<int64_t>(n.inputs[first + f.states + j]->shape.size()) - lead);
  for (size_t k = 0; k < scan_outs; ++k) out_ranks.push_back(-1);  // normalized once the slice rank is known
  if (batched) {
    f.in_axes.assign(in_ranks.size(), 0);
    f.in_reverse = scan_attr(n, "directions", std::vector<int64_t>(in_ranks.size(), -1));
    f.out_axes.assign(scan_outs, 0);
    f.out_reverse.assign(scan_outs, 0);
  } else {
    f.in_axes = scan_attr(n, "scan_input_axes", in_ranks);
    f.in_reverse = scan_attr(n, "scan_input_directions", std::vector<int64_t>(in_ranks.size(), -1));
    f.out_axes = scan_attr(n, "scan_output_axes", out_ranks);
    f.out_reverse = scan_attr(n, "scan_output_directions", out_ranks);
  }
  int64_t length = -1;
  for (size_t j = 0; j < in_ranks.size(); ++j) {
    const Shape& s = n.inputs[first + f.states + j]->shape;
    if (in_ranks[j] < 1) n.fail("scan input " + std::to_string(j) + " has no axis to scan");
    const int64_t len = s[static_cast<size_t>(f.in_axes[j] + lead)];
    if (length >= 0 && len != length) n.fail("its scan inputs have different lengths, " + std::to_string(length) + " and " + std::to_string(len));
    length = len;
  }
  if (length == 0 && scan_outs > 0) n.fail("scans zero iterations, so its scan outputs are empty; that is not supported");
  if (batched && n.inputs[first]->shape.empty()) n.fail("Scan 8 needs a batch axis 0 on every input");
  const int64_t batches = batched ? n.inputs[first]->shape[0] : 1;
  if (length * batches > kMaxLoopIterations)
    n.fail(std::to_string(length * batches) + " iterations are more than the " + std::to_string(kMaxLoopIterations) +
           " onnx2mcu unrolls");
  // Scan output axes may be negative, counted on the stacked output (one more dim than a slice).
  for (size_t k = 0; k < scan_outs; ++k)
    if (f.out_axes[k] < 0) {
      const Value* o = k + f.states < body.outputs.size() ? body.outputs[f.states + k] : nullptr;
      if (!o || o->dtype == DType::Undefined)
        n.fail("scan output " + std::to_string(k) + " has a negative axis and its body output declares no rank");
      f.out_axes[k] += static_cast<int64_t>(o->shape.size()) + 1;
    }
  if (!batched) {
    std::vector<Value*> ins(n.inputs.begin(), n.inputs.begin() + static_cast<std::ptrdiff_t>(own));
    unroll_scan(in, body, f, ins, length, n.outputs, n.name + "/");
    return;
  }
  if (n.input(0)) {  // every sequence must run the whole axis
    const Tensor& t = constant_input(n, 0, "sequence_lens");
    for (int64_t b = 0; b < t.elems(); ++b)
      if (t.int_at(b) != length) n.fail("sequence_lens holds " + std::to_string(t.int_at(b)) + "; only the full length " + std::to_string(length) + " is supported");
  }
  std::vector<std::vector<Value*>> per_batch(n.outputs.size());
  for (int64_t b = 0; b < batches; ++b) {
    const std::string p = n.name + "/b" + std::to_string(b) + "/";
    std::vector<Value*> ins, outs;
    for (size_t i = first; i < own; ++i) ins.push_back(in.take(n.inputs[i], b, 0, p + "x" + std::to_string(i)));
    for (size_t o = 0; o < n.outputs.size(); ++o) outs.push_back(in.new_value(p + "y" + std::to_string(o)));
    unroll_scan(in, body, f, ins, length, outs, p);
    for (size_t o = 0; o < outs.size(); ++o) per_batch[o].push_back(outs[o]);
  }
  for (size_t o = 0; o < n.outputs.size(); ++o)
    if (n.outputs[o]) in.stack(per_batch[o], 0, n.outputs[o], n.name + "/out" + std::to_string(o));
}

}  // namespace

std::vector<std::unique_ptr<Node>> inline_control_flow(Graph& g, const Node& n, const PassOptions& opts,
                                                       std::vector<LoopCondCheck>& checks) {
  Inliner in{g, n, opts.max_nodes - static_cast<int64_t>(g.nodes.size()), {}};
  if (n.op == "If") {
    inline_if(in);
  } else if (n.op == "Loop") {
    inline_loop(in, checks);
  } else if (n.op == "Scan") {
    inline_scan(in);
  } else {
    n.fail("is not control flow onnx2mcu inlines");
  }
  return std::move(in.out);
}

bool is_constant_true(const Value& v) {
  if (!v.is_const()) return false;
  for (uint8_t b : v.constant->bytes)
    if (b) return true;
  return false;
}

void check_loop_conditions(const std::vector<LoopCondCheck>& checks) {
  for (const LoopCondCheck& c : checks)
    if (!is_constant_true(*c.cond))
      fail_node(c.loop, "Loop",
                "its body's condition output '" + c.cond->name + "' is not constant true in iteration " +
                    std::to_string(c.iteration) +
                    "; onnx2mcu unrolls only Loops that run exactly their constant trip count");
}

}  // namespace onnx2mcu
