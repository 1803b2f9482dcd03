#include "onnx2mcu/inspect.h"

#include <fmt/format.h>

#include <set>

#include "emitter/emitter.h"
#include "ir/graph.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {
namespace {

}  // namespace

// Multiply-accumulates of the ops that dominate inference time.
int64_t model_stats_node_macs(const Node& n) {
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
  std::set<const Value*> weights;
  for (const auto& kv : m.plan->storage)
    if (kv.second.kind == StorageKind::Weight && weights.insert(kv.second.root).second) s.weight_bytes += kv.first->bytes();
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
