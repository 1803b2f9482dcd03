// Conv [-> Relu | Clip | LeakyRelu | Sigmoid | HardSigmoid] -> MaxPool/AveragePool becomes one onnx2mcu.ConvPool node
// that computes the conv band by band (see templates/kernels/conv_pool.hpp): the full conv
// output never exists, which lowers the arena below the layer-by-layer bound. Only pools whose
// windows do not overlap vertically qualify, so no conv row is computed twice and the fused
// node costs no extra MACs; and the pair is fused only when the planned arena shrinks (a
// global pool's band is the whole conv output plus the pool's: no gain).
#include <algorithm>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {
namespace {

bool is(const Node* n, const char* op) { return n && n->domain.empty() && n->op == op; }

std::unique_ptr<Node> try_fuse(const Graph& g, Node& conv, std::vector<const Node*>& dead) {
  if (!is(&conv, "Conv") || conv.outputs.size() != 1 || conv.inputs[0]->shape.size() != 4) return nullptr;
  if (conv.inputs[0]->dtype != DType::F32 || !conv.input(1) || !conv.input(1)->is_const()) return nullptr;
  auto fused = std::make_unique<Node>();
  Node* next = sole_consumer(g, conv.outputs[0]);
  dead = {&conv};
  if (next && is_fusable_activation(*next)) {
    if (!take_activation(*next, *fused)) return nullptr;
    dead.push_back(next);
    next = sole_consumer(g, next->outputs[0]);
  }
  if (!(is(next, "MaxPool") || is(next, "AveragePool")) || next->input(0) != dead.back()->outputs[0]) return nullptr;
  if (next->outputs.size() > 1 && next->outputs[1]) return nullptr;
  const std::vector<int64_t> k = next->attr_ints("kernel_shape");
  const std::vector<int64_t> s = next->attr_ints("strides", std::vector<int64_t>(k.size(), 1));
  const std::vector<int64_t> d = next->attr_ints("dilations", std::vector<int64_t>(k.size(), 1));
  if (k.size() != 2 || s.size() != 2 || d.size() != 2 || s[0] < k[0] || d[0] != 1 || next->attr_int("storage_order", 0)) return nullptr;
  dead.push_back(next);
  fused->name = conv.name + "+" + next->name;
  fused->op = "ConvPool";
  fused->domain = "onnx2mcu";
  fused->opset = 1;
  fused->inputs = conv.inputs;
  fused->outputs = next->outputs;
  for (const auto& kv : conv.attrs) fused->attrs["conv_" + kv.first] = kv.second;
  for (const auto& kv : next->attrs) fused->attrs["pool_" + kv.first] = kv.second;
  fused->attrs["pool_max"].i = next->op == "MaxPool";
  // The conv's MACs, for reports: the fused node's output no longer shows the conv's size.
  const Value& w = *conv.input(1);
  fused->attrs["conv_macs"].i = conv.outputs[0]->elems() * shape_elems(Shape(w.shape.begin() + 1, w.shape.end()));
  return fused;
}

}  // namespace

void fuse_conv_pool(Graph& g, const PassOptions&) {
  bool any = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    std::vector<const Node*> dead;
    std::unique_ptr<Node> fused = try_fuse(g, *g.nodes[i], dead);
    if (fused) any |= fuse_if_arena_shrinks(g, std::move(fused), dead);
  }
  if (any) g.drop_unused_values();
}

}  // namespace onnx2mcu
