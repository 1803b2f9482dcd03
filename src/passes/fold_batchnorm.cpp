// BatchNormalization after a Conv or Gemm becomes part of its weights and bias:
// y = (conv(x) - mean) * k + b with k = scale / sqrt(var + eps), so w' = w * k, b' = (b - mean) * k + beta.
#include <algorithm>
#include <cmath>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace onnx2mcu {
namespace {

bool all_const_f32(const Node& n, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i)
    if (!n.input(i) || !n.input(i)->is_const() || n.input(i)->dtype != DType::F32) return false;
  return true;
}

// Per-channel factor k and offset c such that bn(v) = v * k + c.
void bn_affine(const Node& bn, std::vector<float>& k, std::vector<float>& c) {
  const float eps = bn.attr_float("epsilon", 1e-5f);
  const auto* scale = bn.input(1)->constant->data<float>();
  const auto* beta = bn.input(2)->constant->data<float>();
  const auto* mean = bn.input(3)->constant->data<float>();
  const auto* var = bn.input(4)->constant->data<float>();
  const auto channels = static_cast<size_t>(bn.input(1)->elems());
  k.resize(channels);
  c.resize(channels);
  for (size_t i = 0; i < channels; ++i) {
    k[i] = scale[i] / std::sqrt(var[i] + eps);
    c[i] = beta[i] - mean[i] * k[i];
  }
}

// Folds into a Conv: weights scale along dim 0 (output channels).
bool fold_into_conv(Graph& g, Node& conv, Node& bn) {
  if (!all_const_f32(conv, 1, 2) || (conv.input(2) && !all_const_f32(conv, 2, 3))) return false;
  std::vector<float> k, c;
  bn_affine(bn, k, c);
  const Value& w = *conv.input(1);
  if (static_cast<size_t>(w.shape[0]) != k.size()) return false;
  Tensor nw = *w.constant;
  const int64_t per = nw.elems() / w.shape[0];
  for (int64_t i = 0; i < nw.elems(); ++i) nw.data<float>()[i] *= k[static_cast<size_t>(i / per)];
  Tensor nb(DType::F32, {w.shape[0]});
  for (size_t o = 0; o < k.size(); ++o)
    nb.data<float>()[o] = (conv.input(2) ? conv.input(2)->constant->data<float>()[o] : 0.0f) * k[o] + c[o];
  conv.inputs.resize(3);
  conv.inputs[1] = g.add_constant(w.name + "_bn", std::move(nw));
  conv.inputs[2] = g.add_constant(conv.name + "_bias_bn", std::move(nb));
  absorb_next(g, conv, bn);
  return true;
}

// Folds into a 2-D Gemm/MatMul whose B is constant: columns of op(B) scale, C absorbs the offset.
bool fold_into_gemm(Graph& g, Node& mm, Node& bn) {
  const Value* a = mm.input(0);
  const Value* b = mm.input(1);
  if (!a || !b || a->shape.size() != 2 || b->shape.size() != 2 || !b->is_const() || b->dtype != DType::F32) return false;
  if (mm.op == "Gemm" && (mm.attr_int("transA", 0) || (mm.input(2) && !all_const_f32(mm, 2, 3)))) return false;
  const bool tb = mm.op == "Gemm" && mm.attr_int("transB", 0);
  const int64_t n = tb ? b->shape[0] : b->shape[1], kdim = tb ? b->shape[1] : b->shape[0];
  std::vector<float> k, c;
  bn_affine(bn, k, c);
  if (static_cast<int64_t>(k.size()) != n) return false;
  const float alpha = mm.op == "Gemm" ? mm.attr_float("alpha", 1.0f) : 1.0f;
  const float beta = mm.op == "Gemm" ? mm.attr_float("beta", 1.0f) : 1.0f;
  Tensor nw = *b->constant;
  for (int64_t r = 0; r < kdim; ++r)
    for (int64_t j = 0; j < n; ++j) nw.data<float>()[tb ? j * kdim + r : r * n + j] *= k[static_cast<size_t>(j)] * alpha;
  // C broadcast to [N] only: a full [M,N] C would need its own rescaled copy.
  Tensor nc(DType::F32, {n});
  const Value* old_c = mm.op == "Gemm" ? mm.input(2) : nullptr;
  if (old_c && old_c->elems() != 1 && old_c->elems() != n) return false;
  if (old_c && old_c->shape.size() == 2 && old_c->shape[1] != n) return false;
  for (int64_t j = 0; j < n; ++j) {
    const float cv = old_c ? old_c->constant->data<float>()[old_c->elems() == 1 ? 0 : j] * beta : 0.0f;
    nc.data<float>()[j] = cv * k[static_cast<size_t>(j)] + c[static_cast<size_t>(j)];
  }
  mm.op = "Gemm";
  mm.opset = std::max(mm.opset, 11);
  mm.attrs.clear();
  if (tb) mm.attrs["transB"].i = 1;
  mm.inputs.resize(3);
  mm.inputs[1] = g.add_constant(b->name + "_bn", std::move(nw));
  mm.inputs[2] = g.add_constant(mm.name + "_bias_bn", std::move(nc));
  absorb_next(g, mm, bn);
  return true;
}

}  // namespace

void fold_batchnorm(Graph& g, const PassOptions&) {
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& np : g.nodes) {
      Node& n = *np;
      if (!(n.op == "Conv" || n.op == "Gemm" || n.op == "MatMul") || !n.domain.empty() || n.outputs.size() != 1) continue;
      Node* bn = sole_consumer(g, n.outputs[0]);
      if (!bn || bn->op != "BatchNormalization" || bn->input(0) != n.outputs[0] || !all_const_f32(*bn, 1, 5)) continue;
      if (bn->outputs.size() > 1 && std::any_of(bn->outputs.begin() + 1, bn->outputs.end(), [](Value* v) { return v; })) continue;
      if (bn->opset >= 14 && bn->attr_int("training_mode", 0) != 0) continue;  // batch statistics, not constants
      changed = n.op == "Conv" ? fold_into_conv(g, n, *bn) : fold_into_gemm(g, n, *bn);
      if (changed) break;  // the node list changed under us
    }
  }
  g.drop_unused_values();
}

}  // namespace onnx2mcu
