#include "onnx2mcu/inspect.h"

#include <fmt/format.h>

#include <algorithm>

#include "emitter/emitter.h"
#include "ir/graph.h"
#include "ops/op.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {
namespace {

// RNN, GRU, LSTM: per direction, per time step and per batch row, each gate's hidden values are
// dot products over the input (W) and the previous hidden state (R):
//   dirs x seq x batch x gates x (input + hidden) x hidden,
// with W [dirs, gates*hidden, input] and R [dirs, gates*hidden, hidden]. Bias adds, peepholes
// and the gates' elementwise products are not counted (as Conv's bias is not).
int64_t recurrent_macs(const Node& n) {
  const Value *x = n.input(0), *w = n.input(1), *r = n.input(2);
  if (!x || !w || !r || x->shape.size() != 3 || w->shape.size() != 3 || r->shape.size() != 3) return 0;
  const bool batch_first = n.attr_int("layout", 0) == 1;  // X [batch, seq, input], else [seq, batch, input]
  const int64_t seq = x->shape[batch_first ? 1 : 0], batch = x->shape[batch_first ? 0 : 1];
  const int64_t dirs_x_gates_x_hidden = w->shape[0] * w->shape[1];
  return seq * batch * dirs_x_gates_x_hidden * (w->shape[2] + r->shape[2]);
}

}  // namespace

// Multiply-accumulates of the ops that dominate inference time.
int64_t model_stats_node_macs(const Node& n) {
  if (is_runtime_if(n)) {  // the larger branch: the worst case one run can take
    int64_t most = 0;
    for (const auto& kv : n.attrs) {
      if (kv.second.kind != Attr::Kind::Graph || !kv.second.g) continue;
      int64_t sum = 0;
      for (const auto& m : kv.second.g->nodes) sum += model_stats_node_macs(*m);
      most = std::max(most, sum);
    }
    return most;
  }
  if (is_runtime_loop(n)) {  // the body as many times as the bound allows (once when there is none)
    int64_t sum = 0;
    for (const auto& m : n.attrs.at("body").g->nodes) sum += model_stats_node_macs(*m);
    return sum * std::max<int64_t>(1, n.attr_int(kLoopMaxTripsAttr, 1));
  }
  if (n.domain.empty() && (n.op == "RNN" || n.op == "GRU" || n.op == "LSTM")) return recurrent_macs(n);
  // ConvTranspose: every input value is multiplied into a C_out/group x k... window of the
  // output, the same count as the equivalent conv: N x C_in x H_in x W_in x (C_out/group) x kH x kW,
  // with W [C_in, C_out/group, kH, kW] (any number of spatial dims).
  if (n.domain.empty() && n.op == "ConvTranspose" && n.input(0) && n.input(1)) {
    const Shape& w = n.input(1)->shape;
    return w.empty() ? 0 : n.input(0)->elems() * shape_elems(Shape(w.begin() + 1, w.end()));
  }
  if (n.outputs.empty() || !n.outputs[0]) return 0;
  const Value& y = *n.outputs[0];
  if (n.op == "Conv" && n.input(1)) {
    const Shape& w = n.input(1)->shape;
    return y.elems() * shape_elems(Shape(w.begin() + 1, w.end()));
  }
  if (n.op == "Gemm" && n.input(0)) {
    const Shape& a = n.input(0)->shape;
    return y.elems() * (n.attr_int("transA", 0) ? a[0] : a[1]);
  }
  if (n.op == "MatMul" && n.input(0)) return y.elems() * n.input(0)->shape.back();
  if (n.op == "ConvPool") return n.attr_int("conv_macs", 0);
  if (n.op == "PwDw") return n.attr_int("macs", 0);
  // The integer ops (lower-qdq, QOperator models): the same counts on their weight inputs.
  const Value* w = n.op == "QLinearConv" ? n.input(3) : (n.op == "QConv" || n.op == "ConvInteger" ? n.input(1) : nullptr);
  if (w) return y.elems() * shape_elems(Shape(w->shape.begin() + 1, w->shape.end()));
  if (n.op == "QGemm" && n.domain == "onnx2mcu" && n.input(1)) return y.elems() * n.input(1)->shape.back();
  if ((n.op == "MatMulInteger" || n.op == "QLinearMatMul") && n.input(0)) return y.elems() * n.input(0)->shape.back();
  return 0;
}

namespace {

std::string where(const MemoryPlan& plan, const Value* v) {
  auto it = plan.storage.find(v);
  if (it == plan.storage.end()) return "-";
  switch (it->second.kind) {
    case StorageKind::GraphInput: return "input";
    case StorageKind::GraphOutput: return "output";
    case StorageKind::Weight: return "weights";
    case StorageKind::Arena: return fmt::format("arena+{}", it->second.offset);
  }
  return "-";
}

}  // namespace

ModelStats model_stats(const CompiledModel& m) {
  ModelStats s;
  for (const auto& n : m.graph->nodes) s.macs += model_stats_node_macs(*n);
  s.weight_bytes = m.weight_bytes;  // as emitted: constants only the generator reads are not in flash
  s.arena_bytes = m.plan->arena.arena_bytes;
  s.lower_bound = m.plan->arena.lower_bound;
  return s;
}

std::string inspect_report(const CompiledModel& m) {
  const Graph& g = *m.graph;
  const MemoryPlan& plan = *m.plan;
  std::string out = fmt::format("model {} ({})\n", m.name, g.model_path);
  for (const Value* v : g.inputs) out += fmt::format("  input  {} {} {}\n", v->name, dtype_name(v->dtype), shape_str(v->shape));
  for (const Value* v : g.outputs) out += fmt::format("  output {} {} {}\n", v->name, dtype_name(v->dtype), shape_str(v->shape));
  out += fmt::format("\n{:>4}  {:<24} {:<18} {:<20} {:>14} {:>10} {:>12}\n", "step", "node", "op", "output shape", "where", "bytes",
                     "MACs");
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = *g.nodes[i];
    const Value* y = n.outputs.empty() ? nullptr : n.outputs[0];
    std::string op = n.op + (plan.aliased_views.count(&n) ? " (view)" : "");
    out += fmt::format("{:>4}  {:<24} {:<18} {:<20} {:>14} {:>10} {:>12}\n", i, n.name, op, y ? shape_str(y->shape) : "-",
                       y ? where(plan, y) : "-", y ? y->bytes() : 0, model_stats_node_macs(n));
  }
  ModelStats s = model_stats(m);
  out += fmt::format("\narena bytes      {} ({}, lower bound {}, ratio {:.2f})\n", s.arena_bytes, plan.arena.algorithm,
                     s.lower_bound, s.lower_bound ? static_cast<double>(s.arena_bytes) / static_cast<double>(s.lower_bound) : 1.0);
  out += fmt::format("weight bytes     {}\nMACs             {}\nnodes            {}\n", s.weight_bytes, s.macs, g.nodes.size());
  return out;
}

}  // namespace onnx2mcu
