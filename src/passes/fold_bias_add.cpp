// Conv -> Add(per-channel constant) and 2-D Gemm/MatMul -> Add(per-column constant) become one
// op with a bias: one pass over the output instead of two, and one buffer fewer.
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {
namespace {

// The Add's constant operand, if it broadcasts along exactly one axis `axis` of an output of
// the given rank with `channels` values; else nullptr.
const Value* per_axis_constant(const Node& add, const Value* from, size_t rank, size_t axis, int64_t channels) {
  const Value* other = add.input(0) == from ? add.input(1) : add.input(0);
  if (!other || !other->is_const() || other->dtype != DType::F32 || other->shape.size() > rank) return nullptr;
  Shape s(rank - other->shape.size(), 1);
  s.insert(s.end(), other->shape.begin(), other->shape.end());
  for (size_t d = 0; d < rank; ++d)
    if (s[d] != (d == axis ? channels : 1) && !(d == axis && s[d] == 1)) return nullptr;
  return other;
}

void add_bias(Graph& g, Node& n, const Value& extra, int64_t channels) {
  Tensor b(DType::F32, {channels});
  const bool scalar = extra.elems() == 1;
  for (int64_t i = 0; i < channels; ++i) {
    float old = n.input(2) ? n.input(2)->constant->data<float>()[n.input(2)->elems() == 1 ? 0 : i] : 0.0f;
    b.data<float>()[i] = old + extra.constant->data<float>()[scalar ? 0 : i];
  }
  n.inputs.resize(3);
  n.inputs[2] = g.add_constant(n.name + "_bias", std::move(b));
}

bool try_fold(Graph& g, Node& n) {
  Value* y = n.outputs[0];
  Node* add = sole_consumer(g, y);
  if (!add || add->op != "Add" || !add->domain.empty() || add->inputs.size() != 2) return false;
  if (add->outputs[0]->shape != y->shape || y->dtype != DType::F32) return false;  // the Add must not broadcast y
  if (n.input(2) && (!n.input(2)->is_const() || n.input(2)->dtype != DType::F32)) return false;
  if (n.op == "Conv") {
    const Value* c = per_axis_constant(*add, y, y->shape.size(), 1, y->shape[1]);
    if (!c) return false;
    add_bias(g, n, *c, y->shape[1]);
  } else {
    if (y->shape.size() != 2 || n.input(0)->shape.size() != 2 || n.input(1)->shape.size() != 2) return false;
    if (n.op == "Gemm" && n.input(2) && n.input(2)->elems() != 1 && n.input(2)->elems() != y->shape[1]) return false;
    if (n.op == "Gemm" && n.input(2) && n.input(2)->shape.size() == 2 && n.input(2)->shape[0] != 1) return false;
    if (n.op == "Gemm" && n.attr_float("beta", 1.0f) != 1.0f && n.input(2)) return false;
    const Value* c = per_axis_constant(*add, y, 2, 1, y->shape[1]);
    if (!c) return false;
    if (n.op == "MatMul") {
      n.op = "Gemm";
      n.opset = std::max(n.opset, 11);
    }
    add_bias(g, n, *c, y->shape[1]);
    n.attrs["beta"].kind = Attr::Kind::Float;
    n.attrs["beta"].f = 1.0f;
  }
  absorb_next(g, n, *add);
  return true;
}

}  // namespace

void fold_bias_add(Graph& g, const PassOptions&) {
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& np : g.nodes) {
      Node& n = *np;
      if (!n.domain.empty() || n.outputs.size() != 1 || !(n.op == "Conv" || n.op == "Gemm" || n.op == "MatMul")) continue;
      if ((changed = try_fold(g, n))) break;
    }
  }
  g.drop_unused_values();
}

}  // namespace onnx2mcu
