// Operator order for memory. Where the graph leaves a choice (branches, residual blocks,
// independent heads), the order decides which tensors are alive together. A greedy list
// schedule runs, among the ready nodes, the one that adds the fewest arena bytes net of the
// inputs it frees; the new order is kept only when the planned arena shrinks, so a chain (or
// any graph where it does not pay) keeps the model's own order and its generated code.
#include <map>
#include <set>

#include "ops/op.h"
#include "passes/passes.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {
namespace {

bool in_arena(const Value* v) { return v && !v->is_const() && !v->is_graph_input && !v->is_graph_output; }

std::vector<size_t> greedy_order(const Graph& g) {
  const size_t n = g.nodes.size();
  std::map<const Node*, size_t> index;
  for (size_t i = 0; i < n; ++i) index[g.nodes[i].get()] = i;
  std::vector<std::set<size_t>> users(n);  // nodes that read an output of node i
  std::vector<size_t> waiting(n, 0);       // producers of node i not yet scheduled
  std::map<const Value*, int> readers;     // unscheduled nodes that still read the value
  for (size_t i = 0; i < n; ++i) {
    std::set<size_t> producers;
    std::set<const Value*> read;
    for (const Value* in : g.nodes[i]->inputs) {
      if (!in) continue;
      if (read.insert(in).second) ++readers[in];
      if (in->producer) producers.insert(index.at(in->producer));
    }
    waiting[i] = producers.size();
    for (size_t p : producers) users[p].insert(i);
  }
  auto net_bytes = [&](size_t i) {
    const Node& node = *g.nodes[i];
    const OpDef* def = find_op(node.domain, node.op);
    if (def && def->is_view) return int64_t{0};  // aliases its input
    int64_t net = 0;
    for (const Value* out : node.outputs)
      if (in_arena(out)) net += out->bytes();
    std::set<const Value*> read;
    for (const Value* in : node.inputs)
      if (in_arena(in) && read.insert(in).second && readers.at(in) == 1) net -= in->bytes();
    return net;
  };
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (waiting[i] == 0) ready.insert(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t pick = *ready.begin();
    int64_t best = net_bytes(pick);
    for (size_t i : ready)
      if (const int64_t b = net_bytes(i); b < best) best = b, pick = i;  // ties: model order
    ready.erase(pick);
    order.push_back(pick);
    std::set<const Value*> read;
    for (const Value* in : g.nodes[pick]->inputs)
      if (in && read.insert(in).second) --readers[in];
    for (size_t u : users[pick])
      if (--waiting[u] == 0) ready.insert(u);
  }
  return order;
}

}  // namespace

void order_for_memory(Graph& g, const PassOptions&) {
  if (g.nodes.size() < 3) return;
  const std::vector<size_t> order = greedy_order(g);
  if (order.size() != g.nodes.size()) return;  // not a DAG: check_topological reports it
  bool same = true;
  for (size_t i = 0; i < order.size(); ++i) same = same && order[i] == i;
  if (same) return;
  const int64_t before = plan_memory(g).arena.arena_bytes;
  std::vector<std::unique_ptr<Node>> old = std::move(g.nodes);
  g.nodes.clear();
  for (size_t i : order) g.nodes.push_back(std::move(old[i]));
  if (plan_memory(g).arena.arena_bytes < before) return;
  // No gain: put the model's order back.
  std::vector<std::unique_ptr<Node>> reordered = std::move(g.nodes);
  g.nodes.clear();
  g.nodes.resize(old.size());
  for (size_t k = 0; k < order.size(); ++k) g.nodes[order[k]] = std::move(reordered[k]);
}

}  // namespace onnx2mcu
