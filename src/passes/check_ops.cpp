#include <map>
#include <vector>

#include "onnx2mcu/error.h"
#include "ops/op.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

// One unsupported op type: the first node using it and how many nodes do.
struct Unsupported {
  const Node* first = nullptr;
  size_t nodes = 0;
};

std::string op_label(const Node& n) { return n.op + (n.domain.empty() ? std::string() : " in domain '" + n.domain + "'"); }

// Walks g and its subgraphs (If, Loop, Scan, SequenceMap), before any work: every unsupported op
// type is collected in order of first use; the first graph attribute of any other op is kept.
void collect(const Graph& g, std::vector<std::string>& order, std::map<std::string, Unsupported>& found, std::string& bad_graph) {
  for (const auto& n : g.nodes) {
    if (!find_op(n->domain, n->op)) {
      const std::string key = n->domain + "\n" + n->op;
      Unsupported& u = found[key];
      if (!u.first) u.first = n.get(), order.push_back(key);
      ++u.nodes;
    }
    for (const auto& kv : n->attrs) {
      if (kv.second.kind != Attr::Kind::Graph || !kv.second.g) continue;
      if (bad_graph.empty() && !is_inlined_control_flow(*n) && !(n->domain.empty() && n->op == "SequenceMap")) {
        try {
          n->fail("attribute '" + kv.first + "' is a graph; onnx2mcu compiles the subgraphs of If, Loop, Scan and SequenceMap only");
        } catch (const Error& e) {
          bad_graph = e.what();
        }
      }
      collect(*kv.second.g, order, found, bad_graph);
    }
  }
}

std::string count_nodes(size_t n) { return std::to_string(n) + (n == 1 ? " node" : " nodes"); }

}  // namespace

// One error for all unsupported ops: the first line as for a single node ("node 'a' (Foo):
// unsupported op ..."), then, when there is more than one node, every op type once.
void check_supported_ops(Graph& g, const PassOptions&) {
  std::vector<std::string> order;
  std::map<std::string, Unsupported> found;
  std::string bad_graph;
  collect(g, order, found, bad_graph);
  if (order.empty()) {
    if (!bad_graph.empty()) throw Error(bad_graph);
    return;
  }
  const Unsupported& first = found[order[0]];
  std::string what = "unsupported op" + (first.first->domain.empty() ? std::string() : " in domain '" + first.first->domain + "'") +
                     " (see docs/ops.md for the supported list)";
  if (order.size() > 1 || first.nodes > 1) {
    what += "; " + std::to_string(order.size()) + (order.size() == 1 ? " unsupported op" : " unsupported ops") + " in all:";
    for (size_t i = 0; i < order.size(); ++i) {
      const Unsupported& u = found[order[i]];
      what += std::string(i ? "," : "") + " " + op_label(*u.first) + " (node '" + u.first->name + "', " + count_nodes(u.nodes) + ")";
    }
  }
  first.first->fail(what);
}

}  // namespace onnx2mcu
