#include "planner/memory_plan.h"

#include <algorithm>

#include "onnx2mcu/error.h"
#include "ops/op.h"

namespace onnx2mcu {

namespace {

// The node lowers to one call that may write its output over its first input. Lowering is a pure
// function of the node, so asking it keeps the rule in one place (the op's lowering decides).
bool kernel_runs_in_place(const Node& n, const OpDef& def) {
  const std::vector<KernelCall> calls = def.lower(n);
  return calls.size() == 1 && calls[0].in_place && !calls[0].inputs.empty() && calls[0].inputs[0] == n.inputs[0] &&
         !calls[0].outputs.empty() && calls[0].outputs[0] == n.outputs[0];
}

}  // namespace

MemoryPlan plan_memory(const Graph& g) {
  MemoryPlan plan;
  for (const Value* v : g.inputs) plan.storage[v] = {StorageKind::GraphInput, v, 0};
  for (const auto& v : g.values)
    if (v->is_const()) plan.storage[v.get()] = {StorageKind::Weight, v.get(), 0};

  // Last step that reads each value; a root's bytes are free once all its aliases are past it.
  std::map<const Value*, int> last_read;
  for (size_t step = 0; step < g.nodes.size(); ++step)
    for (const Value* in : g.nodes[step]->inputs)
      if (in) last_read[in] = static_cast<int>(step);
  std::map<const Value*, std::vector<const Value*>> aliases;  // root -> values sharing its bytes
  auto dies_at = [&](const Value* in, int s) {
    auto st = plan.storage.find(in);
    if (st == plan.storage.end() || st->second.kind != StorageKind::Arena) return false;
    for (const Value* a : aliases[st->second.root])
      if (a->is_graph_output || last_read[a] > s) return false;
    return true;
  };

  std::map<const Value*, size_t> request_of;  // root value -> its request
  for (size_t step = 0; step < g.nodes.size(); ++step) {
    const Node& n = *g.nodes[step];
    const int s = static_cast<int>(step);
    // Reading a value keeps its root alive until this step.
    for (const Value* in : n.inputs) {
      if (!in) continue;
      auto it = plan.storage.find(in);
      if (it == plan.storage.end()) n.fail("input '" + in->name + "' has no storage (internal error)");
      auto req = request_of.find(it->second.root);
      if (req != request_of.end()) plan.requests[req->second].last = s;
    }
    const OpDef* def = find_op(n.domain, n.op);
    const Value* out0 = n.outputs.empty() ? nullptr : n.outputs[0];
    // A view with a second output (Dropout's mask) runs its lowering, which writes both.
    const bool more_outputs = n.outputs.size() > 1 && std::any_of(n.outputs.begin() + 1, n.outputs.end(), [](const Value* v) { return v; });
    if (def && def->is_view && out0 && !out0->is_graph_output && n.inputs[0] && !more_outputs) {
      plan.storage[out0] = plan.storage.at(n.inputs[0]);
      aliases[plan.storage[out0].root].push_back(out0);
      plan.aliased_views.insert(&n);
      continue;
    }
    // In place: an elementwise op over any dying input of its size, or a kernel that writes
    // output 0 over input 0 (KernelCall::in_place: the int8 depthwise and pointwise convs).
    if (def && out0 && !out0->is_graph_output && !is_runtime_control_flow(n)) {
      auto fits = [&](const Value* in) { return in && in->bytes() == out0->bytes() && in->shape == out0->shape && dies_at(in, s); };
      const Value* victim = nullptr;
      if (def->inplace) {
        for (const Value* in : n.inputs)
          if (fits(in)) victim = victim ? victim : in;
      } else if (def->lower && fits(n.input(0)) && kernel_runs_in_place(n, *def)) {
        victim = n.inputs[0];
      }
      if (victim) {
        plan.storage[out0] = plan.storage.at(victim);
        aliases[plan.storage[out0].root].push_back(out0);
        plan.inplace_nodes.insert(&n);
        continue;
      }
    }
    for (const Value* out : n.outputs) {
      if (!out) continue;
      if (out->is_graph_output) {
        plan.storage[out] = {StorageKind::GraphOutput, out, 0};
        continue;
      }
      plan.storage[out] = {StorageKind::Arena, out, 0};
      aliases[out].push_back(out);
      request_of[out] = plan.requests.size();
      plan.requests.push_back({out->bytes(), s, s});
      plan.arena_values.push_back(out);
    }
  }
  // Kernel scratch lives for its node's step only.
  std::map<const Node*, size_t> scratch_request;
  for (size_t step = 0; step < g.nodes.size(); ++step) {
    const Node& n = *g.nodes[step];
    if (plan.aliased_views.count(&n)) continue;
    int64_t bytes = 0;
    if (is_runtime_if(n)) {
      // Its branches never run together: they share one region, the larger one's arena.
      for (const auto& kv : n.attrs) {
        if (kv.second.kind != Attr::Kind::Graph || !kv.second.g) continue;
        auto sub = std::make_shared<MemoryPlan>(plan_memory(*kv.second.g));
        bytes = std::max(bytes, sub->arena.arena_bytes);
        plan.subplans[kv.second.g.get()] = sub;
      }
    } else if (is_runtime_loop(n)) {
      const Graph& body = *n.attrs.at("body").g;
      auto sub = std::make_shared<MemoryPlan>(plan_memory(body));
      plan.subplans[&body] = sub;
      LoopLayout& l = plan.loops[&n];
      auto take = [&l](int64_t b) {
        const int64_t at = l.bytes;
        l.bytes += (b + kArenaAlign - 1) / kArenaAlign * kArenaAlign;  // aligned as the arena's buffers
        return at;
      };
      const LoopForm f = loop_form(n);
      for (size_t j = 0; j < f.carried; ++j) l.carried_in.push_back(take(n.inputs[f.carried_begin + j]->bytes()));
      for (size_t k = 0; k < n.outputs.size(); ++k)
        l.spare_out.push_back(n.outputs[k] ? -1 : take(body.outputs[f.body_out + k]->bytes()));
      l.body = take(sub->arena.arena_bytes);
      bytes = l.bytes;
    } else {
      for (const KernelCall& c : find_op(n.domain, n.op)->lower(n)) bytes = std::max(bytes, c.scratch_bytes);
    }
    if (bytes == 0) continue;
    scratch_request[&n] = plan.requests.size();
    plan.requests.push_back({bytes, static_cast<int>(step), static_cast<int>(step)});
    plan.arena_values.push_back(nullptr);
  }
  plan.arena = plan_arena(plan.requests);
  for (const auto& kv : scratch_request) plan.scratch_offset[kv.first] = plan.arena.offsets[kv.second];
  if (std::string why = verify_plan(plan.requests, plan.arena); !why.empty())
    throw Error("memory planner produced an invalid plan: " + why);
  // Aliases share their root's request, so both get its offset.
  for (auto& kv : plan.storage)
    if (kv.second.kind == StorageKind::Arena) kv.second.offset = plan.arena.offsets[request_of.at(kv.second.root)];
  return plan;
}

}  // namespace onnx2mcu
